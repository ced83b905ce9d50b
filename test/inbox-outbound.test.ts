/**
 * Outbound delivery survives crashes: a reply or case notice committed as 'queued' whose job
 * was never queued is found by the sweep (`inbox.sweep-outbound`) and queued once; two runs of
 * the send job send once; a message left 'sending' by a run that died mid-send is checked
 * with the network (findPublished) before anything is sent again. Against the Mastodon
 * contract server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChannelConnector, Published } from '../src/modules/channels/index.ts';
import { startMastodonServer, type MastodonServer } from './peers/mastodon/server.ts';
import { createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';
import { outboundOf, seedConversation } from './inbox-cases-support.ts';

describe('outbound delivery after a crash', () => {
  let ctx: TestContext;
  let server: MastodonServer;
  let councilId: string;
  let accountId: string;

  before(async () => {
    server = await startMastodonServer();
    ctx = await startTestApp();
    const made = await createCouncilWithStaff(ctx.services, 'outbound-town', [
      { email: 'agent@outbound-town.test', role: 'agent' },
    ]);
    councilId = made.councilId;
    const account = await ctx.services.channelAccounts.connect(
      { councilId, userId: made.users[0]!.id, label: 'test' },
      {
        kind: 'mastodon',
        name: 'Council Mastodon',
        settings: { baseUrl: server.baseUrl },
        credentials: { accessToken: server.token },
      },
    );
    accountId = account.id;
    // Queues exist, but no worker runs: the test drives the jobs itself.
    await ctx.services.jobs.start({ work: false });
  });
  after(async () => {
    await ctx.close();
    await server.close();
  });

  /** A resident's mention and an outbound message in its thread, stored as the given status. */
  async function stored(body: string, status: string, ageMs: number) {
    const { statusId } = server.residentWrites(`Pothole on ${body}`);
    const conversationId = await seedConversation(ctx.services, councilId, {
      channelKind: 'mastodon',
      channelAccountId: accountId,
      threadKey: statusId,
      externalId: statusId,
    });
    const row = await ctx.services.db.system
      .insertInto('messages')
      .values({
        council_id: councilId,
        conversation_id: conversationId,
        direction: 'out',
        body,
        delivery_status: status,
        created_at: new Date(Date.now() - ageMs),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { conversationId, messageId: String(row.id), statusId };
  }

  const waitingJobs = (messageId: string) =>
    ctx.services.jobs.boss.findJobs(ctx.services.replies.job.name, { key: messageId, queued: true });
  const posts = (messageId: string) =>
    server.requests.filter(
      (r) => r.method === 'POST' && r.path === '/api/v1/statuses' && r.idempotencyKey === messageId,
    ).length;

  it('the sweep queues a job for a stranded message once, and leaves fresh ones alone', async () => {
    const old = await stored('Reply that lost its job', 'queued', 5 * 60_000);
    const fresh = await stored('Reply whose job is on its way', 'queued', 0);
    const sending = await stored('Reply cut off mid-send', 'sending', 5 * 60_000);
    const sent = await stored('Reply already sent', 'sent', 5 * 60_000);

    const stranded = await ctx.services.replies.stranded(councilId);
    assert.ok(stranded.includes(old.messageId));
    assert.ok(stranded.includes(sending.messageId), "'sending' for minutes is stranded too");
    assert.ok(!stranded.includes(fresh.messageId), 'a fresh message still has its own job coming');
    assert.ok(!stranded.includes(sent.messageId));

    assert.equal(await ctx.services.replies.sweep(councilId), stranded.length);
    // A second sweep (the next minute, or two workers at once) adds nothing while a job waits.
    assert.equal(await ctx.services.replies.sweep(councilId), 0);
    const [job, ...more] = await waitingJobs(old.messageId);
    assert.ok(job, 'a send job is waiting for the stranded message');
    assert.equal(more.length, 0, 'one job, not a pile');
    assert.deepEqual(job.data, { councilId, messageId: old.messageId });
    assert.equal((await waitingJobs(fresh.messageId)).length, 0);

    await ctx.services.replies.deliver({ councilId, messageId: old.messageId }, 0);
    const [m] = await outboundOf(ctx.services, old.conversationId);
    assert.equal(m?.delivery_status, 'sent');
    assert.equal(server.readStatus(m.external_id!)?.in_reply_to_id, old.statusId);
    assert.equal(posts(old.messageId), 1);
  });

  it('two runs of the send job for one message send it once', async () => {
    const { conversationId, messageId } = await stored('Two jobs, one reply', 'queued', 0);
    await Promise.all([
      ctx.services.replies.deliver({ councilId, messageId }, 0),
      ctx.services.replies.deliver({ councilId, messageId }, 0),
    ]);
    await ctx.services.replies.deliver({ councilId, messageId }, 0);
    const [m] = await outboundOf(ctx.services, conversationId);
    assert.equal(m?.delivery_status, 'sent');
    assert.equal(posts(messageId), 1);
    assert.equal(server.countContaining('Two jobs, one reply'), 1);
  });

  it('a message left sending is reconciled with the network, not sent twice', async () => {
    const { conversationId, messageId } = await stored('Sent before the crash', 'sending', 3 * 60_000);
    // What the network already holds: the run that died had posted it.
    const before = server.residentWrites('placeholder for the posted reply');
    const already: Published = { ref: { id: before.statusId }, url: 'https://social.example/1' };
    const real = ctx.services.channelAccounts.connectorFor.bind(ctx.services.channelAccounts);
    const asked: string[] = [];
    ctx.services.channelAccounts.connectorFor = async (cid, aid) => {
      const got = await real(cid, aid);
      const connector = Object.assign(Object.create(got.connector) as ChannelConnector, {
        findPublished: async (input: { idempotencyKey: string }) => {
          asked.push(input.idempotencyKey);
          return input.idempotencyKey === messageId ? already : undefined;
        },
      });
      return { ...got, connector };
    };
    try {
      await ctx.services.replies.deliver({ councilId, messageId }, 1);
    } finally {
      ctx.services.channelAccounts.connectorFor = real;
    }
    const [m] = await outboundOf(ctx.services, conversationId);
    assert.deepEqual(asked, [messageId], 'the network was asked first');
    assert.equal(m?.delivery_status, 'sent');
    assert.equal(m.external_id, before.statusId, 'the post found is recorded');
    assert.equal(posts(messageId), 0, 'nothing sent again');
  });

  it('a message left sending that never reached the network is sent, once', async () => {
    const { conversationId, messageId, statusId } = await stored(
      'Cut off before sending',
      'sending',
      3 * 60_000,
    );
    await ctx.services.replies.deliver({ councilId, messageId }, 1);
    const [m] = await outboundOf(ctx.services, conversationId);
    assert.equal(m?.delivery_status, 'sent');
    assert.equal(server.readStatus(m.external_id!)?.in_reply_to_id, statusId);
    assert.equal(server.countContaining('Cut off before sending'), 1);
  });

  it('a fresh claim by a live run is not taken over by a second run', async () => {
    const { conversationId, messageId } = await stored('Held by a live run', 'sending', 0);
    // A live run holds the row while it sends; a second run must leave it alone.
    await ctx.services.db.system.transaction().execute(async (tx) => {
      await tx.selectFrom('messages').select('id').where('id', '=', messageId).forUpdate().execute();
      await ctx.services.replies.deliver({ councilId, messageId }, 0);
    });
    const [m] = await outboundOf(ctx.services, conversationId);
    assert.equal(m?.delivery_status, 'sending', 'left to the run that holds it');
    assert.equal(posts(messageId), 0);
  });
});
