/**
 * The content calendar: London days across both clock changes, week and month views as
 * accessible tables, filters by channel, service and status, and rescheduling by form with
 * the same rules as scheduling (a real time, not in the past, nothing that has started
 * publishing), recorded and audited, with the GOV.UK error summary on a refusal.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'cheerio';
import { withCouncil } from '../src/db/index.ts';
import { readPostForm } from '../src/modules/publishing/index.ts';
import { calendarRange, hourSlots, parseDateKey } from '../src/modules/publishing/calendar/calendar-range.ts';
import { startMastodonServer, type MastodonServer } from './peers/mastodon/server.ts';
import { Browser, startTestApp, type TestContext } from './support/app.ts';
import {
  connectMastodon,
  publishingCouncil,
  RecordingQueue,
  scheduledPost,
  type PublishingCouncil,
} from './publishing-fixtures.ts';

describe('calendar ranges in Europe/London', () => {
  it('gives the spring-forward Sunday 23 hours and ends the week at BST midnight', () => {
    const r = calendarRange('week', { year: 2027, month: 3, day: 24 }, new Date('2027-01-01T12:00:00Z'));
    const days = r.weeks[0]!;
    assert.deepEqual(
      days.map((d) => d.key),
      ['2027-03-22', '2027-03-23', '2027-03-24', '2027-03-25', '2027-03-26', '2027-03-27', '2027-03-28'],
    );
    assert.equal(r.from.toISOString(), '2027-03-22T00:00:00.000Z');
    assert.equal(r.to.toISOString(), '2027-03-28T23:00:00.000Z', 'Monday 29 March starts at 00:00 BST');
    assert.equal(days[6]!.clockChange, 'forward');
    assert.equal(days[6]!.end.getTime() - days[6]!.start.getTime(), 23 * 3_600_000);
    assert.equal(days[5]!.clockChange, undefined);
    assert.equal(r.previous, '2027-03-15');
    assert.equal(r.next, '2027-03-29');
  });

  it('gives the fall-back Sunday 25 hours and starts the week at BST midnight', () => {
    const r = calendarRange('week', { year: 2027, month: 10, day: 31 });
    const days = r.weeks[0]!;
    assert.equal(days[0]!.key, '2027-10-25');
    assert.equal(r.from.toISOString(), '2027-10-24T23:00:00.000Z');
    assert.equal(r.to.toISOString(), '2027-11-01T00:00:00.000Z');
    assert.equal(days[6]!.clockChange, 'back');
    assert.equal(days[6]!.end.getTime() - days[6]!.start.getTime(), 25 * 3_600_000);
  });

  it('gives each London day its hours to drop a post on: 23 when the clocks go forward, one 1am when they go back', () => {
    const spring = hourSlots({ year: 2027, month: 3, day: 28 });
    assert.equal(spring.length, 23);
    assert.ok(!spring.some((h) => h.hour === 1), '01:00 to 01:59 never happens');
    assert.equal(
      spring.find((h) => h.hour === 2)?.start.toISOString(),
      '2027-03-28T01:00:00.000Z',
      '2am BST',
    );
    const autumn = hourSlots({ year: 2027, month: 10, day: 31 });
    assert.equal(autumn.length, 24);
    assert.equal(autumn[1]?.start.toISOString(), '2027-10-31T00:00:00.000Z', 'the first 1am, BST');
    assert.equal(autumn[2]?.start.toISOString(), '2027-10-31T02:00:00.000Z', '2am GMT');
    assert.deepEqual(
      hourSlots({ year: 2027, month: 7, day: 1 })
        .map((h) => h.label)
        .slice(8, 10),
      ['08:00', '09:00'],
    );
  });

  it('lays a month out in whole Monday-to-Sunday weeks', () => {
    const r = calendarRange('month', { year: 2027, month: 2, day: 14 });
    assert.equal(r.title, 'February 2027');
    assert.equal(r.weeks.length, 4, 'February 2027 starts on a Monday and has 28 days');
    assert.equal(r.weeks[0]![0]!.key, '2027-02-01');
    const march = calendarRange('month', { year: 2027, month: 3, day: 1 });
    assert.equal(march.weeks[0]![0]!.key, '2027-03-01');
    assert.equal(march.weeks.at(-1)![6]!.key, '2027-04-04');
    assert.equal(march.weeks.at(-1)![6]!.isInMonth, false);
    assert.equal(march.previous, '2027-02-01');
    assert.equal(calendarRange('month', { year: 2027, month: 12, day: 5 }).next, '2028-01-01');
    assert.equal(parseDateKey('2027-02-29'), undefined);
    assert.equal(parseDateKey('27-02-01'), undefined);
    assert.deepEqual(parseDateKey('2028-02-29'), { year: 2028, month: 2, day: 29 });
  });
});

describe('content calendar pages', () => {
  let ctx: TestContext;
  let c: PublishingCouncil;
  let mastodon: MastodonServer;
  let accountA: string;
  let accountB: string;
  const queue = new RecordingQueue();
  let officer: Browser;
  const host = 'calendar.test';
  const ids: Record<string, string> = {};

  const at = (day: string, month: string, year: string, time: string) => ({
    'schedule-day': day,
    'schedule-month': month,
    'schedule-year': year,
    'schedule-time': time,
  });

  before(async () => {
    ctx = await startTestApp();
    mastodon = await startMastodonServer();
    for (const s of [
      ctx.services.publishing.posts,
      ctx.services.publishing.publisher,
      ctx.services.publishing.incidents,
      ctx.services.publishing.calendar,
    ])
      s.useQueue(queue);
    c = await publishingCouncil(ctx.services, 'calendar');
    accountA = await connectMastodon(ctx.services, c, mastodon, 'Mastodon main');
    accountB = await connectMastodon(ctx.services, c, mastodon, 'Mastodon roads');
    officer = new Browser(ctx.app, host);
    assert.equal((await officer.signIn(c.author.email)).statusCode, 303);
    const { posts } = ctx.services.publishing;
    // Sunday 28 March 2027, the clocks go forward at 1am: 00:30 is GMT, 23:30 is BST.
    ids.early = (
      await scheduledPost(ctx.services, c, {
        title: 'Early Sunday bins',
        body: 'Early post',
        accounts: [accountA],
        ...at('28', '3', '2027', '00:30'),
      })
    ).postId;
    ids.late = (
      await scheduledPost(ctx.services, c, {
        title: 'Late Sunday roads',
        body: 'Late post',
        accounts: [accountB],
        ...at('28', '3', '2027', '23:30'),
      })
    ).postId;
    // 00:15 BST on Monday is 23:15 UTC on Sunday: it belongs to Monday, in the next week.
    ids.monday = (
      await scheduledPost(ctx.services, c, {
        title: 'Monday just after midnight',
        body: 'Monday post',
        accounts: [accountA],
        ...at('29', '3', '2027', '00:15'),
      })
    ).postId;
    ids.pending = await posts.saveDraft(
      c.staff(c.author),
      readPostForm({
        title: 'Waiting for approval',
        body: 'Pending',
        accounts: [accountA],
        ...at('25', '3', '2027', '10:00'),
      }),
      {},
    );
    await posts.submit(c.staff(c.author), ids.pending, {});
    ids.draft = await posts.saveDraft(
      c.staff(c.author),
      readPostForm({ title: 'Still a draft', body: 'Draft', ...at('24', '3', '2027', '12:00') }),
      {},
    );
    ids.published = (
      await scheduledPost(ctx.services, c, {
        title: 'Already out',
        body: 'Published',
        accounts: [accountA],
        ...at('23', '3', '2027', '09:00'),
      })
    ).postId;
    // As the engine leaves a post it has published (its time came).
    await ctx.services.db.system
      .updateTable('post_variants')
      .set({ status: 'published', published_at: new Date('2027-03-23T09:00:30Z') })
      .where('post_id', '=', ids.published)
      .execute();
    await ctx.services.db.system
      .updateTable('posts')
      .set({ status: 'published', published_at: new Date('2027-03-23T09:00:30Z') })
      .where('id', '=', ids.published)
      .execute();
    await ctx.services.publishing.calendar.setService(c.staff(c.author), ids.late, 'Roads and transport');
  });
  after(async () => {
    await ctx.close();
    await mastodon.close();
  });

  const week = (query = '') => officer.get(`/staff/publishing/calendar?view=week&date=2027-03-24${query}`);
  const rowOf = ($: ReturnType<typeof load>, label: RegExp) =>
    $('table[data-calendar] tbody tr').filter((_i, tr) => label.test($(tr).find('th').text()));

  it('places each post on its London day in an accessible week table', async () => {
    const res = await week();
    assert.equal(res.statusCode, 200);
    const $ = load(res.body);
    assert.match($('table[data-calendar] caption').text(), /Week of 22 March 2027 to 28 March 2027/u);
    assert.equal($('table[data-calendar] th[scope="col"]').length, 2);
    assert.equal($('table[data-calendar] tbody th[scope="row"]').length, 7);
    const sunday = rowOf($, /Sunday 28 March/u);
    assert.match(sunday.find('th').text(), /Clocks go forward an hour/u);
    const sundayText = sunday.find('td').text();
    assert.match(sundayText, /00:30 GMT\s+Early Sunday bins/u);
    assert.match(sundayText, /23:30 BST\s+Late Sunday roads/u);
    assert.match(sundayText, /Mastodon roads/u, 'each post shows its channels');
    assert.match(sundayText, /Roads and transport/u);
    assert.doesNotMatch(res.body, /Monday just after midnight/u, 'a UTC day would have put it on Sunday');
    const tuesday = rowOf($, /Tuesday 23 March/u).find('td');
    assert.match(tuesday.text(), /Already out[\s\S]*Published/u);
    assert.equal(tuesday.find('form').length, 0, 'a published post cannot be moved');
    assert.match(rowOf($, /Thursday 25 March/u).text(), /Waiting for approval[\s\S]*Pending approval/u);
    assert.match(rowOf($, /Wednesday 24 March/u).text(), /Still a draft/u);
    // Every move form has its labels and the CSRF token.
    const form = $(`#post-${ids.early} form`);
    assert.equal(form.find('input[name="_csrf"]').length, 1);
    assert.equal(form.find(`label[for="reschedule-${ids.early}-time"]`).length, 1);
    assert.match($('script[src="/public/calendar.js"]').attr('nonce') ?? '', /.+/u);
    const next = await officer.get(
      $('a[rel="next"]')
        .attr('href')!
        .replace(/^\/c\/[^/]+/u, ''),
    );
    assert.match(next.body, /Monday just after midnight/u);
  });

  it('shows both 01:30s on the day the clocks go back, with their zones', async () => {
    const first = await scheduledPost(ctx.services, c, {
      title: 'First half past one',
      body: 'BST',
      accounts: [accountA],
      ...at('31', '10', '2027', '01:30'),
    });
    const second = await scheduledPost(ctx.services, c, {
      title: 'Second half past one',
      body: 'GMT',
      accounts: [accountA],
      ...at('31', '10', '2027', '03:00'),
    });
    // The form reads a repeated time as the first (BST); the second 01:30 is an hour later.
    await ctx.services.db.system
      .updateTable('posts')
      .set({ scheduled_at: new Date('2027-10-31T01:30:00Z') })
      .where('id', '=', second.postId)
      .execute();
    const $ = load((await officer.get('/staff/publishing/calendar?view=week&date=2027-10-31')).body);
    const sunday = rowOf($, /Sunday 31 October/u);
    assert.match(sunday.find('th').text(), /Clocks go back an hour/u);
    assert.match(sunday.text(), /01:30 BST\s+First half past one[\s\S]*01:30 GMT\s+Second half past one/u);
    assert.ok(first.postId);
  });

  it('filters by channel, service and status with a plain GET form', async () => {
    const byChannel = load((await week(`&channel=${accountB}`)).body);
    assert.match(byChannel('table[data-calendar]').text(), /Late Sunday roads/u);
    assert.doesNotMatch(byChannel('table[data-calendar]').text(), /Early Sunday bins/u);
    assert.equal(byChannel('#channel option:checked').val(), accountB);
    const byService = load((await week('&service=Roads+and+transport')).body);
    assert.match(byService('table[data-calendar]').text(), /Late Sunday roads/u);
    assert.doesNotMatch(byService('table[data-calendar]').text(), /Waiting for approval/u);
    const byStatus = load((await week('&status=submitted')).body);
    assert.match(byStatus('table[data-calendar]').text(), /Waiting for approval/u);
    assert.doesNotMatch(byStatus('table[data-calendar]').text(), /Late Sunday roads/u);
    // The filter form itself: GET, keeping the view and date.
    const form = byStatus('form[method="get"]');
    assert.equal(form.find('input[name="view"]').val(), 'week');
    assert.equal(form.find('input[name="date"]').val(), '2027-03-24');
    // Filters survive the previous/next links.
    assert.match(byStatus('a[rel="next"]').attr('href') ?? '', /status=submitted/u);
    const bogus = await week('&channel=not-a-uuid&status=nonsense');
    assert.equal(bogus.statusCode, 200);
  });

  it('shows a month as a table of weeks with a column per weekday', async () => {
    const res = await officer.get('/staff/publishing/calendar?view=month&date=2027-03-10');
    assert.equal(res.statusCode, 200);
    const $ = load(res.body);
    assert.equal($('table[data-calendar] caption').text().trim(), 'March 2027');
    assert.equal($('table[data-calendar] thead th[scope="col"]').length, 7);
    assert.equal($('table[data-calendar] tbody tr').length, 5);
    const sunday = $('td[data-drop-date="2027-03-28"]');
    assert.match(sunday.text(), /Sunday\s+28\s+March/u);
    assert.match(sunday.text(), /Early Sunday bins[\s\S]*Late Sunday roads/u);
    assert.match($('td[data-drop-date="2027-03-29"]').text(), /Monday just after midnight/u);
  });

  it('moves a scheduled post with the form: recorded, audited and queued for the new time', async () => {
    const page = '/staff/publishing/calendar?view=week&date=2027-03-24';
    queue.sent.length = 0;
    const res = await officer.submit(
      page,
      { view: 'week', date: '2027-03-24', ...at('2', '4', '2027', '14:45') },
      `/staff/publishing/posts/${ids.early}/reschedule`,
    );
    assert.equal(res.statusCode, 303);
    assert.match(String(res.headers.location), /calendar\?view=week&date=2027-04-02&done=moved#post-/u);
    const post = await ctx.services.publishing.posts.get(c.councilId, ids.early!);
    assert.equal(post.scheduledAt?.toISOString(), '2027-04-02T13:45:00.000Z');
    const variantId = post.variants[0]!.id;
    assert.ok(
      queue.sent.some(
        (s) =>
          s.kind === 'variant' &&
          s.id === variantId &&
          s.startAfter?.getTime() === post.scheduledAt?.getTime(),
      ),
    );
    const { records, audit } = await withCouncil(ctx.services.db.app, c.councilId, async (tx) => ({
      records: await tx
        .selectFrom('publishing_records')
        .selectAll()
        .where('post_id', '=', ids.early!)
        .execute(),
      audit: await tx
        .selectFrom('audit_events')
        .selectAll()
        .where('entity_id', '=', ids.early!)
        .where('action', '=', 'publishing.post_rescheduled')
        .execute(),
    }));
    assert.ok(records.some((r) => r.action === 'post.rescheduled'));
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0]!.after, { scheduledAt: '2027-04-02T13:45:00.000Z' });
    assert.deepEqual(audit[0]!.before, { scheduledAt: '2027-03-28T00:30:00.000Z' });
    const moved = load((await officer.get(String(res.headers.location).replace(/#.*$/u, ''))).body);
    assert.match(moved('.govuk-notification-banner').text(), /The post has been moved/u);
    assert.match(moved('td[data-drop-date="2027-04-02"]').text(), /14:45\s+Early Sunday bins/u);
  });

  it('refuses a time in the past or a time the clocks skip, with the GOV.UK error summary', async () => {
    const page = '/staff/publishing/calendar?view=week&date=2027-03-24';
    const past = await officer.submit(
      page,
      { view: 'week', date: '2027-03-24', ...at('1', '1', '2020', '09:00') },
      `/staff/publishing/posts/${ids.late}/reschedule`,
    );
    assert.equal(past.statusCode, 400);
    let $ = load(past.body);
    assert.match($('title').text(), /^Error: Content calendar/u);
    assert.equal($('.govuk-error-summary a').attr('href'), `#reschedule-${ids.late}-day`);
    assert.match($('.govuk-error-summary').text(), /must be in the future/u);
    assert.equal($(`#reschedule-${ids.late}-day`).length, 1, 'the summary links to a real field');
    assert.equal($(`#post-${ids.late} details`).attr('open'), 'open');
    assert.equal($(`#reschedule-${ids.late}-year`).val(), '2020', 'values are kept');
    const skipped = await officer.submit(
      page,
      { view: 'week', date: '2027-03-24', ...at('28', '3', '2027', '01:30') },
      `/staff/publishing/posts/${ids.late}/reschedule`,
    );
    assert.equal(skipped.statusCode, 400);
    $ = load(skipped.body);
    assert.equal($('.govuk-error-summary a').attr('href'), `#reschedule-${ids.late}-time`);
    assert.match($('.govuk-error-summary').text(), /clocks go forward/u);
    const post = await ctx.services.publishing.posts.get(c.councilId, ids.late!);
    assert.equal(post.scheduledAt?.toISOString(), '2027-03-28T22:30:00.000Z', 'nothing moved');
  });

  it('will not move a post that has started publishing', async () => {
    const res = await officer.submit(
      '/staff/publishing/calendar?view=week&date=2027-03-24',
      { view: 'week', date: '2027-03-24', ...at('5', '4', '2027', '09:00') },
      `/staff/publishing/posts/${ids.published}/reschedule`,
    );
    assert.equal(res.statusCode, 400);
    const $ = load(res.body);
    assert.match($('.govuk-error-summary').text(), /already started publishing, so it cannot be moved/u);
    assert.equal($('.govuk-error-summary a').attr('href'), `#post-${ids.published}`);
    // One variant published and another still waiting: still refused.
    const partly = await scheduledPost(ctx.services, c, {
      title: 'Half out',
      body: 'Half',
      accounts: [accountA, accountB],
      ...at('26', '3', '2027', '09:00'),
    });
    await ctx.services.db.system
      .updateTable('post_variants')
      .set({ status: 'published' })
      .where('id', '=', partly.variantIds[0]!)
      .execute();
    await assert.rejects(
      ctx.services.publishing.calendar.reschedule(c.staff(c.author), partly.postId, {
        day: '6',
        month: '4',
        year: '2027',
        time: '09:00',
      }),
      (e: Error & { kind?: string }) => e.kind === 'conflict',
    );
    const missing = await officer.submit(
      '/staff/publishing/calendar?view=week&date=2027-03-24',
      at('5', '4', '2027', '09:00'),
      '/staff/publishing/posts/00000000-0000-4000-8000-000000000000/reschedule',
    );
    assert.equal(missing.statusCode, 404);
  });

  it('leaves a job for the old time with nothing to do once the post has moved later', async () => {
    const { postId, variantIds } = await scheduledPost(ctx.services, c, {
      title: 'Moved later',
      body: 'Moved later. Marker-calendar-moved',
      accounts: [accountA],
      ...at('20', '3', '2027', '09:00'),
    });
    // Its old time comes (the job queued for it runs) after the officer moved it a week on.
    await ctx.services.publishing.calendar.reschedule(c.staff(c.author), postId, {
      day: '27',
      month: '3',
      year: '2027',
      time: '09:00',
    });
    const outcome = await ctx.services.publishing.publisher.publishVariant(
      c.councilId,
      variantIds[0]!,
      new Date('2027-03-20T09:00:05Z'),
    );
    assert.equal(outcome, 'not_due');
    assert.equal(mastodon.countContaining('Marker-calendar-moved'), 0);
    assert.equal((await ctx.services.publishing.posts.get(c.councilId, postId)).status, 'scheduled');
  });

  it('moves a post still waiting for approval and queues its hold check for the new time', async () => {
    queue.sent.length = 0;
    const when = await ctx.services.publishing.calendar.reschedule(c.staff(c.author), ids.pending!, {
      day: '27',
      month: '3',
      year: '2027',
      time: '16:00',
    });
    assert.equal(when.toISOString(), '2027-03-27T16:00:00.000Z');
    assert.deepEqual(
      queue.sent.map((s) => s.kind),
      ['post'],
      'no variant jobs before approval',
    );
  });

  it('sets a post’s service from its page, audited, refusing one not on the list', async () => {
    const page = `/staff/publishing/posts/${ids.monday}`;
    const ok = await officer.submit(page, { service: 'Bins and recycling' }, `${page}/service`);
    assert.equal(ok.statusCode, 303);
    const shown = load((await officer.get(page)).body);
    assert.equal(shown('#service option:checked').val(), 'Bins and recycling');
    assert.match(
      shown('a[href*="/staff/publishing/calendar?view=week&date=2027-03-29"]').text(),
      /content calendar/u,
    );
    const bad = await officer.submit(page, { service: 'Astrology' }, `${page}/service`);
    assert.equal(bad.statusCode, 400);
    const audit = await withCouncil(ctx.services.db.app, c.councilId, (tx) =>
      tx.selectFrom('audit_events').selectAll().where('action', '=', 'publishing.post_service_set').execute(),
    );
    assert.equal(audit.length, 2, 'the set-up and the page');
  });

  it('neither shows nor moves another council’s posts', async () => {
    const other = await publishingCouncil(ctx.services, 'calendar-other');
    const theirs = await ctx.services.publishing.posts.saveDraft(
      other.staff(other.author),
      readPostForm({ title: 'Another council’s post', body: 'Theirs', ...at('24', '3', '2027', '15:00') }),
      {},
    );
    assert.doesNotMatch((await week()).body, /Another council’s post/u);
    const page = '/staff/publishing/calendar?view=week&date=2027-03-24';
    const moved = await officer.submit(
      page,
      { view: 'week', date: '2027-03-24', ...at('2', '1', '2020', '09:00') },
      `/staff/publishing/posts/${theirs}/reschedule`,
    );
    assert.equal(moved.statusCode, 404, 'a 404, not a validation error that would confirm the id');
    const tagged = await officer.submit(
      page,
      { service: 'Nonsense' },
      `/staff/publishing/posts/${theirs}/service`,
    );
    assert.equal(tagged.statusCode, 404);
    const still = await ctx.services.publishing.posts.get(other.councilId, theirs);
    assert.equal(still.scheduledAt?.toISOString(), '2027-03-24T15:00:00.000Z');
    assert.equal(still.service, null);
  });

  it('offers each week-view day’s hours as drop targets, hidden until a drag begins', async () => {
    const $ = load((await week()).body);
    const sunday = $('td[data-drop-date="2027-03-28"]');
    const slots = sunday.find('[data-slots]');
    assert.equal(slots.attr('hidden'), 'hidden', 'hidden without JavaScript: the form moves posts');
    assert.equal(slots.attr('aria-hidden'), 'true', 'a pointer-only shortcut, kept out of the reading order');
    assert.equal(slots.find('[data-drop-hour]').length, 23, 'the clocks go forward on this Sunday');
    assert.equal(sunday.find('[data-drop-hour="14"]').attr('data-hour-start'), '2027-03-28T13:00:00.000Z');
    assert.equal($('td[data-drop-date="2027-03-22"] [data-drop-hour]').length, 24);
    assert.equal($(`#post-${ids.late}`).attr('data-time'), '23:30', 'the script keeps the minutes');
    assert.match($('#calendar-help').text(), /open “Move” under it and enter a new date and time/u);
    const month = load((await officer.get('/staff/publishing/calendar?view=month&date=2027-03-10')).body);
    assert.equal(month('[data-slots]').length, 0, 'the month view moves by day only');
  });

  it('moves a post to another time on the same day, as a drop on an hour does', async () => {
    const { postId } = await scheduledPost(ctx.services, c, {
      title: 'Same day, later hour',
      body: 'Later',
      accounts: [accountA],
      ...at('26', '3', '2027', '09:30'),
    });
    const res = await officer.submit(
      '/staff/publishing/calendar?view=week&date=2027-03-24',
      { view: 'week', date: '2027-03-24', ...at('26', '3', '2027', '14:30') },
      `/staff/publishing/posts/${postId}/reschedule`,
    );
    assert.equal(res.statusCode, 303);
    const post = await ctx.services.publishing.posts.get(c.councilId, postId);
    assert.equal(post.scheduledAt?.toISOString(), '2027-03-26T14:30:00.000Z');
  });

  it('serves the drag-and-drop script, which submits the post’s own form', async () => {
    const res = await new Browser(ctx.app, host).get('/public/calendar.js');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /requestSubmit\(\)/u);
    assert.match(res.body, /data-drop-date/u);
  });
});

describe('moving posts into a pre-election period', () => {
  let ctx: TestContext;
  let c: PublishingCouncil;
  let mastodon: MastodonServer;
  let account: string;
  let officer: Browser;
  const queue = new RecordingQueue();
  const settings = { preElectionPeriods: [{ start: '2027-04-20', end: '2027-05-06' }] };
  const when = (day: string, month: string, time: string) => ({
    'schedule-day': day,
    'schedule-month': month,
    'schedule-year': '2027',
    'schedule-time': time,
  });

  before(async () => {
    ctx = await startTestApp();
    mastodon = await startMastodonServer();
    for (const s of [ctx.services.publishing.posts, ctx.services.publishing.calendar]) s.useQueue(queue);
    c = await publishingCouncil(ctx.services, 'calendar-election', settings);
    account = await connectMastodon(ctx.services, c, mastodon);
    officer = new Browser(ctx.app, 'calendar-election.test');
    assert.equal((await officer.signIn(c.author.email)).statusCode, 303);
  });
  after(async () => {
    await ctx.close();
    await mastodon.close();
  });

  it('will not move an approved post naming a councillor into the period, saying why', async () => {
    const { postId } = await scheduledPost(ctx.services, c, {
      title: 'Cllr Jones opens the library',
      body: 'Cllr Jones opens the new library on Saturday.',
      accounts: [account],
      ...when('12', '4', '10:00'),
    });
    const res = await officer.submit(
      '/staff/publishing/calendar?view=week&date=2027-04-12',
      { view: 'week', date: '2027-04-12', ...when('22', '4', '10:00') },
      `/staff/publishing/posts/${postId}/reschedule`,
    );
    assert.equal(res.statusCode, 400);
    const $ = load(res.body);
    assert.equal($('.govuk-error-summary a').attr('href'), `#reschedule-${postId}-day`);
    assert.match(
      $('.govuk-error-summary').text(),
      /pre-election period and “Cllr Jones opens the library” names a councillor, so it would need the pre-election approval/u,
    );
    const post = await ctx.services.publishing.posts.get(c.councilId, postId);
    assert.equal(post.scheduledAt?.toISOString(), '2027-04-12T09:00:00.000Z', 'not moved');
    // Outside the period it moves as usual; a post naming nobody moves into it.
    const later = await officer.submit(
      '/staff/publishing/calendar?view=week&date=2027-04-12',
      { view: 'week', date: '2027-04-12', ...when('10', '5', '10:00') },
      `/staff/publishing/posts/${postId}/reschedule`,
    );
    assert.equal(later.statusCode, 303);
    const plain = await scheduledPost(ctx.services, c, {
      title: 'Library opening hours',
      body: 'The library opens at 9am.',
      accounts: [account],
      ...when('12', '4', '11:00'),
    });
    await ctx.services.publishing.calendar.reschedule(
      c.staff(c.author),
      plain.postId,
      { day: '22', month: '4', year: '2027', time: '11:00' },
      settings,
    );
  });

  it('adds the pre-election approval to a post still waiting for approval, recorded and audited', async () => {
    const { posts } = ctx.services.publishing;
    const postId = await posts.saveDraft(
      c.staff(c.author),
      readPostForm({
        title: 'Green Party stall at the market',
        body: 'Meet the Green Party at the market.',
        accounts: [account],
        ...when('13', '4', '09:00'),
      }),
      settings,
    );
    await posts.submit(c.staff(c.author), postId, settings);
    assert.equal((await posts.get(c.councilId, postId)).needsExtraApproval, false, 'before the period');
    const res = await officer.submit(
      '/staff/publishing/calendar?view=week&date=2027-04-12',
      { view: 'week', date: '2027-04-12', ...when('27', '4', '09:00') },
      `/staff/publishing/posts/${postId}/reschedule`,
    );
    assert.equal(res.statusCode, 303);
    const moved = await posts.get(c.councilId, postId);
    assert.equal(moved.needsExtraApproval, true);
    assert.deepEqual(
      moved.steps.map((s) => s.name),
      ['Approval', 'Pre-election check'],
    );
    // One approval is no longer enough: the post waits for the admin's pre-election check.
    assert.equal(await posts.approve(c.staff(c.approver), postId), 'approved');
    assert.equal(await posts.approve(c.staff(c.admin), postId), 'scheduled');
    const audit = await withCouncil(ctx.services.db.app, c.councilId, (tx) =>
      tx
        .selectFrom('audit_events')
        .select('after')
        .where('entity_id', '=', postId)
        .where('action', '=', 'publishing.post_rescheduled')
        .execute(),
    );
    assert.deepEqual(audit[0]?.after, { scheduledAt: '2027-04-27T08:00:00.000Z', needsExtraApproval: true });
  });

  it('says a move has added the pre-election approval, and plainly that a post has moved otherwise', async () => {
    const { posts } = ctx.services.publishing;
    const postId = await posts.saveDraft(
      c.staff(c.author),
      readPostForm({
        title: 'Labour councillors at the fun run',
        body: 'Meet Labour at the fun run.',
        accounts: [account],
        ...when('14', '4', '09:00'),
      }),
      settings,
    );
    await posts.submit(c.staff(c.author), postId, settings);
    const page = '/staff/publishing/calendar?view=week&date=2027-04-12';
    // 00:30 BST on the period's first day: still 19 April in UTC, 20 April in the council's day.
    const moved = await officer.submit(
      page,
      { view: 'week', date: '2027-04-12', ...when('20', '4', '00:30') },
      `/staff/publishing/posts/${postId}/reschedule`,
    );
    assert.equal(moved.statusCode, 303);
    assert.match(String(moved.headers.location), /done=moved-election/u);
    const $ = load((await officer.get(String(moved.headers.location))).body);
    assert.match(
      $('.govuk-notification-banner').text(),
      /The post has been moved\. It is now in a pre-election period and names a councillor or party, so it needs the pre-election approval/u,
    );
    const post = await posts.get(c.councilId, postId);
    assert.equal(post.scheduledAt?.toISOString(), '2027-04-19T23:30:00.000Z');
    assert.equal(post.needsExtraApproval, true);
    // Fenced as every change is (posts/locking.ts): a claim that read the old time backs off,
    // and the fence is over a second before the new time.
    const fences = await ctx.services.db.system
      .selectFrom('post_variants')
      .select('lease_until')
      .where('post_id', '=', postId)
      .execute();
    assert.deepEqual(
      fences.map((v) => v.lease_until && new Date(v.lease_until).toISOString()),
      ['2027-04-19T23:29:59.000Z'],
    );

    // Moved again within the period it already has the step: the plain notice.
    const again = await officer.submit(
      String(moved.headers.location),
      { view: 'week', date: '2027-04-19', ...when('21', '4', '09:00') },
      `/staff/publishing/posts/${postId}/reschedule`,
    );
    assert.equal(again.statusCode, 303);
    const plain = load((await officer.get(String(again.headers.location))).body);
    assert.equal(plain('.govuk-notification-banner__heading').text().trim(), 'The post has been moved');
  });
});
