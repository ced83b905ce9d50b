/**
 * Post templates through the pages, as an officer without JavaScript uses them: choose a
 * template with a GET form, fill its fields (or be told exactly which are wrong), and get the
 * normal composer prefilled with each channel's text within its limit; save that as a draft.
 * Approvers change a template's wording for their council (audited) and can go back to the
 * built-in wording; other roles cannot.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'cheerio';
import { countGraphemes } from '../src/modules/channels/index.ts';
import { Browser, createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';
import { publishingCouncil, RecordingQueue, type PublishingCouncil } from './publishing-fixtures.ts';

const roadworks = {
  template: 'roadworks',
  street: 'hewlett rd',
  town: 'Cheltenham',
  promoter: 'Severn Trent Water',
  restriction: 'road_closure',
  'startDate-day': '1',
  'startDate-month': '3',
  'startDate-year': '2027',
  'endDate-day': '12',
  'endDate-month': '3',
  'endDate-year': '2027',
  description:
    'to replace 200 metres of water main between Hales Road and the Prestbury Road junction, outside numbers 12 to 40',
  link: 'https://www.example.gov.uk/roadworks/hewlett-road',
};

/** Every named form control of the page's main form, as the browser would send it. */
function formValues(html: string, selector: string): Record<string, string | string[]> {
  const $ = load(html);
  const out: Record<string, string | string[]> = {};
  const add = (name: string, value: string) => {
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  };
  $(`${selector} input, ${selector} textarea`).each((_i, el) => {
    const e = $(el);
    const name = e.attr('name');
    if (!name) return;
    const type = e.attr('type');
    if ((type === 'checkbox' || type === 'radio') && e.attr('checked') === undefined) return;
    add(name, e.is('textarea') ? e.text() : (e.attr('value') ?? ''));
  });
  return out;
}

