/**
 * Post metrics read back from the contract servers as their APIs report them (Mastodon's
 * status counts, Facebook's reactions/comments/shares summaries, X's public_metrics with
 * impressions), stored as snapshots only when a count moves, backing off a rate-limited
 * channel, and shown on the post page and as totals on the list; a channel without the
 * capability (Bluesky without an AppView) says "not available", never zero.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'cheerio';
import { withCouncil } from '../src/db/index.ts';
import { readPostForm } from '../src/modules/publishing/index.ts';
import { GraphContractServer } from './peers/graph/server.ts';
import { startMastodonServer, type MastodonServer } from './peers/mastodon/server.ts';
import { startXServer, type XServer } from './peers/x/server.ts';
import { Browser, startTestApp, type TestContext } from './support/app.ts';
import {
  connectMastodon,
  publishingCouncil,
  RecordingQueue,
  scheduledPost,
  type PublishingCouncil,
} from './publishing-fixtures.ts';

describe('post metrics read-back', () => {
  let ctx: TestContext;
  let c: PublishingCouncil;
  let mastodon: MastodonServer;
  let graph: GraphContractServer;
  let x: XServer;
  const queue = new RecordingQueue();
  const accounts: Record<string, string> = {};
  let postId = '';
  const variants: Record<string, { id: string; externalId: string }> = {};

  const snapshots = () =>
    withCouncil(ctx.services.db.app, c.councilId, (tx) =>
      tx.selectFrom('post_metric_snapshots').selectAll().orderBy('id').execute(),
    );

  before(async () => {
    ctx = await startTestApp({ TOWNSQUARE_ENABLE_X: 'true' });
    [mastodon, graph, x] = await Promise.all([
      startMastodonServer(),
      new GraphContractServer().start(),
      startXServer(),
    ]);
    for (const s of [
      ctx.services.publishing.posts,
      ctx.services.publishing.publisher,
      ctx.services.publishing.calendar,
    ])
      s.useQueue(queue);
    c = await publishingCouncil(ctx.services, 'metrics');
    const actor = c.staff(c.admin).actor;
    accounts.mastodon = await connectMastodon(ctx.services, c, mastodon);
    accounts.facebook = (
      await ctx.services.channelAccounts.connect(actor, {
        kind: 'facebook',
        name: 'Council Facebook',
        settings: { pageId: graph.pageId, baseUrl: graph.baseUrl },
        credentials: {
          accessToken: graph.accessToken,
          appSecret: graph.appSecret,
          verifyToken: 'verify-token-123',
        },
      })
    ).id;
    accounts.x = (
      await ctx.services.channelAccounts.connect(actor, {
        kind: 'x',
        name: 'Council X',
        settings: { apiBaseUrl: x.baseUrl },
        credentials: { accessToken: x.token },
      })
    ).id;
    // A Bluesky account as the console stores it; its connector has no metrics capability.
    accounts.bluesky = (
      await ctx.services.db.system
        .insertInto('channel_accounts')
        .values({
          council_id: c.councilId,
          kind: 'bluesky',
          name: 'Council Bluesky',
          settings: JSON.stringify({ service: 'https://pds.example' }),
          credentials: 'sealed-elsewhere',
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const made = await scheduledPost(ctx.services, c, {
      title: 'Recycling centre extended hours',
      body: 'The recycling centre on Swindon Road is open until 8pm on Thursdays from next week.',
      accounts: [accounts.mastodon, accounts.facebook, accounts.x, accounts.bluesky],
    });
    postId = made.postId;
    const view = await ctx.services.publishing.posts.get(c.councilId, postId);
    for (const v of view.variants) {
      const kind = Object.entries(accounts).find(([, id]) => id === v.channelAccountId)![0];
      if (kind !== 'bluesky')
        assert.equal(await ctx.services.publishing.publisher.publishVariant(c.councilId, v.id), 'published');
      else
        await ctx.services.db.system
          .updateTable('post_variants')
          .set({
            status: 'published',
            external_id: 'at://did:plc:abc/app.bsky.feed.post/3k',
            published_at: new Date(),
          })
          .where('id', '=', v.id)
          .execute();
      const row = await ctx.services.db.system
        .selectFrom('post_variants')
        .select('external_id')
        .where('id', '=', v.id)
        .executeTakeFirstOrThrow();
      variants[kind] = { id: v.id, externalId: row.external_id! };
    }
  });
  after(async () => {
    await ctx.close();
    await Promise.all([mastodon.close(), graph.close(), x.close()]);
  });

  it('reads each network’s counts as its API reports them', async () => {
    // Residents engage: two replies on Mastodon, Facebook reactions, comments and shares, X counts.
    mastodon.residentWrites('Will it be open on bank holidays?', {
      inReplyToId: variants.mastodon!.externalId,
    });
    mastodon.residentWrites('Great news', { inReplyToId: variants.mastodon!.externalId });
    const fb = graph.objects.get(variants.facebook!.externalId)!;
    Object.assign(fb, { likes: 12, replies: 3, shares: 2 });
    x.setMetrics(variants.x!.externalId, {
      like_count: 5,
      retweet_count: 1,
      reply_count: 4,
      quote_count: 1,
      impression_count: 980,
    });
    const summary = await ctx.services.publishing.metrics.readAll();
    assert.equal(summary.read, 3, 'Mastodon, Facebook and X; not Bluesky');
    const rows = await snapshots();
    const of = (kind: string) => rows.find((r) => r.variant_id === variants[kind]!.id);
    assert.deepEqual(
      { likes: of('mastodon')!.likes, reposts: of('mastodon')!.reposts, replies: of('mastodon')!.replies },
      { likes: 0, reposts: 0, replies: 2 },
    );
    assert.equal(of('mastodon')!.impressions, null, 'Mastodon gives no impressions');
    assert.deepEqual(
      [of('facebook')!.likes, of('facebook')!.replies, of('facebook')!.reposts, of('facebook')!.impressions],
      [12, 3, 2, null],
    );
    assert.deepEqual(
      [of('x')!.likes, of('x')!.reposts, of('x')!.replies, of('x')!.quotes, of('x')!.impressions],
      [5, 1, 4, 1, 980],
    );
    assert.equal(of('bluesky'), undefined);
    assert.ok(
      graph.requests.some((r) => r.method === 'GET' && r.path.includes(variants.facebook!.externalId)),
    );
  });

  it('keeps one row while counts stand still, a new one when they move, and skips fresh reads', async () => {
    const before = (await snapshots()).length;
    const soon = await ctx.services.publishing.metrics.readAll(new Date(Date.now() + 60_000));
    assert.equal(soon.read + soon.unchanged, 0, 'read less than 10 minutes ago');
    const later = new Date(Date.now() + 11 * 60_000);
    const same = await ctx.services.publishing.metrics.readAll(later);
    assert.equal(same.unchanged, 3);
    assert.equal((await snapshots()).length, before, 'no new rows for unchanged counts');
    const fbRow = (await snapshots()).find((r) => r.variant_id === variants.facebook!.id)!;
    assert.equal(new Date(fbRow.checked_at).getTime(), later.getTime(), 'confirmed at the later read');
    graph.objects.get(variants.facebook!.externalId)!.likes = 15;
    const moved = await ctx.services.publishing.metrics.readAll(new Date(Date.now() + 22 * 60_000));
    assert.equal(moved.read, 1);
    const fbRows = (await snapshots()).filter((r) => r.variant_id === variants.facebook!.id);
    assert.deepEqual(
      fbRows.map((r) => r.likes),
      [12, 15],
    );
  });

  it('backs off a rate-limited channel until the time the network gave', async () => {
    graph.injectFault('rate_limited_429');
    const t0 = Date.now() + 40 * 60_000;
    const limited = await ctx.services.publishing.metrics.readAll(new Date(t0));
    assert.deepEqual(limited.rateLimited, [accounts.facebook]);
    const account = await ctx.services.db.system
      .selectFrom('channel_accounts')
      .select(['rate_limit_reset_at', 'status'])
      .where('id', '=', accounts.facebook!)
      .executeTakeFirstOrThrow();
    assert.equal(account.status, 'active', 'a rate limit is not a reason to reconnect');
    assert.ok(account.rate_limit_reset_at && account.rate_limit_reset_at.getTime() > Date.now() + 100_000);
    const requests = graph.requests.length;
    // The next run comes before the reset time the network gave (Retry-After: 120).
    await ctx.services.db.system
      .updateTable('channel_accounts')
      .set({ rate_limit_reset_at: new Date(t0 + 50 * 60_000) })
      .where('id', '=', accounts.facebook!)
      .execute();
    const waiting = await ctx.services.publishing.metrics.readAll(new Date(t0 + 20 * 60_000));
    assert.equal(graph.requests.length, requests, 'Facebook is not asked again before its reset time');
    assert.equal(waiting.rateLimited.length, 0);
    const after = await ctx.services.publishing.metrics.readAll(new Date(t0 + 60 * 60_000));
    assert.ok(graph.requests.length > requests, 'and is read again after it');
    assert.equal(after.rateLimited.length, 0);
  });

  it('shows counts on the post page, "not available" for Bluesky, and totals on the list', async () => {
    const officer = new Browser(ctx.app, 'metrics.test');
    assert.equal((await officer.signIn(c.author.email)).statusCode, 303);
    const $ = load((await officer.get(`/staff/publishing/posts/${postId}`)).body);
    const cell = (accountId: string) => {
      const td = $(`#variant-${accountId} td`).last();
      const items = td
        .find('li')
        .map((_i, li) => $(li).text().trim())
        .get();
      return items.length ? items.join(' ') : td.text().replace(/\s+/gu, ' ');
    };
    assert.match($(`#variant-${accounts.x!} td`).last().text(), /Checked \d+ \w+ \d{4}/u);
    assert.match(cell(accounts.facebook!), /15 likes 2 reposts 3 replies/u);
    assert.match(cell(accounts.x!), /5 likes 1 repost 4 replies 1 quote 980 impressions/u);
    assert.match(cell(accounts.mastodon!), /0 likes 0 reposts 2 replies/u);
    assert.doesNotMatch(cell(accounts.mastodon!), /impression/u);
    assert.match(cell(accounts.bluesky!), /Not available on this channel/u);
    assert.doesNotMatch(cell(accounts.bluesky!), /\d+ like/u);
    await ctx.services.publishing.posts.saveDraft(
      c.staff(c.author),
      readPostForm({ title: 'Website-only notice', body: 'Only on the website' }),
      {},
    );
    const list = load((await officer.get('/staff/publishing')).body);
    const websiteOnly = list('tbody tr').filter((_i, tr) => list(tr).text().includes('Website-only notice'));
    assert.match(websiteOnly.text(), /Website only/u);
    const row = list('tbody tr').filter((_i, tr) =>
      list(tr).text().includes('Recycling centre extended hours'),
    );
    assert.match(
      row.text().replace(/\s+/gu, ' '),
      /20 likes, 3 reposts, 9 replies, 980 impressions across 3 channels/u,
    );
  });

  it('flags an expired token for reconnection and stops reading that account', async () => {
    graph.injectFault('auth_expired');
    const at = new Date(Date.now() + 3 * 3_600_000);
    const run = await ctx.services.publishing.metrics.readAll(at);
    assert.equal(run.failed, 1);
    const account = await ctx.services.db.system
      .selectFrom('channel_accounts')
      .select('status')
      .where('id', '=', accounts.facebook!)
      .executeTakeFirstOrThrow();
    assert.equal(account.status, 'needs_reconnect');
    const requests = graph.requests.length;
    await ctx.services.publishing.metrics.readAll(new Date(at.getTime() + 3_600_000));
    assert.equal(graph.requests.length, requests, 'an account waiting for reconnection is left alone');
  });

  it('registers a cron job for the read-back', () => {
    const job = ctx.services.publishing.definitions.find((d) => d.name === 'publishing.read-metrics');
    assert.equal(job?.cron, '*/15 * * * *');
  });
});
