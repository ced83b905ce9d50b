/**
 * The publishing engine: one job per channel variant, exactly once.
 *
 * Jobs are handled a fetched batch at a time, in chunks of up to 25 variants (a post's variants
 * together), so each step below is one transaction for the whole chunk, not one per variant.
 *
 * 1. Claim: in one transaction, lock the variants, check each is due and not owned by a live
 *    worker, take a lease, and record the intent (a `pending` attempt with its intended_at).
 *    That commits before anything is sent.
 * 2. Reconcile: if the variant was tried before (a crash, a timeout, a 5xx), ask the network
 *    whether the post is already there (`findPublished`) before sending again. Connectors also
 *    send the variant id as the idempotency key, so the network itself refuses a repeat.
 * 3. Send, then record the outcome. A worker killed between 2 and 3 leaves a pending attempt
 *    and a lease that runs out; the next try (pg-boss's retry of the expired job, or the sweep)
 *    reconciles and finds the post instead of making a second one.
 *
 * Failures, as the channel classified them: rate_limited and unavailable are retried with
 * backoff (a new job with startAfter); rejected fails the variant with a plain-English reason
 * and a retry button; auth_expired holds the variant, flags the account for its owners, and
 * the sweep releases it when someone reconnects.
 */
import { sql, withCouncil, type Db, type Tx } from '../../db/index.ts';
import { recordAudit, type Actor } from '../accounts/index.ts';
import {
  ChannelAccountError,
  ChannelError,
  canFindPublished,
  type ChannelConnector,
  describeFailure,
  type ChannelAccountsService,
  type PostInput,
  type Published,
} from '../channels/index.ts';
import { appendRecord } from './records.ts';

/** How the engine queues work; the job module implements it with pg-boss. */
export type PublishQueue = {
  sendVariant(councilId: string, variantId: string, startAfter?: Date): Promise<void>;
};

/** One variant job: `dueAt` is the minute it is scheduled for, when the job was queued ahead of it. */
export type VariantWork = { councilId: string; variantId: string; dueAt?: Date };

/** Where one chunk's time went, for the benchmark (claim and record are one transaction each). */
export type ChunkTiming = { variants: number; claimMs: number; sendMs: number[]; recordMs: number };

export type PublisherOptions = {
  /** How long a worker owns a variant while it sends; longer than any one network call. */
  leaseSeconds?: number;
  /** Tries before a variant that keeps failing transiently is marked failed. */
  maxAttempts?: number;
  /** First retry delay; doubled on each further try, up to 15 minutes. */
  baseRetrySeconds?: number;
  /** The sweep queues at most one extra job per variant in this window (default 60 s). */
  requeueAfterSeconds?: number;
  /** A scheduled variant this long past due with no worker on it has lost its job (default 10 min). */
  lostJobAfterSeconds?: number;
  /** Requests in flight to one channel account from this process (default 8). */
  perAccountConcurrency?: number;
  /** Variants claimed in one transaction (default 25). */
  chunkSize?: number;
  /** Chunks being claimed, sent or recorded at once in this process (default 8). */
  chunkConcurrency?: number;
  /** Called after each chunk; the benchmark uses it to show where the time goes. */
  onChunk?: (timing: ChunkTiming) => void;
};

export type PublishOutcome =
  'published' | 'reconciled' | 'retry' | 'failed' | 'held' | 'not_due' | 'busy' | 'done' | 'gone';

type Claim = {
  variantId: string;
  postId: string;
  accountId: string;
  /** Changes whenever the account is reconnected, refreshed or its status changes. */
  accountVersion: string;
  text: string;
  link: string | null;
  intendedAt: Date;
  attemptId: string;
  attemptNumber: number;
  media: NonNullable<PostInput['media']>;
};

type Sent = { claim: Claim; published: Published; outcome: 'published' | 'reconciled' };

const systemActor = (councilId: string): Actor => ({ councilId, userId: null, label: 'system' });

