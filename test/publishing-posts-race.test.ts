/**
 * Changing a post at the very moment the publishing engine claims it: the outcome is always
 * one or the other, never a change that succeeded and a post that went out anyway.
 *
 * Each test makes the interleaving happen on purpose. A transaction of the test's own holds the
 * post's row lock, so the first party (the change, or the engine's claim) stops inside its own
 * transaction holding the variants' locks; the second is started and seen waiting for them in
 * pg_stat_activity; then the post is let go.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from '../src/db/index.ts';
import { readPostForm } from '../src/modules/publishing/index.ts';
import { startMastodonServer, type MastodonServer } from './peers/mastodon/server.ts';
import { startTestApp, type TestContext } from './support/app.ts';
import {
  connectMastodon,
  publishingCouncil,
  RecordingQueue,
  scheduledPost,
  type PublishingCouncil,
} from './publishing-fixtures.ts';

const settle = <T>(p: Promise<T>): Promise<T | Error> => p.catch((e: unknown) => e as Error);

describe('changing a post while the engine claims it', () => {
  let ctx: TestContext;
  let server: MastodonServer;
  let c: PublishingCouncil;
  let accountId: string;
  const queue = new RecordingQueue();

  before(async () => {
    ctx = await startTestApp();
    server = await startMastodonServer();
    const { posts, publisher, calendar, incidents } = ctx.services.publishing;
    for (const s of [posts, publisher, calendar, incidents]) s.useQueue(queue);
    c = await publishingCouncil(ctx.services, 'race');
    accountId = await connectMastodon(ctx.services, c, server);
  });
  after(async () => {
    await ctx.close();
    await server.close();
  });

  const fields = (marker: string) => ({
    title: `Bin collections ${marker}`,
    body: `Bin collections move to Saturday this week. ${marker}`,
    accounts: [accountId],
    'schedule-day': '20',
    'schedule-month': '3',
    'schedule-year': '2027',
    'schedule-time': '09:00',
  });

  /** A scheduled post whose minute has just come, as when its job runs. */
  async function duePost(marker: string) {
    const post = await scheduledPost(ctx.services, c, fields(marker));
    await ctx.services.db.system
      .updateTable('posts')
      .set({ scheduled_at: new Date(Date.now() - 5000) })
      .where('id', '=', post.postId)
      .execute();
    return { postId: post.postId, variantId: post.variantIds[0]! };
  }

  /** Holds the post's row lock in a transaction of the test's own until `release`. */
  async function holdPost(postId: string) {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = ctx.services.db.system.transaction().execute(async (trx) => {
      await sql`SELECT id FROM posts WHERE id = ${postId} FOR UPDATE`.execute(trx);
      locked();
      await held;
    });
    await isLocked;
    return async () => {
      release();
      await holder;
    };
  }

  /** Waits until `n` sessions on this test's database are waiting for a lock. */
  async function waitersReach(n: number): Promise<void> {
    for (let i = 0; i < 1000; i += 1) {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(ctx.services.db.system);
      if (rows[0]!.n >= n) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`fewer than ${n} sessions ever waited for a lock`);
  }

  const publish = (variantId: string) =>
    settle(ctx.services.publishing.publisher.publishVariant(c.councilId, variantId));

  it('a deletion that wins: the claim waiting behind it publishes nothing', async () => {
    const { postId, variantId } = await duePost('Marker-race-delete-first');
    const release = await holdPost(postId);
    const removal = settle(ctx.services.publishing.posts.remove(c.staff(c.author), postId));
    await waitersReach(1); // the deletion holds the variants and waits for the post
    const claim = publish(variantId);
    await waitersReach(2); // the claim waits for the variants, having read the post undeleted
    await release();
    assert.equal(await removal, undefined, 'the deletion succeeded');
    // The claim locks the post after the variants and reads it as it now is: deleted.
    assert.equal(await claim, 'not_due');
    assert.equal(server.countContaining('Marker-race-delete-first'), 0);
    // The job's retry, later, finds the post deleted.
    assert.equal(await publish(variantId), 'not_due');
    assert.equal(server.countContaining('Marker-race-delete-first'), 0);
  });

  it('a claim that wins: the deletion waiting behind it is refused and the post goes out once', async () => {
    const { postId, variantId } = await duePost('Marker-race-claim-first');
    const release = await holdPost(postId);
    const claim = publish(variantId);
    await waitersReach(1); // the claim holds the variants and waits to mark the post publishing
    const removal = settle(ctx.services.publishing.posts.remove(c.staff(c.author), postId));
    await waitersReach(2);
    await release();
    const refused = await removal;
    assert.ok(refused instanceof Error);
    assert.equal((refused as Error & { kind?: string }).kind, 'conflict');
    assert.match(refused.message, /being published now and can no longer be deleted/u);
    assert.equal(await claim, 'published');
    assert.equal(server.countContaining('Marker-race-claim-first'), 1);
    const post = await ctx.services.publishing.posts.get(c.councilId, postId);
    assert.equal(post.status, 'published', 'still there, and no longer being sent, so it can be deleted now');
    await ctx.services.publishing.posts.remove(c.staff(c.author), postId);
    await assert.rejects(ctx.services.publishing.posts.get(c.councilId, postId), /not_found/u);
  });

  it('an edit that wins takes the post off the schedule: the claim finds its variant gone', async () => {
    const { postId, variantId } = await duePost('Marker-race-edit-first');
    const release = await holdPost(postId);
    const edit = settle(
      ctx.services.publishing.posts.saveDraft(
        c.staff(c.author),
        readPostForm(fields('Marker-race-edit-first, edited')),
        {},
        postId,
      ),
    );
    await waitersReach(1);
    const claim = publish(variantId);
    await waitersReach(2);
    await release();
    assert.equal(await edit, postId);
    assert.equal(await claim, 'gone');
    assert.equal(server.countContaining('Marker-race-edit-first'), 0);
    assert.equal((await ctx.services.publishing.posts.get(c.councilId, postId)).status, 'draft');
  });

  it('a move that wins: the claim waiting behind it publishes nothing, and the post goes out at its new time', async () => {
    const { postId, variantId } = await duePost('Marker-race-move-first');
    const release = await holdPost(postId);
    const move = settle(
      ctx.services.publishing.calendar.reschedule(c.staff(c.author), postId, {
        day: '27',
        month: '3',
        year: '2027',
        time: '09:00',
      }),
    );
    await waitersReach(1);
    const claim = publish(variantId);
    await waitersReach(2);
    await release();
    assert.equal(((await move) as Date).toISOString(), '2027-03-27T09:00:00.000Z');
    // The claim locks the post after the variants and reads its new time: not due yet.
    assert.equal(await claim, 'not_due');
    assert.equal(server.countContaining('Marker-race-move-first'), 0);
    const { publisher } = ctx.services.publishing;
    assert.equal(
      await publisher.publishVariant(c.councilId, variantId, new Date('2027-03-27T08:59:00Z')),
      'not_due',
    );
    // Due within the engine's second of slack, and the fence is already over.
    assert.equal(
      await publisher.publishVariant(c.councilId, variantId, new Date('2027-03-27T08:59:59.500Z')),
      'published',
    );
    assert.equal(server.countContaining('Marker-race-move-first'), 1);
  });

  it('incident mode that wins: the claim waiting behind it publishes nothing; one that loses leaves a post already going out', async () => {
    const { incidents } = ctx.services.publishing;
    const officer = c.staff(c.author);
    const { postId, variantId } = await duePost('Marker-race-pause-first');
    const release = await holdPost(postId);
    const pause = settle(
      incidents.start(officer.actor, 'comms', { reason: 'Flooding', banner: 'Flood warning' }),
    );
    await waitersReach(1); // the pause waits for the post
    const claim = publish(variantId);
    await waitersReach(2); // the claim holds the variant and waits for the post too
    await release();
    assert.equal(await pause, undefined, 'incident mode started');
    assert.equal(await claim, 'not_due', 'the claim read the post paused');
    assert.equal(server.countContaining('Marker-race-pause-first'), 0);
    const paused = await ctx.services.publishing.posts.get(c.councilId, postId);
    assert.ok(paused.isPaused, 'and the post is recorded as paused');
    await incidents.end(officer.actor, 'comms');

    const late = await duePost('Marker-race-pause-late');
    const releaseLate = await holdPost(late.postId);
    const lateClaim = publish(late.variantId);
    await waitersReach(1); // the claim holds the variant and waits for the post
    const latePause = settle(
      incidents.start(officer.actor, 'comms', { reason: 'Storm', banner: 'Storm warning' }),
    );
    await waitersReach(2);
    await releaseLate();
    assert.equal(await lateClaim, 'published', 'the claim got there first');
    assert.equal(await latePause, undefined);
    const sent = await ctx.services.publishing.posts.get(c.councilId, late.postId);
    assert.equal(sent.isPaused, false, 'a post already going out is not recorded as paused');
    assert.equal(server.countContaining('Marker-race-pause-late'), 1);
    await incidents.end(officer.actor, 'comms');
  });

  it('a post missed during an incident and moved afterwards publishes at its new time; "publish now" overrides a move', async () => {
    const { incidents, calendar, publisher } = ctx.services.publishing;
    const officer = c.staff(c.author);
    const missed = await scheduledPost(ctx.services, c, fields('Marker-missed-moved'));
    const other = await scheduledPost(ctx.services, c, fields('Marker-missed-now'));
    await incidents.start(officer.actor, 'comms', { reason: 'Flooding', banner: 'Flood warning' });
    for (const id of [missed.postId, other.postId])
      await ctx.services.db.system
        .updateTable('posts')
        .set({ scheduled_at: new Date(Date.now() - 60_000) })
        .where('id', '=', id)
        .execute();
    const ended = await incidents.end(officer.actor, 'comms');
    assert.ok(
      ended.missed.some((m) => m.id === missed.postId),
      'listed as missed',
    );
    // The officer's review: move it to a new time.
    await calendar.reschedule(officer, missed.postId, { day: '27', month: '3', year: '2027', time: '09:00' });
    assert.equal((await ctx.services.publishing.posts.get(c.councilId, missed.postId)).isPaused, false);
    assert.equal(
      await publisher.publishVariant(c.councilId, missed.variantIds[0]!, new Date('2027-03-27T09:00:00Z')),
      'published',
    );
    // Moved, then published now after all: the move's fence must not hold it back.
    await incidents.start(officer.actor, 'comms', { reason: 'Storm', banner: 'Storm warning' });
    await calendar.reschedule(officer, other.postId, { day: '27', month: '3', year: '2027', time: '10:00' });
    await incidents.end(officer.actor, 'comms');
    await ctx.services.db.system
      .updateTable('posts')
      .set({ paused_at: new Date(), scheduled_at: new Date(Date.now() - 60_000) })
      .where('id', '=', other.postId)
      .execute();
    await incidents.publishMissedNow(officer.actor, other.postId);
    assert.equal(await publisher.publishVariant(c.councilId, other.variantIds[0]!), 'published');
    assert.equal(server.countContaining('Marker-missed-now'), 1);
  });

  it('a claim that wins: the move waiting behind it is refused and the post goes out once', async () => {
    const { postId, variantId } = await duePost('Marker-race-claim-move');
    const release = await holdPost(postId);
    const claim = publish(variantId);
    await waitersReach(1);
    const move = settle(
      ctx.services.publishing.calendar.reschedule(c.staff(c.author), postId, {
        day: '27',
        month: '3',
        year: '2027',
        time: '09:00',
      }),
    );
    await waitersReach(2);
    await release();
    const refused = await move;
    assert.ok(refused instanceof Error);
    assert.equal((refused as Error & { kind?: string }).kind, 'conflict');
    // The calendar's own words today; "This post is being published now and can no longer be
    // moved" once it calls refuseIfBeingSent.
    assert.match(
      refused.message,
      /being published now and can no longer be moved|already started publishing/u,
    );
    assert.equal(await claim, 'published');
    assert.equal(server.countContaining('Marker-race-claim-move'), 1);
  });

  it('a claim that wins: the edit waiting behind it is refused, not a deadlock', async () => {
    const { postId, variantId } = await duePost('Marker-race-claim-edit');
    const release = await holdPost(postId);
    const claim = publish(variantId);
    await waitersReach(1);
    const edit = settle(
      ctx.services.publishing.posts.saveDraft(
        c.staff(c.author),
        readPostForm(fields('Marker-race-claim-edit, edited')),
        {},
        postId,
      ),
    );
    await waitersReach(2);
    await release();
    const refused = await edit;
    assert.ok(refused instanceof Error);
    assert.equal((refused as Error & { kind?: string }).kind, 'conflict');
    assert.match(refused.message, /started publishing cannot be edited/u);
    assert.equal(await claim, 'published');
    assert.equal(server.countContaining('Marker-race-claim-edit'), 1);
  });
});
