/**
 * What the Instagram image tests share: a whole Townsquare listening on a loopback port that
 * is also its public address (TOWNSQUARE_PUBLIC_URL), so a fetcher reaches the councils' public
 * sites as Instagram's would, with two councils, harbour and moor.
 */
import net from 'node:net';
import { createCouncilWithStaff, startTestApp, type TestContext } from '../support/app.ts';

/** A loopback port nothing listens on (once closed): for the app, or an unreachable URL. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startPublicSite(): Promise<{
  ctx: TestContext;
  origin: string;
  harbour: string;
  moor: string;
}> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const ctx = await startTestApp({ TOWNSQUARE_PUBLIC_URL: origin });
  await ctx.app.listen({ port, host: '127.0.0.1' });
  const { councilId: harbour } = await createCouncilWithStaff(ctx.services, 'harbour');
  const { councilId: moor } = await createCouncilWithStaff(ctx.services, 'moor');
  return { ctx, origin, harbour, moor };
}