/** At most `limit` calls of `run` at once; the rest wait their turn in order. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next caller, so `active` stays counted.
      if (next) next();
      else this.active -= 1;
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Publisher {
  private queue: PublishQueue | undefined;
  private readonly leaseSeconds: number;
  private readonly maxAttempts: number;
  private readonly baseRetrySeconds: number;
  private readonly requeueAfterSeconds: number;
  private readonly lostJobAfterSeconds: number;
  private readonly perAccountConcurrency: number;
  private readonly chunkSize: number;
  private readonly chunks: Gate;
  private readonly onChunk: ((timing: ChunkTiming) => void) | undefined;
  private readonly accountGates = new Map<string, Gate>();
  /**
   * One connector per account, kept while the account row is unchanged: decrypting the
   * credentials and building a client once per account rather than once per post, and for
   * Bluesky one sign-in (createSession is limited to 30 per 5 minutes) rather than one per post.
   */
  private readonly connectors = new Map<string, { version: string; connector: Promise<ChannelConnector> }>();
  /** When each account's health last recorded a success; at most once a second per account. */
  private readonly lastSuccessRecorded = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly channelAccounts: ChannelAccountsService,
    opts: PublisherOptions = {},
  ) {
    this.leaseSeconds = opts.leaseSeconds ?? 90;
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.baseRetrySeconds = opts.baseRetrySeconds ?? 5;
    this.requeueAfterSeconds = opts.requeueAfterSeconds ?? 60;
    this.lostJobAfterSeconds = opts.lostJobAfterSeconds ?? 600;
    this.perAccountConcurrency = opts.perAccountConcurrency ?? 8;
    this.chunkSize = opts.chunkSize ?? 25;
    this.chunks = new Gate(opts.chunkConcurrency ?? 8);
    this.onChunk = opts.onChunk;
  }

  /** Set once the job queue exists (the queue's handlers need the publisher first). */
  useQueue(queue: PublishQueue): void {
    this.queue = queue;
  }

  private get q(): PublishQueue {
    if (!this.queue) throw new Error('Publisher has no queue: call useQueue first');
    return this.queue;
  }

  /** Publishes one variant if it is due and nobody else is doing so. */
  async publishVariant(councilId: string, variantId: string, now?: Date): Promise<PublishOutcome> {
    const [outcome] = await this.publishMany([{ councilId, variantId }], now);
    if (outcome instanceof Error) throw outcome;
    return outcome!;
  }

  /**
   * The job handler for a fetched batch of variant jobs. Jobs queued ahead of their minute wait
   * for it here (the worker already holds them, so no polling or fetching happens at the
   * minute). Variants are then claimed, sent and recorded in chunks: one transaction records the
   * intent of a whole chunk before anything is sent, and one records its results. Returns one
   * outcome per item, or the Error that stopped its chunk (its job fails and is retried).
   */
  async publishMany(items: readonly VariantWork[], now?: Date): Promise<(PublishOutcome | Error)[]> {
    const results: (PublishOutcome | Error)[] = new Array<PublishOutcome | Error>(items.length);
    const groups = new Map<string, { councilId: string; dueAt: number; indexes: number[] }>();
    items.forEach((item, i) => {
      const dueAt = now ? 0 : (item.dueAt?.getTime() ?? 0);
      const key = `${item.councilId} ${dueAt}`;
      const group = groups.get(key) ?? { councilId: item.councilId, dueAt, indexes: [] };
      group.indexes.push(i);
      groups.set(key, group);
    });
    const work: Promise<void>[] = [];
    for (const group of groups.values()) {
      work.push(
        (async () => {
          const chunks = await this.chunked(
            group.councilId,
            group.indexes.map((i) => items[i]!.variantId),
          );
          const wait = group.dueAt - Date.now();
          if (wait > 0) await sleep(wait);
          await Promise.all(
            chunks.map(async (ids) => {
              const outcomes = await this.chunks
                .run(() => this.publishChunk(group.councilId, ids, now ?? new Date()))
                .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
              for (const i of group.indexes) {
                const id = items[i]!.variantId;
                if (!ids.includes(id)) continue;
                results[i] = outcomes instanceof Error ? outcomes : outcomes.get(id)!;
              }
            }),
          );
        })(),
      );
    }
    await Promise.all(work);
    return results;
  }

  /**
   * Splits variant ids into chunks that keep each post's variants together where it can: the
   * claim and the record both lock the post, so a post spread over several chunks makes them
   * wait for each other. Read before the minute, while the jobs wait for it.
   */
  private async chunked(councilId: string, variantIds: string[]): Promise<string[][]> {
    const ids = [...new Set(variantIds)];
    const postOf = new Map(
      (
        await withCouncil(
          this.db,
          councilId,
          (tx) => tx.selectFrom('post_variants').select(['id', 'post_id']).where('id', 'in', ids).execute(),
          // Only the grouping is lost; the claim reads the variants again and reports any error.
        ).catch(() => [])
      ).map((r) => [r.id, r.post_id]),
    );
    const byPost = new Map<string, string[]>();
    // A variant not found keeps its own group; the claim reports it gone.
    for (const id of ids) {
      const key = postOf.get(id) ?? id;
      byPost.set(key, [...(byPost.get(key) ?? []), id]);
    }
    const chunks: string[][] = [];
    let current: string[] = [];
    for (const group of byPost.values()) {
      if (current.length && current.length + group.length > this.chunkSize) {
        chunks.push(current);
        current = [];
      }
      current.push(...group);
    }
    if (current.length) chunks.push(current);
    return chunks;
  }

  private async publishChunk(
    councilId: string,
    variantIds: string[],
    now: Date,
  ): Promise<Map<string, PublishOutcome>> {
    const started = performance.now();
    const outcomes = new Map<string, PublishOutcome>();
    const claims: Claim[] = [];
    for (const [id, claim] of await this.claim(councilId, variantIds, now)) {
      if (typeof claim === 'string') outcomes.set(id, claim);
      else claims.push(claim);
    }
    const claimed = performance.now();
    const sendMs: number[] = [];
    const sent: Sent[] = [];
    const failed: { claim: Claim; error: unknown }[] = [];
    await Promise.all(
      claims.map(async (claim) => {
        try {
          const result = await this.gateFor(claim.accountId).run(async () => {
            const t = performance.now();
            try {
              return await this.send(councilId, claim);
            } finally {
              sendMs.push(performance.now() - t);
            }
          });
          sent.push({ claim, ...result });
        } catch (error) {
          failed.push({ claim, error });
        }
      }),
    );
    const sentAt = performance.now();
    if (sent.length) {
      await this.recordSuccesses(councilId, sent);
      for (const s of sent) outcomes.set(s.claim.variantId, s.outcome);
      await this.noteHealthy(councilId, new Set(sent.map((s) => s.claim.accountId)));
    }
    // The rare path, one transaction each: retries, refusals and held accounts.
    for (const f of failed)
      outcomes.set(f.claim.variantId, await this.onFailure(councilId, f.claim, f.error));
    this.onChunk?.({
      variants: variantIds.length,
      claimMs: claimed - started,
      sendMs,
      recordMs: performance.now() - sentAt,
    });
    return outcomes;
  }

  private gateFor(accountId: string): Gate {
    let gate = this.accountGates.get(accountId);
    if (!gate) {
      gate = new Gate(this.perAccountConcurrency);
      this.accountGates.set(accountId, gate);
    }
    return gate;
  }

  private async send(
    councilId: string,
    claim: Claim,
  ): Promise<{ published: Published; outcome: 'published' | 'reconciled' }> {
    const connector = await this.connectorFor(councilId, claim);
    const input: PostInput = {
      text: claim.text,
      idempotencyKey: claim.variantId,
      intendedAt: claim.intendedAt,
      ...(claim.link ? { link: claim.link } : {}),
      ...(claim.media.length ? { media: claim.media } : {}),
    };
    if (claim.attemptNumber > 1 && canFindPublished(connector)) {
      const found = await connector.findPublished(input);
      if (found) return { published: found, outcome: 'reconciled' };
    }
    return { published: await connector.publish(input), outcome: 'published' };
  }

  private connectorFor(councilId: string, claim: Claim): Promise<ChannelConnector> {
    const cached = this.connectors.get(claim.accountId);
    if (cached && cached.version === claim.accountVersion) return cached.connector;
    const connector = this.channelAccounts
      .connectorFor(councilId, claim.accountId)
      .then((found) => found.connector);
    this.connectors.set(claim.accountId, { version: claim.accountVersion, connector });
    // A failed lookup is not kept: the next chunk asks again.
    connector.catch(() => {
      if (this.connectors.get(claim.accountId)?.connector === connector)
        this.connectors.delete(claim.accountId);
    });
    return connector;
  }

  /** Success updates the account's health at most once a second, not once per post. */
  private async noteHealthy(councilId: string, accountIds: Set<string>): Promise<void> {
    for (const accountId of accountIds) {
      const last = this.lastSuccessRecorded.get(accountId) ?? 0;
      if (Date.now() - last < 1000) continue;
      this.lastSuccessRecorded.set(accountId, Date.now());
      await this.channelAccounts.recordOutcome(councilId, accountId, {});
    }
  }

  /**
   * Claims what it can of the chunk in one transaction: locks the variants (in id order, so two
   * workers never deadlock), checks each is due and not owned by a live worker, takes a lease
   * and records the intent (a `pending` attempt). That commits before anything is sent.
   */
  private async claim(
    councilId: string,
    variantIds: string[],
    now: Date,
  ): Promise<Map<string, Claim | PublishOutcome>> {
    const ids = [...new Set(variantIds)].sort();
    return withCouncil(this.db, councilId, async (tx) => {
      const out = new Map<string, Claim | PublishOutcome>(ids.map((id) => [id, 'gone']));
      const rows = await tx
        .selectFrom('post_variants as v')
        .innerJoin('posts as p', (j) =>
          j.onRef('p.id', '=', 'v.post_id').onRef('p.council_id', '=', 'v.council_id'),
        )
        .innerJoin('channel_accounts as a', (j) =>
          j.onRef('a.id', '=', 'v.channel_account_id').onRef('a.council_id', '=', 'v.council_id'),
        )
        .select([
          'v.id',
          'v.post_id',
          'v.channel_account_id',
          'v.text',
          'v.status',
          'v.intended_at',
          'v.lease_until',
          'v.attempt_count',
          'p.status as post_status',
          'p.scheduled_at',
          'p.paused_at',
          'p.deleted_at',
          'p.link',
          'a.status as account_status',
          'a.updated_at as account_updated_at',
          (eb) =>
            eb
              .exists(
                eb
                  .selectFrom('post_media as pm')
                  .select('pm.post_id')
                  .whereRef('pm.post_id', '=', 'v.post_id'),
              )
              .as('has_media'),
        ])
        .where('v.id', 'in', ids)
        .orderBy('v.id')
        .forUpdate('v')
        .execute();
      const claimable: typeof rows = [];
      for (const row of rows) {
        if (row.status === 'published' || row.status === 'failed') out.set(row.id, 'done');
        else if (row.deleted_at || row.paused_at || !['scheduled', 'publishing'].includes(row.post_status))
          out.set(row.id, 'not_due');
        else if (!row.scheduled_at || new Date(row.scheduled_at).getTime() > now.getTime() + 1000)
          out.set(row.id, 'not_due');
        else if (row.lease_until && new Date(row.lease_until).getTime() > now.getTime())
          out.set(row.id, 'busy');
        else claimable.push(row);
      }
      if (!claimable.length) return out;
      const leaseUntil = new Date(now.getTime() + this.leaseSeconds * 1000);
      const starting = [
        ...new Set(claimable.filter((r) => r.post_status === 'scheduled').map((r) => r.post_id)),
      ];
      // The lease, the intent (a pending attempt) and the posts now publishing, in one round
      // trip. The posts are locked in id order, as everywhere in the engine.
      const { rows: intents } = await sql<{
        id: string;
        intended_at: Date;
        attempt_count: number;
        attempt_id: string;
      }>`
        WITH intent AS (
          UPDATE post_variants
          SET status = 'publishing', intended_at = coalesce(intended_at, ${now}), lease_until = ${leaseUntil},
            attempt_count = attempt_count + 1, updated_at = ${now}
          WHERE id = ANY(${claimable.map((r) => r.id)}::uuid[])
          RETURNING id, intended_at, attempt_count
        ), attempt AS (
          INSERT INTO publish_attempts (council_id, variant_id, intended_at)
          SELECT ${councilId}::uuid, id, intended_at FROM intent
          RETURNING id, variant_id
        ), started AS (
          UPDATE posts SET status = 'publishing'
          WHERE id IN (
            SELECT id FROM posts WHERE id = ANY(${starting}::uuid[]) AND status = 'scheduled' ORDER BY id FOR UPDATE
          )
        )
        SELECT intent.id, intent.intended_at, intent.attempt_count, attempt.id::text AS attempt_id
        FROM intent JOIN attempt ON attempt.variant_id = intent.id`.execute(tx);
      const intentOf = new Map(intents.map((i) => [i.id, i]));
      const withMedia = [...new Set(claimable.filter((r) => r.has_media).map((r) => r.post_id))];
      const media = withMedia.length
        ? await tx
            .selectFrom('post_media as pm')
            .innerJoin('media_items as m', (j) =>
              j.onRef('m.id', '=', 'pm.media_id').onRef('m.council_id', '=', 'pm.council_id'),
            )
            .select(['pm.post_id', 'm.data', 'm.mime_type', 'm.alt_text', 'm.filename'])
            .where('pm.post_id', 'in', withMedia)
            .orderBy('pm.post_id')
            .orderBy('pm.position')
            .execute()
        : [];
      for (const row of claimable) {
        const intent = intentOf.get(row.id)!;
        out.set(row.id, {
          variantId: row.id,
          postId: row.post_id,
          accountId: row.channel_account_id,
          accountVersion: `${row.account_status} ${new Date(row.account_updated_at).toISOString()}`,
          text: row.text,
          link: row.link,
          intendedAt: new Date(intent.intended_at ?? now),
          attemptId: intent.attempt_id,
          attemptNumber: intent.attempt_count,
          media: media
            .filter((m) => m.post_id === row.post_id)
            .map((m) => ({
              data: new Uint8Array(m.data),
              mimeType: m.mime_type,
              altText: m.alt_text,
              filename: m.filename,
            })),
        });
      }
      return out;
    });
  }

  /** The results of a chunk in one transaction: attempts, variants, the publishing record, the posts. */
  private async recordSuccesses(councilId: string, sent: Sent[]): Promise<void> {
    await withCouncil(this.db, councilId, async (tx) => {
      const now = new Date();
      const actor = systemActor(councilId);
      // Attempts, variants and the publishing record (the entries appendRecord writes) in one
      // round trip; the posts are settled after, in their own statement, so that it sees these.
      await sql`
        WITH attempts AS (
          UPDATE publish_attempts AS a SET outcome = x.outcome, finished_at = ${now}
          FROM unnest(${sent.map((s) => s.claim.attemptId)}::bigint[], ${sent.map((s) => s.outcome)}::text[])
            AS x(id, outcome)
          WHERE a.id = x.id
        ), variants AS (
          UPDATE post_variants AS v
          SET status = 'published', external_id = x.external_id, external_url = x.external_url,
            published_at = ${now}, lease_until = NULL, error = NULL, error_kind = NULL, updated_at = ${now}
          FROM unnest(${sent.map((s) => s.claim.variantId)}::uuid[], ${sent.map((s) => s.published.ref.id)}::text[],
            ${sent.map((s) => s.published.url)}::text[]) AS x(id, external_id, external_url)
          WHERE v.id = x.id
        )
        INSERT INTO publishing_records (council_id, post_id, action, actor_user_id, actor_label, snapshot)
        SELECT ${councilId}::uuid, x.post_id, 'variant.published', ${actor.userId}::uuid, ${actor.label}, x.snapshot::jsonb
        FROM unnest(${sent.map((s) => s.claim.postId)}::uuid[], ${sent.map(({ claim, published, outcome }) =>
          JSON.stringify({
            variantId: claim.variantId,
            channelAccountId: claim.accountId,
            text: claim.text,
            url: published.url,
            externalId: published.ref.id,
            reconciled: outcome === 'reconciled',
          }),
        )}::text[]) AS x(post_id, snapshot)`.execute(tx);
      await settlePosts(
        tx,
        sent.map((s) => s.claim.postId),
      );
    });
  }

  private async onFailure(councilId: string, claim: Claim, error: unknown): Promise<PublishOutcome> {
    const isMissingAccount = error instanceof ChannelAccountError;
    const classified =
      error instanceof ChannelError
        ? error
        : isMissingAccount
          ? new ChannelError('rejected', 'The channel account has been disconnected', {
              providerReason:
                'The account was disconnected in Townsquare; connect it again or remove this channel.',
            })
          : // Anything unclassified may or may not have reached the network: retry and reconcile.
            new ChannelError('unavailable', error instanceof Error ? error.message : String(error), {
              cause: error,
            });
    const kind = classified.kind;
    const message = explain(classified);
    const isOutOfTries = classified.isRetryable && claim.attemptNumber >= this.maxAttempts;
    const outcome: PublishOutcome =
      kind === 'auth_expired' ? 'held' : classified.isRetryable && !isOutOfTries ? 'retry' : 'failed';
    const delaySeconds =
      kind === 'rate_limited'
        ? (classified.retryAfterSeconds ?? 60)
        : Math.min(900, this.baseRetrySeconds * 2 ** (claim.attemptNumber - 1));
    const retryAt = new Date(Date.now() + delaySeconds * 1000);
    await withCouncil(this.db, councilId, async (tx) => {
      const now = new Date();
      await tx
        .updateTable('publish_attempts')
        .set({ outcome, error_kind: kind, error: message, finished_at: now })
        .where('id', '=', claim.attemptId)
        .execute();
      await tx
        .updateTable('post_variants')
        .set({
          status: outcome === 'retry' ? 'scheduled' : outcome,
          // A retry keeps the variant until its backoff ends, so nothing tries it sooner.
          lease_until: outcome === 'retry' ? retryAt : null,
          error: isOutOfTries ? `${message} We stopped after ${claim.attemptNumber} tries.` : message,
          error_kind: kind,
          updated_at: now,
        })
        .where('id', '=', claim.variantId)
        .execute();
      if (outcome !== 'retry')
        await appendRecord(tx, systemActor(councilId), claim.postId, `variant.${outcome}`, {
          variantId: claim.variantId,
          channelAccountId: claim.accountId,
          reason: message,
        });
      if (outcome === 'held') {
        // The author and the account's owners see this on the publishing page and in the audit log.
        await recordAudit(tx, systemActor(councilId), {
          action: 'publishing.variant_held',
          entityType: 'post',
          entityId: claim.postId,
          after: { variantId: claim.variantId, channelAccountId: claim.accountId, reason: message },
        });
      }
      await settlePost(tx, claim.postId);
    });
    if (!isMissingAccount)
      await this.channelAccounts.recordOutcome(councilId, claim.accountId, { error: classified });
    if (outcome === 'retry') await this.q.sendVariant(councilId, claim.variantId, retryAt);
    return outcome;
  }

  /** An officer asks to try a failed or held variant again. */
  async retryVariant(actor: Actor, variantId: string): Promise<boolean> {
    const row = await withCouncil(this.db, actor.councilId, async (tx) => {
      const v = await tx
        .updateTable('post_variants')
        .set({
          status: 'scheduled',
          error: null,
          error_kind: null,
          lease_until: null,
          updated_at: new Date(),
        })
        .where('id', '=', variantId)
        .where('status', 'in', ['failed', 'held'])
        .returning(['id', 'post_id'])
        .executeTakeFirst();
      if (!v) return undefined;
      await tx
        .updateTable('posts')
        .set({ status: 'publishing' })
        .where('id', '=', v.post_id)
        .where('status', 'in', ['failed', 'published', 'publishing'])
        .execute();
      await appendRecord(tx, actor, v.post_id, 'variant.retry_requested', { variantId });
      return v;
    });
    if (!row) return false;
    await this.q.sendVariant(actor.councilId, variantId);
    return true;
  }

  /**
   * Finds work that lost its job or its worker, in every council: variants whose lease ran out
   * mid-send (the worker died), scheduled variants long past due (their job was lost), and held
   * variants whose account has been reconnected. Runs every minute and when a worker starts.
   */
  async sweep(system: Db, now = new Date()): Promise<number> {
    const stale = new Date(now.getTime() - this.lostJobAfterSeconds * 1000);
    const recently = new Date(now.getTime() - this.requeueAfterSeconds * 1000);
    // Three plain lookups joined here rather than one join in SQL: right after a burst of new
    // posts, before autovacuum has counted them, the planner took the tables for empty and
    // scanned posts or variants once per row of the other (seconds of database time per sweep
    // at the busiest minute). Each of these reads its table once, whatever the statistics say.
    const candidates = await system
      .selectFrom('post_variants')
      .select(['id', 'council_id', 'post_id', 'channel_account_id', 'status'])
      .where('status', 'in', ['publishing', 'scheduled', 'held'])
      .where((eb) => eb.or([eb('requeued_at', 'is', null), eb('requeued_at', '<', recently)]))
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'publishing'), eb('lease_until', '<', now)]),
          // A retry waiting out its backoff keeps a lease until then. Only variants of posts
          // long past due: the ARRAY is read once, so the many variants of a busy minute are
          // not each read back on every sweep.
          eb.and([
            eb('status', '=', 'scheduled'),
            eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]),
            eb(
              'post_id',
              '=',
              sql<string>`ANY(ARRAY(
                SELECT id FROM posts WHERE scheduled_at < ${stale} AND status IN ('scheduled', 'publishing')
              ))`,
            ),
          ]),
          eb.and([
            eb('status', '=', 'held'),
            eb(
              'channel_account_id',
              '=',
              sql<string>`ANY(ARRAY(SELECT id FROM channel_accounts WHERE status = 'active'))`,
            ),
          ]),
        ]),
      )
      .execute();
    const postIds = [...new Set(candidates.map((c) => c.post_id))];
    const accountIds = [...new Set(candidates.map((c) => c.channel_account_id))];
    const posts = new Map(
      (postIds.length
        ? await system
            .selectFrom('posts')
            .select(['id', 'status', 'scheduled_at', 'paused_at', 'deleted_at'])
            .where('id', 'in', postIds)
            .execute()
        : []
      ).map((p) => [p.id, p]),
    );
    const activeAccounts = new Set(
      (accountIds.length
        ? await system
            .selectFrom('channel_accounts')
            .select('id')
            .where('id', 'in', accountIds)
            .where('status', '=', 'active')
            .execute()
        : []
      ).map((a) => a.id),
    );
    const rows = candidates
      .filter((c) => {
        const p = posts.get(c.post_id);
        if (!p || p.deleted_at || p.paused_at || !['scheduled', 'publishing'].includes(p.status))
          return false;
        if (!p.scheduled_at || new Date(p.scheduled_at) > now) return false;
        if (c.status === 'publishing') return true;
        if (c.status === 'scheduled') return new Date(p.scheduled_at) < stale;
        return activeAccounts.has(c.channel_account_id);
      })
      .slice(0, 5000);
    if (rows.length)
      await system
        .updateTable('post_variants')
        .set({ requeued_at: now })
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
    for (const r of rows) {
      if (r.council_id) await this.q.sendVariant(r.council_id, r.id);
    }
    return rows.length;
  }
}

