/**
 * What officers and residents see: the composer's GOV.UK error summary for each bad input,
 * the journey from draft to approval, the public news page with a stable URL per post, the
 * feeds, the media library's alt-text rule, the FOI export, and incident mode's banner.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'cheerio';
import Parser from 'rss-parser';
import { startTestApp, Browser, type TestContext } from './support/app.ts';
import { publishingCouncil, RecordingQueue, type PublishingCouncil } from './publishing-fixtures.ts';

describe('publishing pages', () => {
  let ctx: TestContext;
  let c: PublishingCouncil;
  const queue = new RecordingQueue();
  let author: Browser;
  let approver: Browser;
  const host = 'pages.test';

  before(async () => {
    ctx = await startTestApp();
    ctx.services.publishing.posts.useQueue(queue);
    ctx.services.publishing.publisher.useQueue(queue);
    ctx.services.publishing.incidents.useQueue(queue);
    c = await publishingCouncil(ctx.services, 'pages');
    author = new Browser(ctx.app, host);
    approver = new Browser(ctx.app, host);
    assert.equal((await author.signIn(c.author.email)).statusCode, 303);
    assert.equal((await approver.signIn(c.approver.email)).statusCode, 303);
  });
  after(async () => ctx.close());

  it('shows a GOV.UK error summary naming each bad field and the fix', async () => {
    const res = await author.submit('/staff/publishing/new', {
      kind: 'event',
      title: '',
      body: 'Text',
      link: 'www.example',
      'schedule-day': '1',
      'schedule-month': '1',
      'schedule-year': '2020',
      'schedule-time': '09:00',
      repeat: 'monthly',
      'eventStart-day': '',
      eventLocation: '',
    });
    assert.equal(res.statusCode, 400);
    const $ = load(res.body);
    assert.match($('title').text(), /^Error: New post/u);
    const links = $('.govuk-error-summary__list a')
      .map((_i, a) => $(a).attr('href'))
      .get();
    assert.deepEqual(links, ['#title', '#link', '#schedule-day', '#eventStart-day', '#eventLocation']);
    assert.match($('.govuk-error-summary').text(), /Enter a title/u);
    assert.match($('.govuk-error-summary').text(), /must be in the future/u);
    assert.match($('#title-error').text(), /Enter a title/u);
    assert.equal($('#body').val(), 'Text', 'values are kept');
  });

  let postId = '';
  it('takes a post from draft to approved, and it appears on the public site and feeds', async () => {
    const saved = await author.submit('/staff/publishing/new', {
      kind: 'news',
      title: 'Bin collections change for the bank holiday',
      body: 'Bins due on Monday will be collected on Tuesday. #BinDay',
    });
    assert.equal(saved.statusCode, 303);
    postId = /posts\/([0-9a-f-]{36})/u.exec(String(saved.headers.location))![1]!;
    const page = `/staff/publishing/posts/${postId}`;
    assert.equal((await author.submit(page, {}, `${page}/submit`)).statusCode, 303);
    const own = await author.submit(page, {}, `${page}/approve`);
    assert.equal(own.statusCode, 400);
    assert.match(load(own.body)('.govuk-error-summary').text(), /cannot approve your own post/u);
    assert.equal((await approver.submit(page, {}, `${page}/approve`)).statusCode, 303);
    const visitor = new Browser(ctx.app, host);
    const news = await visitor.get('/news');
    assert.equal(news.statusCode, 200);
    assert.ok(news.body.includes(`/news/${postId}`));
    const article = await visitor.get(`/news/${postId}`);
    assert.equal(article.statusCode, 200);
    assert.match(load(article.body)('h1').text(), /Bin collections change/u);
    const rss = await new Parser().parseString((await visitor.get('/news.rss')).body);
    assert.equal(rss.items[0]?.title, 'Bin collections change for the bank holiday');
    const json = JSON.parse((await visitor.get('/news.json')).body) as { items: { url: string }[] };
    assert.match(json.items[0]?.url ?? '', new RegExp(`/news/${postId}$`, 'u'));
    assert.match((await visitor.get('/news.atom')).body, /<feed/u);
    assert.match((await visitor.get('/events.ics')).body, /BEGIN:VCALENDAR/u);
    assert.equal((await visitor.get('/news/00000000-0000-4000-8000-000000000000')).statusCode, 404);
  });

  it('refuses an image without alt text or of the wrong type', async () => {
    const page = await author.get('/staff/publishing/media');
    const csrf = load(page.body)('input[name="_csrf"]').attr('value') ?? '';
    const form = new FormData();
    form.append('_csrf', csrf);
    form.append('altText', '');
    form.append('file', new Blob([Buffer.from('not an image')], { type: 'image/png' }), 'x.png');
    const request = new Request('http://x/', { method: 'POST', body: form });
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/staff/publishing/media',
      headers: { host, cookie: author.cookieHeader(), 'content-type': request.headers.get('content-type')! },
      payload: Buffer.from(await request.arrayBuffer()),
    });
    assert.equal(res.statusCode, 400);
    const $ = load(res.body);
    assert.deepEqual(
      $('.govuk-error-summary__list a')
        .map((_i, a) => $(a).attr('href'))
        .get(),
      ['#file', '#altText'],
    );
    assert.match($('.govuk-error-summary').text(), /must be a JPG, PNG, GIF or WebP/u);
    assert.match($('.govuk-error-summary').text(), /Enter alt text/u);
  });

  it('exports the publishing record as CSV and JSON', async () => {
    const csv = await author.get('/staff/publishing/records.csv');
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/u);
    assert.ok(csv.body.includes('"post.approved_step"'));
    const json = JSON.parse((await author.get('/staff/publishing/records.json')).body) as {
      records: { action: string }[];
    };
    assert.ok(json.records.some((r) => r.action === 'post.submitted'));
  });

  it('incident mode pauses scheduled posts and shows a banner on the public site', async () => {
    const later = new Date(Date.now() + 3 * 86_400_000);
    const f = {
      'schedule-day': String(later.getUTCDate()),
      'schedule-month': String(later.getUTCMonth() + 1),
      'schedule-year': String(later.getUTCFullYear()),
      'schedule-time': '10:00',
    };
    const saved = await author.submit('/staff/publishing/new', {
      kind: 'news',
      title: 'Later',
      body: 'Parks event next week.',
      ...f,
    });
    const id = /posts\/([0-9a-f-]{36})/u.exec(String(saved.headers.location))![1]!;
    await author.submit(`/staff/publishing/posts/${id}`, {}, `/staff/publishing/posts/${id}/submit`);
    await approver.submit(`/staff/publishing/posts/${id}`, {}, `/staff/publishing/posts/${id}/approve`);
    const refused = await approver.submit('/staff/publishing/incident', { reason: '', banner: '' });
    assert.equal(refused.statusCode, 400);
    assert.equal(load(refused.body)('.govuk-error-summary__list a').length, 2);
    const started = await approver.submit('/staff/publishing/incident', {
      reason: 'Flooding',
      banner: 'Flooding: the A40 is closed',
    });
    assert.equal(started.statusCode, 303);
    const home = await new Browser(ctx.app, host).get('/news');
    assert.match(load(home.body)('.ts-incident').text(), /Flooding: the A40 is closed/u);
    assert.equal((await ctx.services.publishing.posts.get(c.councilId, id)).isPaused, true);
    assert.equal(
      (await approver.submit('/staff/publishing/incident', {}, '/staff/publishing/incident/end')).statusCode,
      303,
    );
    assert.equal((await ctx.services.publishing.posts.get(c.councilId, id)).isPaused, false);
    assert.ok(queue.sent.some((s) => s.kind === 'variant' || s.kind === 'post'));
  });
});
