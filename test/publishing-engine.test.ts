/**
 * The publishing engine against the Mastodon contract server: exactly once (reconciliation
 * after a crash between sending and recording), retries with backoff on transient failures, a
 * plain-English reason and a retry on a refusal, an expired token holding the post and flagging
 * the account, and the append-only publishing record exportable for an FOI request.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withCouncil } from '../src/db/index.ts';
import {
  listRecords,
  recordsToCsv,
  variantJob,
  variantLeadSeconds,
} from '../src/modules/publishing/index.ts';
import { claimVariants, renewLease } from '../src/modules/publishing/publisher-claim.ts';
import { startMastodonServer, type MastodonServer } from './peers/mastodon/server.ts';
import { startTestApp, type TestContext } from './support/app.ts';
import {
  connectMastodon,
  publishingCouncil,
  RecordingQueue,
  scheduledPost,
  type PublishingCouncil,
} from './publishing-fixtures.ts';

describe('publishing engine', () => {
  let ctx: TestContext;
  let server: MastodonServer;
  let c: PublishingCouncil;
  let accountId: string;
  const queue = new RecordingQueue();

  before(async () => {
    ctx = await startTestApp();
    server = await startMastodonServer();
    ctx.services.publishing.publisher.useQueue(queue);
    ctx.services.publishing.posts.useQueue(queue);
    c = await publishingCouncil(ctx.services, 'engine');
    accountId = await connectMastodon(ctx.services, c, server);
  });
  after(async () => {
    await ctx.close();
    await server.close();
  });

  const variantRow = (id: string) =>
    withCouncil(ctx.services.db.app, c.councilId, (tx) =>
      tx.selectFrom('post_variants').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
    );

  it('queues one job per variant at the scheduled time and publishes it once', async () => {
    const { postId, variantIds } = await scheduledPost(ctx.services, c, {
      title: 'Library opening hours',
      body: 'The central library opens at 9am from Monday. Marker-engine-1',
      accounts: [accountId],
    });
    assert.equal(variantIds.length, 1);
    const variantId = variantIds[0]!;
    assert.ok(queue.sent.some((s) => s.kind === 'variant' && s.id === variantId));
    assert.equal(await ctx.services.publishing.publisher.publishVariant(c.councilId, variantId), 'published');
    // A duplicate job (pg-boss retrying an expired one) is a no-op.
    assert.equal(await ctx.services.publishing.publisher.publishVariant(c.councilId, variantId), 'done');
    assert.equal(server.countContaining('Marker-engine-1'), 1);
    const post = await ctx.services.publishing.posts.get(c.councilId, postId);
    assert.equal(post.status, 'published');
    assert.match(post.variants[0]!.externalUrl ?? '', /^http/);
    const v = await variantRow(variantId);
    assert.ok(v.intended_at, 'the intent was recorded');
  });

  it('reconciles instead of posting again after a crash between sending and recording', async () => {
    const { variantIds } = await scheduledPost(ctx.services, c, {
      title: 'Crash',
      body: 'Road closed on Mill Lane tonight. Marker-engine-2',
      accounts: [accountId],
    });
    const variantId = variantIds[0]!;
    assert.equal(await ctx.services.publishing.publisher.publishVariant(c.councilId, variantId), 'published');
    // Put the database back as a worker killed after the network answered would have left it.
    await ctx.services.db.system
      .updateTable('post_variants')
      .set({
        status: 'publishing',
        external_id: null,
        external_url: null,
        lease_until: new Date(Date.now() - 1000),
      })
      .where('id', '=', variantId)
      .execute();
    await ctx.services.db.system
      .updateTable('posts')
      .set({ status: 'publishing' })
      .where('id', '=', (await variantRow(variantId)).post_id)
      .execute();
    assert.equal(
      await ctx.services.publishing.publisher.publishVariant(c.councilId, variantId),
      'reconciled',
    );
    assert.equal(server.countContaining('Marker-engine-2'), 1, 'still exactly one post');
    assert.ok((await variantRow(variantId)).external_id);
  });

  it('retries rate limits after Retry-After and outages with backoff, then publishes', async () => {
    const { variantIds } = await scheduledPost(ctx.services, c, {
      title: 'Retry',
      body: 'Recycling centre closed for maintenance. Marker-engine-3',
      accounts: [accountId],
    });
    const variantId = variantIds[0]!;
    queue.sent.length = 0;
    server.injectFault('rate_limited');
    assert.equal(await ctx.services.publishing.publisher.publishVariant(c.councilId, variantId), 'retry');
    const first = queue.sent.at(-1);
    assert.equal(first?.id, variantId);
    assert.ok(first?.startAfter && first.startAfter.getTime() > Date.now(), 'retried later, not at once');
    // Nothing tries it again before its backoff ends, not even a duplicate job or the sweep.
    assert.equal(await ctx.services.publishing.publisher.publishVariant(c.councilId, variantId), 'busy');
    const later = (minutes: number) => new Date(Date.now() + minutes * 60_000);
    server.injectFault('unavailable');
    assert.equal(
      await ctx.services.publishing.publisher.publishVariant(c.councilId, variantId, later(600)),
      'retry',
    );
    assert.equal((await variantRow(variantId)).status, 'scheduled');
    assert.equal(
      await ctx.services.publishing.publisher.publishVariant(c.councilId, variantId, later(1200)),
      'published',
    );
    assert.equal(server.countContaining('Marker-engine-3'), 1);
    assert.equal((await variantRow(variantId)).attempt_count, 3);
  });

  it('fails a refused post with a plain-English reason, and the retry button queues it again', async () => {
    const { postId, variantIds } = await scheduledPost(ctx.services, c, {
      title: 'Too long',
      body: 'Fine at submission. Marker-engine-4',
      accounts: [accountId],
    });
    const variantId = variantIds[0]!;
    // Changed behind the composer's back: the connector refuses it before sending.
    await ctx.services.db.system
      .updateTable('post_variants')
      .set({ text: `Marker-engine-4 ${'word '.repeat(150)}` })
      .where('id', '=', variantId)
      .execute();
    assert.equal(await ctx.services.publishing.publisher.publishVariant(c.councilId, variantId), 'failed');
    const v = await variantRow(variantId);
    assert.equal(v.status, 'failed');
    assert.match(v.error ?? '', /^The network refused the post\. .*over Mastodon's limit.*Try again/u);
    assert.equal((await ctx.services.publishing.posts.get(c.councilId, postId)).status, 'failed');
    await ctx.services.db.system
      .updateTable('post_variants')
      .set({ text: 'Shorter now. Marker-engine-4' })
      .where('id', '=', variantId)
      .execute();
    assert.equal(
      await ctx.services.publishing.publisher.retryVariant(c.staff(c.author).actor, variantId),
      true,
    );
    assert.equal(await ctx.services.publishing.publisher.publishVariant(c.councilId, variantId), 'published');
    assert.equal((await ctx.services.publishing.posts.get(c.councilId, postId)).status, 'published');
  });

  it('holds the variant and flags the account when its token expires', async () => {
    const other = await startMastodonServer();
    try {
      const heldAccount = await connectMastodon(ctx.services, c, other, 'Second Mastodon');
      const { postId, variantIds } = await scheduledPost(ctx.services, c, {
        title: 'Held',
        body: 'Marker-engine-5',
        accounts: [heldAccount],
      });
      other.expireToken();
      assert.equal(
        await ctx.services.publishing.publisher.publishVariant(c.councilId, variantIds[0]!),
        'held',
      );
      const account = await ctx.services.channelAccounts.get(c.councilId, heldAccount);
      assert.equal(account.status, 'needs_reconnect');
      const audit = await withCouncil(ctx.services.db.app, c.councilId, (tx) =>
        tx.selectFrom('audit_events').select(['action', 'entity_id']).execute(),
      );
      assert.ok(audit.some((a) => a.action === 'publishing.variant_held' && a.entity_id === postId));
      assert.ok(audit.some((a) => a.action === 'channel_account.needs_reconnect'));
      const attention = await ctx.services.publishing.posts.needingAttention(c.councilId);
      assert.ok(attention.some((a) => a.variantId === variantIds[0] && a.status === 'held'));
      // The sweep leaves it alone until the account is reconnected.
      queue.sent.length = 0;
      await ctx.services.publishing.publisher.sweep(ctx.services.db.system);
      assert.ok(!queue.sent.some((s) => s.id === variantIds[0]));
    } finally {
      await other.close();
    }
  });

  it('publishes a batch in one claim and one record, with one connector per account', async () => {
    const other = await startMastodonServer();
    try {
      const second = await connectMastodon(ctx.services, c, other, 'Batch Mastodon');
      const jobs: { councilId: string; variantId: string }[] = [];
      for (let i = 0; i < 6; i += 1) {
        const { variantIds } = await scheduledPost(ctx.services, c, {
          title: `Batch ${i}`,
          body: `Bin collections move to Tuesday. Marker-batch-${i}`,
          accounts: [accountId, second],
        });
        for (const variantId of variantIds) jobs.push({ councilId: c.councilId, variantId });
      }
      const channelAccounts = ctx.services.channelAccounts;
      const lookUp = channelAccounts.connectorFor.bind(channelAccounts);
      let lookups = 0;
      channelAccounts.connectorFor = (councilId, id) => {
        lookups += 1;
        return lookUp(councilId, id);
      };
      try {
        // The same variant twice in a batch (a pg-boss retry beside the sweep's job) still goes out once.
        const outcomes = await ctx.services.publishing.publisher.publishMany([...jobs, jobs[0]!]);
        assert.deepEqual(outcomes, [...jobs.map(() => 'published'), 'published']);
        // The first account's connector may be cached from earlier tests; the new one is built once.
        assert.ok(lookups <= 2, `${lookups} connector lookups for 12 variants on 2 accounts`);
      } finally {
        channelAccounts.connectorFor = lookUp;
      }
      for (let i = 0; i < 6; i += 1) {
        assert.equal(server.countContaining(`Marker-batch-${i}`), 1);
        assert.equal(other.countContaining(`Marker-batch-${i}`), 1);
      }
      const rows = await withCouncil(ctx.services.db.app, c.councilId, (tx) =>
        tx
          .selectFrom('post_variants as v')
          .innerJoin('posts as p', 'p.id', 'v.post_id')
          .select(['v.status', 'p.status as post_status', 'v.external_url'])
          .where(
            'v.id',
            'in',
            jobs.map((j) => j.variantId),
          )
          .execute(),
      );
      assert.ok(
        rows.every((r) => r.status === 'published' && r.post_status === 'published' && r.external_url),
      );
    } finally {
      await other.close();
    }
  });

  it('claims a variant once when many workers reach it at the same moment', async () => {
    const { variantIds } = await scheduledPost(ctx.services, c, {
      title: 'Claimed once',
      body: 'Road closed for resurfacing. Marker-claim-once',
      accounts: [accountId],
    });
    // A first worker holds the variant's row lock while four more start their claims; they
    // queue on the lock with snapshots from before it commits, and each must still see the
    // lease it took (the row as locked, not the snapshot).
    let others: Promise<Map<string, unknown>>[] = [];
    await withCouncil(ctx.services.db.app, c.councilId, async (tx) => {
      await tx
        .selectFrom('post_variants')
        .select('id')
        .where('id', '=', variantIds[0]!)
        .forUpdate()
        .execute();
      others = Array.from({ length: 4 }, () =>
        claimVariants(ctx.services.db.app, c.councilId, variantIds, new Date(), 60),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await tx
        .updateTable('post_variants')
        .set({ lease_until: new Date(Date.now() + 60_000), status: 'publishing' })
        .where('id', '=', variantIds[0]!)
        .execute();
    });
    const verdicts = (await Promise.all(others)).map((r) => r.get(variantIds[0]!));
    assert.deepEqual(verdicts, ['busy', 'busy', 'busy', 'busy']);
    // Once the lease has run out, one claim takes it and records one intent.
    const later = new Date(Date.now() + 61_000);
    const again = await Promise.all(
      Array.from({ length: 3 }, () => claimVariants(ctx.services.db.app, c.councilId, variantIds, later, 60)),
    );
    assert.equal(again.filter((r) => typeof r.get(variantIds[0]!) === 'object').length, 1);
    const attempts = await withCouncil(ctx.services.db.app, c.councilId, (tx) =>
      tx.selectFrom('publish_attempts').select('id').where('variant_id', '=', variantIds[0]!).execute(),
    );
    assert.equal(attempts.length, 1, 'one intent recorded');
  });

  it('renews a lease only while this worker still holds it', async () => {
    const { variantIds } = await scheduledPost(ctx.services, c, {
      title: 'Long wait',
      body: 'Library closed for stocktaking. Marker-lease-renew',
      accounts: [accountId],
    });
    const id = variantIds[0]!;
    const claim = (await claimVariants(ctx.services.db.app, c.councilId, [id], new Date(), 2)).get(id);
    assert.ok(claim && typeof claim === 'object');
    const before = claim.leaseUntil.getTime();
    assert.equal(await renewLease(ctx.services.db.app, c.councilId, claim, 150), true);
    assert.ok(claim.leaseUntil.getTime() > before + 100_000);
    assert.equal((await variantRow(id)).lease_until?.getTime(), claim.leaseUntil.getTime());
    // The lease ran out and another worker took the variant: this one must not send it.
    await ctx.services.db.system
      .updateTable('post_variants')
      .set({ lease_until: new Date(Date.now() + 60_000) })
      .where('id', '=', id)
      .execute();
    assert.equal(await renewLease(ctx.services.db.app, c.councilId, claim, 150), false);
  });

  it('settles a post whose last two variants finish at the same moment', async () => {
    const other = await startMastodonServer();
    try {
      const second = await connectMastodon(ctx.services, c, other, 'Race Mastodon');
      for (let i = 0; i < 5; i += 1) {
        const { postId, variantIds } = await scheduledPost(ctx.services, c, {
          title: `Race ${i}`,
          body: `Leisure centre pool reopens. Marker-race-${i}`,
          accounts: [accountId, second],
        });
        // Two workers, one variant each: neither may read the other as still open.
        await Promise.all(
          variantIds.map((v) => ctx.services.publishing.publisher.publishVariant(c.councilId, v)),
        );
        assert.equal((await ctx.services.publishing.posts.get(c.councilId, postId)).status, 'published');
      }
    } finally {
      await other.close();
    }
  });

  it('queues jobs ahead of their minute and holds them until it comes', async () => {
    const at = new Date(Date.now() + 60 * 60_000);
    const job = variantJob(c.councilId, '00000000-0000-4000-8000-000000000000', at);
    assert.equal(job.data.dueAt, at.toISOString());
    assert.equal(job.startAfter?.getTime(), at.getTime() - variantLeadSeconds * 1000);
    assert.equal(variantJob(c.councilId, 'x').startAfter, undefined, 'a job for now runs at once');

    const { postId, variantIds } = await scheduledPost(ctx.services, c, {
      title: 'On the minute',
      body: 'Council meeting starts at 7pm. Marker-engine-due',
      accounts: [accountId],
    });
    const due = new Date(Date.now() + 1500);
    await ctx.services.db.system
      .updateTable('posts')
      .set({ scheduled_at: due })
      .where('id', '=', postId)
      .execute();
    const [outcome] = await ctx.services.publishing.publisher.publishMany([
      { councilId: c.councilId, variantId: variantIds[0]!, dueAt: due },
    ]);
    assert.equal(outcome, 'published');
    const v = await variantRow(variantIds[0]!);
    const published = new Date(v.published_at!).getTime();
    assert.ok(published >= due.getTime(), 'not before its minute');
    assert.ok(published < due.getTime() + 5000, 'and promptly at it');
  });

  it('keeps an append-only record of every step, exportable as CSV', async () => {
    const records = await withCouncil(ctx.services.db.app, c.councilId, (tx) => listRecords(tx));
    const actions = new Set(records.map((r) => r.action));
    for (const a of [
      'post.created',
      'post.submitted',
      'post.approved_step',
      'post.scheduled',
      'variant.published',
      'variant.failed',
      'variant.held',
    ])
      assert.ok(actions.has(a), `record has ${a}`);
    await assert.rejects(
      ctx.services.db.system.updateTable('publishing_records').set({ action: 'forged' }).execute(),
      /append-only/u,
    );
    await assert.rejects(ctx.services.db.system.deleteFrom('publishing_records').execute(), /append-only/u);
    const csv = recordsToCsv(records);
    assert.match(csv, /^"id","created_at","post_id","action","actor","snapshot"\r\n/u);
    assert.ok(csv.includes('"post.created"'));
    assert.equal(recordsToCsv([{ ...records[0]!, actorLabel: '=cmd()' }]).includes('"\'=cmd()"'), true);
  });
});
