/**
 * The engine's safety net, run every minute (and when a worker starts): work that lost its job
 * or its worker is queued again, at most once per variant per window.
 */
import { sql, type Db } from '../../db/index.ts';
import type { PublishQueue } from './publisher.ts';

export type SweepWindows = {
  /** At most one extra job per variant in this window. */
  requeueAfterSeconds: number;
  /** A scheduled variant this long past due with no worker on it has lost its job. */
  lostJobAfterSeconds: number;
};

/**
 * Finds work that lost its job or its worker, in every council: variants whose lease ran out
 * mid-send (the worker died), scheduled variants long past due (their job was lost), and held
 * variants whose account has been reconnected. Runs every minute and when a worker starts.
 */
export async function sweepLostWork(
  system: Db,
  queue: PublishQueue,
  windows: SweepWindows,
  now = new Date(),
): Promise<number> {
  const stale = new Date(now.getTime() - windows.lostJobAfterSeconds * 1000);
  const recently = new Date(now.getTime() - windows.requeueAfterSeconds * 1000);
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
      if (!p || p.deleted_at || p.paused_at || !['scheduled', 'publishing'].includes(p.status)) return false;
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
    if (r.council_id) await queue.sendVariant(r.council_id, r.id);
  }
  return rows.length;
}
