/**
 * `inbox.poll-account` against the Mastodon contract server through a connected account: the
 * first poll stores the mention and the cursor together, a second finds nothing new, a poll
 * whose processing never ran loses nothing (the pending sweep completes it), and a revoked
 * token flags the account for reconnection and keeps the cursor.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JobContext } from '../src/jobs/index.ts';
import { DutyAlerter, IngestService, inboxJobs, type InboxJobs } from '../src/modules/inbox/index.ts';
import type { MastodonServer } from './peers/mastodon/server.ts';
import type { TestContext } from './support/app.ts';
import { councilWithMastodon, type MastodonCouncil } from './support/mastodon-council.ts';

describe('inbox.poll-account on Mastodon', () => {
  let town: MastodonCouncil;
  let ctx: TestContext;
  let server: MastodonServer;
  let councilId: string;
  let accountId: string;
  let jobs: InboxJobs;
  let job: JobContext;

  before(async () => {
    town = await councilWithMastodon('poll-town', [{ email: 'admin@poll-town.test', role: 'admin' }]);
    ({ ctx, server, councilId, accountId } = town);
    job = { jobId: 'test', log: ctx.services.log, retryCount: 0 };
  });
  after(async () => town?.close());

  /** The inbox jobs, over an ingest service whose processing step is `afterStore`. */
  function jobsWith(afterStore: (councilId: string) => Promise<void>): InboxJobs {
    const { services } = ctx;
    const ingest = new IngestService(services.db.app, {
      log: services.log,
      scheduler: { afterStore, sendDutyAlerts: async () => undefined },
    });
    return inboxJobs({
      db: services.db.app,
      ingest,
      sla: services.sla,
      alerter: new DutyAlerter(services.db.app, services.channelAccounts, services.log),
      channelAccounts: services.channelAccounts,
      councilIds: async () => [councilId],
      log: services.log,
    });
  }
  const poll = () => jobs.pollAccount.handle({ councilId, accountId }, job);

  const account = () =>
    ctx.services.db.system
      .selectFrom('channel_accounts')
      .select(['inbound_cursor', 'status', 'last_error', 'last_success_at'])
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
  const events = () =>
    ctx.services.db.system
      .selectFrom('inbound_events')
      .select(['id', 'external_id', 'status'])
      .where('channel_account_id', '=', accountId)
      .orderBy('id')
      .execute();
  const messagesLike = (text: string) =>
    ctx.services.db.system
      .selectFrom('messages')
      .select(['id', 'body', 'conversation_id'])
      .where('council_id', '=', councilId)
      .where('direction', '=', 'in')
      .where('body', 'like', `%${text}%`)
      .execute();

  it('the first poll ingests the mention once and stores the cursor with it', async () => {
    // Processing follows the store, as the queued `inbox.process-pending` run would.
    jobs = jobsWith(async (id) => void (await ctx.services.ingest.processPending(id)));
    const { notificationId } = server.residentWrites('The bins on Mill Lane were missed again');
    assert.equal((await account()).inbound_cursor, null);

    await poll();

    const a = await account();
    assert.equal(a.inbound_cursor, notificationId, 'the cursor is the newest notification');
    assert.equal(a.status, 'active');
    assert.ok(a.last_success_at, 'the success is recorded');
    const stored = await events();
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.status, 'processed');
    const messages = await messagesLike('Mill Lane');
    assert.equal(messages.length, 1, 'one message in the inbox');
  });

  it('a second poll ingests nothing new', async () => {
    const cursor = (await account()).inbound_cursor;
    const before = server.requests.length;
    await poll();
    const asked = server.requests.slice(before).find((r) => r.path === '/api/v1/notifications');
    assert.ok(asked, 'the network was asked again');
    assert.equal((await events()).length, 1);
    assert.equal((await messagesLike('Mill Lane')).length, 1);
    assert.equal((await account()).inbound_cursor, cursor);
  });

  it('loses nothing when processing fails after the store: the pending sweep completes it', async () => {
    // The worker that should process the batch dies: the stored events wait as 'received'.
    jobs = jobsWith(async () => {
      throw new Error('worker died before processing');
    });
    const { notificationId } = server.residentWrites('Streetlight out on Station Road');
    await poll();
    assert.equal((await account()).inbound_cursor, notificationId, 'the cursor moved with the store');
    const waiting = (await events()).filter((e) => e.status === 'received');
    assert.equal(waiting.length, 1, 'the mention is stored, not yet processed');
    assert.equal((await messagesLike('Station Road')).length, 0);

    // Polling again does not fetch it again (the cursor moved) nor double it.
    await poll();
    assert.equal((await events()).length, 2);

    // The cron run of inbox.process-pending sweeps every council's pending events.
    await jobs.processPending.handle({}, job);
    assert.deepEqual(
      (await events()).map((e) => e.status),
      ['processed', 'processed'],
    );
    assert.equal((await messagesLike('Station Road')).length, 1, 'processed once');
    await jobs.processPending.handle({}, job);
    assert.equal((await messagesLike('Station Road')).length, 1, 'a second sweep changes nothing');
  });

  it('a revoked token flags the account for reconnection and keeps the cursor', async () => {
    const cursor = (await account()).inbound_cursor;
    server.residentWrites('Graffiti on the library wall');
    server.expireToken();
    // An expired sign-in is not retried: the job ends without throwing.
    await poll();
    const a = await account();
    assert.equal(a.status, 'needs_reconnect');
    assert.ok(a.last_error, 'the failure is recorded for the owners');
    assert.equal(a.inbound_cursor, cursor, 'the cursor stays where it was');
    assert.equal((await events()).length, 2, 'nothing stored');
    // Later polls of the flagged account stop at once, without asking the network.
    const before = server.requests.length;
    await poll();
    assert.equal(server.requests.length, before);
    assert.equal((await account()).inbound_cursor, cursor);
  });
});
