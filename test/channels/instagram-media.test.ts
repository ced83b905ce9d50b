/**
 * Instagram image publishing end to end: the accounts service puts the image on the council's
 * public site (`/media/shared/{token}`), the Graph contract server fetches that URL itself as
 * Instagram does, and publishes. The public route serves only copies handed to a network, for
 * the council whose address it is, with the right type and cache headers; the contract server
 * refuses an image_url that is unreachable or not an image.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from '../support/app.ts';
import { GraphContractServer } from '../peers/graph/server.ts';
import { tinyJpeg } from './webhook-receiver.ts';
import { freePort, startPublicSite } from './instagram-public-site.ts';

describe('instagram: images at a public address on the council’s site', () => {
  let ctx: TestContext;
  let graph: GraphContractServer;
  let origin = '';
  let councilId = '';
  let accountId = '';

  before(async () => {
    let site: Awaited<ReturnType<typeof startPublicSite>>;
    [site, graph] = await Promise.all([startPublicSite(), new GraphContractServer().start()]);
    ({ ctx, origin, harbour: councilId } = site);
    const account = await ctx.services.channelAccounts.connect(
      { councilId, userId: null, label: 'test' },
      {
        kind: 'instagram',
        name: 'Council Instagram',
        settings: { igUserId: graph.igUserId, pageId: graph.pageId, baseUrl: graph.baseUrl },
        credentials: { accessToken: graph.accessToken, appSecret: graph.appSecret, verifyToken: 'verify-me' },
      },
    );
    accountId = account.id;
  });
  after(async () => {
    await Promise.all([ctx?.close(), graph?.close()]);
  });

  const image = { data: tinyJpeg, mimeType: 'image/jpeg', altText: 'The new play area in Victoria Park' };

  it('publishes an image post: Instagram fetches the image from the council’s public URL', async () => {
    const { connector } = await ctx.services.channelAccounts.connectorFor(councilId, accountId);
    const published = await connector.publish({
      text: 'The Victoria Park play area is open',
      idempotencyKey: 'ig-media-1',
      media: [image],
    });
    assert.ok(published.ref.id);
    assert.equal(graph.countContaining('The Victoria Park play area is open'), 1);
    const media = graph.objects.get(published.ref.id);
    assert.deepEqual(media?.altTexts, [image.altText]);
  });

  it('serves the copy with its type and long-lived cache headers, only under its own council', async () => {
    const url = await ctx.services.publicMedia.host(councilId, image);
    assert.match(url, new RegExp(`^${origin}/c/harbour/media/shared/[A-Za-z0-9_-]{43}$`));
    assert.equal(
      await ctx.services.publicMedia.host(councilId, image),
      url,
      'the same image keeps its address',
    );
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.match(res.headers.get('cache-control') ?? '', /public, max-age=31536000, immutable/);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), tinyJpeg);
    const token = url.split('/').at(-1)!;
    assert.equal((await fetch(`${origin}/c/moor/media/shared/${token}`)).status, 404, 'another council');
    assert.equal((await fetch(`${origin}/c/harbour/media/shared/${'x'.repeat(43)}`)).status, 404, 'a guess');
    const cached = await fetch(url, { headers: { 'if-none-match': res.headers.get('etag')! } });
    assert.equal(cached.status, 304);
  });

  it('is refused by the contract server, as by Instagram, when the URL is unreachable or not an image', async () => {
    const container = (imageUrl: string) =>
      fetch(`${graph.baseUrl}/v21.0/${graph.igUserId}/media`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${graph.accessToken}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ image_url: imageUrl, caption: 'x' }),
      }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { error?: { code: number; message: string } },
      }));
    const notImage = await container(`${origin}/healthz`);
    assert.deepEqual([notImage.status, notImage.body.error?.code], [400, 9004]);
    const unreachable = await container(`http://127.0.0.1:${await freePort()}/image.jpg`);
    assert.deepEqual([unreachable.status, unreachable.body.error?.code], [400, 9004]);
    assert.match(unreachable.body.error?.message ?? '', /Media download has failed/);
  });
});
