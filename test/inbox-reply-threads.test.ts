/**
 * A resident answering one of the council's replies stays in the conversation it answers.
 * Channels thread the answer under what it replies to: Mastodon under our status, email under
 * the References root or, from a client that keeps only In-Reply-To, under our Message-ID (and
 * the first answer to a web form's email is always under our Message-ID). Ingestion finds the
 * conversation through the outbound message carrying that id. An unrelated thread still starts
 * a conversation of its own, and a redelivered answer is not doubled.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JobContext } from '../src/jobs/index.ts';
import type { InboundItem } from '../src/modules/channels/index.ts';
import { parseEmail } from '../src/modules/channels/email/parse-email.ts';
import { DutyAlerter, IngestService, inboxJobs, type InboxJobs } from '../src/modules/inbox/index.ts';
import type { MastodonServer } from './peers/mastodon/server.ts';
import type { TestContext } from './support/app.ts';
import { councilWithMastodon, type MastodonCouncil } from './support/mastodon-council.ts';
import { outboundOf, seedConversation } from './inbox-cases-support.ts';

describe('a resident answering one of our replies', () => {
  let town: MastodonCouncil;
  let ctx: TestContext;
  let server: MastodonServer;
  let councilId: string;
  let accountId: string;
  let jobs: InboxJobs;
  let seq = 0;

  before(async () => {
    town = await councilWithMastodon('reply-town');
    ({ ctx, server, councilId, accountId } = town);
    // Queues exist, but no worker runs: the test drives polling, processing and sending.
    await ctx.services.jobs.start({ work: false });
    const { services } = ctx;
    jobs = inboxJobs({
      db: services.db.app,
      ingest: new IngestService(services.db.app, {
        log: services.log,
        scheduler: { afterStore: async () => undefined, sendDutyAlerts: async () => undefined },
      }),
      sla: services.sla,
      alerter: new DutyAlerter(services.db.app, services.channelAccounts, services.log),
      channelAccounts: services.channelAccounts,
      councilIds: async () => [councilId],
      log: services.log,
    });
  });
  after(async () => {
    await ctx?.services.jobs.stop();
    await town?.close();
  });

  const job: () => JobContext = () => ({ jobId: 'test', log: ctx.services.log, retryCount: 0 });
  const db = () => ctx.services.db.system;

  const conversation = (id: string) =>
    db()
      .selectFrom('conversations')
      .select(['id', 'channel_kind', 'thread_key', 'message_count', 'status'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const conversationsWith = (text: string) =>
    db()
      .selectFrom('messages')
      .select(['conversation_id'])
      .where('council_id', '=', councilId)
      .where('direction', '=', 'in')
      .where('body', 'like', `%${text}%`)
      .execute()
      .then((rows) => rows.map((r) => r.conversation_id));
  const conversationCount = async () =>
    Number(
      (
        await db()
          .selectFrom('conversations')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('council_id', '=', councilId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  /** A message the council sent into a conversation, with the id the channel gave it. */
  async function sent(conversationId: string, externalId: string): Promise<void> {
    await db()
      .insertInto('messages')
      .values({
        council_id: councilId,
        conversation_id: conversationId,
        direction: 'out',
        body: 'Thank you, we have passed this to the team.',
        delivery_status: 'sent',
        external_id: externalId,
      })
      .execute();
  }
  const waiting = (id: string) =>
    db().updateTable('conversations').set({ status: 'waiting' }).where('id', '=', id).execute();

  /** A resident's email, parsed as the inbound listener parses it. */
  async function email(text: string, headers: Record<string, string>): Promise<InboundItem> {
    const lines = [
      'From: Ann Resident <ann@example.org>',
      'To: reply-town@inbound.example',
      'Subject: Re: Your message to the council',
      `Message-ID: <resident-${++seq}-${Date.now()}@example.org>`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      'Content-Type: text/plain; charset=utf-8',
      '',
      text,
      '',
    ];
    const { item } = await parseEmail(Buffer.from(lines.join('\r\n')));
    assert.ok(item, 'the email parses');
    return item;
  }
  const ingestEmails = async (...items: InboundItem[]) => {
    const result = await ctx.services.ingest.ingest(
      councilId,
      { kind: 'email', accountId: null },
      { items, cursor: undefined, malformed: [] },
    );
    await ctx.services.ingest.processPending(councilId);
    return result;
  };

  it('an emailed answer to a web form’s reply (In-Reply-To our Message-ID only) joins the web conversation', async () => {
    const conversationId = await seedConversation(ctx.services, councilId, {
      channelKind: 'web',
      text: 'The bins on Mill Lane were not collected',
    });
    const ours = '<first-answer-1@reply-town.gov.uk>';
    await sent(conversationId, ours);
    await waiting(conversationId);
    const before = await conversation(conversationId);
    const conversations = await conversationCount();

    const answer = await email('They still have not been collected, Mill Lane', { 'In-Reply-To': ours });
    assert.equal(answer.threadId, ours, 'the mapper threads it under our Message-ID');
    await ingestEmails(answer);

    assert.deepEqual(await conversationsWith('still have not been collected'), [conversationId]);
    const after = await conversation(conversationId);
    assert.equal(after.message_count, before.message_count + 1);
    assert.equal(after.status, 'open', 'waiting on the resident, now reopened');
    assert.equal(await conversationCount(), conversations, 'no new conversation');

    // A later answer naming the root first in References (our first email) lands there too.
    const later = await email('Any news about Mill Lane?', {
      'In-Reply-To': '<second-answer-1@reply-town.gov.uk>',
      References: `${ours} <second-answer-1@reply-town.gov.uk>`,
    });
    assert.equal(later.threadId, ours, 'the References root');
    await ingestEmails(later);
    assert.deepEqual(await conversationsWith('Any news about Mill Lane'), [conversationId]);
    assert.equal((await conversation(conversationId)).message_count, before.message_count + 2);
  });

  it('an email thread keeps answers by its root and by our Message-ID, even in one chunk', async () => {
    const root = `<resident-root-${Date.now()}@example.org>`;
    const conversationId = await seedConversation(ctx.services, councilId, {
      channelKind: 'email',
      threadKey: root,
      externalId: root,
      text: 'Fly-tipping behind the library',
    });
    const ours = '<email-answer-2@reply-town.gov.uk>';
    await sent(conversationId, ours);
    const before = await conversation(conversationId);
    // One client keeps References (root first); another keeps only In-Reply-To (our id).
    const byRoot = await email('Photo of the fly-tipping attached', {
      'In-Reply-To': ours,
      References: `${root} ${ours}`,
    });
    const byParent = await email('It is still behind the library', { 'In-Reply-To': ours });
    await ingestEmails(byRoot, byParent);
    assert.deepEqual(await conversationsWith('Photo of the fly-tipping'), [conversationId]);
    assert.deepEqual(await conversationsWith('still behind the library'), [conversationId]);
    assert.equal((await conversation(conversationId)).message_count, before.message_count + 2);
  });

  it('a reply to our Mastodon status joins the mention’s conversation', async () => {
    const { statusId } = server.residentWrites('@council Broken swing in Victoria Park');
    await jobs.pollAccount.handle({ councilId, accountId }, job());
    await ctx.services.ingest.processPending(councilId);
    const [conversationId] = await conversationsWith('Broken swing in Victoria Park');
    assert.ok(conversationId, 'the mention made a conversation');
    assert.equal((await conversation(conversationId)).thread_key, statusId);

    // The council answers in the thread, through the send job, as an agent's reply would go.
    const reply = await db()
      .insertInto('messages')
      .values({
        council_id: councilId,
        conversation_id: conversationId,
        direction: 'out',
        body: 'Thank you, the parks team will look at it this week.',
        delivery_status: 'queued',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await ctx.services.replies.deliver({ councilId, messageId: String(reply.id) }, 0);
    const [ourReply] = await outboundOf(ctx.services, conversationId);
    assert.equal(ourReply?.delivery_status, 'sent');
    await waiting(conversationId);
    const conversations = await conversationCount();

    server.residentWrites('@council The swing is still broken today', { inReplyToId: ourReply.external_id! });
    await jobs.pollAccount.handle({ councilId, accountId }, job());
    await ctx.services.ingest.processPending(councilId);

    assert.deepEqual(await conversationsWith('swing is still broken'), [conversationId]);
    const after = await conversation(conversationId);
    assert.equal(after.message_count, 2);
    assert.equal(after.status, 'open');
    assert.equal(await conversationCount(), conversations, 'no new conversation');
  });

  it('an unrelated thread, or one of our ids on another channel, still starts a conversation', async () => {
    const webId = await seedConversation(ctx.services, councilId, { channelKind: 'web' });
    const ours = '<web-answer-3@reply-town.gov.uk>';
    await sent(webId, ours);
    const before = await conversation(webId);

    await ingestEmails(
      await email('A new problem: graffiti on the bridge', { 'In-Reply-To': '<x@elsewhere.org>' }),
    );
    const [graffiti] = await conversationsWith('graffiti on the bridge');
    assert.ok(graffiti && graffiti !== webId);
    assert.equal((await conversation(graffiti)).thread_key, '<x@elsewhere.org>');

    // A Mastodon status can never answer an email: the compatible kinds are explicit.
    const stray: InboundItem = {
      externalId: `stray-${Date.now()}`,
      kind: 'reply',
      author: { id: 'stray-1', handle: 'stray@social.example' },
      text: 'Overgrown hedge on Station Road',
      createdAt: new Date(),
      threadId: ours,
      inReplyTo: ours,
      isPrivate: false,
      raw: {},
    };
    await ctx.services.ingest.ingest(
      councilId,
      { kind: 'mastodon', accountId },
      { items: [stray], cursor: undefined, malformed: [] },
    );
    await ctx.services.ingest.processPending(councilId);
    const [hedge] = await conversationsWith('Overgrown hedge');
    assert.ok(hedge && hedge !== webId);
    assert.equal((await conversation(hedge)).channel_kind, 'mastodon');
    assert.equal((await conversation(webId)).message_count, before.message_count);
  });

  it('a redelivered answer is stored and counted once', async () => {
    const conversationId = await seedConversation(ctx.services, councilId, { channelKind: 'web' });
    const ours = '<web-answer-4@reply-town.gov.uk>';
    await sent(conversationId, ours);
    const before = await conversation(conversationId);
    const answer = await email('The dog fouling on Park Road is back', { 'In-Reply-To': ours });
    const first = await ingestEmails(answer);
    const again = await ingestEmails(answer, answer);
    assert.equal(first.stored, 1);
    assert.equal(again.stored, 0, 'recognised as already stored');
    assert.deepEqual(await conversationsWith('dog fouling on Park Road'), [conversationId]);
    assert.equal((await conversation(conversationId)).message_count, before.message_count + 1);
  });
});
