/**
 * End to end on a channel: a case made from a Mastodon mention, and each status change, reach
 * the resident as replies in the same Mastodon thread, through the real job queue and the
 * Mastodon contract server. Delivery is the inbox's `inbox.send-reply` job, as for any reply.
 * The resident's answer to the satisfaction question, polled in from Mastodon, is recorded
 * for the case's service and team and reported on the cases page.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'cheerio';
import type { Actor } from '../src/modules/accounts/index.ts';
import type { MastodonServer } from './peers/mastodon/server.ts';
import { Browser, type TestContext } from './support/app.ts';
import { councilWithMastodon, type MastodonCouncil } from './support/mastodon-council.ts';
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
  let town: MastodonCouncil;
  let ctx: TestContext;
  let server: MastodonServer;
  let councilId: string;
  let accountId: string;
  let actor: Actor;
  let browser: Browser;
  let teamId: string;

  before(async () => {
    town = await councilWithMastodon('masto-cases');
    ({ ctx, server, councilId, accountId } = town);
    actor = { councilId, userId: town.users[0]!.id, label: 'agent@masto-cases.test' };
    const team = await ctx.services.db.system
      .insertInto('teams')
      .values({ council_id: councilId, slug: 'highways', name: 'Highways' })
      .returning('id')
      .executeTakeFirstOrThrow();
    teamId = team.id;
    browser = new Browser(ctx.app, 'masto-cases.test');
    assert.equal((await browser.signIn('agent@masto-cases.test')).statusCode, 303);
    await ctx.services.jobs.start({ work: true });
  });
  after(async () => {
    await ctx?.services.jobs.stop();
    await town?.close();
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
      teamId,
    });
    return { conversationId, statusId };
  }

  it('posts the reference, then the status update, as replies in the resident’s thread', async () => {
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
  });

  it('records the resident’s answer to the satisfaction question for the service and team', async () => {
    const { conversationId } = await mention('Pothole outside 9 Elm Road');
    const made = await ctx.services.cases.createFromConversation(actor, conversationId, {});
    await ctx.services.cases.changeStatus(actor, made.id, { status: 'fixed', note: '' });
    // The reference, the update and the question, all sent into the resident's thread.
    const question = await waitFor('the satisfaction question to be sent', async () => {
      const out = await outboundOf(ctx.services, conversationId);
      const q = out.find((m) => m.body.startsWith('How satisfied are you'));
      return out.length === 3 && out.every((m) => m.delivery_status === 'sent') ? q : undefined;
    });
    // Nothing recorded before the resident answers.
    assert.equal(await ctx.services.cases.readSatisfactionAnswers(councilId), 0);

    // The resident answers the question itself on Mastodon; the poll brings the answer in.
    server.residentWrites('@council 4 - quick work, thank you', { inReplyToId: question.external_id! });
    await ctx.services.jobs.boss.send('inbox.poll-account', { councilId, accountId });
    await waitFor('the answer in the inbox', async () => {
      const row = await ctx.services.db.system
        .selectFrom('messages')
        .select('id')
        .where('council_id', '=', councilId)
        .where('direction', '=', 'in')
        .where('body', 'like', '%quick work%')
        .executeTakeFirst();
      return row ?? undefined;
    });
    // What the every-minute `inbox.satisfaction-answers` job does.
    assert.equal(await ctx.services.cases.readSatisfactionAnswers(councilId), 1);
    assert.equal(await ctx.services.cases.readSatisfactionAnswers(councilId), 0, 'recorded once');
    const answers = await ctx.services.db.system
      .selectFrom('satisfaction_responses')
      .select(['case_id', 'conversation_id', 'area', 'team_id', 'score', 'comment'])
      .where('council_id', '=', councilId)
      .execute();
    assert.deepEqual(answers, [
      {
        case_id: made.id,
        conversation_id: conversationId,
        area: 'roads',
        team_id: teamId,
        score: 4,
        comment: 'quick work, thank you',
      },
    ]);

    const page = load((await browser.get('/staff/cases')).body);
    const row = (caption: string) =>
      page(`table:has(caption:contains("${caption}")) tbody tr`)
        .toArray()
        .map((tr) => page(tr).text().replace(/\s+/g, ' ').trim());
    assert.deepEqual(row('By service'), ['roads 1 4.0 100%']);
    assert.deepEqual(row('By team'), ['Highways 1 4.0 100%']);
  });
});
