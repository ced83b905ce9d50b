/**
 * Outbound delivery survives crashes: a reply or case notice committed as 'queued' whose job
 * was never queued is found by the sweep (`inbox.sweep-outbound`) and queued once; two runs of
 * the send job send once; a message left 'sending' by a run that died mid-send is checked
 * with the network (findPublished) before anything is sent again. Against the Mastodon
 * contract server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import type { StaffUser } from '../src/modules/accounts/index.ts';
import { canReply, type ChannelConnector, type Published } from '../src/modules/channels/index.ts';
import { InboxError, startInboundMail } from '../src/modules/inbox/index.ts';
import type { MastodonServer } from './peers/mastodon/server.ts';
import { NotifyContractServer } from './peers/notify/server.ts';
import { startSmtpSink, type SmtpSink, type SunkMessage } from './peers/smtp-sink.ts';
import { createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';
import { councilWithMastodon, type MastodonCouncil } from './support/mastodon-council.ts';
import { outboundOf, seedConversation } from './inbox-cases-support.ts';

type InboundMailServer = Awaited<ReturnType<typeof startInboundMail>>;

describe('outbound delivery after a crash', () => {
  let town: MastodonCouncil;
  let ctx: TestContext;
  let server: MastodonServer;
  let councilId: string;
  let accountId: string;

  before(async () => {
    town = await councilWithMastodon('outbound-town');
    ({ ctx, server, councilId, accountId } = town);
    // Queues exist, but no worker runs: the test drives the jobs itself.
    await ctx.services.jobs.start({ work: false });
  });
  after(async () => town?.close());

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

  it('a reply posted before a crash is recognised although Mastodon shows it with an @mention', async () => {
    const body = 'Posted, then the worker died';
    const { conversationId, messageId, statusId } = await stored(body, 'sending', 2 * 60_000);
    // The run that died had posted the reply; the connector addressed the resident by @mention.
    const { connector } = await ctx.services.channelAccounts.connectorFor(councilId, accountId);
    assert.ok(canReply(connector));
    const earlier = await connector.reply({ id: statusId }, { text: body, idempotencyKey: messageId });
    assert.match(server.readStatus(earlier.ref.id)!.text, /^@\S+ Posted, then the worker died$/u);
    assert.equal(posts(messageId), 1);

    await ctx.services.replies.deliver({ councilId, messageId }, 1);
    const [m] = await outboundOf(ctx.services, conversationId);
    assert.equal(m?.delivery_status, 'sent');
    assert.equal(m.external_id, earlier.ref.id, 'the earlier reply is recorded');
    assert.equal(posts(messageId), 1, 'nothing posted again');
    assert.equal(server.countContaining(body), 1);
  });

  it('reconciliation does not take the same words said to another resident for our reply', async () => {
    const body = 'Thank you, we have passed this to the highways team';
    const { conversationId, messageId } = await stored(body, 'sending', 2 * 60_000);
    // Meanwhile the same saved reply went to someone else, in their thread.
    const other = server.residentWrites('Pothole on Station Road too');
    const { connector } = await ctx.services.channelAccounts.connectorFor(councilId, accountId);
    assert.ok(canReply(connector));
    await connector.reply({ id: other.statusId }, { text: body, idempotencyKey: 'another-reply' });

    await ctx.services.replies.deliver({ councilId, messageId }, 1);
    const [m] = await outboundOf(ctx.services, conversationId);
    assert.equal(m?.delivery_status, 'sent');
    assert.equal(posts(messageId), 1, 'our reply was sent, not mistaken for the other');
    assert.equal(server.countContaining(body), 2);
  });
});

/**
 * Email: every email a resident gets carries a Reply-To (the council's inbound address unless
 * the council set another), so answering it lands back in the inbox thread; and every answer
 * names the thread's root, so a long exchange stays one conversation. Against the SMTP sink
 * and Townsquare's own inbound SMTP listener.
 */
