/**
 * An event over more than one day in the composer, as an officer without JavaScript uses it:
 * the event template fills the composer's "Last day", the finish is saved on that day (even
 * when it is earlier in the day than the start), a weekend event drafted from an events list
 * keeps its last day when its draft is edited and saved, and a last day before the first is
 * refused with the GOV.UK error summary naming the field.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { load, type CheerioAPI } from 'cheerio';
import { Browser, startTestApp, type TestContext } from './support/app.ts';
import { publishingCouncil, RecordingQueue, type PublishingCouncil } from './publishing-fixtures.ts';

/**
 * What a browser sends for the composer's form as the page shows it: every named input with a
 * value (checked ones only for radios and checkboxes) and every textarea. None of these tests
 * chooses a channel, so no name repeats.
 */
function composerFields($: CheerioAPI): Record<string, string> {
  const form = $('form[data-module="ts-composer"]');
  assert.equal(form.length, 1, 'the composer form is on the page');
  const fields: Record<string, string> = {};
  form.find('input[name], textarea[name]').each((_i, el) => {
    const input = $(el);
    const type = input.attr('type');
    if ((type === 'radio' || type === 'checkbox') && input.attr('checked') === undefined) return;
    const name = input.attr('name')!;
    // The form's own token: Browser.submit sends a fresh one.
    if (name === '_csrf') return;
    fields[name] = el.tagName === 'textarea' ? input.text() : (input.attr('value') ?? '');
  });
  return fields;
}

const weekendEvent = {
  template: 'event',
  name: 'Spring clean-up weekend',
  'date-day': '20',
  'date-month': '3',
  'date-year': '2027',
  'endDate-day': '21',
  'endDate-month': '3',
  'endDate-year': '2027',
  startTime: '14:00',
  // Closes earlier on the Sunday than it opened on the Saturday.
  endTime: '13:00',
  venue: 'Pittville Park',
};

