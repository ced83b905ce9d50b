/**
 * The publishing engine: one job per channel variant, exactly once.
 *
 * Jobs are handled a fetched batch at a time, in chunks of up to 50 variants (a post's variants
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
import { withCouncil, type Db } from '../../db/index.ts';
import type { Actor } from '../accounts/index.ts';
import {
  ChannelAccountError,
  ChannelError,
  canFindPublished,
  type ChannelConnector,
  type ChannelAccountsService,
  type PostInput,
  type Published,
} from '../channels/index.ts';
import { claimVariants, renewLease, warmClaimConnections, type Claim } from './publisher-claim.ts';
import { explain, recordFailure, recordSuccesses, type Sent } from './publisher-record.ts';
import { sweepLostWork } from './publisher-sweep.ts';
import { appendRecord } from './records.ts';

export { settlePost, settlePosts } from './publisher-record.ts';

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
  /**
   * Variants claimed in one transaction (default 50). Each chunk costs two transactions and
   * their planning whatever its size; measured on the publishing bench, 50 used about a fifth
   * less database CPU than 25 for the same lateness.
   */
  chunkSize?: number;
  /** Chunks being claimed, sent or recorded at once in this process (default 8). */
  chunkConcurrency?: number;
  /** Called after each chunk; the benchmark uses it to show where the time goes. */
  onChunk?: (timing: ChunkTiming) => void;
};

export type PublishOutcome =
  'published' | 'reconciled' | 'retry' | 'failed' | 'held' | 'not_due' | 'busy' | 'done' | 'gone';

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
  readonly requeueAfterSeconds: number;
  readonly lostJobAfterSeconds: number;
  private readonly perAccountConcurrency: number;
  private readonly chunkSize: number;
  private readonly chunkConcurrency: number;
  private readonly chunks: Gate;
  /** Council and minute pairs whose connections have been readied (warmUp). */
  private readonly warmed = new Set<string>();
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
    this.leaseSeconds = opts.leaseSeconds ?? 150;
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.baseRetrySeconds = opts.baseRetrySeconds ?? 5;
    this.requeueAfterSeconds = opts.requeueAfterSeconds ?? 60;
    this.lostJobAfterSeconds = opts.lostJobAfterSeconds ?? 600;
    this.perAccountConcurrency = opts.perAccountConcurrency ?? 8;
    this.chunkSize = opts.chunkSize ?? 50;
    this.chunkConcurrency = opts.chunkConcurrency ?? 8;
    this.chunks = new Gate(this.chunkConcurrency);
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
          if (wait > 1000) await this.warmUp(group.councilId, group.dueAt);
          if (group.dueAt - Date.now() > 0) await sleep(group.dueAt - Date.now());
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
   * Readies the connections a busy minute will use, once per council and minute, while its jobs
   * wait for it (see warmClaimConnections): one per chunk in flight, since a chunk holds one
   * connection at a time (claim, then record).
   */
  private async warmUp(councilId: string, dueAt: number): Promise<void> {
    const key = `${councilId} ${dueAt}`;
    if (this.warmed.has(key)) return;
    this.warmed.add(key);
    // Only the latest minutes are remembered.
    if (this.warmed.size > 100) this.warmed.delete(this.warmed.values().next().value!);
    await warmClaimConnections(this.db, councilId, this.chunkConcurrency);
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
    for (const [id, claim] of await claimVariants(this.db, councilId, variantIds, now, this.leaseSeconds)) {
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
            // A claim that waited long for its account's turn must still be ours to send.
            if (!(await this.holdLease(councilId, claim))) return undefined;
            const t = performance.now();
            try {
              return await this.send(councilId, claim);
            } finally {
              sendMs.push(performance.now() - t);
            }
          });
          if (result) sent.push({ claim, ...result });
          else outcomes.set(claim.variantId, 'busy');
        } catch (error) {
          failed.push({ claim, error });
        }
      }),
    );
    const sentAt = performance.now();
    if (sent.length) {
      await recordSuccesses(this.db, councilId, sent);
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

  /**
   * Before a send, makes sure the lease outlasts it: a chunk's variants wait their turn behind
   * the account's other sends (at most `perAccountConcurrency` at a time), and a slow network
   * can make that longer than the lease, after which the sweep would give the variant to
   * another worker. With less than half the lease left it is renewed, only if still ours; if it
   * has already run out the send is left to whoever holds it now. A send (a few requests of at
   * most 15 s each) fits in the half lease that is left.
   */
  private async holdLease(councilId: string, claim: Claim): Promise<boolean> {
    if (claim.leaseUntil.getTime() - Date.now() > (this.leaseSeconds * 1000) / 2) return true;
    return renewLease(this.db, councilId, claim, this.leaseSeconds);
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
    await recordFailure(this.db, councilId, claim, { outcome, kind, message, isOutOfTries, retryAt });
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

  /** Queues work that lost its job or its worker again (see sweepLostWork). */
  async sweep(system: Db, now = new Date()): Promise<number> {
    return sweepLostWork(system, this.q, this, now);
  }
}