describe('email replies thread back into the inbox', () => {
  let ctx: TestContext;
  let sink: SmtpSink;
  let mail: InboundMailServer;
  let councilId: string;
  let agent: StaffUser;
  let admin: StaffUser;
  const slug = 'mail-town';
  const inboundDomain = 'inbound.mail-town.test';
  const inboundAddress = `${slug}@${inboundDomain}`;

  before(async () => {
    sink = await startSmtpSink();
    ctx = await startTestApp({ TOWNSQUARE_INBOUND_EMAIL_DOMAIN: inboundDomain });
    const made = await createCouncilWithStaff(ctx.services, slug, [
      { email: `admin@${slug}.test`, role: 'admin' },
      { email: `agent@${slug}.test`, role: 'agent' },
    ]);
    councilId = made.councilId;
    [admin, agent] = [made.users[0]!, made.users[1]!];
    await ctx.services.channelAccounts.connect(
      { councilId, userId: admin.id, label: 'test' },
      {
        kind: 'email',
        name: 'Council email',
        settings: {
          host: sink.host,
          port: String(sink.port),
          address: 'contact@mail-town.test',
          requireTls: 'no',
          user: sink.user,
        },
        credentials: { pass: sink.pass },
      },
    );
    mail = await startInboundMail({
      port: 0,
      host: '127.0.0.1',
      domain: inboundDomain,
      councilBySlug: async (s) => (await ctx.services.councils.findBySlug(s))?.id,
      ingest: ctx.services.ingest,
      log: ctx.services.log,
    });
    await ctx.services.jobs.start({ work: false });
  });
  after(async () => {
    await Promise.allSettled([mail?.close(), sink?.close()]);
    await ctx?.close();
  });

  const actor = (u: StaffUser) => ({ councilId, userId: u.id, label: u.email });
  const sunkTo = (address: string) => sink.messages.filter((m) => m.envelope.to.includes(address));
  const replyToOf = (m: SunkMessage) => m.parsed.replyTo?.value[0]?.address;
  const referencesOf = (m: SunkMessage) => [m.parsed.references ?? []].flat();

  /** A resident's email to the council's inbound address, processed into the inbox. */
  async function residentEmails(fields: {
    from: string;
    to?: string;
    subject: string;
    text: string;
    messageId: string;
    inReplyTo?: string;
    references?: string[];
  }) {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: mail.port,
      secure: false,
      ignoreTLS: true,
    });
    try {
      await transport.sendMail({ to: inboundAddress, ...fields });
    } finally {
      transport.close();
    }
    await ctx.services.ingest.processPending(councilId);
    return ctx.services.db.system
      .selectFrom('messages')
      .select(['conversation_id'])
      .where('council_id', '=', councilId)
      .where('external_id', '=', fields.messageId)
      .executeTakeFirstOrThrow();
  }

  /** Sends every outbound message of the conversation that is waiting, all at once. */
  async function deliverAll(conversationId: string) {
    const waiting = (await outboundOf(ctx.services, conversationId)).filter(
      (m) => m.delivery_status === 'queued',
    );
    await Promise.all(
      waiting.map((m) => ctx.services.replies.deliver({ councilId, messageId: String(m.id) }, 0)),
    );
    const after = await outboundOf(ctx.services, conversationId);
    assert.ok(
      after.every((m) => m.delivery_status === 'sent'),
      JSON.stringify(after.map((m) => [m.delivery_status, m.delivery_error])),
    );
    return after;
  }

  it('a web form answered twice at once is one email thread, not two', async () => {
    const resident = 'nia@example.org';
    const submitted = await ctx.services.contact.submit(councilId, {
      source: 'form',
      text: 'The street light outside 14 Hales Road is out',
      name: 'Nia Resident',
      email: resident,
      receivedAt: new Date(),
    });
    assert.ok(submitted.messageId);
    const { conversation_id: conversationId } = await ctx.services.db.system
      .selectFrom('messages')
      .select('conversation_id')
      .where('id', '=', submitted.messageId)
      .executeTakeFirstOrThrow();
    // An answer and a case notice are queued together, and the two sends overlap.
    await ctx.services.replies.compose(actor(agent), conversationId, {
      body: 'Thank you: an engineer will repair it this week.',
      isPrivate: false,
    });
    await ctx.services.cases.createFromConversation(actor(agent), conversationId, {
      area: 'street_lighting',
      category: 'street_light_out',
    });
    await deliverAll(conversationId);

    const sent = sunkTo(resident);
    assert.equal(sent.length, 2);
    const roots = sent.filter((m) => !m.parsed.inReplyTo);
    assert.equal(roots.length, 1, 'one email starts the thread');
    const root = roots[0]!;
    const answer = sent.find((m) => m !== root)!;
    assert.equal(answer.parsed.inReplyTo, root.messageId);
    assert.deepEqual(referencesOf(answer), [root.messageId]);
    assert.equal(answer.parsed.subject, root.parsed.subject, 'under the same subject');
  });

  it('every email carries the council’s inbound address as Reply-To', async () => {
    for (const m of sink.messages) assert.equal(replyToOf(m), inboundAddress);
  });

  it('a resident answering by email lands in the same conversation, however long the exchange', async () => {
    const resident = 'sam@example.org';
    const first = await residentEmails({
      from: resident,
      subject: 'Missed bin on Mill Lane',
      text: 'Our bin on Mill Lane was not collected this week.',
      messageId: '<mill-lane-1@example.org>',
    });
    const conversationId = first.conversation_id;
    await ctx.services.replies.compose(actor(agent), conversationId, {
      body: 'Sorry: which day is your collection?',
      isPrivate: false,
    });
    await deliverAll(conversationId);
    const ours1 = sunkTo(resident).at(-1)!;
    assert.equal(replyToOf(ours1), inboundAddress);

    // The resident presses Reply: their mail program writes to the Reply-To, in the thread.
    const second = await residentEmails({
      from: resident,
      to: replyToOf(ours1)!,
      subject: `Re: ${ours1.parsed.subject ?? ''}`,
      text: 'Tuesdays.',
      messageId: '<mill-lane-2@example.org>',
      inReplyTo: ours1.messageId!,
      references: [...referencesOf(ours1), ours1.messageId!],
    });
    assert.equal(second.conversation_id, conversationId, 'the answer joined the conversation');

    await ctx.services.replies.compose(actor(agent), conversationId, {
      body: 'Thank you: the crew will come on Wednesday.',
      isPrivate: false,
    });
    await deliverAll(conversationId);
    const ours2 = sunkTo(resident).at(-1)!;
    assert.equal(ours2.parsed.inReplyTo, '<mill-lane-2@example.org>');
    assert.equal(referencesOf(ours2)[0], '<mill-lane-1@example.org>', 'the thread root comes first');

    const third = await residentEmails({
      from: resident,
      to: replyToOf(ours2)!,
      subject: `Re: ${ours2.parsed.subject ?? ''}`,
      text: 'Thanks, that is fine.',
      messageId: '<mill-lane-3@example.org>',
      inReplyTo: ours2.messageId!,
      references: [...referencesOf(ours2), ours2.messageId!],
    });
    assert.equal(third.conversation_id, conversationId, 'still one conversation');
    const conversations = await ctx.services.db.system
      .selectFrom('conversations')
      .select('id')
      .where('council_id', '=', councilId)
      .where('channel_kind', '=', 'email')
      .execute();
    assert.equal(conversations.length, 1);
  });

  it('a council can send replies to another address; the change is checked and audited', async () => {
    await assert.rejects(
      ctx.services.inboxSettings.setReplyTo(actor(admin), 'not an address'),
      (e: unknown) => e instanceof InboxError && e.fieldErrors.replyTo !== undefined,
    );
    await ctx.services.inboxSettings.setReplyTo(actor(admin), 'Replies@Mail-Town.test');
    assert.equal(
      (await ctx.services.inboxSettings.overview(councilId)).replyTo.address,
      'replies@mail-town.test',
    );
    const { conversation_id: conversationId } = await residentEmails({
      from: 'kit@example.org',
      subject: 'Fly-tipping on Orchard Way',
      text: 'Someone has dumped a sofa on Orchard Way.',
      messageId: '<orchard-1@example.org>',
    });
    await ctx.services.replies.compose(actor(agent), conversationId, {
      body: 'Thank you: we will collect it.',
      isPrivate: false,
    });
    await deliverAll(conversationId);
    assert.equal(replyToOf(sunkTo('kit@example.org').at(-1)!), 'replies@mail-town.test');
    const audit = await ctx.services.db.system
      .selectFrom('audit_events')
      .select(['action', 'after'])
      .where('council_id', '=', councilId)
      .where('action', '=', 'inbox.reply_to_changed')
      .execute();
    assert.equal(audit.length, 1);

    // Back to the default.
    await ctx.services.inboxSettings.setReplyTo(actor(admin), '');
    assert.equal((await ctx.services.inboxSettings.overview(councilId)).replyTo.address, inboundAddress);
  });
});

