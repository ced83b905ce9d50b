/**
 * Questions that come through the inbox, on real PostgreSQL with the real pipeline: email
 * carrying a meeting's hashtag or keyword becomes a question with its channel, author and
 * source message kept and linked both ways; the standing orders apply (one per person by inbox
 * identity, word limit, deadline) and a breach is told to the asker in their own thread; a
 * triaged meeting question with no single meeting waits for a person, who files it by hand;
 * messages that match nothing cost no row. Answers, refusals and edits go back to every asker
 * (a merged question tells them all) on the channel they used: read back at the SMTP sink.
 * Then the hashtag and keyword settings, and live polls with their SSE results.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { load } from 'cheerio';
import type { StaffUser } from '../src/modules/accounts/index.ts';
import type { InboundItem } from '../src/modules/channels/index.ts';
import { MeetingsError, TagMatcher, type Meeting } from '../src/modules/meetings/index.ts';
import { startSmtpSink, type SmtpSink } from './peers/smtp-sink.ts';
import { Browser, createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';

const host = 'social.test';
const day = 86400_000;

describe('meeting questions from the inbox', () => {
  let ctx: TestContext;
  let sink: SmtpSink;
  let councilId: string;
  let admin: StaffUser;
  let park: Meeting;
  let budget: Meeting;
  let seq = 0;
  const actor = () => ({ councilId, userId: admin.id, label: admin.email });

  before(async () => {
    sink = await startSmtpSink();
    ctx = await startTestApp();
    const made = await createCouncilWithStaff(ctx.services, 'social', [
      { email: 'admin@social.test', role: 'admin' },
      { email: 'agent@social.test', role: 'agent' },
    ]);
    councilId = made.councilId;
    admin = made.users[0]!;
    // Replies are queued as jobs; this test sends them itself with replies.deliver.
    await ctx.services.jobs.start({ work: false });
    await ctx.services.channelAccounts.connect(actor(), {
      kind: 'email',
      name: 'Council email',
      settings: {
        host: sink.host,
        port: String(sink.port),
        address: 'contact@social.test',
        requireTls: 'no',
        user: sink.user,
      },
      credentials: { pass: sink.pass },
    });
    const m = ctx.services.meetings.meetings;
    const base = {
      committeeId: null,
      location: 'Town Hall',
      attendance: 'hybrid' as const,
      streamUrl: null,
      recordingUrl: 'https://example.org/webcasts/park',
    };
    park = await m.createMeeting(actor(), {
      ...base,
      title: 'Parks Committee',
      startsAt: new Date(Date.now() + 10 * day),
      hashtag: 'ParkCouncil',
      questionKeyword: 'PARKQ',
    });
    budget = await m.createMeeting(actor(), {
      ...base,
      title: 'Budget Council',
      startsAt: new Date(Date.now() + 12 * day),
      hashtag: null,
    });
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await ctx?.close();
    await sink?.close();
  });

  /** An email from a resident, through the pipeline as the SMTP listener would store it. */
  async function emailIn(from: string, name: string, text: string, subject = 'Question') {
    seq += 1;
    const item: InboundItem = {
      externalId: `<q${seq}@resident.test>`,
      threadId: `<q${seq}@resident.test>`,
      kind: 'email',
      author: { id: from, name, email: from },
      text,
      subject,
      createdAt: new Date(),
      isPrivate: true,
      raw: {},
    };
    await ctx.services.ingest.ingest(
      councilId,
      { kind: 'email', accountId: null },
      {
        items: [item],
        cursor: undefined,
        malformed: [],
      },
    );
    await ctx.services.ingest.processPending(councilId);
    const message = await ctx.services.db.system
      .selectFrom('messages')
      .select(['id', 'conversation_id'])
      .where('council_id', '=', councilId)
      .where('external_id', '=', item.externalId)
      .executeTakeFirstOrThrow();
    return { messageId: String(message.id), conversationId: message.conversation_id };
  }

  const inbound = (messageId: string) =>
    ctx.services.db.system
      .selectFrom('meeting_inbound_messages')
      .selectAll()
      .where('message_id', '=', messageId)
      .executeTakeFirst();

  const outbound = (conversationId: string) =>
    ctx.services.db.system
      .selectFrom('messages')
      .select(['id', 'body', 'direction', 'delivery_status'])
      .where('conversation_id', '=', conversationId)
      .where('direction', 'in', ['out', 'note'])
      .orderBy('id')
      .execute();

  async function deliverAll(conversationId: string): Promise<void> {
    for (const m of await outbound(conversationId))
      if (m.direction === 'out' && m.delivery_status === 'queued')
        await ctx.services.replies.deliver({ councilId, messageId: String(m.id) }, 0);
  }

  async function sentNotices(questionId: string): Promise<void> {
    const notices = await ctx.services.db.system
      .selectFrom('question_notices')
      .select(['id', 'status'])
      .where('question_id', '=', questionId)
      .execute();
    for (const n of notices) await ctx.services.meetings.notifier.deliver(councilId, n.id);
  }

  let dylanQuestion = '';
  let dylanConversation = '';

  it('files an email carrying the hashtag as a question, linked both ways', async () => {
    const { messageId, conversationId } = await emailIn(
      'dylan@resident.test',
      'Dylan Resident',
      '#ParkCouncil Will the bandstand in Victoria Park be repaired before the summer?',
    );
    assert.equal((await inbound(messageId))?.status, 'pending');
    assert.equal((await inbound(messageId))?.meeting_id, park.id);
    assert.equal(await ctx.services.meetings.inboxQuestions.filePending(councilId), 1);
    const row = await inbound(messageId);
    assert.equal(row?.status, 'filed');
    const q = await ctx.services.db.system
      .selectFrom('meeting_questions')
      .selectAll()
      .where('id', '=', row!.question_id!)
      .executeTakeFirstOrThrow();
    assert.equal(q.meeting_id, park.id);
    assert.equal(q.channel_kind, 'email');
    assert.equal(q.conversation_id, conversationId);
    assert.equal(q.message_id, messageId);
    assert.equal(q.asker_name, 'Dylan Resident');
    assert.equal(q.asker_key, 'email:dylan@resident.test');
    assert.equal(q.text, 'Will the bandstand in Victoria Park be repaired before the summer?');
    assert.equal(q.status, 'received');
    // The conversation links to the question in a note for staff.
    const notes = (await outbound(conversationId)).filter((m) => m.direction === 'note');
    assert.match(
      notes[0]?.body ?? '',
      new RegExp(`Filed as a question for Parks Committee .*#question-${q.id}`),
    );
    // The moderation queue links back to the conversation.
    const staff = new Browser(ctx.app, host);
    await staff.signIn('admin@social.test');
    const page = await staff.get(`/staff/meetings/${park.id}/moderation`);
    assert.equal(
      load(page.body)(`#question-${q.id} a[href="/staff/inbox/conversations/${conversationId}"]`).length,
      1,
    );
    // A second run finds nothing to do and does not file it twice.
    assert.equal(await ctx.services.meetings.inboxQuestions.filePending(councilId), 0);
    dylanQuestion = q.id;
    dylanConversation = conversationId;
  });

  it('tells the asker the rule they broke, in their own thread, and files nothing', async () => {
    const before = sink.messages.length;
    const second = await emailIn(
      'dylan@resident.test',
      'Dylan Resident',
      '#parkcouncil And the tennis courts?',
    );
    const long = await emailIn('erin@resident.test', 'Erin', `#ParkCouncil ${'word '.repeat(101)}`);
    await ctx.services.meetings.inboxQuestions.filePending(councilId);
    assert.equal((await inbound(second.messageId))?.status, 'refused');
    assert.equal((await inbound(second.messageId))?.rule, 'one-per-person');
    assert.equal((await inbound(long.messageId))?.rule, 'word-limit');
    const questions = await ctx.services.db.system
      .selectFrom('meeting_questions')
      .select('id')
      .where('meeting_id', '=', park.id)
      .execute();
    assert.equal(questions.length, 1);
    await deliverAll(second.conversationId);
    await deliverAll(long.conversationId);
    const mails = sink.messages.slice(before);
    const toDylan = mails.find((m) => m.envelope.to.includes('dylan@resident.test'));
    assert.match(
      toDylan?.parsed.text ?? '',
      /could not take your question for Parks Committee .*one question per person/s,
    );
    const toErin = mails.find((m) => m.envelope.to.includes('erin@resident.test'));
    assert.match(toErin?.parsed.text ?? '', /must be 100 words or fewer \(it has 101\)/);
  });

  it('files an SMS-style keyword message and strips the keyword', async () => {
    const { messageId } = await emailIn('fay@resident.test', 'Fay', 'Is the lido opening in May?', 'parkq');
    await ctx.services.meetings.inboxQuestions.filePending(councilId);
    const row = await inbound(messageId);
    assert.equal(row?.status, 'filed');
    assert.equal(row?.meeting_id, park.id);
  });

  it('keeps no row for messages that match nothing', async () => {
    const { messageId } = await emailIn('gil@resident.test', 'Gil', 'The bins on Hales Road were missed');
    assert.equal(await inbound(messageId), undefined);
  });

  it('leaves a triaged meeting question for a person when two meetings take questions, who files it', async () => {
    const { messageId, conversationId } = await emailIn(
      'hana@resident.test',
      'Hana',
      'I have a question for the next full council meeting about bus lanes on the high street',
    );
    assert.equal((await inbound(messageId))?.status, 'unfiled');
    assert.equal((await inbound(messageId))?.meeting_id, null);
    // The conversation view offers to file it.
    const staff = new Browser(ctx.app, host);
    await staff.signIn('agent@social.test');
    const view = await staff.get(`/staff/inbox/conversations/${conversationId}`);
    const link = load(view.body)('#meeting-question a');
    assert.equal(link.attr('href'), `/staff/meetings/from-inbox/${conversationId}`);
    // No meeting chosen: the GOV.UK error summary.
    const empty = await staff.submit(`/staff/meetings/from-inbox/${conversationId}`, {});
    assert.equal(empty.statusCode, 400);
    assert.match(load(empty.body)('.govuk-error-summary').text(), /Select the meeting the question is for/);
    const res = await staff.submit(`/staff/meetings/from-inbox/${conversationId}`, { meetingId: budget.id });
    assert.equal(res.statusCode, 303, res.body);
    const row = await inbound(messageId);
    assert.equal(row?.status, 'filed');
    assert.equal(row?.meeting_id, budget.id);
    const audit = await ctx.services.db.system
      .selectFrom('audit_events')
      .select('actor_label')
      .where('action', '=', 'meeting_question.filed_from_inbox')
      .where('entity_id', '=', conversationId)
      .executeTakeFirst();
    assert.equal(audit?.actor_label, 'agent@social.test');
  });

  it('answers every asker of a merged question on their own channel', async () => {
    const before = sink.messages.length;
    const m = ctx.services.meetings;
    const web = await m.questions.submit(councilId, park.id, {
      name: 'Ivy Web',
      email: 'ivy@resident.test',
      ward: 'Park ward',
      text: 'When will the bandstand be fixed?',
    });
    await m.moderation.act(actor(), web.id, { kind: 'merge', intoId: dylanQuestion });
    await m.moderation.act(actor(), dylanQuestion, { kind: 'approve' });
    await m.moderation.act(actor(), dylanQuestion, {
      kind: 'answer',
      answer: 'Yes: the repairs start in April.',
      webcastSeconds: 754,
      isInWriting: false,
    });
    await sentNotices(dylanQuestion);
    await sentNotices(web.id);
    await deliverAll(dylanConversation);
    const mails = sink.messages.slice(before);
    const toDylan = mails.find((x) => x.envelope.to.includes('dylan@resident.test'));
    const toIvy = mails.find((x) => x.envelope.to.includes('ivy@resident.test'));
    assert.match(toDylan?.parsed.text ?? '', /was answered: Yes: the repairs start in April\./);
    assert.match(toDylan?.parsed.text ?? '', /Watch at 12:34: https:\/\/example\.org\/webcasts\/park#t=754/);
    assert.match(toIvy?.parsed.text ?? '', /Answer: Yes: the repairs start in April\./);
    // The reply is in Dylan's own conversation, threaded on his email.
    assert.equal(toDylan?.parsed.inReplyTo, `<q1@resident.test>`);
    // A retried notice job does not reply again.
    const notices = await ctx.services.db.system
      .selectFrom('question_notices')
      .select('id')
      .where('question_id', '=', dylanQuestion)
      .execute();
    assert.equal(await m.notifier.deliver(councilId, notices[0]!.id), 'already_done');
    assert.equal((await outbound(dylanConversation)).filter((x) => x.direction === 'out').length, 1);
  });

  it('tells an inbox asker when their question is edited for length or rejected', async () => {
    const m = ctx.services.meetings;
    const fay = await ctx.services.db.system
      .selectFrom('meeting_questions')
      .select(['id', 'conversation_id'])
      .where('asker_key', '=', 'email:fay@resident.test')
      .executeTakeFirstOrThrow();
    await m.moderation.act(actor(), fay.id, {
      kind: 'edit',
      text: 'Is the lido opening?',
      note: 'Shortened',
    });
    await m.moderation.act(actor(), fay.id, {
      kind: 'reject',
      reason: 'Asked and answered at the last meeting',
    });
    await sentNotices(fay.id);
    const before = sink.messages.length;
    await deliverAll(fay.conversation_id!);
    const texts = sink.messages.slice(before).map((x) => x.parsed.text ?? '');
    assert.ok(
      texts.some((t) => /was shortened .* It now reads: Is the lido opening\?/s.test(t)),
      texts.join('\n'),
    );
    assert.ok(
      texts.some((t) => /was not accepted\. Reason: Asked and answered/.test(t)),
      texts.join('\n'),
    );
  });
});

