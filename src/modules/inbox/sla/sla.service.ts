/**
 * SLA timers: loading a council's policies, and the periodic check that marks conversations
 * whose first response or resolution is overdue (once: `sla_breached_at` is set the first time)
 * and raises the alert: an internal note in the conversation saying which time was missed,
 * mentioning whoever must act (the assignee, else the team's available members), so it waits
 * in their Mentions view, and a live announcement so open queues show it at once.
 */
import { sql, withCouncil, type Db, type Tx } from '../../../db/index.ts';
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

  /** Marks newly breached conversations of one council, alerting for each; returns their ids. */
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
        .returning([
          'id',
          'status',
          'urgency',
          'team_id',
          'assignee_id',
          'first_responded_at',
          'first_response_due_at',
          'resolution_due_at',
        ])
        .execute();
      for (const r of rows) {
        const missedFirst = !r.first_responded_at && r.first_response_due_at && r.first_response_due_at < now;
        const due = missedFirst ? r.first_response_due_at : r.resolution_due_at;
        await alertBreach(tx, councilId, {
          conversationId: r.id,
          teamId: r.team_id,
          assigneeId: r.assignee_id,
          text: `${missedFirst ? 'First response' : 'Resolution'} overdue: it was due ${formatDue(due)}.`,
        });
        await announce(tx, councilId, {
          type: 'conversation.updated',
          conversationId: r.id,
          status: r.status,
          urgency: r.urgency,
        });
      }
      return rows.map((r) => r.id);
    });
  }
}

const dueFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});

/** @example formatDue(new Date("2026-03-02T09:30:00Z")) // "Mon 2 Mar, 09:30" */
export function formatDue(at: Date | null): string {
  return at ? dueFormat.format(at) : 'earlier';
}

/** The breach note, mentioning the assignee, or every available member of the team. */
async function alertBreach(
  tx: Tx,
  councilId: string,
  b: { conversationId: string; teamId: string | null; assigneeId: string | null; text: string },
): Promise<void> {
  const note = await tx
    .insertInto('messages')
    .values({
      council_id: councilId,
      conversation_id: b.conversationId,
      direction: 'note',
      author_user_id: null,
      body: b.text,
      is_private: true,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const who = b.assigneeId
    ? [b.assigneeId]
    : b.teamId
      ? (
          await sql<{ user_id: string }>`
            SELECT m.user_id FROM team_members m JOIN users u ON u.id = m.user_id AND u.disabled_at IS NULL
            WHERE m.team_id = ${b.teamId}::uuid AND m.is_available ORDER BY m.user_id`.execute(tx)
        ).rows.map((r) => r.user_id)
      : [];
  if (who.length > 0)
    await tx
      .insertInto('message_mentions')
      .values(
        who.map((userId) => ({
          council_id: councilId,
          message_id: note.id,
          conversation_id: b.conversationId,
          user_id: userId,
        })),
      )
      .execute();
}
