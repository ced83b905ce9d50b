/**
 * Issue 5's "done", in Chromium with the Content Security Policy enforced, for a council that
 * publishes in Welsh and English: one officer adds an image with alt text and drafts a
 * bilingual post for the next minute; a second officer approves it; it publishes at that
 * minute to Bluesky (a real local PDS), Mastodon and Facebook (contract servers), each read
 * back where it landed, and appears on the public news page and in the RSS, Atom and JSON
 * feeds. Then incident mode pauses a week of scheduled posts and resumes them, with the review
 * of the one whose time passed during the incident. Along the way: metrics read back ("not
 * available" on Bluesky), the content calendar, a drag-and-drop reschedule, and axe scans of
 * the pages in their bilingual states.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { withCouncil } from '../src/db/index.ts';
import type { StaffUser } from '../src/modules/accounts/index.ts';
import { readPostForm, toFields, toLondon } from '../src/modules/publishing/index.ts';
import type { BlueskyPeer, PeerAccount } from '../test/peers/bluesky/index.ts';
import type { GraphContractServer } from '../test/peers/graph/server.ts';
import type { MastodonServer } from '../test/peers/mastodon/server.ts';
import { describeViolations, scanWithAxe } from './support/axe.ts';
import { clickAndLoad, signIn, visit, type E2e, type WatchedContext } from './support/browser.ts';
import { startCouncilWithChannels, type CouncilWithChannels } from './support/council-with-channels.ts';
import { until } from './support/until.ts';

// A 4x4 PNG in the council's green: real image bytes, so each network's type check passes.
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAD0lEQVR4nGNgKLBBIOI4ABQDCsGW9X3CAAAAAElFTkSuQmCC',
  'base64',
);
const altText = 'The new footbridge over the River Teifi at Cenarth, seen from the car park';
const english = 'The new footbridge at Cenarth opens on Saturday. It is step-free, with a ramp at each end.';
const welsh =
  'Mae’r bont droed newydd yng Nghenarth yn agor ddydd Sadwrn. Does dim grisiau, ac mae ramp ym mhob pen.';
const title = 'New footbridge at Cenarth opens on Saturday';

const slug = 'glanteifi';
const base = `/c/${slug}`;

describe('publishing: a bilingual post approved and published everywhere; incident mode', () => {
  let town: CouncilWithChannels;
  let e2e: E2e;
  let pds: BlueskyPeer;
  let mastodon: MastodonServer;
  let graph: GraphContractServer;
  let bskyAccount: PeerAccount;
  let councilId = '';
  let author: WatchedContext;
  let approver: WatchedContext;
  let authorUser: StaffUser;
  let approverUser: StaffUser;
  const accounts: Record<'bluesky' | 'mastodon' | 'facebook', string> = {
    bluesky: '',
    mastodon: '',
    facebook: '',
  };
  let postPath = '';
  let postId = '';

  before(async () => {
    town = await startCouncilWithChannels({
      // A Welsh council: every post in Welsh and English (Welsh Language Standards).
      council: {
        slug,
        name: 'Glan Teifi County Council',
        nameCy: 'Cyngor Sir Glan Teifi',
        settings: { isBilingual: true },
        staff: [
          { email: 'admin@glanteifi.test', name: 'Siân Admin', role: 'admin' },
          { email: 'rhian.comms@glanteifi.test', name: 'Rhian Evans', role: 'comms' },
          { email: 'owen.comms@glanteifi.test', name: 'Owen Price', role: 'comms' },
        ],
      },
      blueskyHandle: 'glanteifi.test',
    });
    ({ e2e, councilId, bluesky: bskyAccount } = town);
    ({ pds, mastodon, graph } = town.peers);
    authorUser = town.staff[1]!;
    approverUser = town.staff[2]!;
    assert.equal(town.base, base);
    // Connecting accounts through the console is covered by e2e/inbox-channels.test.ts.
    accounts.bluesky = await town.connect({ kind: 'bluesky', name: 'Glan Teifi on Bluesky' });
    accounts.mastodon = await town.connect({ kind: 'mastodon', name: 'Glan Teifi on Mastodon' });
    accounts.facebook = await town.connect({
      kind: 'facebook',
      name: 'Glan Teifi on Facebook',
      verifyToken: 'glanteifi-verify',
    });
    author = await town.signedIn(authorUser.email);
    approver = await town.signedIn(approverUser.email);
  });
  after(async () => {
    await town?.close();
  });

  /** axe-core on a page reached as `email` (a scan context bypasses CSP to inject axe). */
  async function scan(path: string, email: string, then?: (page: Page) => Promise<void>) {
    const watched = await e2e.scan();
    await visit(watched.page, `${base}/staff/sign-in`);
    await signIn(watched.page, email);
    await visit(watched.page, path);
    await then?.(watched.page);
    const findings = await scanWithAxe(watched.page);
    assert.equal(
      findings.failing.length,
      0,
      `serious or critical accessibility violations on ${path}:\n  ${describeViolations(findings.failing)}`,
    );
    await watched.context.close();
  }

  /** The next whole minute at least 20 seconds away: room to draft and approve before it. */
  function nextMinute(): Date {
    const at = new Date(Math.ceil((Date.now() + 1) / 60_000) * 60_000);
    return at.getTime() - Date.now() < 20_000 ? new Date(at.getTime() + 60_000) : at;
  }

  let scheduledAt: Date;

  it('an officer adds an image with alt text and drafts a bilingual post for the next minute', async () => {
    const { page } = author;
    await visit(page, `${base}/staff/publishing/media`);
    await page
      .locator('#file')
      .setInputFiles({ name: 'cenarth-footbridge.png', mimeType: 'image/png', buffer: png });
    await page.getByLabel('Alt text').fill(altText);
    await clickAndLoad(page, page.getByRole('button', { name: 'Add image' }));
    assert.match(await page.locator('main').innerText(), /cenarth-footbridge\.png/);

    await visit(page, `${base}/staff/publishing/new`);
    // Welsh and English side by side, both required.
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Text in English').fill(english);
    await page.getByLabel('Testun yn Gymraeg (Welsh text)').fill(welsh);
    assert.equal(await page.locator('[lang="cy"] textarea#bodyCy').count(), 1);
    for (const id of Object.values(accounts))
      await page.locator(`input[name="accounts"][value="${id}"]`).check();
    await page.locator('input[name="media"]').first().check();
    scheduledAt = nextMinute();
    const fields = toFields(scheduledAt);
    await page.locator('#schedule-day').fill(fields.day);
    await page.locator('#schedule-month').fill(fields.month);
    await page.locator('#schedule-year').fill(fields.year);
    await page.locator('#schedule-time').fill(fields.time);
    await clickAndLoad(page, page.getByRole('button', { name: 'Save draft' }));
    postPath = new URL(page.url()).pathname;
    assert.match(postPath, new RegExp(`^${base}/staff/publishing/posts/[0-9a-f-]{36}$`));
    postId = postPath.split('/').at(-1)!;
    assert.match(await page.locator('.govuk-notification-banner--success').innerText(), /The draft is saved/);
    const summary = await page.locator('.govuk-summary-list').innerText();
    assert.match(summary, /Mae’r bont droed newydd/);
    assert.match(summary, new RegExp(altText));
    // Each channel's version has the Welsh first, then the English, equally.
    assert.match(
      await page.locator(`#variant-${accounts.bluesky}`).innerText(),
      /Mae’r bont[\s\S]*The new footbridge/,
    );

    await clickAndLoad(page, page.getByRole('button', { name: 'Submit for approval' }));
    assert.match(
      await page.locator('.govuk-notification-banner--success').innerText(),
      /submitted for approval/,
    );
    // The author cannot approve it.
    assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0);
    author.assertClean();
  });

  it('a second officer approves it, and it publishes at the scheduled minute to Bluesky, Mastodon and Facebook', async (t) => {
    const { page } = approver;
    await visit(page, postPath);
    await clickAndLoad(page, page.getByRole('button', { name: 'Approve' }));
    assert.match(
      await page.locator('.govuk-notification-banner--success').innerText(),
      /approved and scheduled/,
    );
    assert.ok(Date.now() < scheduledAt.getTime(), 'approved before its minute came');

    const { posts } = e2e.app.services.publishing;
    const post = await until(
      'the post to publish on every channel',
      async () => {
        const p = await posts.get(councilId, postId);
        if (p.variants.some((v) => v.status === 'failed' || v.status === 'held'))
          throw new Error(`a variant failed: ${JSON.stringify(p.variants.map((v) => [v.status, v.error]))}`);
        return p.status === 'published' ? p : undefined;
      },
      { timeoutMs: 95_000, everyMs: 500 },
    );
    const published = await withCouncil(e2e.app.services.db.app, councilId, (tx) =>
      tx
        .selectFrom('post_variants')
        .select(['channel_account_id', 'published_at', 'external_id'])
        .where('post_id', '=', postId)
        .execute(),
    );
    assert.equal(published.length, 3);
    t.diagnostic(
      `published after the scheduled minute by: ${published.map((v) => `${v.published_at!.getTime() - scheduledAt.getTime()} ms`).join(', ')}`,
    );
    for (const v of published) {
      const lateness = v.published_at!.getTime() - scheduledAt.getTime();
      assert.ok(lateness >= 0, `published before its time by ${-lateness} ms`);
      assert.ok(lateness < 60_000, `published in the scheduled minute, not ${lateness} ms late`);
    }
    const externalId = (account: string) =>
      published.find((v) => v.channel_account_id === account)!.external_id!;

    // Bluesky: the record on the PDS, Welsh then English, with the image and its alt text.
    const records = (await pds.listPosts(bskyAccount.did)).filter((r) => r.value.text.includes('Cenarth'));
    assert.equal(records.length, 1, 'exactly one Bluesky post');
    assert.equal(records[0]!.uri, externalId(accounts.bluesky));
    assert.match(records[0]!.value.text, /^Mae’r bont droed newydd[\s\S]*The new footbridge at Cenarth/);
    assert.deepEqual(
      records[0]!.value.embed?.images?.map((i) => i.alt),
      [altText],
    );
    // Mastodon: one status with the image described.
    assert.equal(mastodon.countContaining('The new footbridge at Cenarth'), 1);
    const status = mastodon.readStatus(externalId(accounts.mastodon))!;
    assert.match(status.text, /Mae’r bont droed newydd/);
    assert.deepEqual(status.altTexts, [altText]);
    // Facebook: one Page post with the photo attached.
    assert.equal(graph.countContaining('The new footbridge at Cenarth'), 1);
    assert.deepEqual(graph.objects.get(externalId(accounts.facebook))!.altTexts, [altText]);

    await visit(page, postPath);
    const channels = await page.locator('table').innerText();
    assert.equal((channels.match(/Published/g) ?? []).length, 3, channels);
    assert.equal(await page.getByRole('link', { name: /View post/ }).count(), 3);
    assert.equal(post.publishedAt !== null, true);
    approver.assertClean();
  });

  it('appears on the public news page and in the RSS, Atom and JSON feeds', async () => {
    const visitor = await e2e.journey();
    const { page } = visitor;
    await visit(page, `${base}/news`);
    await clickAndLoad(page, page.getByRole('link', { name: title }));
    assert.equal(new URL(page.url()).pathname, `${base}/news/${postId}`);
    const article = await page.locator('main').innerText();
    assert.match(article, /Cymraeg[\s\S]*Mae’r bont droed newydd[\s\S]*English[\s\S]*The new footbridge/);
    assert.equal((await page.locator('[lang="cy"]').count()) > 0, true);
    assert.equal(await page.getByAltText(altText).count(), 1);
    visitor.assertClean();

    for (const feed of ['news.rss', 'news.atom']) {
      const res = await fetch(`${e2e.baseUrl}${base}/${feed}`);
      assert.equal(res.status, 200, feed);
      const body = await res.text();
      assert.ok(body.includes(title), `${feed} lists the post`);
      assert.ok(body.includes(`/news/${postId}`), `${feed} links to its stable URL`);
    }
    const json = (await (await fetch(`${e2e.baseUrl}${base}/news.json`)).json()) as {
      items: { id: string; url: string; title: string; content_text?: string }[];
    };
    const item = json.items.find((i) => i.title === title);
    assert.ok(item, 'the JSON feed lists the post');
    assert.match(item.url, new RegExp(`/news/${postId}$`));
  });

  it('reads metrics back, and says Bluesky has none rather than showing zeros', async () => {
    const fbVariant = await withCouncil(e2e.app.services.db.app, councilId, (tx) =>
      tx
        .selectFrom('post_variants')
        .select('external_id')
        .where('post_id', '=', postId)
        .where('channel_account_id', '=', accounts.facebook)
        .executeTakeFirstOrThrow(),
    );
    // Residents react on Facebook (the contract server keeps the counts the Graph API reports).
    Object.assign(graph.objects.get(fbVariant.external_id!)!, { likes: 23, shares: 4 });
    await e2e.app.services.publishing.metrics.readAll();
    const { page } = approver;
    await visit(page, postPath);
    assert.match(
      await page.locator(`#variant-${accounts.bluesky}`).innerText(),
      /Not available on this channel/,
    );
    assert.match(await page.locator(`#variant-${accounts.mastodon}`).innerText(), /0 likes/);
    await visit(page, `${base}/staff/publishing`);
    const row = page.locator('tbody tr', { has: page.getByRole('link', { name: title }) });
    assert.match(await row.innerText(), /23 likes, 4 reposts, 0 replies across 2 channels/);
    await scan(postPath, approverUser.email);
  });

  const weekIds: string[] = [];

  it('incident mode pauses a week of scheduled posts, then resumes them with a review of what was missed', async () => {
    const { services } = e2e.app;
    const { posts } = services.publishing;
    const staffOf = (u: StaffUser) => ({ actor: { councilId, userId: u.id, label: u.email }, role: u.role });
    const today = toLondon(new Date());
    // A week of 9am posts, drafted and approved as the staff do (the composer was shown above).
    for (let d = 1; d <= 7; d += 1) {
      const day = new Date(Date.UTC(today.year, today.month - 1, today.day + d));
      const id = await posts.saveDraft(
        staffOf(authorUser),
        readPostForm({
          title: `Road resurfacing update, day ${d}`,
          body: `Resurfacing on the A484 continues. Day ${d} of 7.`,
          bodyCy: `Mae’r gwaith ail-wynebu ar yr A484 yn parhau. Diwrnod ${d} o 7.`,
          accounts: [accounts.mastodon],
          'schedule-day': String(day.getUTCDate()),
          'schedule-month': String(day.getUTCMonth() + 1),
          'schedule-year': String(day.getUTCFullYear()),
          'schedule-time': '09:00',
        }),
        { isBilingual: true },
      );
      await posts.submit(staffOf(authorUser), id, { isBilingual: true });
      assert.equal(await posts.approve(staffOf(approverUser), id), 'scheduled');
      weekIds.push(id);
    }

    const { page } = approver;
    await visit(page, `${base}/staff/publishing/incident`);
    await page
      .getByLabel('Why are you starting incident mode?')
      .fill('Flooding: the River Teifi has burst its banks');
    await page
      .getByLabel('Banner on the public site')
      .fill('Flooding in Cenarth and Newcastle Emlyn: the A484 is closed.');
    await page.getByLabel('Do not publish a message').check();
    await clickAndLoad(page, page.getByRole('button', { name: 'Start incident mode' }));
    assert.match(
      await page.locator('.govuk-notification-banner--success').innerText(),
      /Incident mode is on/,
    );

    const paused = await withCouncil(services.db.app, councilId, (tx) =>
      tx.selectFrom('posts').select(['id', 'paused_at', 'status']).where('id', 'in', weekIds).execute(),
    );
    assert.equal(paused.filter((p) => p.paused_at !== null && p.status === 'scheduled').length, 7);
    await visit(page, `${base}/staff/publishing`);
    assert.equal(
      await page
        .locator('tbody tr', { hasText: 'Road resurfacing update' })
        .filter({ hasText: 'Paused' })
        .count(),
      7,
    );

    const visitor = await e2e.journey();
    await until('the banner on the public site', async () => {
      await visit(visitor.page, `${base}/news`);
      return /the A484 is closed/.test(await visitor.page.locator('body').innerText());
    });

    // The first day's time passes while the incident is on (its clock moved back, as time would).
    await services.db.system
      .updateTable('posts')
      .set({ scheduled_at: new Date(Date.now() - 120_000) })
      .where('id', '=', weekIds[0]!)
      .execute();
    await visit(page, `${base}/staff/publishing/incident`);
    await clickAndLoad(page, page.getByRole('button', { name: 'End incident mode and resume posts' }));
    assert.match(
      await page.locator('.govuk-notification-banner--success').innerText(),
      /Incident mode is off/,
    );
    const review = page.locator('main');
    assert.match(await review.innerText(), /Missed during the incident[\s\S]*Road resurfacing update, day 1/);
    assert.doesNotMatch(await review.innerText(), /day 2/);
    await scan(`${base}/staff/publishing/incident`, approverUser.email);

    const resumed = await withCouncil(services.db.app, councilId, (tx) =>
      tx
        .selectFrom('posts')
        .select(['id', 'paused_at', 'status'])
        .where('id', 'in', weekIds.slice(1))
        .execute(),
    );
    assert.equal(resumed.filter((p) => p.paused_at === null && p.status === 'scheduled').length, 6);

    // The review: publish the missed one now.
    await clickAndLoad(page, page.getByRole('button', { name: 'Publish now' }));
    await until('the missed post on Mastodon', async () => mastodon.countContaining('Day 1 of 7.') === 1, {
      timeoutMs: 20_000,
    });
    assert.equal(mastodon.countContaining('Day 2 of 7.'), 0, 'the rest wait for their own time');
    const audit = await withCouncil(services.db.app, councilId, (tx) =>
      tx
        .selectFrom('audit_events')
        .select('action')
        .where('action', 'like', 'publishing.incident%')
        .execute(),
    );
    assert.deepEqual(audit.map((a) => a.action).sort(), [
      'publishing.incident_ended',
      'publishing.incident_started',
    ]);
    approver.assertClean();
    visitor.assertClean();
  });

  it('shows the resumed week in the calendar, and drags a post to another day with JavaScript on', async () => {
    const { page } = author;
    const target = await e2e.app.services.publishing.posts.get(councilId, weekIds[2]!);
    const day = toFields(target.scheduledAt);
    const dayKey = `${day.year}-${day.month.padStart(2, '0')}-${day.day.padStart(2, '0')}`;
    await visit(page, `${base}/staff/publishing/calendar?view=week&date=${dayKey}`);
    const table = page.locator('table[data-calendar]');
    assert.match(await table.locator('caption').innerText(), /^Week of/);
    const item = page.locator(`#post-${target.id}`);
    assert.equal(await item.getAttribute('draggable'), 'true', 'the script made it draggable');
    // Another day of the same week after today: the post keeps its 09:00.
    const today = toFields(new Date());
    const todayKey = `${today.year}-${today.month.padStart(2, '0')}-${today.day.padStart(2, '0')}`;
    const cells = await table
      .locator('td[data-drop-date]')
      .evaluateAll((tds) => tds.map((td) => td.getAttribute('data-drop-date') ?? ''));
    const later = cells.filter((k) => k > todayKey && k !== dayKey);
    const to = later.find((k) => k > dayKey) ?? later.at(-1)!;
    const navigated = page.waitForURL(/done=moved/);
    // On the day itself, above the hours that lie over the foot of its cell while dragging.
    await item.dragTo(page.locator(`td[data-drop-date="${to}"]`), { targetPosition: { x: 20, y: 10 } });
    await navigated;
    assert.match(
      await page.locator('.govuk-notification-banner--success').innerText(),
      /The post has been moved/,
    );
    assert.match(
      await page.locator(`td[data-drop-date="${to}"]`).innerText(),
      /09:00\s+Road resurfacing update, day 3/,
    );
    const moved = await e2e.app.services.publishing.posts.get(councilId, target.id);
    const f = toFields(moved.scheduledAt);
    assert.equal(`${f.year}-${f.month.padStart(2, '0')}-${f.day.padStart(2, '0')} ${f.time}`, `${to} 09:00`);
    author.assertClean();
    await scan(`${base}/staff/publishing/calendar?view=month&date=${to}`, authorUser.email);
  });
});
