/**
 * The publishing record: every post, edit, deletion, approval and publication, kept as it was
 * at the time. The table is append-only (a trigger refuses UPDATE and DELETE), so the record
 * answers a Freedom of Information request truthfully even after the post has changed.
 */
import type { Tx } from '../../db/index.ts';
import type { Actor } from '../accounts/index.ts';

export type PublishingRecord = {
  id: string;
  postId: string;
  action: string;
  actorLabel: string;
  snapshot: unknown;
  createdAt: Date;
};

/** Appends one entry in the caller's transaction, so the change and its record commit together. */
export async function appendRecord(
  tx: Tx,
  actor: Actor,
  postId: string,
  action: string,
  snapshot: Record<string, unknown>,
): Promise<void> {
  await tx
    .insertInto('publishing_records')
    .values({
      council_id: actor.councilId,
      post_id: postId,
      action,
      actor_user_id: actor.userId,
      actor_label: actor.label,
      snapshot: JSON.stringify(snapshot),
    })
    .execute();
}

export async function listRecords(tx: Tx, opts: { postId?: string } = {}): Promise<PublishingRecord[]> {
  let q = tx.selectFrom('publishing_records').selectAll().orderBy('id');
  if (opts.postId) q = q.where('post_id', '=', opts.postId);
  return (await q.execute()).map((r) => ({
    id: String(r.id),
    postId: r.post_id,
    action: r.action,
    actorLabel: r.actor_label,
    snapshot: r.snapshot,
    createdAt: r.created_at,
  }));
}

/** RFC 4180 CSV: every field quoted, quotes doubled, CRLF line ends; formulas neutralised. */
export function recordsToCsv(records: readonly PublishingRecord[]): string {
  const quote = (v: string) => {
    // A leading =, +, - or @ makes spreadsheets run the cell as a formula (CSV injection).
    const safe = /^[=+\-@\t\r]/u.test(v) ? `'${v}` : v;
    return `"${safe.replace(/"/gu, '""')}"`;
  };
  const header = ['id', 'created_at', 'post_id', 'action', 'actor', 'snapshot'];
  const lines = records.map((r) =>
    [r.id, r.createdAt.toISOString(), r.postId, r.action, r.actorLabel, JSON.stringify(r.snapshot)]
      .map(quote)
      .join(','),
  );
  return [header.map(quote).join(','), ...lines].join('\r\n') + '\r\n';
}
