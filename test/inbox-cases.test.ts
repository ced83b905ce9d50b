/**
 * Cases from conversations: references, the status lifecycle told to every reporter in their
 * own thread, similar reports and merging, satisfaction, and the GOV.UK forms.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load, type CheerioAPI } from 'cheerio';
import type { Actor, StaffUser } from '../src/modules/accounts/index.ts';
import {
  Browser,
  createCouncilWithStaff,
  startTestApp,
  testPassword,
  type TestContext,
} from './support/app.ts';
import { north, outboundOf, seedConversation } from './inbox-cases-support.ts';

function summary($: CheerioAPI): { text: string; href: string }[] {
  return $('.govuk-error-summary__list a')
    .toArray()
    .map((a) => ({ text: $(a).text().trim(), href: $(a).attr('href') ?? '' }));
}

function fieldError($: CheerioAPI, id: string): string {
  return $(`#${id}-error`).text().replace('Error:', '').trim();
}

const year = Number(
  new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric' }).format(new Date()),
);
const lat = 51.5072;
const lon = -0.1276;

describe('cases from conversations', () => {
  let ctx: TestContext;
  let councilId: string;
  let agent: StaffUser;
  let actor: Actor;
  let browser: Browser;
  const host = 'cases.test';

  before(async () => {
    ctx = await startTestApp();
    const made = await createCouncilWithStaff(ctx.services, 'cases', [
      { email: 'agent@cases.test', role: 'agent', name: 'Ada Agent' },
      { email: 'comms@cases.test', role: 'comms' },
    ]);
    councilId = made.councilId;
    agent = made.users[0]!;
    actor = { councilId, userId: agent.id, label: agent.email };
    browser = new Browser(ctx.app, host);
    assert.equal((await browser.signIn('agent@cases.test')).statusCode, 303);
  });
  after(async () => ctx.close());

  const caseRow = (id: string) =>
    ctx.services.db.system.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('creates a case in one action from the conversation, with a reference told to the resident', async () => {
    const conversationId = await seedConversation(ctx.services, councilId, {
      lat,
      lon,
      wardCode: 'E05000001',
      triage: { places: [{ name: 'High Street', lat, lon }] },
      text: 'Mattress dumped on High Street',
    });
    const res = await browser.submit(`/staff/inbox/conversations/${conversationId}/cases/new`, {
      quick: 'yes',
    });
    assert.equal(res.statusCode, 303);
    const location = String(res.headers.location);
    assert.match(location, /^\/staff\/cases\/[0-9a-f-]{36}\?done=created$/);
    const caseId = location.split('/')[3]!.split('?')[0]!;
    const row = await caseRow(caseId);
    assert.match(row.reference, new RegExp(`^TS-${year}-\\d{6}$`));
    assert.equal(row.category, 'fly_tipping');
    assert.equal(row.area, 'waste');
    assert.equal(row.place_text, 'High Street');
    assert.equal(row.ward_code, 'E05000001');
    assert.equal(row.summary, 'Mattress dumped on High Street');
    assert.equal(row.status, 'open');

    const out = await outboundOf(ctx.services, conversationId);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.delivery_status, 'queued');
    assert.ok(out[0]!.body.includes(row.reference), 'the message carries the reference');
    assert.match(out[0]!.body, /updates here/);

    const page = await browser.get(location);
    assert.equal(page.statusCode, 200);
    const $ = load(page.body);
    assert.match($('h1').text(), new RegExp(row.reference));
    assert.match($('.govuk-notification-banner').text(), /Case created/);
    assert.match(page.body, /1 resident/);

    const audit = await ctx.services.db.system
      .selectFrom('audit_events')
      .select(['action', 'actor_label'])
      .where('entity_id', '=', caseId)
      .execute();
    assert.deepEqual(audit, [{ action: 'case.created', actor_label: 'agent@cases.test' }]);
  });

  it('numbers references per council per year with no gaps and no duplicates under concurrency', async () => {
    const conversations = await Promise.all(
      Array.from({ length: 25 }, () => seedConversation(ctx.services, councilId)),
    );
    const before = await ctx.services.db.system
      .selectFrom('case_counters')
      .select('last_number')
      .where('council_id', '=', councilId)
      .where('year', '=', year)
      .executeTakeFirst();
    const start = before?.last_number ?? 0;
    const made = await Promise.all(
      conversations.map((id) => ctx.services.cases.createFromConversation(actor, id, {})),
    );
    const numbers = made.map((m) => Number(m.reference.slice(-6))).sort((a, b) => a - b);
    assert.deepEqual(
      numbers,
      Array.from({ length: 25 }, (_, i) => start + i + 1),
    );
    assert.ok(made.every((m) => /^TS-\d{4}-\d{6}$/.test(m.reference)));

    // Another council starts at 1.
    const other = await createCouncilWithStaff(ctx.services, 'other-cases', [
      { email: 'agent@other-cases.test', role: 'agent' },
    ]);
    const conv = await seedConversation(ctx.services, other.councilId);
    const first = await ctx.services.cases.createFromConversation(
      { councilId: other.councilId, userId: other.users[0]!.id, label: 'x' },
      conv,
      {},
    );
    assert.equal(first.reference, `TS-${year}-000001`);
  });

  it('shows GOV.UK errors for a case with no service, category or summary, keeping what was typed', async () => {
    const conversationId = await seedConversation(ctx.services, councilId, { area: null, category: null });
    const url = `/staff/inbox/conversations/${conversationId}/cases/new`;
    const res = await browser.submit(url, { area: '', category: '', placeText: 'Mill Lane', summary: '' });
    assert.equal(res.statusCode, 400);
    const $ = load(res.body);
    assert.match($('title').text(), /^Error: Create a case/);
    assert.deepEqual(summary($), [
      { text: 'Enter the service, like waste', href: '#area' },
      { text: 'Enter the category, like missed_collection', href: '#category' },
      { text: 'Enter a summary of the problem', href: '#summary' },
    ]);
    assert.equal(fieldError($, 'category'), 'Enter the category, like missed_collection');
    assert.equal($('#placeText').attr('value'), 'Mill Lane');
    // The one-click button with no triage to go on lands on the same form.
    const quick = await browser.submit(url, { quick: 'yes' });
    assert.equal(quick.statusCode, 400);
    assert.equal(summary(load(quick.body)).length, 2);
    assert.equal((await outboundOf(ctx.services, conversationId)).length, 0);
  });

  it('tells every reporter of each status change in their own thread, and asks satisfaction once', async () => {
    const first = await seedConversation(ctx.services, councilId, {
      lat,
      lon: lon + 0.01,
      category: 'pothole',
      area: 'roads',
    });
    const second = await seedConversation(ctx.services, councilId, {
      lat: north(lat, 60),
      lon: lon + 0.01,
      category: 'pothole',
      area: 'roads',
      channelKind: 'email',
    });
    const created = await ctx.services.cases.createFromConversation(actor, first, {});
    // The second resident's page suggests the case; one action adds their report to it.
    const newPage = await browser.get(`/staff/inbox/conversations/${second}/cases/new`);
    const $new = load(newPage.body);
    const joinButton = $new(`input[name="caseId"][value="${created.id}"]`);
    assert.equal(joinButton.length, 1, 'the similar case is offered');
    assert.match($new('#caseId').text(), /60 metres/);
    const joined = await browser.submit(
      `/staff/inbox/conversations/${second}/cases/new`,
      { caseId: created.id },
      `/staff/inbox/conversations/${second}/cases/join`,
    );
    assert.equal(joined.statusCode, 303);
    assert.equal((await caseRow(created.id)).report_count, 2);
    assert.match(
      (await outboundOf(ctx.services, second))[0]!.body,
      new RegExp(`added your report to ${created.reference}`),
    );

    const casePage = `/staff/cases/${created.id}`;
    const res = await browser.submit(casePage, { status: 'in_progress', note: '' }, `${casePage}/status`);
    assert.equal(res.statusCode, 303);
    for (const conversationId of [first, second]) {
      const out = await outboundOf(ctx.services, conversationId);
      const last = out.at(-1)!;
      assert.equal(last.delivery_status, 'queued');
      assert.equal(
        last.body,
        `Update on ${created.reference}: we are working on it now. We will post again here when it changes.`,
      );
    }

    await browser.submit(
      casePage,
      { status: 'fixed', note: 'The road was patched on Tuesday.' },
      `${casePage}/status`,
    );
    const question = `How satisfied are you with how we handled ${created.reference}? Reply 1 (very dissatisfied) to 5 (very satisfied).`;
    for (const conversationId of [first, second]) {
      const bodies = (await outboundOf(ctx.services, conversationId)).map((m) => m.body);
      assert.deepEqual(bodies.slice(-2), [
        `Update on ${created.reference}: it has been fixed. Thank you for reporting it. The road was patched on Tuesday.`,
        question,
      ]);
    }
    const asked = (await caseRow(created.id)).satisfaction_asked_at;
    assert.ok(asked);

    // Reopened and closed again: the residents hear both, but are not asked a second time.
    await ctx.services.cases.changeStatus(actor, created.id, { status: 'open', note: '' });
    await ctx.services.cases.changeStatus(actor, created.id, { status: 'closed', note: '' });
    for (const conversationId of [first, second]) {
      const bodies = (await outboundOf(ctx.services, conversationId)).map((m) => m.body);
      assert.equal(bodies.filter((b) => b === question).length, 1, 'asked once');
      assert.equal(bodies.at(-1), `Update on ${created.reference}: we have closed this report.`);
    }
    assert.deepEqual((await caseRow(created.id)).satisfaction_asked_at, asked);

    const events = await ctx.services.db.system
      .selectFrom('case_events')
      .select(['status', 'note'])
      .where('case_id', '=', created.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((e) => e.status),
      ['open', 'in_progress', 'fixed', 'open', 'closed'],
    );
    const audits = await ctx.services.db.system
      .selectFrom('audit_events')
      .select('action')
      .where('entity_id', '=', created.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audits.map((a) => a.action),
      [
        'case.created',
        'case.report_joined',
        'case.status_changed',
        'case.status_changed',
        'case.status_changed',
        'case.status_changed',
      ],
    );

    // The history shows each change.
    const $ = load((await browser.get(casePage)).body);
    assert.match($('table').last().text(), /The road was patched on Tuesday\./);
    assert.match(String($.html()), /2 residents/);
  });

  it('holds an officer’s own words to residents for approval where the team checks replies', async () => {
    const team = await ctx.services.db.system
      .insertInto('teams')
      .values({ council_id: councilId, slug: 'checked', name: 'Checked', requires_reply_approval: true })
      .returning('id')
      .executeTakeFirstOrThrow();
    const conversationId = await seedConversation(ctx.services, councilId, {
      teamId: team.id,
      category: 'graffiti',
      area: 'street_cleaning',
    });
    const created = await ctx.services.cases.createFromConversation(actor, conversationId, {});
    // The fixed wording (the reference, a plain update) goes at once.
    await ctx.services.cases.changeStatus(actor, created.id, { status: 'in_progress', note: '' });
    await ctx.services.cases.changeStatus(actor, created.id, {
      status: 'scheduled',
      note: 'The crew will come on Friday morning.',
    });
    const out = await outboundOf(ctx.services, conversationId);
    assert.deepEqual(
      out.map((m) => m.delivery_status),
      ['queued', 'queued', 'awaiting_approval'],
    );
    const held = out[2]!;
    assert.match(held.body, /The crew will come on Friday morning\./);
    // Nobody approves their own words; a colleague lets it go (to the queue: no worker here).
    await ctx.services.jobs.start({ work: false });
    await assert.rejects(ctx.services.replies.approve(actor, conversationId, String(held.id)), /forbidden/);
    const colleague = await ctx.services.accounts.createUser(
      { councilId, userId: null, label: 'test' },
      { email: 'colleague@cases.test', name: 'Colin Colleague', role: 'agent', password: testPassword },
    );
    await ctx.services.replies.approve(
      { councilId, userId: colleague.id, label: colleague.email },
      conversationId,
      String(held.id),
    );
    assert.equal((await outboundOf(ctx.services, conversationId))[2]?.delivery_status, 'queued');
  });

  it('shows GOV.UK errors for a status change with no status, or "not the council’s" with no reason', async () => {
    const conversationId = await seedConversation(ctx.services, councilId);
    const made = await ctx.services.cases.createFromConversation(actor, conversationId, {});
    const casePage = `/staff/cases/${made.id}`;
    const none = await browser.submit(casePage, { status: '', note: '' }, `${casePage}/status`);
    assert.equal(none.statusCode, 400);
    const $none = load(none.body);
    assert.match($none('title').text(), /^Error: Case TS-/);
    assert.deepEqual(summary($none), [{ text: 'Select the new status', href: '#status' }]);
    assert.equal(fieldError($none, 'status'), 'Select the new status');

    const noReason = await browser.submit(
      casePage,
      { status: 'not_council', note: '  ' },
      `${casePage}/status`,
    );
    assert.equal(noReason.statusCode, 400);
    assert.deepEqual(summary(load(noReason.body)), [
      { text: 'Enter who the resident should contact instead', href: '#note' },
    ]);
    const ok = await browser.submit(
      casePage,
      { status: 'not_council', note: 'This land belongs to Network Rail: call 03457 11 41 41.' },
      `${casePage}/status`,
    );
    assert.equal(ok.statusCode, 303);
    const last = (await outboundOf(ctx.services, conversationId)).at(-1)!;
    assert.equal(
      last.body,
      `Update on ${made.reference}: this is not something the council looks after. This land belongs to Network Rail: call 03457 11 41 41.`,
    );
    assert.equal((await caseRow(made.id)).satisfaction_asked_at, null, 'not asked about work we did not do');
  });

  it('suggests similar reports by category, distance (150 m) and time, and merges with counts', async () => {
    const base = { category: 'graffiti', area: 'street_cleaning' };
    const mk = async (o: Parameters<typeof seedConversation>[2]) =>
      ctx.services.cases.createFromConversation(
        actor,
        await seedConversation(ctx.services, councilId, { ...base, ...o }),
        {},
      );
    const primary = await mk({ lat: 52.2, lon: -1.5 });
    const near = await mk({ lat: north(52.2, 120), lon: -1.5 });
    const far = await mk({ lat: north(52.2, 400), lon: -1.5 });
    const otherCategory = await mk({ lat: 52.2, lon: -1.5, category: 'pothole' });
    const old = await mk({ lat: 52.2, lon: -1.5 });
    await ctx.services.db.system
      .updateTable('cases')
      .set({ created_at: new Date(Date.now() - 40 * 86_400_000) })
      .where('id', '=', old.id)
      .execute();
    const fixed = await mk({ lat: 52.2, lon: -1.5 });
    await ctx.services.cases.changeStatus(actor, fixed.id, { status: 'fixed', note: '' });
    // No coordinates: the same ward and street.
    const streetA = await mk({ wardCode: 'E05009999', triage: { places: [{ name: '14 Station Road' }] } });
    const streetB = await mk({ wardCode: 'E05009999', triage: { places: [{ name: 'Station Road' }] } });
    const streetOtherWard = await mk({
      wardCode: 'E05008888',
      triage: { places: [{ name: 'Station Road' }] },
    });

    const detail = await ctx.services.cases.get(councilId, primary.id);
    assert.deepEqual(
      detail.similar.map((s) => s.reference),
      [near.reference],
      `only the near one (not ${far.reference}, ${otherCategory.reference}, ${old.reference}, ${fixed.reference})`,
    );
    assert.ok(Math.abs(detail.similar[0]!.distanceMetres! - 120) < 2);
    const byStreet = await ctx.services.cases.get(councilId, streetA.id);
    assert.deepEqual(
      byStreet.similar.map((s) => s.reference),
      [streetB.reference],
    );
    assert.ok(!byStreet.similar.some((s) => s.id === streetOtherWard.id));

    // A second report joins the near case first, so the merge moves two reports.
    await ctx.services.cases.joinCase(actor, await seedConversation(ctx.services, councilId, base), near.id);
    const casePage = `/staff/cases/${primary.id}`;
    const page = load((await browser.get(casePage)).body);
    assert.equal(page(`input[name="duplicateId"][value="${near.id}"]`).length, 1);
    const merged = await browser.submit(casePage, { duplicateId: near.id }, `${casePage}/merge`);
    assert.equal(merged.statusCode, 303);
    const p = await caseRow(primary.id);
    const d = await caseRow(near.id);
    assert.equal(p.report_count, 3);
    assert.equal(d.merged_into, primary.id);
    const reporters = await ctx.services.db.system
      .selectFrom('case_reporters')
      .select('conversation_id')
      .where('case_id', '=', primary.id)
      .execute();
    assert.equal(reporters.length, 3);
    const after = load((await browser.get(`${casePage}?done=merged`)).body);
    assert.match(after('.govuk-summary-list').text(), /3 residents/);
    assert.match(after('.govuk-notification-banner').text(), /Cases merged/);
    // The duplicate's residents are told the reference they now follow.
    for (const r of reporters.filter((x) => x.conversation_id !== p.conversation_id)) {
      const last = (await outboundOf(ctx.services, r.conversation_id)).at(-1)!;
      assert.match(last.body, new RegExp(`now handling them together as ${primary.reference}`));
    }
    const audit = await ctx.services.db.system
      .selectFrom('audit_events')
      .select(['action', 'after'])
      .where('entity_id', '=', primary.id)
      .where('action', '=', 'case.merged')
      .executeTakeFirstOrThrow();
    assert.deepEqual((audit.after as { reportCount: number }).reportCount, 3);
    // The merged case says where it went, and merging it again is refused.
    const dupPage = load((await browser.get(`/staff/cases/${near.id}`)).body);
    assert.match(dupPage('.govuk-inset-text').text(), new RegExp(`merged into ${primary.reference}`));
    const again = await browser.submit(casePage, { duplicateId: near.id }, `${casePage}/merge`);
    assert.equal(again.statusCode, 400);
    assert.deepEqual(summary(load(again.body)), [
      { text: 'Select a different case to merge into this one', href: '#duplicateId' },
    ]);
    // A merged case leaves the list.
    const list = load((await browser.get('/staff/cases')).body);
    assert.ok(!list('table').first().text().includes(near.reference));
    assert.ok(list('table').first().text().includes(primary.reference));
  });

  it('records a satisfaction reply by service and team, once, and leaves other messages alone', async () => {
    const team = await ctx.services.db.system
      .insertInto('teams')
      .values({ council_id: councilId, slug: 'street-scene', name: 'Street scene' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const conversationId = await seedConversation(ctx.services, councilId, {
      teamId: team.id,
      area: 'waste',
      category: 'dumped_rubbish',
    });
    const made = await ctx.services.cases.createFromConversation(actor, conversationId, {});
    const record = (text: string) =>
      ctx.services.cases.recordSatisfactionReply(councilId, conversationId, text);
    assert.equal(await record('5'), false, 'not asked yet');
    await ctx.services.cases.changeStatus(actor, made.id, { status: 'fixed', note: '' });
    assert.equal(await record('When will you come back for the rest?'), false, 'not an answer');
    assert.equal(await record('@council@social.example 4 - quick work, thanks'), true);
    assert.equal(await record('5'), false, 'answered already');
    const rows = await ctx.services.db.system
      .selectFrom('satisfaction_responses')
      .select(['case_id', 'area', 'team_id', 'score', 'comment'])
      .where('conversation_id', '=', conversationId)
      .execute();
    assert.deepEqual(rows, [
      { case_id: made.id, area: 'waste', team_id: team.id, score: 4, comment: 'quick work, thanks' },
    ]);
    const other = await seedConversation(ctx.services, councilId, {
      teamId: team.id,
      area: 'waste',
      category: 'dumped_rubbish',
    });
    const made2 = await ctx.services.cases.createFromConversation(actor, other, {});
    await ctx.services.cases.changeStatus(actor, made2.id, { status: 'closed', note: '' });
    assert.equal(
      await ctx.services.cases.recordSatisfactionReply(councilId, other, 'Very dissatisfied'),
      true,
    );

    const $ = load((await browser.get('/staff/cases')).body);
    const byService = $('caption:contains("By service")').closest('table');
    const wasteRow = byService
      .find('tr')
      .filter((_, tr) => $(tr).find('th').first().text().trim() === 'waste');
    assert.deepEqual(
      wasteRow
        .find('td')
        .toArray()
        .map((td) => $(td).text().trim()),
      ['2', '2.5', '50%'],
    );
    const byTeam = $('caption:contains("By team")').closest('table');
    assert.match(byTeam.text(), /Street scene\s+2\s+2\.5\s+50%/);
  });

  it('filters the case list by status, category and ward', async () => {
    const w = await ctx.services.cases.createFromConversation(
      actor,
      await seedConversation(ctx.services, councilId, { category: 'dog_fouling', wardCode: 'E05001234' }),
      {},
    );
    const res = await browser.get('/staff/cases?status=open&category=dog_fouling&ward=E05001234');
    assert.equal(res.statusCode, 200);
    const $ = load(res.body);
    const refs = $('table')
      .first()
      .find('tbody a')
      .toArray()
      .map((a) => $(a).text());
    assert.deepEqual(refs, [w.reference]);
    assert.equal($('#ward option[selected]').attr('value'), 'E05001234');
    const none = load((await browser.get('/staff/cases?status=fixed&category=dog_fouling')).body);
    assert.match(none('table').first().text(), /No cases match/);
  });

  it('shows the case panel for the conversation page, and keeps cases from staff without inbox.work', async () => {
    const conversationId = await seedConversation(ctx.services, councilId, { category: 'litter' });
    const made = await ctx.services.cases.createFromConversation(actor, conversationId, {});
    const cases = await ctx.services.cases.caseContextFor(councilId, conversationId);
    assert.deepEqual(
      cases.map((c) => c.reference),
      [made.reference],
    );
    const comms = new Browser(ctx.app, host);
    await comms.signIn('comms@cases.test');
    assert.equal((await comms.get('/staff/cases')).statusCode, 403);
    assert.equal((await comms.get(`/staff/cases/${made.id}`)).statusCode, 403);
    // Someone else's id, or not an id at all, is a 404.
    assert.equal((await browser.get('/staff/cases/00000000-0000-4000-8000-000000000000')).statusCode, 404);
    assert.equal((await browser.get('/staff/cases/not-an-id')).statusCode, 404);
  });
});