describe('post templates', () => {
  let ctx: TestContext;
  let c: PublishingCouncil;
  let author: Browser;
  let approver: Browser;
  let accounts: { bluesky: string; facebook: string };
  const host = 'templates.test';

  before(async () => {
    ctx = await startTestApp();
    const queue = new RecordingQueue();
    ctx.services.publishing.posts.useQueue(queue);
    c = await publishingCouncil(ctx.services, 'templates');
    // Written directly: connecting through the service would call the networks.
    const account = async (kind: string, name: string, settings: Record<string, string>) =>
      (
        await ctx.services.db.system
          .insertInto('channel_accounts')
          .values({
            council_id: c.councilId,
            kind,
            name,
            handle: `${kind}.test`,
            credentials: 'sealed',
            settings: JSON.stringify(settings),
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    accounts = {
      bluesky: await account('bluesky', 'Council Bluesky', {
        service: 'https://bsky.example',
        identifier: 'council.bsky.test',
      }),
      facebook: await account('facebook', 'Council Facebook', { pageId: '1234' }),
    };
    author = new Browser(ctx.app, host);
    approver = new Browser(ctx.app, host);
    assert.equal((await author.signIn(c.author.email)).statusCode, 303);
    assert.equal((await approver.signIn(c.approver.email)).statusCode, 303);
  });
  after(async () => ctx.close());

  it('offers the templates in the composer as a GET form, and asks again when none is chosen', async () => {
    const page = load((await author.get('/staff/publishing/new')).body);
    const picker = page('form[method="get"]').filter(
      (_i, f) => page(f).attr('action')?.endsWith('/staff/publishing/templates/use') ?? false,
    );
    assert.equal(picker.length, 1);
    assert.deepEqual(
      picker
        .find('option')
        .map((_i, o) => page(o).attr('value'))
        .get()
        .filter(Boolean),
      ['roadworks', 'travel', 'event', 'bins', 'weather', 'consultation', 'meeting'],
    );
    const none = await author.get('/staff/publishing/templates/use?template=');
    assert.equal(none.statusCode, 400);
    const $ = load(none.body);
    assert.match($('title').text(), /^Error: Start from a template/u);
    assert.equal($('.govuk-error-summary__list a').attr('href'), '#template');
  });

  it('shows the template’s typed fields, with the gazetteer’s streets to choose from', async () => {
    const res = await author.get('/staff/publishing/templates/use?template=roadworks');
    assert.equal(res.statusCode, 200);
    const $ = load(res.body);
    assert.equal($('h1').text(), 'Roadworks');
    assert.equal($('#street').attr('list'), 'gazetteer-streets');
    assert.ok($('#gazetteer-streets option[value="Hewlett Road"]').length === 1);
    assert.equal($('#startDate-day').length, 1);
    assert.equal($('input[name="restriction"]').length, 11);
    assert.equal($('#link').attr('type'), 'url');
    assert.equal($('input[name="accounts"][checked]').length, 2, 'every channel is chosen to start with');
  });

  it('refuses empty and invalid fields with the GOV.UK error summary, keeping what was typed', async () => {
    const res = await author.submit('/staff/publishing/templates/use?template=roadworks', {
      template: 'roadworks',
      street: 'Nowhere Boulevard',
      'startDate-day': '30',
      'startDate-month': '2',
      'startDate-year': '2027',
      link: 'www.example.gov.uk',
    });
    assert.equal(res.statusCode, 400);
    const $ = load(res.body);
    assert.match($('title').text(), /^Error: Roadworks: fill in the template/u);
    assert.deepEqual(
      $('.govuk-error-summary__list a')
        .map((_i, a) => $(a).attr('href'))
        .get(),
      ['#street', '#promoter', '#restriction', '#startDate-day', '#endDate-day', '#link'],
    );
    assert.match($('#street-error').text(), /gazetteer spells it/u);
    assert.match($('#promoter-error').text(), /Enter who is doing the works/u);
    assert.match($('#startDate-error').text(), /Enter a real date for the first day of the works/u);
    assert.equal($('#street').val(), 'Nowhere Boulevard');
  });

  let composer = '';
  it('opens the normal composer prefilled, each channel’s text within its limit', async () => {
    const res = await author.submit('/staff/publishing/templates/use?template=roadworks', {
      ...roadworks,
      accounts: accounts.bluesky,
    });
    // Browser.submit sends one value per name; send both channels as a browser would.
    const page = await author.get('/staff/publishing/templates/use?template=roadworks');
    const csrf = load(page.body)('input[name="_csrf"]').attr('value') ?? '';
    const both = await ctx.app.inject({
      method: 'POST',
      url: '/staff/publishing/templates/use',
      headers: { host, cookie: author.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams([
        ['_csrf', csrf],
        ...Object.entries(roadworks),
        ['accounts', accounts.bluesky],
        ['accounts', accounts.facebook],
      ]).toString(),
    });
    assert.equal(res.statusCode, 200);
    assert.equal(both.statusCode, 200);
    composer = both.body;
    const $ = load(composer);
    assert.equal($('h1').first().text(), 'New post');
    assert.equal($('form[data-module="ts-composer"]').attr('action'), '/staff/publishing/new');
    assert.equal($('#title').val(), 'Roadworks: Hewlett Road');
    assert.equal($('input[name="kind"][checked]').val(), 'alert');
    assert.equal(
      $('#body').text(),
      'Roadworks on Hewlett Road, Cheltenham from Monday 1 March 2027 to Friday 12 March 2027. The road will be closed. Severn Trent Water is doing the works to replace 200 metres of water main between Hales Road and the Prestbury Road junction, outside numbers 12 to 40. Please allow extra time for your journey. #Roadworks',
    );
    assert.equal($('#link').val(), roadworks.link);
    const bluesky = $(`#variant-${accounts.bluesky}`).text();
    const facebook = $(`#variant-${accounts.facebook}`).text();
    assert.ok(countGraphemes(bluesky) <= 300, `Bluesky text fits: ${countGraphemes(bluesky)}`);
    assert.ok(bluesky.startsWith('Roadworks: Hewlett Road, Cheltenham, Monday 1 March 2027'), bluesky);
    assert.ok(bluesky.endsWith(roadworks.link));
    assert.ok(facebook.startsWith('Roadworks on Hewlett Road'), 'Facebook has room for the full text');
  });

  it('saves the prefilled composer as a draft, as the officer would', async () => {
    const fields = formValues(composer, 'form[data-module="ts-composer"]');
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields))
      for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/staff/publishing/new',
      headers: { host, cookie: author.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: body.toString(),
    });
    assert.equal(res.statusCode, 303, res.body.slice(0, 400));
    const postId = /posts\/([0-9a-f-]{36})/u.exec(String(res.headers.location))![1]!;
    const post = await ctx.services.publishing.posts.get(c.councilId, postId);
    assert.equal(post.title, 'Roadworks: Hewlett Road');
    assert.equal(post.kind, 'alert');
    assert.equal(post.variants.length, 2);
    const bluesky = post.variants.find((v) => v.channelAccountId === accounts.bluesky)!;
    assert.ok(countGraphemes(bluesky.text) <= 300);
  });

  it('fills an event template’s event details too', async () => {
    const res = await author.submit('/staff/publishing/templates/use?template=event', {
      template: 'event',
      name: 'Café for carers ☕',
      'date-day': '23',
      'date-month': '3',
      'date-year': '2027',
      startTime: '14:00',
      endTime: '16:00',
      venue: 'Central Library',
    });
    assert.equal(res.statusCode, 200);
    const $ = load(res.body);
    assert.equal($('#title').val(), 'Café for carers ☕');
    assert.equal($('input[name="kind"][checked]').val(), 'event');
    assert.equal($('#eventStart-day').val(), '23');
    assert.equal($('#eventStart-time').val(), '14:00');
    assert.equal($('#eventEndTime').val(), '16:00');
    assert.equal($('#eventLocation').val(), 'Central Library');
    assert.match(
      $('#body').text(),
      /^Café for carers ☕: Tuesday 23 March 2027, 2pm to 4pm\. Where: Central Library\. #WhatsOn$/u,
    );
  });

  it('changes a template’s wording for the council, audited, and goes back to the built-in one', async () => {
    const page = '/staff/publishing/templates/wording?template=roadworks';
    const bad = await approver.submit(page, {
      template: 'roadworks',
      title: 'Works: {road}',
      body: 'Roadworks on {street} [from {startDate}',
      short: '',
      bodyCy: '',
      shortCy: '',
    });
    assert.equal(bad.statusCode, 400);
    const $ = load(bad.body);
    assert.deepEqual(
      $('.govuk-error-summary__list a')
        .map((_i, a) => $(a).attr('href'))
        .get(),
      ['#title', '#body', '#short'],
    );
    assert.match($('#title-error').text(), /Remove \{road\}/u);
    const saved = await approver.submit(page, {
      template: 'roadworks',
      title: 'Road works: {street}',
      body: 'Road works on {street} from {startDate} to {endDate}. {restriction}.',
      short: 'Road works: {street}. {restriction}.',
      bodyCy: '',
      shortCy: '',
    });
    assert.equal(saved.statusCode, 303);
    const audit = await ctx.services.db.system
      .selectFrom('audit_events')
      .select(['action', 'entity_id', 'actor_user_id'])
      .where('council_id', '=', c.councilId)
      .where('action', 'like', 'publishing.template%')
      .execute();
    assert.deepEqual(audit, [
      { action: 'publishing.template_wording_changed', entity_id: 'roadworks', actor_user_id: c.approver.id },
    ]);
    const filled = await author.submit('/staff/publishing/templates/use?template=roadworks', roadworks);
    assert.equal(load(filled.body)('#title').val(), 'Road works: Hewlett Road');
    const list = load((await author.get('/staff/publishing/templates')).body);
    assert.match(list('tr:contains("Roadworks")').text(), /Your council’s/u);

    assert.equal(
      (await approver.submit(page, { template: 'roadworks' }, '/staff/publishing/templates/wording/reset'))
        .statusCode,
      303,
    );
    const again = await author.submit('/staff/publishing/templates/use?template=roadworks', roadworks);
    assert.equal(load(again.body)('#title').val(), 'Roadworks: Hewlett Road');
  });

  it('keeps each council’s wording to itself', async () => {
    const other = await createCouncilWithStaff(ctx.services, 'other-templates', [
      { email: 'comms@other-templates.test', role: 'comms' },
    ]);
    const t = await ctx.services.publishing.templates.get(other.councilId, 'roadworks');
    assert.equal(t.isCustom, false);
    assert.equal(t.wording.title, 'Roadworks: {street}');
  });

  it('lets only approvers change wording', async () => {
    const { users } = await createCouncilWithStaff(ctx.services, 'agents-templates', [
      { email: 'agent@agents-templates.test', role: 'agent' },
    ]);
    const agent = new Browser(ctx.app, 'agents-templates.test');
    assert.equal((await agent.signIn(users[0]!.email)).statusCode, 303);
    assert.equal((await agent.get('/staff/publishing/templates/wording?template=roadworks')).statusCode, 403);
    assert.equal((await agent.get('/staff/publishing/templates/use?template=roadworks')).statusCode, 403);
  });
});

describe('post templates for a council that publishes in Welsh and English', () => {
  let ctx: TestContext;
  let author: Browser;
  const host = 'dwyieithog.test';

  before(async () => {
    ctx = await startTestApp();
    const c = await publishingCouncil(ctx.services, 'dwyieithog', { isBilingual: true });
    author = new Browser(ctx.app, host);
    assert.equal((await author.signIn(c.author.email)).statusCode, 303);
  });
  after(async () => ctx.close());

  it('asks for the Welsh of each free-text field, and writes the post in both languages', async () => {
    const fields = {
      template: 'bins',
      bins: 'recycling',
      'usualDate-day': '25',
      'usualDate-month': '12',
      'usualDate-year': '2026',
      'newDate-day': '27',
      'newDate-month': '12',
      'newDate-year': '2026',
      reason: 'the Christmas bank holiday',
    };
    const missing = await author.submit('/staff/publishing/templates/use?template=bins', fields);
    assert.equal(missing.statusCode, 400);
    const $ = load(missing.body);
    assert.deepEqual(
      $('.govuk-error-summary__list a')
        .map((_i, a) => $(a).attr('href'))
        .get(),
      ['#reasonCy'],
    );
    assert.equal($('#reasonCy').closest('[lang]').attr('lang'), 'cy');
    const ok = await author.submit('/staff/publishing/templates/use?template=bins', {
      ...fields,
      reasonCy: 'gŵyl banc y Nadolig',
    });
    assert.equal(ok.statusCode, 200);
    const page = load(ok.body);
    assert.equal(
      page('#body').text(),
      'Bin collection change: recycling collections due on Friday 25 December will be on Sunday 27 December. Reason: the Christmas bank holiday. Put your bins out by 7am. #BinDay',
    );
    assert.equal(
      page('#bodyCy').text(),
      'Newid i gasgliadau biniau: casgliadau ailgylchu. Diwrnod casglu arferol: dydd Gwener 25 Rhagfyr. Diwrnod casglu newydd: dydd Sul 27 Rhagfyr. Rheswm: gŵyl banc y Nadolig. Rhowch eich biniau allan erbyn 7yb. #DiwrnodBiniau',
    );
  });
});