describe('meeting hashtags and keywords, and the matcher', () => {
  let ctx: TestContext;
  let councilId: string;
  let admin: StaffUser;
  before(async () => {
    ctx = await startTestApp();
    const made = await createCouncilWithStaff(ctx.services, 'tags', [
      { email: 'admin@tags.test', role: 'admin' },
    ]);
    councilId = made.councilId;
    admin = made.users[0]!;
  });
  after(async () => ctx?.close());

  it('refuses a bad or taken hashtag or keyword with a message at the field', async () => {
    const actor = { councilId, userId: admin.id, label: admin.email };
    const staff = new Browser(ctx.app, 'tags.test');
    await staff.signIn('admin@tags.test');
    const form = {
      title: 'Cabinet',
      committeeId: '',
      day: '1',
      month: '1',
      year: String(new Date().getFullYear() + 1),
      time: '18:30',
      location: '',
      attendance: 'hybrid',
      streamUrl: '',
      recordingUrl: '',
    };
    let res = await staff.submit('/staff/meetings/new', {
      ...form,
      hashtag: 'Cab!net',
      questionKeyword: 'no',
    });
    assert.equal(res.statusCode, 400);
    const items = load(res.body)('.govuk-error-summary__list a')
      .toArray()
      .map((a) => load(res.body)(a).attr('href'));
    assert.deepEqual(items, ['#hashtag', '#questionKeyword']);
    res = await staff.submit('/staff/meetings/new', { ...form, hashtag: '#Cabinet', questionKeyword: 'cab' });
    assert.equal(res.statusCode, 303);
    // Taken by an open meeting, whatever the case.
    res = await staff.submit('/staff/meetings/new', {
      ...form,
      title: 'Other',
      hashtag: 'CABINET',
      questionKeyword: 'CAB',
    });
    assert.equal(res.statusCode, 400);
    assert.match(load(res.body)('#hashtag-error').text(), /#Cabinet is already used by Cabinet/);
    assert.match(load(res.body)('#questionKeyword-error').text(), /CAB is already used by Cabinet/);
    // The same meeting may keep its own tags when edited; a past meeting's tags are free again.
    const [cabinet] = await ctx.services.meetings.meetings.listMeetings(councilId);
    await ctx.services.meetings.meetings.updateMeeting(actor, cabinet!.id, {
      title: 'Cabinet',
      committeeId: null,
      startsAt: new Date(Date.now() - 3 * day),
      location: null,
      attendance: 'hybrid',
      streamUrl: null,
      recordingUrl: null,
      hashtag: 'Cabinet',
      questionKeyword: 'CAB',
    });
    res = await staff.submit('/staff/meetings/new', {
      ...form,
      title: 'Next cabinet',
      hashtag: 'cabinet',
      questionKeyword: 'CAB',
    });
    assert.equal(res.statusCode, 303, res.body);
  });

  it('matches hashtags as whole tags, keywords as the first word, and strips them and mentions', () => {
    const now = new Date();
    const meetings = [
      {
        id: 'a',
        title: 'A',
        hashtag: 'ValeCouncil',
        keyword: 'VALE',
        startsAt: now,
        deadline: new Date(now.getTime() + day),
      },
      {
        id: 'b',
        title: 'B',
        hashtag: 'Planning',
        keyword: null,
        startsAt: now,
        deadline: new Date(now.getTime() + day),
      },
    ];
    const m = new TagMatcher(meetings);
    const c = (body: string, intent = 'other', subject: string | null = null) => ({ body, subject, intent });
    assert.equal(m.keeps(c('Hello #valecouncil how are you')), true);
    assert.equal(m.keeps(c('Hello #ValeCouncilFans')), false);
    assert.equal(m.keeps(c('email me at x#ValeCouncil')), false);
    assert.equal(m.keeps(c('vale is lovely')), true);
    assert.equal(m.keeps(c('the vale is lovely')), false);
    assert.equal(m.keeps(c('nothing here')), false);
    assert.equal(m.keeps(c('nothing here', 'meeting_question')), true);
    assert.deepEqual(m.match(c('x #planning y'), now), { meetingId: 'b', by: 'hashtag' });
    assert.deepEqual(m.match(c('VALE why?'), now), { meetingId: 'a', by: 'keyword' });
    // Two meetings take questions: triage alone cannot choose.
    assert.deepEqual(m.match(c('council meeting', 'meeting_question'), now), {
      meetingId: null,
      by: 'intent',
    });
    const one = new TagMatcher([meetings[0]!, { ...meetings[1]!, deadline: new Date(now.getTime() - 1) }]);
    assert.deepEqual(one.match(c('council meeting', 'meeting_question'), now), {
      meetingId: 'a',
      by: 'intent',
    });
    assert.equal(m.questionText('@council.test #ValeCouncil Will the lido open?'), 'Will the lido open?');
    assert.equal(m.questionText('VALE  will the   lido open? #planning'), 'will the lido open?');
  });
});

/** Reads an SSE stream until `count` frames with an id have arrived. */
type Frames = { raw: string; close: () => void };
function readFrames(url: string, count: number): Promise<Frames> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { host: 'polls.test' } }, (res) => {
      let raw = '';
      const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(raw)}`)), 5000);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        if ((raw.match(/^id: /gmu) ?? []).length >= count) {
          clearTimeout(timer);
          resolve({ raw, close: () => req.destroy() });
        }
      });
    });
    req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
  });
}

describe('live polls', () => {
  let ctx: TestContext;
  let councilId: string;
  let meeting: Meeting;
  let baseUrl: string;
  let moderator: Browser;
  before(async () => {
    ctx = await startTestApp();
    const made = await createCouncilWithStaff(ctx.services, 'polls', [
      { email: 'mod@polls.test', role: 'moderator' },
    ]);
    councilId = made.councilId;
    const u = made.users[0]!;
    meeting = await ctx.services.meetings.meetings.createMeeting(
      { councilId, userId: u.id, label: u.email },
      {
        title: 'Full Council',
        committeeId: null,
        startsAt: new Date(Date.now() + day),
        location: null,
        attendance: 'online',
        streamUrl: null,
        recordingUrl: null,
        hashtag: null,
      },
    );
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    moderator = new Browser(ctx.app, 'polls.test');
    await moderator.signIn('mod@polls.test');
  });
  after(async () => ctx?.close());

  const meetingPage = () => `/staff/meetings/${meeting.id}`;
  const pollsPath = () => `/staff/meetings/${meeting.id}/polls`;

  it('refuses a poll with no question, no choices or one choice, and opens nothing', async () => {
    for (const [fields, field, message] of [
      [{ pollQuestion: '', pollChoices: 'Yes\nNo' }, 'pollQuestion', 'Enter the poll question'],
      [
        { pollQuestion: 'Ready?', pollChoices: '' },
        'pollChoices',
        'Enter from 2 to 10 answers, one on each line',
      ],
      [
        { pollQuestion: 'Ready?', pollChoices: 'Yes\n \n' },
        'pollChoices',
        'Enter from 2 to 10 answers, one on each line',
      ],
    ] as const) {
      const res = await moderator.submit(meetingPage(), fields, pollsPath());
      assert.equal(res.statusCode, 400, res.body);
      const $ = load(res.body);
      assert.match($('title').text(), /^Error: /);
      assert.equal($(`.govuk-error-summary a[href="#${field}"]`).text().trim(), message);
    }
    assert.deepEqual(await ctx.services.meetings.questions.polls(councilId, meeting.id), []);
  });

  it('opens, takes one vote per viewer, streams live results over SSE and closes', async () => {
    const stream = readFrames(`${baseUrl}/meetings/${meeting.id}/live/events`, 4).catch((e: unknown) =>
      e instanceof Error ? e : new Error(String(e)),
    );
    // Give the stream a moment to subscribe before anything happens.
    await new Promise((r) => setTimeout(r, 300));
    const opened = await moderator.submit(
      meetingPage(),
      {
        pollQuestion: 'Should the meeting break at 8pm?',
        pollChoices: 'Yes\nNo\n',
      },
      pollsPath(),
    );
    assert.equal(opened.statusCode, 303, opened.body);
    const [poll] = await ctx.services.meetings.questions.polls(councilId, meeting.id);
    assert.ok(poll);
    assert.deepEqual(poll.choices, ['Yes', 'No']);
    assert.equal(poll.isOpen, true);

    const wallPath = `/meetings/${meeting.id}/live`;
    const votePath = `/meetings/${meeting.id}/polls/${poll.id}/vote`;
    const ann = new Browser(ctx.app, 'polls.test');
    const bob = new Browser(ctx.app, 'polls.test');
    assert.equal((await ann.submit(wallPath, { choice: '0' }, votePath)).statusCode, 303);
    assert.equal((await bob.submit(wallPath, { choice: '1' }, votePath)).statusCode, 303);
    // The same viewer again: refused with the reason, nothing counted.
    const again = await ann.submit(wallPath, { choice: '1' }, votePath);
    assert.equal(again.statusCode, 400);
    assert.match(load(again.body)('.govuk-error-summary').text(), /You have already answered this poll/);
    // No choice, or one that does not exist.
    for (const choice of ['', '7', 'x']) {
      const res = await new Browser(ctx.app, 'polls.test').submit(wallPath, { choice }, votePath);
      assert.equal(res.statusCode, 400, choice);
      assert.match(load(res.body)('.govuk-error-summary').text(), /Select an answer/);
    }
    let [now] = await ctx.services.meetings.questions.polls(councilId, meeting.id);
    assert.deepEqual(now?.counts, [1, 1]);

    // A viewer who loaded the wall while the poll was open answers after it closed.
    const stale = new Browser(ctx.app, 'polls.test');
    const staleToken =
      load((await stale.get(wallPath)).body)('input[name="_csrf"]')
        .first()
        .attr('value') ?? '';
    const closed = await moderator.submit(
      meetingPage(),
      {},
      `/staff/meetings/${meeting.id}/polls/${poll.id}/close`,
    );
    assert.equal(closed.statusCode, 303, closed.body);
    [now] = await ctx.services.meetings.questions.polls(councilId, meeting.id);
    assert.equal(now?.isOpen, false);
    const late = await stale.post(votePath, { _csrf: staleToken, choice: '0' });
    assert.equal(late.statusCode, 400);
    assert.match(load(late.body)('.govuk-error-summary').text(), /This poll has closed/);
    await assert.rejects(
      ctx.services.meetings.questions.answerPoll(councilId, meeting.id, poll.id, 'someone', 0),
      (e: unknown) => e instanceof MeetingsError && e.rule === 'poll-closed',
    );

    // Open, two votes and the close, live: each frame a `poll` event with the counts so far.
    const got = await stream;
    if (got instanceof Error) throw got;
    got.close();
    const frames = got.raw
      .split('\n\n')
      .filter((f) => f.includes('event: poll'))
      .map((f) => JSON.parse(/^data: (.*)$/mu.exec(f)![1]!) as { counts: number[]; isOpen: boolean });
    assert.deepEqual(
      frames.map((f) => [f.counts, f.isOpen]),
      [
        [[0, 0], true],
        [[1, 0], true],
        [[1, 1], true],
        [[1, 1], false],
      ],
    );
    // The wall shows the results without JavaScript too.
    const wall = load((await ann.get(wallPath)).body);
    assert.match(wall(`#poll-${poll.id}`).text().replace(/\s+/gu, ' '), /Yes.*1.*No.*1/);
  });
});

