/**
 * End to end on a channel: a case made from a Mastodon mention, and each status change, reach
 * the resident as replies in the same Mastodon thread, through the real job queue and the
 * Mastodon contract server. Delivery is the inbox's `inbox.send-reply` job, as for any reply.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Actor } from '../src/modules/accounts/index.ts';
import { startMastodonServer, type MastodonServer } from './peers/mastodon/server.ts';
import { Browser, createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';
import { outboundOf, seedConversation } from './inbox-cases-support.ts';

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('case updates reach the resident on Mastodon', () => {
  let ctx: TestContext;
  let server: MastodonServer;
  let councilId: string;
  let accountId: string;
  let browser: Browser;

  before(async () => {
    server = await startMastodonServer();
    ctx = await startTestApp();
    const made = await createCouncilWithStaff(ctx.services, 'masto-cases', [
      { email: 'agent@masto-cases.test', role: 'agent' },
    ]);
    councilId = made.councilId;
    const actor: Actor = { councilId, userId: made.users[0]!.id, label: 'agent@masto-cases.test' };
    const account = await ctx.services.channelAccounts.connect(actor, {
      kind: 'mastodon',
      name: 'Council Mastodon',
      settings: { baseUrl: server.baseUrl },
      credentials: { accessToken: server.token },
    });
    accountId = account.id;
    browser = new Browser(ctx.app, 'masto-cases.test');
    assert.equal((await browser.signIn('agent@masto-cases.test')).statusCode, 303);
  });
  after(async () => {
    await ctx.close();
    await server.close();
  });

  /** A resident's mention, as ingestion would store it. */
  async function mention(text: string): Promise<{ conversationId: string; statusId: string }> {
    const { statusId } = server.residentWrites(text);
    const conversationId = await seedConversation(ctx.services, councilId, {
      channelKind: 'mastodon',
      channelAccountId: accountId,
      threadKey: statusId,
      externalId: statusId,
      text,
      category: 'streetlight',
      area: 'roads',
    });
    return { conversationId, statusId };
  }

  it('posts the reference, then the status update, as replies in the resident’s thread', async () => {
    await ctx.services.jobs.start({ work: true });
    const { conversationId, statusId } = await mention('The street light outside 4 Elm Road is out');
    const res = await browser.submit(`/staff/inbox/conversations/${conversationId}/cases/new`, {
      quick: 'yes',
    });
    assert.equal(res.statusCode, 303);
    const caseId = String(res.headers.location).split('/')[3]!.split('?')[0]!;
    const { reference } = await ctx.services.db.system
      .selectFrom('cases')
      .select('reference')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();

    const sent = await waitFor('the reference to be sent', async () => {
      const [m] = await outboundOf(ctx.services, conversationId);
      return m?.delivery_status === 'sent' ? m : undefined;
    });
    const first = server.readStatus(sent.external_id!);
    assert.ok(first, 'the reply exists on Mastodon');
    assert.equal(first.in_reply_to_id, statusId, 'in the same thread');
    assert.ok(first.text.includes(reference));
    assert.match(first.text, /^@resident@social\.example /, 'addressed to the resident');

    const casePage = `/staff/cases/${caseId}`;
    await browser.submit(
      casePage,
      { status: 'scheduled', note: 'A crew is booked for Thursday.' },
      `${casePage}/status`,
    );
    const update = await waitFor('the status update to be sent', async () => {
      const m = (await outboundOf(ctx.services, conversationId))[1];
      return m?.delivery_status === 'sent' ? m : undefined;
    });
    const second = server.readStatus(update.external_id!);
    assert.equal(second?.in_reply_to_id, statusId);
    assert.match(
      second?.text ?? '',
      new RegExp(`Update on ${reference}: the work is booked in\\. A crew is booked for Thursday\\.`),
    );
    const posts = server.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/statuses');
    assert.deepEqual(
      posts.map((p) => p.idempotencyKey),
      [String(sent.id), String(update.id)],
      'one post per message, keyed by the message id',
    );
    await ctx.services.jobs.stop();
  });
});
