/**
 * Step 1 of the engine: claiming a chunk of variants, in one statement inside one council
 * transaction, before anything is sent.
 *
 * The statement locks the variants, then their posts, each in id order (the order every writer
 * of these tables follows, so nothing deadlocks), decides for each variant whether it may be
 * sent now, and for those it takes a lease, records the intent (a `pending` attempt with its
 * intended_at) and marks their posts publishing. The verdict is made on the rows as locked: in
 * READ COMMITTED a locking read returns the newest committed version of a row someone changed
 * while we waited for it, so a lease another worker has just taken makes the variant "busy",
 * and a post paused, moved or deleted a moment ago is seen as it is now. (A plain join beside
 * the locks would read the statement's older snapshot and publish what was just stopped.)
 */
import { sql, withCouncil, type Db } from '../../db/index.ts';
import type { PostInput } from '../channels/index.ts';

/** Why a variant was not claimed. */
export type NotClaimed = 'not_due' | 'busy' | 'done' | 'gone';

export type Claim = {
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
  /** Until when this worker owns the variant; renewed before a late send (Publisher.holdLease). */
  leaseUntil: Date;
  media: NonNullable<PostInput['media']>;
};

type ClaimRow = {
  id: string;
  post_id: string | null;
  channel_account_id: string;
  text: string;
  link: string | null;
  account_status: string | null;
  account_updated_at: Date | null;
  has_media: boolean;
  verdict: NotClaimed | 'claim';
  intended_at: Date | null;
  attempt_count: number | null;
  attempt_id: string | null;
};

/**
 * Claims what it can of `variantIds` at `now`: a variant is claimed when it is not finished,
 * its post is scheduled (or already publishing), not paused or deleted, due within a second,
 * and no live lease holds it. Returns a Claim, or the reason it was not claimed, per id.
 */
export async function claimVariants(
  db: Db,
  councilId: string,
  variantIds: readonly string[],
  now: Date,
  leaseSeconds: number,
): Promise<Map<string, Claim | NotClaimed>> {
  const ids = [...new Set(variantIds)].sort();
  const leaseUntil = new Date(now.getTime() + leaseSeconds * 1000);
  const dueBy = new Date(now.getTime() + 1000);
  return withCouncil(db, councilId, async (tx) => {
    const { rows } = await sql<ClaimRow>`
      WITH locked AS (
        SELECT id, council_id, post_id, channel_account_id, text, status, lease_until
        FROM post_variants WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR UPDATE
      ), post AS (
        -- Sorted before it is locked, so every variant lock above is taken first.
        SELECT id, council_id, status, scheduled_at, paused_at, deleted_at, link
        FROM posts WHERE id IN (SELECT post_id FROM locked) ORDER BY id FOR UPDATE
      ), checked AS (
        SELECT l.id, l.post_id, l.channel_account_id, l.text, p.link, p.status AS post_status,
          a.status AS account_status, a.updated_at AS account_updated_at,
          EXISTS (SELECT 1 FROM post_media pm WHERE pm.post_id = l.post_id) AS has_media,
          CASE
            WHEN p.id IS NULL OR a.id IS NULL THEN 'gone'
            WHEN l.status IN ('published', 'failed') THEN 'done'
            WHEN p.deleted_at IS NOT NULL OR p.paused_at IS NOT NULL
              OR p.status NOT IN ('scheduled', 'publishing') THEN 'not_due'
            WHEN p.scheduled_at IS NULL OR p.scheduled_at > ${dueBy} THEN 'not_due'
            WHEN l.lease_until IS NOT NULL AND l.lease_until > ${now} THEN 'busy'
            ELSE 'claim'
          END AS verdict
        FROM locked l
        LEFT JOIN post p ON p.id = l.post_id AND p.council_id = l.council_id
        LEFT JOIN channel_accounts a ON a.id = l.channel_account_id AND a.council_id = l.council_id
      ), intent AS (
        UPDATE post_variants AS v
        SET status = 'publishing', intended_at = coalesce(v.intended_at, ${now}), lease_until = ${leaseUntil},
          attempt_count = v.attempt_count + 1, updated_at = ${now}
        FROM checked c
        WHERE v.id = c.id AND c.verdict = 'claim'
        RETURNING v.id, v.intended_at, v.attempt_count
      ), attempt AS (
        INSERT INTO publish_attempts (council_id, variant_id, intended_at)
        SELECT ${councilId}::uuid, id, intended_at FROM intent
        RETURNING id, variant_id
      ), started AS (
        -- Already locked above.
        UPDATE posts SET status = 'publishing'
        WHERE id IN (SELECT post_id FROM checked WHERE verdict = 'claim' AND post_status = 'scheduled')
      )
      SELECT c.id, c.post_id, c.channel_account_id, c.text, c.link, c.account_status,
        c.account_updated_at, c.has_media, c.verdict, i.intended_at, i.attempt_count,
        at.id::text AS attempt_id
      FROM checked c
      LEFT JOIN intent i ON i.id = c.id
      LEFT JOIN attempt at ON at.variant_id = c.id`.execute(tx);

    const out = new Map<string, Claim | NotClaimed>(ids.map((id) => [id, 'gone']));
    const claimed = rows.filter((r) => r.verdict === 'claim' && r.attempt_id);
    for (const r of rows) if (r.verdict !== 'claim') out.set(r.id, r.verdict);
    if (!claimed.length) return out;
    const withMedia = [...new Set(claimed.filter((r) => r.has_media).map((r) => r.post_id!))];
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
    for (const r of claimed)
      out.set(r.id, {
        variantId: r.id,
        postId: r.post_id!,
        accountId: r.channel_account_id,
        accountVersion: `${r.account_status} ${new Date(r.account_updated_at!).toISOString()}`,
        text: r.text,
        link: r.link,
        intendedAt: new Date(r.intended_at ?? now),
        attemptId: r.attempt_id!,
        attemptNumber: r.attempt_count!,
        leaseUntil,
        media: media
          .filter((m) => m.post_id === r.post_id)
          .map((m) => ({
            data: new Uint8Array(m.data),
            mimeType: m.mime_type,
            altText: m.alt_text,
            filename: m.filename,
          })),
      });
    return out;
  });
}

/**
 * Opens `connections` council connections at once and plans the claim on each (with no ids, so
 * nothing is locked or written), while a batch waits for its minute. At the minute the chunks
 * then find connections already authenticated (SCRAM costs both sides milliseconds of CPU) and
 * server processes whose catalogue caches already hold the engine's tables, instead of paying
 * for both in the busiest second.
 */
export async function warmClaimConnections(db: Db, councilId: string, connections: number): Promise<void> {
  await Promise.all(
    Array.from({ length: connections }, () =>
      claimVariants(db, councilId, [], new Date(), 1).catch(() => undefined),
    ),
  );
}

/**
 * Extends a claim's lease if this worker still holds it (the lease is the one it took, and the
 * variant is still publishing); false when it has run out and another worker may have taken it.
 */
export async function renewLease(
  db: Db,
  councilId: string,
  claim: Claim,
  leaseSeconds: number,
): Promise<boolean> {
  const until = new Date(Date.now() + leaseSeconds * 1000);
  const row = await withCouncil(db, councilId, (tx) =>
    tx
      .updateTable('post_variants')
      .set({ lease_until: until })
      .where('id', '=', claim.variantId)
      .where('status', '=', 'publishing')
      .where('lease_until', '=', claim.leaseUntil)
      .returning('id')
      .executeTakeFirst(),
  );
  if (!row) return false;
  claim.leaseUntil = until;
  return true;
}