describe('an HLS stream on the meeting page', () => {
  let ctx: TestContext;
  let meeting: Meeting;
  before(async () => {
    ctx = await startTestApp();
    const made = await createCouncilWithStaff(ctx.services, 'hls', [
      { email: 'admin@hls.test', role: 'admin' },
    ]);
    const u = made.users[0]!;
    meeting = await ctx.services.meetings.meetings.createMeeting(
      { councilId: made.councilId, userId: u.id, label: u.email },
      {
        title: 'Planning Committee',
        committeeId: null,
        startsAt: new Date(Date.now() + day),
        location: null,
        attendance: 'online',
        streamUrl: 'https://streams.example.org/live/planning.m3u8',
        recordingUrl: null,
        hashtag: null,
      },
    );
  });
  after(async () => ctx?.close());

  it('plays natively or through hls.js from our own origin, with a plain link without JavaScript', async () => {
    const page = await new Browser(ctx.app, 'hls.test').get(`/meetings/${meeting.id}`);
    const $ = load(page.body);
    const video = $('video[data-hls-src]');
    // Without JavaScript the video keeps its src (native HLS) and the plain link is there.
    assert.equal(video.attr('src'), 'https://streams.example.org/live/planning.m3u8');
    assert.equal(video.attr('data-hls-library'), '/meetings/assets/hls.min.mjs');
    assert.equal(
      $('a', $('#stream-status').next()).attr('href'),
      'https://streams.example.org/live/planning.m3u8',
    );
    // The player script carries this response's nonce; the CSP lets hls.js fetch from the
    // stream's origin and play from blob:, and nothing from a CDN.
    const csp = String(page.headers['content-security-policy']);
    const nonce = $('script[src="/meetings/assets/hls-player.js"]').attr('nonce');
    assert.ok(nonce && csp.includes(`'nonce-${nonce}'`), csp);
    assert.match(csp, /connect-src 'self' https:\/\/streams\.example\.org(;|$)/u);
    assert.match(csp, /media-src 'self' blob: https:\/\/streams\.example\.org(;|$)/u);
    assert.equal((csp.match(/connect-src/gu) ?? []).length, 1);
    // Both scripts come from our origin: hls.js exactly as installed.
    const lib = await ctx.app.inject({ url: '/meetings/assets/hls.min.mjs', headers: { host: 'hls.test' } });
    assert.equal(lib.statusCode, 200);
    assert.match(String(lib.headers['content-type']), /^text\/javascript/u);
    const installed = await import('node:fs').then((fs) =>
      fs.readFileSync(new URL('../node_modules/hls.js/dist/hls.min.mjs', import.meta.url), 'utf8'),
    );
    assert.equal(lib.body, installed);
    const player = await ctx.app.inject({
      url: '/meetings/assets/hls-player.js',
      headers: { host: 'hls.test' },
    });
    assert.equal(player.statusCode, 200);
    assert.match(player.body, /canPlayType\('application\/vnd\.apple\.mpegurl'\)/u);
    // Nothing else is served from there.
    const other = await ctx.app.inject({
      url: '/meetings/assets/../package.json',
      headers: { host: 'hls.test' },
    });
    assert.notEqual(other.statusCode, 200);
  });
});
