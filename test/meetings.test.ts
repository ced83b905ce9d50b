/**
 * Meetings end to end on real PostgreSQL: the question form and API under the standing
 * orders (every bad input refused with its rule, nothing else touched), moderation audited,
 * votes once per resident with a flood cap, the live wall's SSE bytes and Last-Event-ID
 * resume, the token API, the exports and the notices to askers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { load } from 'cheerio';
import { sql } from '../src/db/index.ts';
import type { Actor, StaffUser } from '../src/modules/accounts/index.ts';
import type { Meeting } from '../src/modules/meetings/index.ts';
import { Browser, createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';

const host = 'meet.test';
const day = 86400_000;

function errorSummary(body: string): { title: string; items: { text: string; href: string }[] } {
  const $ = load(body);
  return {
    title: $('title').text(),
    items: $('.govuk-error-summary__list a')
      .toArray()
      .map((a) => ({ text: $(a).text().trim(), href: $(a).attr('href') ?? '' })),
  };
}

/** Reads an SSE stream until `count` frames with an id have arrived. */
function readFrames(
  url: string,
  headers: Record<string, string>,
  count: number,
): Promise<{ raw: string; status: number; contentType: string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let raw = '';
      const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(raw)}`)), 5000);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        if ((raw.match(/^id: /gmu) ?? []).length >= count) {
          clearTimeout(timer);
          resolve({
            raw,
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type']),
            close: () => req.destroy(),
          });
        }
      });
    });
    req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
  });
}

describe('meetings', () => {
  let ctx: TestContext;
  let councilId: string;
  let admin: StaffUser;
  let moderatorToken: string;
  let agentToken: string;
  let actor: Actor;
  let meeting: Meeting;
  let itemId: string;
  let baseUrl: string;

  const count = async (table: string) =>
    Number(
      (
        await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table)}`.execute(
          ctx.services.db.system,
        )
      ).rows[0]?.n,
    );
  const api = (
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
    token?: string,
    address = '10.9.0.1',
  ) =>
    ctx.app.inject({
      method,
      url,
      remoteAddress: address,
      headers: {
        host,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });

  before(async () => {
    ctx = await startTestApp();
    const created = await createCouncilWithStaff(ctx.services, 'meet', [
      { email: 'admin@meet.test', role: 'admin' },
      { email: 'mod@meet.test', role: 'moderator' },
      { email: 'agent@meet.test', role: 'agent' },
    ]);
    councilId = created.councilId;
    admin = created.users[0]!;
    actor = { councilId, userId: admin.id, label: admin.email };
    moderatorToken = (
      await ctx.services.accounts.createApiToken(
        { councilId, userId: created.users[1]!.id, label: 'mod@meet.test' },
        'Moderator',
      )
    ).token;
    agentToken = (
      await ctx.services.accounts.createApiToken(
        { councilId, userId: created.users[2]!.id, label: 'agent@meet.test' },
        'Agent',
      )
    ).token;
    const m = ctx.services.meetings;
    meeting = await m.meetings.createMeeting(actor, {
      title: 'Full Council',
      committeeId: null,
      startsAt: new Date(Date.now() + 10 * day),
      location: 'Council Chamber',
      attendance: 'hybrid',
      streamUrl: 'https://www.youtube.com/watch?v=abcDEF12345',
      recordingUrl: 'https://www.youtube.com/watch?v=abcDEF12345',
      hashtag: 'ValeCouncil',
    });
    await m.meetings.addAgendaItem(actor, meeting.id, {
      title: 'Parks and open spaces',
      body: 'Report of the cabinet member.',
      paperTitle: 'Parks report',
      paperUrl: 'https://example.org/parks.pdf',
    });
    itemId = (await m.meetings.listAgenda(councilId, meeting.id))[0]!.id;
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  });
  after(async () => ctx.close());

  describe('the question form', () => {
    it('takes a good question and tells the asker a moderator will check it', async () => {
      const browser = new Browser(ctx.app, host);
      const res = await browser.submit(`/meetings/${meeting.id}/ask`, {
        name: 'Ada Resident',
        email: 'Ada@Example.org',
        ward: 'Park ward',
        text: 'When will the playground on Elm Road reopen?',
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, `/meetings/${meeting.id}?asked=1`);
      const page = await browser.get(String(res.headers.location));
      assert.match(load(page.body)('.govuk-notification-banner').text(), /Your question has been received/);
      // Not public until approved.
      assert.ok(!page.body.includes('Elm Road'));
    });

    it('refuses each bad input with the GOV.UK error summary and changes nothing', async () => {
      const before = await count('meeting_questions');
      const events = await count('meeting_events');
      const cases: [Record<string, string>, { text: string; href: string }[]][] = [
        [
          { name: '', email: '', ward: '', text: '' },
          [
            { text: 'Enter your name', href: '#name' },
            { text: 'Enter your email address, so that we can tell you the answer', href: '#email' },
            { text: 'Enter your ward or address', href: '#ward' },
            { text: 'Enter your question', href: '#text' },
          ],
        ],
        [
          { name: 'Bo', email: 'bo@example.org', ward: 'Park', text: 'word '.repeat(101) },
          [{ text: 'Your question must be 100 words or fewer (it has 101)', href: '#text' }],
        ],
        [
          { name: 'Ada again', email: 'ada@example.org', ward: 'Park', text: 'A second question?' },
          [{ text: 'You have already asked a question for this meeting', href: '#text' }],
        ],
        [
          { name: 'Cy', email: 'not-an-email', ward: 'Park', text: 'Question?' },
          [{ text: 'Enter an email address in the correct format, like name@example.com', href: '#email' }],
        ],
      ];
      for (const [fields, expected] of cases) {
        const res = await new Browser(ctx.app, host).submit(`/meetings/${meeting.id}/ask`, fields);
        assert.equal(res.statusCode, 400, JSON.stringify(fields));
        const summary = errorSummary(res.body);
        assert.match(summary.title, /^Error: Ask a question/);
        assert.deepEqual(summary.items, expected);
        for (const item of expected)
          assert.equal(load(res.body)(`${item.href}`).length, 1, `field ${item.href} exists`);
        // The values typed are kept.
        if (fields.name) assert.equal(load(res.body)('#name').attr('value'), fields.name);
      }
      assert.equal(await count('meeting_questions'), before);
      assert.equal(await count('meeting_events'), events);
    });

    it('refuses a question after the deadline, on the form and the API', async () => {
      const soon = await ctx.services.meetings.meetings.createMeeting(actor, {
        title: 'Planning Committee',
        committeeId: null,
        startsAt: new Date(Date.now() + 3600_000), // inside the 72-hour deadline
        location: null,
        attendance: 'in_person',
        streamUrl: null,
        recordingUrl: null,
        hashtag: null,
      });
      const before = await count('meeting_questions');
      const form = await new Browser(ctx.app, host).get(`/meetings/${soon.id}/ask`);
      assert.match(load(form.body)('main').text(), /Questions for this meeting closed on/);
      const browser = new Browser(ctx.app, host);
      const page = await browser.get(`/meetings/${meeting.id}/ask`);
      const csrf = load(page.body)('input[name="_csrf"]').attr('value') ?? '';
      const res = await browser.post(`/meetings/${soon.id}/ask`, {
        _csrf: csrf,
        name: 'Late',
        email: 'late@example.org',
        ward: 'Park',
        text: 'Too late?',
      });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(errorSummary(res.body).items, [
        { text: 'The deadline for questions to this meeting has passed', href: '#text' },
      ]);
      const viaApi = await api('POST', `/api/v1/meetings/${soon.id}/questions`, {
        name: 'Late',
        email: 'late@example.org',
        ward: 'Park',
        text: 'Too late?',
      });
      assert.equal(viaApi.statusCode, 422);
      assert.equal(viaApi.json<{ rule: string }>().rule, 'deadline-passed');
      assert.equal(await count('meeting_questions'), before);
    });
  });

  describe('POST /api/v1/meetings/{meetingId}/questions', () => {
    it('answers 201 with the id, or 422 problem+json naming the rule', async () => {
      const ok = await api('POST', `/api/v1/meetings/${meeting.id}/questions`, {
        name: 'Bea',
        email: 'bea@example.org',
        ward: 'Hill ward',
        text: 'Will the library open on Sundays? <script>alert("x")</script>',
      });
      assert.equal(ok.statusCode, 201);
      const { id } = ok.json<{ id: string }>();
      assert.match(id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(Object.keys(ok.json()), ['id']);

      const before = await count('meeting_questions');
      const cases: [Record<string, string>, string, string][] = [
        [{ name: 'Bea', email: 'bea@example.org', ward: 'Hill', text: 'Another?' }, 'one-per-person', 'text'],
        [{ name: 'Cal', email: 'cal@example.org', ward: 'Hill', text: '' }, 'text-required', 'text'],
        [
          { name: 'Cal', email: 'cal@example.org', ward: 'Hill', text: 'x '.repeat(150) },
          'word-limit',
          'text',
        ],
        [{ name: 'Cal', email: 'cal@example.org', ward: '', text: 'Hello?' }, 'ward-required', 'ward'],
        [{ name: '', email: 'cal@example.org', ward: 'Hill', text: 'Hello?' }, 'name-required', 'name'],
      ];
      for (const [body, rule, fieldName] of cases) {
        const res = await api('POST', `/api/v1/meetings/${meeting.id}/questions`, body);
        assert.equal(res.statusCode, 422, rule);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        const p = res.json<{
          status: number;
          rule: string;
          type: string;
          errors: { field: string }[];
          detail: string;
        }>();
        assert.equal(p.status, 422);
        assert.equal(p.rule, rule);
        assert.equal(p.type, 'https://townsquare.dev/problems/meetings/question-rule');
        assert.ok(p.errors.some((e) => e.field === fieldName));
        assert.ok(p.detail.length > 10);
      }
      assert.equal(await count('meeting_questions'), before);
      const missing = await api('POST', `/api/v1/meetings/00000000-0000-4000-8000-000000000000/questions`, {
        name: 'X',
      });
      assert.equal(missing.statusCode, 404);
    });
  });

  describe('moderation, the wall and its stream', () => {
    let ada: string;
    let bea: string;
    let lastBefore: string;

    before(async () => {
      const queue = await ctx.services.meetings.moderation.board(councilId, meeting.id);
      ada = queue.questions.find((q) => q.askerName === 'Ada Resident')!.id;
      bea = queue.questions.find((q) => q.askerName === 'Bea')!.id;
      lastBefore = String(
        (
          await sql<{ id: string }>`SELECT coalesce(max(id), 0)::text AS id FROM meeting_events`.execute(
            ctx.services.db.system,
          )
        ).rows[0]?.id,
      );
    });

    it('approval over the API needs a moderator token', async () => {
      assert.equal((await api('POST', `/api/v1/questions/${ada}/approve`)).statusCode, 401);
      const agent = await api('POST', `/api/v1/questions/${ada}/approve`, undefined, agentToken);
      assert.equal(agent.statusCode, 403);
      assert.match(String(agent.headers['content-type']), /^application\/problem\+json/);
    });

    it('sends each approval to the wall as exact SSE frames, with ids', async () => {
      const stream = readFrames(`${baseUrl}/meetings/${meeting.id}/live/events`, { host }, 1);
      // Let the stream subscribe before the change.
      await new Promise((r) => setTimeout(r, 200));
      const res = await api('POST', `/api/v1/questions/${ada}/approve`, undefined, moderatorToken);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { id: ada, status: 'approved' });
      const { raw, status, contentType, close } = await stream;
      close();
      assert.equal(status, 200);
      assert.equal(contentType, 'text/event-stream; charset=utf-8');
      const id = /^id: (\d+)$/mu.exec(raw)?.[1];
      assert.ok(id && BigInt(id) > BigInt(lastBefore));
      const data = {
        id: ada,
        meetingId: meeting.id,
        status: 'approved',
        text: 'When will the playground on Elm Road reopen?',
        votes: 0,
        askCount: 1,
        agendaItemId: null,
        askerName: 'Ada Resident',
        answer: null,
        webcastSeconds: null,
        mergedIntoId: null,
      };
      assert.equal(raw, `retry: 3000\n\nid: ${id}\nevent: question\ndata: ${JSON.stringify(data)}\n\n`);
    });

    it('replays what a client missed from Last-Event-ID, in order, with nothing private', async () => {
      await ctx.services.meetings.moderation.act(actor, bea, { kind: 'approve' });
      await ctx.services.meetings.moderation.act(actor, bea, { kind: 'link', agendaItemId: itemId });
      const { raw, close } = await readFrames(
        `${baseUrl}/meetings/${meeting.id}/live/events`,
        { host, 'last-event-id': lastBefore },
        3,
      );
      close();
      const frames = raw.split('\n\n').filter((f) => f.startsWith('id: '));
      assert.equal(frames.length, 3);
      const ids = frames.map((f) => BigInt(/^id: (\d+)/u.exec(f)![1]!));
      assert.deepEqual(
        [...ids].sort((a, b) => (a < b ? -1 : 1)),
        ids,
        'in order',
      );
      const datas = frames.map((f) => JSON.parse(/\ndata: (.*)$/u.exec(f)![1]!) as Record<string, unknown>);
      assert.deepEqual(
        datas.map((d) => [d.id, d.status, d.agendaItemId]),
        [
          [ada, 'approved', null],
          [bea, 'approved', null],
          [bea, 'approved', itemId],
        ],
      );
      // Received (unmoderated) questions and askers' emails are never on the public stream.
      assert.ok(!raw.includes('received'));
      assert.ok(!raw.includes('@example.org'));
      // A client that has everything gets only the retry line until something happens.
      const resumed = http.get(`${baseUrl}/meetings/${meeting.id}/live/events`, {
        headers: { host, 'last-event-id': String(ids.at(-1)) },
      });
      const first = await new Promise<string>((resolve) =>
        resumed.on('response', (res) => res.once('data', (c: Buffer) => resolve(c.toString()))),
      );
      resumed.destroy();
      assert.equal(first, 'retry: 3000\n\n');
    });

    it('shows script tags as text, never as markup', async () => {
      const page = await new Browser(ctx.app, host).get(`/meetings/${meeting.id}/live`);
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
      assert.ok(!page.body.includes('<script>alert'));
      const $ = load(page.body);
      assert.equal(
        $(`#question-${bea} .ts-question__text`).text(),
        'Will the library open on Sundays? <script>alert("x")</script>',
      );
      assert.match(
        $('#wall').attr('data-events') ?? '',
        new RegExp(`^/meetings/${meeting.id}/live/events\\?after=\\d+$`),
      );
    });

    it('counts one vote per resident and refuses a flood from one source', async () => {
      await ctx.services.meetings.meetings.saveRules(actor, {
        deadlineHoursBefore: '72',
        wordLimit: '100',
        votesPerSourcePerHour: '3',
        isWardRequired: 'yes',
        isOnePerPerson: 'yes',
        moderngovUrl: '',
      });
      const wall = `/meetings/${meeting.id}/live`;
      const vote = async (browser: Browser) => {
        const page = await browser.get(wall);
        const csrf = load(page.body)('input[name="_csrf"]').first().attr('value') ?? '';
        return browser.post(`/meetings/${meeting.id}/questions/${ada}/vote`, { _csrf: csrf });
      };
      const one = new Browser(ctx.app, host, '10.77.0.1');
      assert.equal((await vote(one)).statusCode, 303);
      const again = await vote(one);
      assert.equal(again.statusCode, 400);
      assert.deepEqual(errorSummary(again.body).items, [
        { text: 'You have already voted for this question', href: `#question-${ada}` },
      ]);
      // Same address, new cookies each time (a script): capped at 3 an hour.
      assert.equal((await vote(new Browser(ctx.app, host, '10.77.0.1'))).statusCode, 303);
      assert.equal((await vote(new Browser(ctx.app, host, '10.77.0.1'))).statusCode, 303);
      const flood = await vote(new Browser(ctx.app, host, '10.77.0.1'));
      assert.equal(flood.statusCode, 400);
      assert.match(
        errorSummary(flood.body).items[0]?.text ?? '',
        /Too many votes have come from your connection/,
      );
      // Another resident elsewhere is unaffected.
      assert.equal((await vote(new Browser(ctx.app, host, '10.78.0.1'))).statusCode, 303);
      const q = (await ctx.services.meetings.questions.wall(councilId, meeting.id)).questions.find(
        (x) => x.id === ada,
      );
      assert.equal(q?.votes, 4);
    });

    it('audits every moderation action and tells askers (recorded as not sent without an email account)', async () => {
      const m = ctx.services.meetings;
      const submit = (name: string, text: string) =>
        m.questions.submit(councilId, meeting.id, {
          name,
          email: `${name.toLowerCase()}@example.org`,
          ward: 'Vale',
          text,
        });
      const dup = await submit('Dee', 'When does the Elm Road playground reopen, please?');
      const rude = await submit('Eve', 'Why are the fucking bins late? Call me on 07700 900982, GL50 1AA');
      const long = await submit(
        'Fay',
        'Please can the council tell me about the swimming pool and its opening hours and prices?',
      );
      const flagged = (await m.moderation.board(councilId, meeting.id)).questions.find(
        (q) => q.id === rude.id,
      )!;
      assert.deepEqual(flagged.flags, ['profanity', 'phone number', 'postcode']);

      await m.moderation.act(actor, dup.id, { kind: 'merge', intoId: ada });
      await m.moderation.act(actor, rude.id, {
        kind: 'reject',
        reason: 'Personal details and offensive language',
      });
      await m.moderation.act(actor, long.id, {
        kind: 'edit',
        text: 'When is the swimming pool open?',
        note: 'Shortened.',
      });
      await m.moderation.act(actor, ada, { kind: 'link', agendaItemId: itemId });
      await m.moderation.act(actor, ada, { kind: 'put' });
      await m.moderation.act(actor, ada, {
        kind: 'answer',
        answer: 'It reopens on 1 May.',
        webcastSeconds: 3723,
        isInWriting: false,
      });
      await assert.rejects(
        m.moderation.act(actor, rude.id, { kind: 'reject', reason: '' }),
        /Not allowed|No reason/,
      );

      const audit = await sql<{ action: string; entity_id: string }>`
        SELECT action, entity_id FROM audit_events WHERE entity_type = 'meeting_question' ORDER BY id`.execute(
        ctx.services.db.system,
      );
      const actions = audit.rows.map((r) => `${r.action}:${r.entity_id}`);
      for (const expected of [
        `meeting_question.approve:${ada}`,
        `meeting_question.merge:${dup.id}`,
        `meeting_question.reject:${rude.id}`,
        `meeting_question.edit:${long.id}`,
        `meeting_question.link:${ada}`,
        `meeting_question.put:${ada}`,
        `meeting_question.answer:${ada}`,
      ])
        assert.ok(actions.includes(expected), expected);

      const merged = (await m.questions.wall(councilId, meeting.id)).questions.find((q) => q.id === ada)!;
      assert.equal(merged.askCount, 2);
      assert.equal(merged.status, 'answered');

      // Notices: rejected, edited, and the answer to both askers of the merged question.
      const board = await m.moderation.board(councilId, meeting.id);
      const kinds = board.notices.map((n) => `${n.kind}:${n.questionId}`).sort();
      assert.deepEqual(
        kinds,
        [`answered:${ada}`, `answered:${dup.id}`, `edited:${long.id}`, `rejected:${rude.id}`].sort(),
      );
      for (const n of board.notices) assert.equal(await m.notifier.deliver(councilId, n.id), 'not_sent');
      const after = await m.moderation.board(councilId, meeting.id);
      assert.ok(
        after.notices.every(
          (n) => n.status === 'not_sent' && /No email account is connected/.test(n.detail ?? ''),
        ),
      );
      // Delivering again does nothing.
      assert.equal(await m.notifier.deliver(councilId, board.notices[0]!.id), 'already_done');

      // The moderation page shows it to staff.
      const staff = new Browser(ctx.app, host);
      await staff.signIn('mod@meet.test');
      const page = await staff.get(`/staff/meetings/${meeting.id}/moderation`);
      assert.equal(page.statusCode, 200);
      assert.match(load(page.body)(`#question-${rude.id}`).text(), /Not sent/);
      assert.match(load(page.body)(`#question-${rude.id}`).text(), /Check: profanity/);
    });

    it('the archive links each answer to its moment in the recording', async () => {
      const page = await new Browser(ctx.app, host).get(`/meetings/${meeting.id}/archive`);
      const $ = load(page.body);
      const link = $(`#question-${ada} a`);
      assert.equal(link.attr('href'), 'https://www.youtube.com/watch?v=abcDEF12345&t=3723s');
      assert.match(link.text(), /Watch the answer at 1:02:03/);
      assert.match($('h2').first().text(), /Parks and open spaces/);
    });

    it('exports the questions as CSV and JSON for the minutes, without email addresses', async () => {
      const staff = new Browser(ctx.app, host);
      await staff.signIn('mod@meet.test');
      const csv = await staff.get(`/staff/meetings/${meeting.id}/export.csv`);
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      const lines = csv.body.trim().split('\r\n');
      assert.equal(
        lines[0],
        '"Question id","Agenda item","Status","Asked by","Ward or address","Channel","Question","Question as submitted","Number who asked","Votes","Answer","Time in webcast","Recording link","Answered at","Merged into"',
      );
      const adaLine = lines.find((l) => l.startsWith(`"${ada}"`))!;
      assert.match(adaLine, /"1\. Parks and open spaces","Answered","Ada Resident","Park ward","web"/);
      assert.match(
        adaLine,
        /"It reopens on 1 May\.","1:02:03","https:\/\/www\.youtube\.com\/watch\?v=abcDEF12345&t=3723s"/,
      );
      assert.ok(!csv.body.includes('@example.org'));
      const json = await staff.get(`/staff/meetings/${meeting.id}/export.json`);
      const body = json.json<{ meeting: { id: string }; questions: { id: string; status: string }[] }>();
      assert.equal(body.meeting.id, meeting.id);
      assert.equal(body.questions.find((q) => q.id === ada)?.status, 'Answered');
      assert.ok(!json.body.includes('@example.org'));
      // Not for the public.
      const anon = await new Browser(ctx.app, host).get(`/staff/meetings/${meeting.id}/export.csv`);
      assert.equal(anon.statusCode, 303);
    });
  });

  describe('GET and POST /api/v1/meetings', () => {
    it('lists and creates meetings with a moderator token; 401 without, 403 for other roles', async () => {
      assert.equal((await api('GET', '/api/v1/meetings')).statusCode, 401);
      assert.equal((await api('GET', '/api/v1/meetings', undefined, agentToken)).statusCode, 403);
      const list = await api('GET', '/api/v1/meetings', undefined, moderatorToken);
      assert.equal(list.statusCode, 200);
      assert.ok(list.json<{ items: { id: string }[] }>().items.some((m) => m.id === meeting.id));
      const created = await api(
        'POST',
        '/api/v1/meetings',
        { title: 'Cabinet', startsAt: '2030-03-27T18:30:00Z', attendance: 'online', location: 'Online' },
        moderatorToken,
      );
      assert.equal(created.statusCode, 201);
      assert.deepEqual(
        { ...created.json<Record<string, unknown>>(), id: 'x' },
        {
          id: 'x',
          title: 'Cabinet',
          committeeId: null,
          committee: null,
          startsAt: '2030-03-27T18:30:00.000Z',
          endsAt: null,
          location: 'Online',
          attendance: 'online',
          status: 'scheduled',
          streamUrl: null,
          recordingUrl: null,
          hashtag: null,
          questionKeyword: null,
        },
      );
      const bad = await api('POST', '/api/v1/meetings', { title: '', startsAt: 'soon' }, moderatorToken);
      assert.equal(bad.statusCode, 400);
      assert.ok(bad.json<{ errors: { field: string }[] }>().errors.some((e) => e.field === 'startsAt'));
    });
  });

  describe('staff pages', () => {
    it('adds a meeting through the form, with GOV.UK errors first', async () => {
      const staff = new Browser(ctx.app, host);
      await staff.signIn('mod@meet.test');
      const empty = await staff.submit('/staff/meetings/new', {
        title: '',
        day: '',
        month: '',
        year: '',
        time: '',
        attendance: '',
      });
      assert.equal(empty.statusCode, 400);
      assert.deepEqual(
        errorSummary(empty.body).items.map((i) => i.href),
        ['#title', '#date', '#time', '#attendance'],
      );
      const ok = await staff.submit('/staff/meetings/new', {
        title: 'Licensing Committee',
        day: '5',
        month: '7',
        year: '2031',
        time: '18:30',
        attendance: 'in_person',
        location: 'Room 1',
      });
      assert.equal(ok.statusCode, 303);
      const page = await staff.get(String(ok.headers.location));
      assert.match(page.body, /Licensing Committee/);
      assert.match(page.body, /5 July 2031 at 6:30pm/);
      // A contact-centre agent may not.
      const agent = new Browser(ctx.app, host);
      await agent.signIn('agent@meet.test');
      assert.equal((await agent.get('/staff/meetings')).statusCode, 403);
    });

    it('embeds the stream with a frame-src for that page only', async () => {
      const page = await new Browser(ctx.app, host).get(`/meetings/${meeting.id}`);
      assert.equal(
        load(page.body)('iframe').attr('src'),
        'https://www.youtube-nocookie.com/embed/abcDEF12345',
      );
      assert.match(
        String(page.headers['content-security-policy']),
        /frame-src https:\/\/www\.youtube-nocookie\.com https:\/\/player\.vimeo\.com/,
      );
      const home = await new Browser(ctx.app, host).get('/meetings');
      assert.ok(!String(home.headers['content-security-policy']).includes('frame-src'));
    });
  });
});
