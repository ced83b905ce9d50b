/**
 * Drafting posts from a roadworks or events list through the pages: a malformed file is
 * reported row by row with the GOV.UK error summary and imports nothing; a good file drafts one
 * post per row, for approval, each channel's text within its limit; importing the same works
 * again never drafts a second post (it updates a draft, says it is unchanged, or leaves alone a
 * post that has moved on).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { load } from 'cheerio';
import type { LightMyRequestResponse } from 'fastify';
import { countGraphemes } from '../src/modules/channels/index.ts';
import { ImportService } from '../src/modules/publishing/import/import.service.ts';
import { Browser, startTestApp, type TestContext } from './support/app.ts';
import { publishingCouncil, RecordingQueue, type PublishingCouncil } from './publishing-fixtures.ts';

describe('importing roadworks and events lists', () => {
  let ctx: TestContext;
  let c: PublishingCouncil;
  let author: Browser;
  let blueskyId = '';
  const host = 'imports.test';
  const queue = new RecordingQueue();

  before(async () => {
    ctx = await startTestApp();
    ctx.services.publishing.posts.useQueue(queue);
    c = await publishingCouncil(ctx.services, 'imports');
    blueskyId = (
      await ctx.services.db.system
        .insertInto('channel_accounts')
        .values({
          council_id: c.councilId,
          kind: 'bluesky',
          name: 'Council Bluesky',
          handle: 'council.bsky.test',
          credentials: 'sealed',
          settings: JSON.stringify({ service: 'https://bsky.example', identifier: 'council.bsky.test' }),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    author = new Browser(ctx.app, host);
    assert.equal((await author.signIn(c.author.email)).statusCode, 303);
  });
  after(async () => ctx.close());

  /** Posts the import form as a browser does: multipart, with the page's CSRF token. */
  async function upload(
    fields: { kind?: string; accounts?: string[] },
    file?: { name: string; data: Uint8Array | string },
  ): Promise<LightMyRequestResponse> {
    const page = await author.get('/staff/publishing/import');
    const form = new FormData();
    form.append('_csrf', load(page.body)('input[name="_csrf"]').attr('value') ?? '');
    if (fields.kind) form.append('kind', fields.kind);
    for (const a of fields.accounts ?? []) form.append('accounts', a);
    if (file) form.append('file', new Blob([file.data], { type: 'text/csv' }), file.name);
    else form.append('file', new Blob([]), '');
    const request = new Request('http://x/', { method: 'POST', body: form });
    return ctx.app.inject({
      method: 'POST',
      url: '/staff/publishing/import',
      headers: { host, cookie: author.cookieHeader(), 'content-type': request.headers.get('content-type')! },
      payload: Buffer.from(await request.arrayBuffer()),
    });
  }

  const counts = async () => ({
    posts: Number(
      (
        await ctx.services.db.system
          .selectFrom('posts')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('council_id', '=', c.councilId)
          .executeTakeFirstOrThrow()
      ).n,
    ),
    imports: Number(
      (
        await ctx.services.db.system
          .selectFrom('publishing_imports')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('council_id', '=', c.councilId)
          .executeTakeFirstOrThrow()
      ).n,
    ),
  });

  const summaryOf = (res: LightMyRequestResponse) => {
    const $ = load(res.body);
    return $('.govuk-error-summary__list a')
      .map((_i, a) => [[$(a).text().trim(), $(a).attr('href')]])
      .get() as unknown as [string, string][];
  };

  it('asks what the file lists and for a file', async () => {
    const res = await upload({});
    assert.equal(res.statusCode, 400);
    assert.deepEqual(summaryOf(res), [
      ['Select what the file lists: roadworks or events', '#kind'],
      ['Select a CSV file to import', '#file'],
    ]);
    assert.match(load(res.body)('title').text(), /^Error: Draft posts from a list/u);
  });

  it('reports every bad row by number and column, and imports nothing', async () => {
    const before = await counts();
    const good = await readFile('docs/examples/roadworks.csv', 'utf8');
    const bad = good
      .replace('2027-03-12', '2027-02-12') // row 2: ends before it starts
      .replace('Openreach,Standard,Lane closure', ',Standard,Lane closure') // row 3: no promoter
      .replace('Road closure,2027-03-08T00:00:00.000Z', 'Road closure,8th March'); // row 4: bad date
    const res = await upload(
      { kind: 'roadworks', accounts: [blueskyId] },
      { name: 'roadworks.csv', data: bad },
    );
    assert.equal(res.statusCode, 400);
    assert.deepEqual(
      summaryOf(res).map(([text]) => text),
      [
        'The file has 3 problems: fix them and choose the file again. Nothing was imported',
        'Row 2, column proposed_end_date: The last day of the works must be the same as or after the first day of the works',
        'Row 3, column promoter_organisation: Enter the organisation doing the works: it is required',
        'Row 4, column proposed_start_date: Enter the start date as a real date like 2026-03-02 (or 02/03/2026)',
      ],
    );
    const $ = load(res.body);
    assert.equal($('#problems tbody tr').length, 3, 'every problem is in the table too');
    assert.equal($('#file-error').length, 1);
    assert.equal($('input[name="kind"][value="roadworks"]').attr('checked'), 'checked', 'the choice is kept');
    assert.deepEqual(await counts(), before, 'nothing was imported');
  });

  it('refuses a file that is not UTF-8 CSV, with the fix', async () => {
    const latin1 = new Uint8Array([...Buffer.from('event_reference,name\nE1,Caf'), 0xe9, 0x0a]);
    const res = await upload({ kind: 'events' }, { name: 'events.csv', data: latin1 });
    assert.equal(res.statusCode, 400);
    assert.match(summaryOf(res)[0]?.[0] ?? '', /not in UTF-8.*CSV UTF-8/u);
    assert.match(load(res.body)('#file-error').text(), /not in UTF-8/u);
    const big = await upload({ kind: 'events' }, { name: 'events.csv', data: 'a'.repeat(1024 * 1024 + 10) });
    assert.equal(big.statusCode, 400);
    assert.match(summaryOf(big)[0]?.[0] ?? '', /smaller than 1MB/u);
  });

  let importId = '';
  it('drafts one post per row, for approval, each channel’s text within its limit', async () => {
    const res = await upload(
      { kind: 'roadworks', accounts: [blueskyId] },
      { name: 'roadworks.csv', data: await readFile('docs/examples/roadworks.csv') },
    );
    assert.equal(res.statusCode, 303, res.body.slice(0, 300));
    importId = /imports\/([0-9a-f-]{36})$/u.exec(String(res.headers.location))![1]!;
    const page = await author.get(`/staff/publishing/imports/${importId}`);
    assert.equal(page.statusCode, 200);
    const $ = load(page.body);
    assert.match($('h1').text(), /Roadworks list imported/u);
    assert.deepEqual(
      $('tbody tr td:first-child')
        .map((_i, td) => $(td).text())
        .get(),
      ['BT0123-TCH7781', 'CB991-RES-0007', 'TSR001-0042', 'WWU7-22310'],
    );
    assert.equal($('tbody .govuk-tag:contains("New draft")').length, 4);
    const link = $('tbody a').filter((_i, a) => $(a).text() === 'Roadworks: Hewlett Road');
    const postId = /posts\/([0-9a-f-]{36})$/u.exec(link.attr('href') ?? '')![1]!;
    const post = await ctx.services.publishing.posts.get(c.councilId, postId);
    assert.equal(post.status, 'draft');
    assert.equal(post.kind, 'alert');
    assert.equal(post.link, 'https://www.example.gov.uk/roadworks/hewlett-road');
    assert.match(
      post.body,
      /^Roadworks on Hewlett Road, Cheltenham from Monday 1 March 2027 to Friday 12 March 2027\. Temporary traffic lights will control traffic\./u,
    );
    assert.ok(countGraphemes(post.variants[0]!.text) <= 300);
    const audit = await ctx.services.db.system
      .selectFrom('audit_events')
      .select(['after'])
      .where('council_id', '=', c.councilId)
      .where('action', '=', 'publishing.import')
      .execute();
    assert.deepEqual(
      audit.map((a) => a.after),
      [
        {
          kind: 'roadworks',
          filename: 'roadworks.csv',
          rows: 4,
          drafted: 4,
          updated: 0,
          unchanged: 0,
          kept: 0,
        },
      ],
    );
    // The drafts are the author's, in the publishing list, waiting to be submitted.
    const list = await author.get('/staff/publishing?status=draft');
    assert.ok(list.body.includes('Roadworks: Tewkesbury Road'));
  });

  it('never drafts a second post for the same works', async () => {
    const before = await counts();
    const file = await readFile('docs/examples/roadworks.csv', 'utf8');
    const same = await upload(
      { kind: 'roadworks', accounts: [blueskyId] },
      { name: 'roadworks.csv', data: file },
    );
    assert.equal(same.statusCode, 303);
    const again = load((await author.get(String(same.headers.location))).body);
    assert.equal(again('tbody .govuk-tag:contains("Already drafted, unchanged")').length, 4);
    assert.equal((await counts()).posts, before.posts, 'no new posts');

    // Submit one; change two rows: the draft is updated, the submitted post is left alone.
    const items = await ctx.services.db.system
      .selectFrom('publishing_import_items')
      .select(['reference', 'post_id'])
      .where('council_id', '=', c.councilId)
      .execute();
    const postOf = (ref: string) => items.find((i) => i.reference === ref)!.post_id;
    await ctx.services.publishing.posts.submit(c.staff(c.author), postOf('BT0123-TCH7781'), {});
    const changed = file.replace('2027-03-12', '2027-03-19').replace('03/03/2027', '05/03/2027');
    const res = await upload(
      { kind: 'roadworks', accounts: [blueskyId] },
      { name: 'roadworks-v2.csv', data: changed },
    );
    assert.equal(res.statusCode, 303);
    const $ = load((await author.get(String(res.headers.location))).body);
    const outcome = (ref: string) => $(`tbody tr:contains("${ref}") .govuk-tag`).text().trim();
    assert.equal(outcome('TSR001-0042'), 'Draft updated');
    assert.equal(outcome('BT0123-TCH7781'), 'Already exists: not changed');
    assert.equal(outcome('WWU7-22310'), 'Already drafted, unchanged');
    assert.equal((await counts()).posts, before.posts, 'still no new posts');
    const updated = await ctx.services.publishing.posts.get(c.councilId, postOf('TSR001-0042'));
    assert.match(updated.body, /to Friday 19 March 2027/u);
    const kept = await ctx.services.publishing.posts.get(c.councilId, postOf('BT0123-TCH7781'));
    assert.equal(kept.status, 'submitted');
    assert.match(kept.body, /to Wednesday 3 March 2027/u, 'the submitted post is not changed');
  });

  it('drafts events with their date, times and place', async () => {
    const res = await upload(
      { kind: 'events' },
      { name: 'events.csv', data: await readFile('docs/examples/events.csv') },
    );
    assert.equal(res.statusCode, 303);
    const $ = load((await author.get(String(res.headers.location))).body);
    assert.equal($('tbody tr').length, 3);
    const id = /posts\/([0-9a-f-]{36})$/u.exec(
      $('tbody a:contains("Café for carers")').attr('href') ?? '',
    )![1]!;
    const post = await ctx.services.publishing.posts.get(c.councilId, id);
    assert.equal(post.kind, 'event');
    assert.equal(post.eventStart?.toISOString(), '2027-03-23T14:00:00.000Z');
    assert.equal(post.eventEnd?.toISOString(), '2027-03-23T16:00:00.000Z');
    assert.equal(post.eventLocation, 'Central Library, Clarence Street');
    assert.match(post.body, /Free tea, cake and advice ☕ for unpaid carers/u);
    assert.equal(post.variants.length, 0, 'no channel chosen: website only');
  });

  it('imports nothing when drafting fails part-way through the file', async () => {
    const before = await counts();
    const posts = ctx.services.publishing.posts;
    let calls = 0;
    // A PostsService whose second draft fails, as a lost connection or a bug would.
    const failing = Object.create(posts) as typeof posts;
    failing.writeDraft = async (...args: Parameters<typeof posts.writeDraft>) => {
      calls += 1;
      if (calls === 2) throw new Error('connection lost');
      return posts.writeDraft(...args);
    };
    const importer = new ImportService(
      ctx.services.db.app,
      failing,
      ctx.services.publishing.templates,
      ctx.services.channelAccounts,
    );
    const file = (await readFile('docs/examples/events.csv', 'utf8')).replaceAll('EV-2027', 'EV-ATOMIC');
    await assert.rejects(
      importer.importFile(
        c.staff(c.author),
        { kind: 'events', filename: 'events.csv', data: Buffer.from(file), accountIds: [] },
        {},
      ),
      /connection lost/u,
    );
    assert.equal(calls, 2, 'the first row was drafted before the failure');
    assert.deepEqual(await counts(), before, 'and rolled back with the rest');
  });

  it('drafts each item once when the same file is uploaded twice at the same moment', async () => {
    const before = await counts();
    const file = (await readFile('docs/examples/events.csv', 'utf8')).replaceAll('EV-2027', 'EV-TWICE');
    const run = () =>
      ctx.services.publishing.imports.importFile(
        c.staff(c.author),
        { kind: 'events', filename: 'events.csv', data: Buffer.from(file), accountIds: [] },
        {},
      );
    const results = await Promise.all([run(), run()]);
    assert.ok(results.every((r) => r.ok));
    assert.equal((await counts()).posts, before.posts + 3);
  });

  it('reports an event time the UK clocks skip as a bad row instead of failing the import', async () => {
    const before = await counts();
    const [header, first] = (await readFile('docs/examples/events.csv', 'utf8')).split('\n');
    const cells = first!.split(',');
    const columns = header!.split(',');
    const set = (name: string, value: string) => (cells[columns.indexOf(name)] = value);
    // 28 March 2027: the clocks go forward at 1am, so 01:30 never happens.
    set('event_reference', 'EV-GAP');
    set('date', '2027-03-28');
    if (columns.includes('end_date')) set('end_date', '');
    set('start_time', '01:30');
    set('end_time', '03:00');
    const result = await ctx.services.publishing.imports.importFile(
      c.staff(c.author),
      {
        kind: 'events',
        filename: 'gap.csv',
        data: Buffer.from(`${header}\n${cells.join(',')}\n`),
        accountIds: [],
      },
      {},
    );
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.problems.some((p) => p.row === 2 && /clocks go forward/u.test(p.message)));
    assert.deepEqual(await counts(), before, 'nothing imported');
  });

  it('lists recent imports on the import page, and 404s an unknown import', async () => {
    const page = load((await author.get('/staff/publishing/import')).body);
    assert.ok(page('a:contains("roadworks-v2.csv")').length === 1);
    assert.equal(
      (await author.get('/staff/publishing/imports/00000000-0000-4000-8000-000000000000')).statusCode,
      404,
    );
    assert.equal((await author.get('/staff/publishing/imports/not-an-id')).statusCode, 404);
  });
});
