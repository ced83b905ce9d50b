/**
 * Step 3 of the engine: recording what happened, one transaction per chunk for the successes
 * (the common path) and one per failure (the rare one), and settling each post's status from
 * its variants'.
 */
import { sql, withCouncil, type Db, type Tx } from '../../db/index.ts';
import { recordAudit, type Actor } from '../accounts/index.ts';
import { describeFailure, type ChannelError, type Published } from '../channels/index.ts';
import type { Claim } from './publisher-claim.ts';
import { appendRecord } from './records.ts';

/** A variant the network took (or already had, found by reconciliation). */
export type Sent = { claim: Claim; published: Published; outcome: 'published' | 'reconciled' };

const systemActor = (councilId: string): Actor => ({ councilId, userId: null, label: 'system' });

/** The results of a chunk in one transaction: attempts, variants, the publishing record, the posts. */
export async function recordSuccesses(db: Db, councilId: string, sent: readonly Sent[]): Promise<void> {
  await withCouncil(db, councilId, async (tx) => {
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

/** What the engine decided about a failed try (see Publisher.onFailure). */
export type FailureDecision = {
  outcome: 'retry' | 'failed' | 'held';
  kind: ChannelError['kind'];
  message: string;
  isOutOfTries: boolean;
  retryAt: Date;
};

/**
 * A failed try in one transaction: the attempt, the variant (back to scheduled with its backoff
 * as a lease, failed, or held), the publishing record and, when held, the audit event that
 * tells the author and the account's owners.
 */
export async function recordFailure(
  db: Db,
  councilId: string,
  claim: Claim,
  decision: FailureDecision,
): Promise<void> {
  const { outcome, kind, message, isOutOfTries, retryAt } = decision;
  await withCouncil(db, councilId, async (tx) => {
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
export function explain(error: ChannelError): string {
  if (error.kind !== 'rejected') return describeFailure(error);
  const said =
    error.providerReason && error.providerReason !== 'checked before sending'
      ? ` The network said: “${error.providerReason.slice(0, 300)}”`
      : '';
  const what = error.message && error.message !== error.providerReason ? ` ${error.message}` : '';
  return `The network refused the post.${what}${said} Change the post, then choose “Try again”.`;
}
