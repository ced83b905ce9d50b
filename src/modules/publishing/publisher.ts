/**
 * The publishing engine: one job per channel variant, exactly once.
 *
 * 1. Claim: in one transaction, lock the variant, check it is due and not owned by a live
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
};

export type PublishOutcome =
  'published' | 'reconciled' | 'retry' | 'failed' | 'held' | 'not_due' | 'busy' | 'done' | 'gone';

type Claim = {
  variantId: string;
  postId: string;
  accountId: string;
  text: string;
  link: string | null;
  intendedAt: Date;
  attemptId: string;
  attemptNumber: number;
};

const systemActor = (councilId: string): Actor => ({ councilId, userId: null, label: 'system' });

export class Publisher {
  private queue: PublishQueue | undefined;
  private readonly leaseSeconds: number;
  private readonly maxAttempts: number;
  private readonly baseRetrySeconds: number;
  private readonly requeueAfterSeconds: number;
  private readonly lostJobAfterSeconds: number;

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
  }

  /** Set once the job queue exists (the queue's handlers need the publisher first). */
  useQueue(queue: PublishQueue): void {
    this.queue = queue;
  }

  private get q(): PublishQueue {
    if (!this.queue) throw new Error('Publisher has no queue: call useQueue first');
    return this.queue;
  }

  /** The job handler: publishes one variant if it is due and nobody else is doing so. */
  async publishVariant(councilId: string, variantId: string, now = new Date()): Promise<PublishOutcome> {
    const claim = await this.claim(councilId, variantId, now);
    if (typeof claim === 'string') return claim;
    let published: Published | undefined;
    let outcome: 'published' | 'reconciled' = 'published';
    try {
      const { connector } = await this.channelAccounts.connectorFor(councilId, claim.accountId);
      const input = await this.inputFor(councilId, claim);
      if (claim.attemptNumber > 1 && canFindPublished(connector)) {
        published = await connector.findPublished(input);
        if (published) outcome = 'reconciled';
      }
      published ??= await connector.publish(input);
    } catch (error) {
      return this.onFailure(councilId, claim, error);
    }
    await this.recordSuccess(councilId, claim, published, outcome);
    await this.channelAccounts.recordOutcome(councilId, claim.accountId, {});
    return outcome;
  }

  private async claim(councilId: string, variantId: string, now: Date): Promise<Claim | PublishOutcome> {
    return withCouncil(this.db, councilId, async (tx) => {
      const row = await tx
        .selectFrom('post_variants as v')
        .innerJoin('posts as p', (j) =>
          j.onRef('p.id', '=', 'v.post_id').onRef('p.council_id', '=', 'v.council_id'),
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
        ])
        .where('v.id', '=', variantId)
        .forUpdate('v')
        .executeTakeFirst();
      if (!row) return 'gone';
      if (row.status === 'published' || row.status === 'failed') return 'done';
      if (row.deleted_at || row.paused_at || !['scheduled', 'publishing'].includes(row.post_status))
        return 'not_due';
      if (!row.scheduled_at || new Date(row.scheduled_at).getTime() > now.getTime() + 1000) return 'not_due';
      if (row.lease_until && new Date(row.lease_until).getTime() > now.getTime()) return 'busy';
      const intendedAt = row.intended_at ? new Date(row.intended_at) : now;
      const leaseUntil = new Date(now.getTime() + this.leaseSeconds * 1000);
      await tx
        .updateTable('post_variants')
        .set({
          status: 'publishing',
          intended_at: intendedAt,
          lease_until: leaseUntil,
          attempt_count: sql`attempt_count + 1`,
          updated_at: now,
        })
        .where('id', '=', variantId)
        .execute();
      const attempt = await tx
        .insertInto('publish_attempts')
        .values({ council_id: councilId, variant_id: variantId, intended_at: intendedAt })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (row.post_status === 'scheduled')
        await tx.updateTable('posts').set({ status: 'publishing' }).where('id', '=', row.post_id).execute();
      return {
        variantId,
        postId: row.post_id,
        accountId: row.channel_account_id,
        text: row.text,
        link: row.link,
        intendedAt,
        attemptId: String(attempt.id),
        attemptNumber: row.attempt_count + 1,
      };
    });
  }

  private async inputFor(councilId: string, claim: Claim): Promise<PostInput> {
    const media = await withCouncil(this.db, councilId, (tx) =>
      tx
        .selectFrom('post_media as pm')
        .innerJoin('media_items as m', (j) =>
          j.onRef('m.id', '=', 'pm.media_id').onRef('m.council_id', '=', 'pm.council_id'),
        )
        .select(['m.data', 'm.mime_type', 'm.alt_text', 'm.filename'])
        .where('pm.post_id', '=', claim.postId)
        .orderBy('pm.position')
        .execute(),
    );
    return {
      text: claim.text,
      idempotencyKey: claim.variantId,
      intendedAt: claim.intendedAt,
      ...(claim.link ? { link: claim.link } : {}),
      ...(media.length
        ? {
            media: media.map((m) => ({
              data: new Uint8Array(m.data),
              mimeType: m.mime_type,
              altText: m.alt_text,
              filename: m.filename,
            })),
          }
        : {}),
    };
  }

  private async recordSuccess(
    councilId: string,
    claim: Claim,
    published: Published,
    outcome: 'published' | 'reconciled',
  ): Promise<void> {
    await withCouncil(this.db, councilId, async (tx) => {
      const now = new Date();
      await tx
        .updateTable('publish_attempts')
        .set({ outcome, finished_at: now })
        .where('id', '=', claim.attemptId)
        .execute();
      await tx
        .updateTable('post_variants')
        .set({
          status: 'published',
          external_id: published.ref.id,
          external_url: published.url,
          published_at: now,
          lease_until: null,
          error: null,
          error_kind: null,
          updated_at: now,
        })
        .where('id', '=', claim.variantId)
        .execute();
      await appendRecord(tx, systemActor(councilId), claim.postId, 'variant.published', {
        variantId: claim.variantId,
        channelAccountId: claim.accountId,
        text: claim.text,
        url: published.url,
        externalId: published.ref.id,
        reconciled: outcome === 'reconciled',
      });
      await settlePost(tx, claim.postId);
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
    const rows = await system
      .selectFrom('post_variants as v')
      .innerJoin('posts as p', 'p.id', 'v.post_id')
      .innerJoin('channel_accounts as a', 'a.id', 'v.channel_account_id')
      .select(['v.council_id', 'v.id'])
      .where('p.deleted_at', 'is', null)
      .where('p.paused_at', 'is', null)
      .where('p.status', 'in', ['scheduled', 'publishing'])
      .where('p.scheduled_at', '<=', now)
      .where((eb) => eb.or([eb('v.requeued_at', 'is', null), eb('v.requeued_at', '<', recently)]))
      .where((eb) =>
        eb.or([
          eb.and([eb('v.status', '=', 'publishing'), eb('v.lease_until', '<', now)]),
          eb.and([
            eb('v.status', '=', 'scheduled'),
            eb('p.scheduled_at', '<', stale),
            // A retry waiting out its backoff keeps a lease until then.
            eb.or([eb('v.lease_until', 'is', null), eb('v.lease_until', '<', now)]),
          ]),
          eb.and([eb('v.status', '=', 'held'), eb('a.status', '=', 'active')]),
        ]),
      )
      .limit(5000)
      .execute();
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
  const variants = await tx
    .selectFrom('post_variants')
    .select('status')
    .where('post_id', '=', postId)
    .execute();
  const open = variants.some((v) => ['pending', 'scheduled', 'publishing', 'held'].includes(v.status));
  if (open) return;
  const isFailed = variants.some((v) => v.status === 'failed');
  await tx
    .updateTable('posts')
    .set({ status: isFailed ? 'failed' : 'published', published_at: sql`coalesce(published_at, now())` })
    .where('id', '=', postId)
    .where('status', 'in', ['scheduled', 'publishing', 'failed'])
    .execute();
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
