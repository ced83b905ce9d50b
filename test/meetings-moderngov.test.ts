/**
 * The ModernGov import against a contract server serving Manchester's real responses: dates
 * (dd/mm/yyyy, "10.00 am", Europe/London) parsed, HTML-escaped agenda text made plain text,
 * a repeat import updating rows in place, and a malformed response changing nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'cheerio';
import { sql } from '../src/db/index.ts';
import type { Actor } from '../src/modules/accounts/index.ts';
import {
  htmlToText,
  importFromModernGov,
  ModernGovError,
  readMeeting,
} from '../src/modules/meetings/index.ts';
import { Browser, createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';
import { startModernGovServer, type ModernGovServer } from './peers/moderngov/moderngov-server.ts';

describe('ModernGov import', () => {
  let ctx: TestContext;
  let mg: ModernGovServer;
  let actor: Actor;
  const from = new Date('2026-01-01T00:00:00Z');
  const to = new Date('2026-03-31T00:00:00Z');

  const snapshot = async () => {
    const db = ctx.services.db.system;
    const rows = await Promise.all(
      ['committees', 'meetings', 'agenda_items'].map(
        async (t) =>
          (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(t)} ORDER BY id`.execute(db)).rows,
      ),
    );
    return { committees: rows[0]!, meetings: rows[1]!, agendaItems: rows[2]! };
  };

  before(async () => {
    ctx = await startTestApp();
    mg = await startModernGovServer();
    const { councilId, users } = await createCouncilWithStaff(ctx.services, 'mg', [
      { email: 'mod@mg.test', role: 'moderator' },
    ]);
    actor = { councilId, userId: users[0]!.id, label: 'mod@mg.test' };
  });
  after(async () => {
    await mg.close();
    await ctx.close();
  });

  it('imports the active committees, their meetings and agendas from the real responses', async () => {
    const summary = await importFromModernGov(ctx.services.db.app, actor, {
      baseUrl: mg.url,
      committeeIds: [],
      from,
      to,
    });
    assert.deepEqual(summary, { committees: 2, meetings: 2, agendaItems: 2 });
    assert.deepEqual(mg.requests, [
      'GetCommittees',
      'GetMeetings?lCommitteeId=163&sFromDate=01%2F01%2F2026&sToDate=31%2F03%2F2026',
      'GetMeetings?lCommitteeId=144&sFromDate=01%2F01%2F2026&sToDate=31%2F03%2F2026',
      'GetMeeting?lMeetingId=4966',
      'GetMeeting?lMeetingId=4967',
    ]);
    const { committees, meetings, agendaItems } = await snapshot();
    assert.deepEqual(committees.map((c) => [c.name, c.moderngov_id, c.is_active]).sort(), [
      ['Art Galleries Committee', '163', true],
      ['Audit Committee', '144', true],
    ]);
    const byId = new Map(meetings.map((m) => [m.moderngov_id, m]));
    // 10/02/2026 10.00 am in London (GMT in February) is 10:00 UTC; it ends at 2.00 pm.
    assert.equal((byId.get('4967')!.starts_at as Date).toISOString(), '2026-02-10T10:00:00.000Z');
    assert.equal((byId.get('4967')!.ends_at as Date).toISOString(), '2026-02-10T14:00:00.000Z');
    assert.equal(byId.get('4967')!.location, 'Council Antechamber, Level 2, Town Hall Extension');
    assert.equal(byId.get('4967')!.title, 'Audit Committee');
    assert.equal(byId.get('4966')!.status, 'cancelled');
    assert.equal(byId.get('4967')!.status, 'scheduled');
    const minutes = agendaItems.find((a) => a.moderngov_id === '18831')!;
    assert.equal(minutes.title, 'Minutes');
    assert.equal(minutes.number, '1');
    assert.equal(
      minutes.body,
      'To approve as a correct record the minutes of the meeting held on 25 November 2025.',
    );
    assert.deepEqual(minutes.papers, [
      {
        title: '6 - CHAIR APPROVED  Minutes Audit Committee 25 Nov 2025',
        url: 'https://democracy.manchester.gov.uk/mgConvert2PDF.aspx?ID=60860',
      },
    ]);
    assert.match(
      String(agendaItems.find((a) => a.moderngov_id === '18833')!.minutes),
      /^The Committee considered a report/,
    );
  });

  it('updates in place when imported again', async () => {
    const first = await snapshot();
    await importFromModernGov(ctx.services.db.app, actor, { baseUrl: mg.url, committeeIds: [], from, to });
    const second = await snapshot();
    assert.deepEqual(
      second.meetings.map((m) => m.id),
      first.meetings.map((m) => m.id),
    );
    assert.deepEqual(
      second.agendaItems.map((a) => a.id),
      first.agendaItems.map((a) => a.id),
    );
    assert.deepEqual(
      second.committees.map((c) => c.id),
      first.committees.map((c) => c.id),
    );
    // ModernGov changes an item's title: the same row changes.
    const original = await (await fetch(`${mg.url}/mgWebService.asmx/GetMeeting?lMeetingId=4967`)).text();
    mg.override(
      'GetMeeting?lMeetingId=4967',
      original.replace('<agendaitemtitle>Work Programme', '<agendaitemtitle>Work Programme 2026'),
    );
    await importFromModernGov(ctx.services.db.app, actor, {
      baseUrl: mg.url,
      committeeIds: ['144'],
      from,
      to,
    });
    mg.override('GetMeeting?lMeetingId=4967', undefined);
    const third = await snapshot();
    assert.deepEqual(
      third.agendaItems.map((a) => a.id),
      first.agendaItems.map((a) => a.id),
    );
    assert.equal(third.agendaItems.find((a) => a.moderngov_id === '18833')!.title, 'Work Programme 2026');
  });

  it('reports a malformed response and changes nothing', async () => {
    const before = await snapshot();
    const good = await (await fetch(`${mg.url}/mgWebService.asmx/GetMeeting?lMeetingId=4967`)).text();
    const cases: [string, RegExp][] = [
      [
        good.replace('</agendaitems>', ''),
        /GetMeeting: Line \d+: <\/meeting> where <\/agendaitems> was expected/,
      ],
      [
        good.replace('<meetingdate>10/02/2026</meetingdate>', '<meetingdate>2026-02-10</meetingdate>'),
        /GetMeeting 4967: date "2026-02-10" is not dd\/mm\/yyyy/,
      ],
      [
        good.replace('<agendaitemtitle>Minutes</agendaitemtitle>', '<agendaitemtitle></agendaitemtitle>'),
        /agenda item 1: <agendaitemtitle> is missing or empty/,
      ],
      ['<html><body>Server error</body></html>', /expected <meeting> but the response is <html>/],
      [good.replace('&lt;div', '&bogus;div'), /unknown entity &bogus;/],
    ];
    for (const [body, message] of cases) {
      mg.override('GetMeeting?lMeetingId=4967', body);
      await assert.rejects(
        importFromModernGov(ctx.services.db.app, actor, { baseUrl: mg.url, committeeIds: [], from, to }),
        (error: unknown) =>
          error instanceof ModernGovError && error.kind === 'malformed' && message.test(error.message),
      );
    }
    mg.override('GetMeeting?lMeetingId=4967', undefined);
    assert.deepEqual(await snapshot(), before);
  });

  it('the staff page imports, and shows what was wrong with a GOV.UK error summary', async () => {
    const staff = new Browser(ctx.app, 'mg.test');
    await staff.signIn('mod@mg.test');
    const ok = await staff.submit('/staff/meetings/import', {
      baseUrl: mg.url,
      committeeIds: '144',
      fromDate: '2026-01-01',
      toDate: '2026-03-31',
    });
    assert.equal(ok.statusCode, 200);
    assert.match(
      load(ok.body)('#import-summary').text(),
      /Imported 1 committee, 2 meetings and 2 agenda items/,
    );
    const before = await snapshot();
    mg.override(
      'GetCommittees',
      '<committees><committee><committeeid>x</committeeid></committee></committees>',
    );
    const bad = await staff.submit('/staff/meetings/import', {
      baseUrl: mg.url,
      committeeIds: '',
      fromDate: '',
      toDate: '',
    });
    mg.override('GetCommittees', undefined);
    assert.equal(bad.statusCode, 400);
    const $ = load(bad.body);
    assert.match($('title').text(), /^Error: Import from ModernGov/);
    assert.match(
      $('.govuk-error-summary__list a[href="#baseUrl"]').text(),
      /nothing was changed\. GetCommittees, committee 1: <committeeid> is "x", not a number/,
    );
    assert.deepEqual(await snapshot(), before);
  });

  it('reduces agenda HTML to text: scripts dropped, escaped markup kept as text', () => {
    assert.equal(
      htmlToText('<p>Budget &amp; plan</p><script>alert(1)</script><p>&lt;b&gt;not bold&lt;/b&gt;</p>'),
      'Budget & plan\n\n<b>not bold</b>',
    );
    const xml = `<meeting><meetingid>1</meetingid><meetingdate>29/03/2026</meetingdate><meetingtime>6.30 pm</meetingtime><agendaitems/></meeting>`;
    // After the clocks go forward: 18:30 BST is 17:30 UTC.
    assert.equal(readMeeting(xml).startsAt.toISOString(), '2026-03-29T17:30:00.000Z');
  });
});
