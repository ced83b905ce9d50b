/**
 * The safety net for outbound messages that lost their delivery job. Every minute
 * `inbox.sweep-outbound` re-queues messages left 'queued' or 'sending' with no job waiting: a
 * crash between the commit that stored a reply and the call that queued its job, or a worker
 * killed mid-send (the send path then asks the network before sending again).
 */
import { withCouncil, type Db } from '../../db/index.ts';
import { defineJob, type JobDefinition } from '../../jobs/index.ts';

/** How long an outbound message may sit 'queued' or 'sending' before the sweep queues it again. */
export const strandedAfterMs = 60_000;

/**
 * Outbound messages that should have a delivery job but may not: 'queued' or 'sending' for
 * longer than `olderThanMs`, oldest first, at most 500 a sweep.
 */
export async function strandedMessages(db: Db, councilId: string, olderThanMs: number): Promise<string[]> {
  const rows = await withCouncil(db, councilId, (tx) =>
    tx
      .selectFrom('messages')
      .select('id')
      .where('direction', '=', 'out')
      .where('delivery_status', 'in', ['queued', 'sending'])
      .where('created_at', '<', new Date(Date.now() - olderThanMs))
      .orderBy('id')
      .limit(500)
      .execute(),
  );
  return rows.map((r) => String(r.id));
}

/** Every minute: queues the send job again for outbound messages that have lost theirs. */
export function sweepOutboundJob(
  replies: { sweep(councilId: string): Promise<number> },
  councilIds: () => Promise<string[]>,
): JobDefinition<Record<string, never>> {
  return defineJob<Record<string, never>>({
    name: 'inbox.sweep-outbound',
    retryLimit: 1,
    retryDelaySeconds: 30,
    expireInSeconds: 120,
    cron: '* * * * *',
    handle: async (_data, ctx) => {
      for (const councilId of await councilIds()) {
        const queued = await replies.sweep(councilId);
        if (queued > 0) ctx.log.info({ councilId, queued }, 'stranded outbound messages re-queued');
      }
    },
  });
}