/** The post's status from its variants': published when all are, failed when any failed and none is open. */
export async function settlePost(tx: Tx, postId: string): Promise<void> {
  await settlePosts(tx, [postId]);
}

/**
 * Settles several posts. Each post row is locked first (in id order), so the last two variants
 * of a post finishing in two workers at once cannot both read the other as still open: the
 * second waits for the first to commit and then sees its variant published.
 */
export async function settlePosts(tx: Tx, postIds: readonly string[]): Promise<void> {
  const ids = await lockPosts(tx, postIds);
  if (!ids.length) return;
  await sql`
    UPDATE posts AS p
    SET status = CASE WHEN EXISTS (
          SELECT 1 FROM post_variants v WHERE v.post_id = p.id AND v.status = 'failed'
        ) THEN 'failed' ELSE 'published' END,
      published_at = coalesce(p.published_at, now())
    WHERE p.id = ANY(${ids}::uuid[])
      AND p.status IN ('scheduled', 'publishing', 'failed')
      AND NOT EXISTS (
        SELECT 1 FROM post_variants v
        WHERE v.post_id = p.id AND v.status IN ('pending', 'scheduled', 'publishing', 'held')
      )`.execute(tx);
}

async function lockPosts(tx: Tx, postIds: readonly string[]): Promise<string[]> {
  const ids = [...new Set(postIds)].sort();
  if (!ids.length) return [];
  await tx.selectFrom('posts').select('id').where('id', 'in', ids).orderBy('id').forUpdate().execute();
  return ids;
}

/** Plain English for the officer: the channel's own words, and what happens next. */
function explain(error: ChannelError): string {
  if (error.kind !== 'rejected') return describeFailure(error);
  const said =
    error.providerReason && error.providerReason !== 'checked before sending'
      ? ` The network said: “${error.providerReason.slice(0, 300)}”`
      : '';
  const what = error.message && error.message !== error.providerReason ? ` ${error.message}` : '';
  return `The network refused the post.${what}${said} Change the post, then choose “Try again”.`;
}