/**
 * A resident who gave the contact form only a phone number is answered by text message,
 * through the council's GOV.UK Notify account (the Notify contract server here), reply and
 * case notices alike; without a Notify account the agent is told at once.
 */
describe('a web form with only a phone number is answered by text message', () => {
  let ctx: TestContext;
  let notify: NotifyContractServer;
  let councilId: string;
  let agent: StaffUser;
  let admin: StaffUser;

  before(async () => {
    notify = await new NotifyContractServer().start();
    ctx = await startTestApp();
    const made = await createCouncilWithStaff(ctx.services, 'text-town', [
      { email: 'admin@text-town.test', role: 'admin' },
      { email: 'agent@text-town.test', role: 'agent' },
    ]);
    councilId = made.councilId;
    [admin, agent] = [made.users[0]!, made.users[1]!];
    await ctx.services.jobs.start({ work: false });
  });
  after(async () => {
    await ctx?.close();
    await notify?.close();
  });

  const actor = (u: StaffUser) => ({ councilId, userId: u.id, label: u.email });

  it('refuses at once without a Notify account, then texts the reply and the case reference', async () => {
    const submitted = await ctx.services.contact.submit(councilId, {
      source: 'form',
      text: 'The bins on Mill Lane have not been emptied for two weeks',
      name: 'Pat Resident',
      phone: '07700 900 982',
      receivedAt: new Date(),
    });
    const { conversation_id: conversationId } = await ctx.services.db.system
      .selectFrom('messages')
      .select('conversation_id')
      .where('id', '=', submitted.messageId!)
      .executeTakeFirstOrThrow();
    const reply = { body: 'Sorry: the crew will empty them tomorrow.', isPrivate: false };
    await assert.rejects(
      ctx.services.replies.compose(actor(agent), conversationId, reply),
      (e: unknown) => e instanceof InboxError && /GOV\.UK Notify/.test(e.fieldErrors.reply ?? ''),
    );

    const email = notify.addTemplate({
      type: 'email',
      name: 'Email',
      subject: '((subject))',
      body: '((body))',
    });
    const sms = notify.addTemplate({ type: 'sms', name: 'Text', body: '((body))' });
    await ctx.services.channelAccounts.connect(actor(admin), {
      kind: 'notify',
      name: 'Council Notify',
      settings: { emailTemplateId: email.id, smsTemplateId: sms.id, baseUrl: notify.baseUrl },
      credentials: { apiKey: notify.apiKey, callbackToken: 'notify-callback-token-1' },
    });
    await ctx.services.replies.compose(actor(agent), conversationId, reply);
    const { reference } = await ctx.services.cases.createFromConversation(actor(agent), conversationId, {
      area: 'waste',
      category: 'missed_collection',
    });
    for (const m of await outboundOf(ctx.services, conversationId))
      await ctx.services.replies.deliver({ councilId, messageId: String(m.id) }, 0);

    const out = await outboundOf(ctx.services, conversationId);
    assert.deepEqual(
      out.map((m) => m.delivery_status),
      ['sent', 'sent'],
      JSON.stringify(out.map((m) => m.delivery_error)),
    );
    const texts = notify.notifications.filter((n) => n.type === 'sms');
    assert.deepEqual(
      texts.map((n) => [n.to, n.body]),
      [
        ['07700900982', reply.body],
        ['07700900982', out[1]!.body],
      ],
    );
    assert.match(texts[1]!.body, new RegExp(reference));
    assert.deepEqual(
      texts.map((n) => n.reference),
      out.map((m) => String(m.id)),
      'each text keyed by its message, so a retry is recognised',
    );
  });
});
