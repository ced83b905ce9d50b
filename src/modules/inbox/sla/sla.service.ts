/**
 * SLA timers: loading a council's policies, and the periodic check that marks conversations
 * whose first response or resolution is overdue (once: `sla_breached_at` is set the first time)
 * and tells agents at once through the live hub.
 */
import { withCouncil, type Db, type Tx } from '../../../db/index.ts';
import { announce } from '../live.ts';
import type { SlaPolicy } from './sla-policy.ts';

export async function loadSlaPolicies(tx: Tx): Promise<SlaPolicy[]> {
  const rows = await tx
    .selectFrom('sla_policies')
    .select(['area', 'urgency', 'first_response_minutes', 'resolution_minutes', 'is_business_hours'])
    .execute();
  return rows.map((r) => ({
    area: r.area,
    urgency: r.urgency,
    firstResponseMinutes: r.first_response_minutes,
    resolutionMinutes: r.resolution_minutes,
    isBusinessHours: r.is_business_hours,
  }));
}

export class SlaService {
  constructor(private readonly db: Db) {}

  /** Marks newly breached conversations of one council; returns their ids. */
  async markBreaches(councilId: string, now = new Date()): Promise<string[]> {
    return withCouncil(this.db, councilId, async (tx) => {
      const rows = await tx
        .updateTable('conversations')
        .set({ sla_breached_at: now, updated_at: now })
        .where('sla_breached_at', 'is', null)
        .where('status', '<>', 'resolved')
        .where((eb) =>
          eb.or([
            eb.and([eb('first_responded_at', 'is', null), eb('first_response_due_at', '<', now)]),
            eb('resolution_due_at', '<', now),
          ]),
        )
        .returning(['id', 'status', 'urgency'])
        .execute();
      for (const r of rows)
        await announce(tx, councilId, {
          type: 'conversation.updated',
          conversationId: r.id,
          status: r.status,
          urgency: r.urgency,
        });
      return rows.map((r) => r.id);
    });
  }
}
