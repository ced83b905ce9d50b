/**
 * A whole Townsquare on a fresh database with one council whose Mastodon account is connected
 * to the Mastodon contract server: the set-up the inbox's poll and outbound tests share.
 */
import type { StaffUser } from '../../src/modules/accounts/index.ts';
import { startMastodonServer, type MastodonServer } from '../peers/mastodon/server.ts';
import { createCouncilWithStaff, startTestApp, type TestContext } from './app.ts';

export type MastodonCouncil = {
  ctx: TestContext;
  server: MastodonServer;
  councilId: string;
  /** The connected Mastodon channel account. */
  accountId: string;
  users: StaffUser[];
  close: () => Promise<void>;
};

/**
 * @example
 * const town = await councilWithMastodon('poll-town', [{ email: 'admin@poll-town.test', role: 'admin' }]);
 */
export async function councilWithMastodon(
  slug: string,
  staff: { email: string; role: string; name?: string }[] = [{ email: `agent@${slug}.test`, role: 'agent' }],
  env: Record<string, string> = {},
): Promise<MastodonCouncil> {
  const server = await startMastodonServer();
  const ctx = await startTestApp(env);
  const { councilId, users } = await createCouncilWithStaff(ctx.services, slug, staff);
  const account = await ctx.services.channelAccounts.connect(
    { councilId, userId: users[0]!.id, label: 'test' },
    {
      kind: 'mastodon',
      name: 'Council Mastodon',
      settings: { baseUrl: server.baseUrl },
      credentials: { accessToken: server.token },
    },
  );
  return {
    ctx,
    server,
    councilId,
    accountId: account.id,
    users,
    close: async () => {
      await ctx.close();
      await server.close();
    },
  };
}