describe('an event over more than one day in the composer', () => {
  let ctx: TestContext;
  let c: PublishingCouncil;
  let author: Browser;
  const queue = new RecordingQueue();

  before(async () => {
    ctx = await startTestApp();
    ctx.services.publishing.posts.useQueue(queue);
    c = await publishingCouncil(ctx.services, 'event-days');
    author = new Browser(ctx.app, 'event-days.test');
    assert.equal((await author.signIn(c.author.email)).statusCode, 303);
  });
  after(async () => ctx.close());

  const postIdFrom = (location: unknown) => /posts\/([0-9a-f-]{36})/u.exec(String(location))![1]!;

  it('fills the last day from the event template and saves the finish on that day', async () => {
    const page = await author.submit('/staff/publishing/templates/use?template=event', weekendEvent);
    assert.equal(page.statusCode, 200);
    const $ = load(page.body);
    assert.equal($('#eventStart-day').val(), '20');
    assert.equal($('#eventStart-time').val(), '14:00');
    assert.equal($('#eventEndDate-day').val(), '21');
    assert.equal($('#eventEndDate-month').val(), '3');
    assert.equal($('#eventEndDate-year').val(), '2027');
    assert.equal($('#eventEndTime').val(), '13:00');
    // The field is a GOV.UK date input in its own fieldset, labelled for a page without JS.
    assert.match($('#eventEndDate').closest('fieldset').find('legend').text(), /Last day/u);
    assert.equal($('label[for="eventEndDate-day"]').length, 1);

    const saved = await author.submit(
      '/staff/publishing/templates/use?template=event',
      composerFields($),
      '/staff/publishing/new',
    );
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 600));
    const post = await ctx.services.publishing.posts.get(c.councilId, postIdFrom(saved.headers.location));
    assert.equal(post.kind, 'event');
    assert.equal(post.eventStart?.toISOString(), '2027-03-20T14:00:00.000Z', '2pm GMT on the Saturday');
    assert.equal(post.eventEnd?.toISOString(), '2027-03-21T13:00:00.000Z', '1pm GMT on the Sunday');
  });

  it('leaves the last day blank for an event on one day', async () => {
    const page = await author.submit('/staff/publishing/templates/use?template=event', {
      ...weekendEvent,
      'endDate-day': '',
      'endDate-month': '',
      'endDate-year': '',
      endTime: '16:00',
    });
    const $ = load(page.body);
    assert.equal($('#eventEndDate-day').val(), '');
    assert.equal($('#eventEndTime').val(), '16:00');
  });

  it('ends an event on its last day across the spring clock change', async () => {
    const res = await author.submit('/staff/publishing/new', {
      kind: 'event',
      title: 'Easter trail',
      body: 'Follow the Easter trail round the park.',
      'eventStart-day': '27',
      'eventStart-month': '3',
      'eventStart-year': '2027',
      'eventStart-time': '10:00',
      'eventEndDate-day': '28',
      'eventEndDate-month': '3',
      'eventEndDate-year': '2027',
      eventEndTime: '16:00',
      eventLocation: 'Pittville Park',
    });
    assert.equal(res.statusCode, 303, res.body.slice(0, 600));
    const post = await ctx.services.publishing.posts.get(c.councilId, postIdFrom(res.headers.location));
    assert.equal(post.eventStart?.toISOString(), '2027-03-27T10:00:00.000Z', '10am GMT on the Saturday');
    assert.equal(post.eventEnd?.toISOString(), '2027-03-28T15:00:00.000Z', '4pm BST on the Sunday');
    // Shown again when the draft is edited, with the finish on that day.
    const $ = load((await author.get(`/staff/publishing/posts/${post.id}/edit`)).body);
    assert.equal($('#eventEndDate-day').val(), '28');
    assert.equal($('#eventEndTime').val(), '16:00');
  });

  it('refuses a last day before the first, and a finish before the start on one day, naming the field', async () => {
    const event = {
      kind: 'event',
      title: 'Spring fair',
      body: 'The spring fair is back.',
      'eventStart-day': '20',
      'eventStart-month': '3',
      'eventStart-year': '2027',
      'eventStart-time': '10:00',
      eventEndTime: '16:00',
      eventLocation: 'Imperial Gardens',
    };
    const summaryOf = (body: string) => {
      const $ = load(body);
      return {
        $,
        links: $('.govuk-error-summary__list a')
          .map((_i, a) => `${$(a).attr('href')} ${$(a).text().trim()}`)
          .get(),
      };
    };

    const before = await author.submit('/staff/publishing/new', {
      ...event,
      'eventEndDate-day': '19',
      'eventEndDate-month': '3',
      'eventEndDate-year': '2027',
    });
    assert.equal(before.statusCode, 400);
    const early = summaryOf(before.body);
    assert.deepEqual(early.links, [
      '#eventEndDate-day The last day of the event must be the same as or after the date of the event',
    ]);
    assert.match(
      early.$('#eventEndDate-error').text(),
      /must be the same as or after the date of the event/u,
    );
    assert.equal(early.$('#eventEndDate-day').val(), '19', 'values are kept');
    assert.ok(early.$('#eventEndDate-day').hasClass('govuk-input--error'));

    const unreal = await author.submit('/staff/publishing/new', {
      ...event,
      'eventEndDate-day': '30',
      'eventEndDate-month': '2',
      'eventEndDate-year': '2027',
    });
    assert.equal(unreal.statusCode, 400);
    assert.deepEqual(
      summaryOf(unreal.body).links.map((l) => l.split(' ')[0]),
      ['#eventEndDate-day'],
    );
    assert.match(unreal.body, /Enter the last day of the event as a real date/u);

    // Without a last day the finish is on the first day, so it must come after the start.
    const oneDay = await author.submit('/staff/publishing/new', { ...event, eventEndTime: '09:00' });
    assert.equal(oneDay.statusCode, 400);
    assert.deepEqual(summaryOf(oneDay.body).links, [
      '#eventEndTime Enter a finishing time after the start, like 20:00',
    ]);
    // The same finish on a later last day is fine; a last day the same as the first is one day.
    const sameDay = await author.submit('/staff/publishing/new', {
      ...event,
      eventEndTime: '09:00',
      'eventEndDate-day': '20',
      'eventEndDate-month': '3',
      'eventEndDate-year': '2027',
    });
    assert.equal(sameDay.statusCode, 400);
    assert.deepEqual(
      summaryOf(sameDay.body).links.map((l) => l.split(' ')[0]),
      ['#eventEndTime'],
    );
  });

  it('keeps an imported weekend event’s last day when its draft is saved in the composer', async () => {
    const result = await ctx.services.publishing.imports.importFile(
      c.staff(c.author),
      {
        kind: 'events',
        filename: 'events.csv',
        data: await readFile('docs/examples/events.csv'),
        accountIds: [],
      },
      {},
    );
    assert.ok(result.ok);
    const idOf = async (reference: string) =>
      (
        await ctx.services.db.system
          .selectFrom('publishing_import_items')
          .select('post_id')
          .where('council_id', '=', c.councilId)
          .where('reference', '=', reference)
          .executeTakeFirstOrThrow()
      ).post_id;
    const weekend = await idOf('EV-2027-014');
    const imported = await ctx.services.publishing.posts.get(c.councilId, weekend);
    assert.equal(imported.eventEnd?.toISOString(), '2027-03-21T13:00:00.000Z');

    const editUrl = `/staff/publishing/posts/${weekend}/edit`;
    const $ = load((await author.get(editUrl)).body);
    assert.equal($('#eventStart-day').val(), '20');
    assert.equal($('#eventEndDate-day').val(), '21');
    assert.equal($('#eventEndTime').val(), '13:00');
    const fields = composerFields($);
    const saved = await author.submit(editUrl, { ...fields, title: `${fields.title!} (edited)` });
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 600));
    const after = await ctx.services.publishing.posts.get(c.councilId, weekend);
    assert.match(after.title, /\(edited\)$/u);
    assert.equal(after.eventStart?.toISOString(), '2027-03-20T10:00:00.000Z');
    assert.equal(after.eventEnd?.toISOString(), '2027-03-21T13:00:00.000Z', 'still ends on the Sunday');

    // A one-day event from the same list shows no last day, and keeps its times too.
    const oneDay = await idOf('EV-2027-015');
    const one = load((await author.get(`/staff/publishing/posts/${oneDay}/edit`)).body);
    assert.equal(one('#eventEndDate-day').val(), '');
    const resaved = await author.submit(`/staff/publishing/posts/${oneDay}/edit`, composerFields(one));
    assert.equal(resaved.statusCode, 303);
    const kept = await ctx.services.publishing.posts.get(c.councilId, oneDay);
    assert.equal(kept.eventEnd?.toISOString(), '2027-03-23T16:00:00.000Z');
  });
});
