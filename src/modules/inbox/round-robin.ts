/**
 * Round-robin assignment for teams that switch it on: the next available, enabled member of
 * the conversation's team, in a fixed order, with the team's cursor advanced under its row lock.
 */
import type { Tx } from '../../db/index.ts';
import { recordAudit } from '../accounts/index.ts';

/**
 * Round-robin: gives a conversation to the next available member of its team, when the team has
 * it switched on. Ingestion calls it in the transaction that routes a new conversation.
 */
export async function assignRoundRobin(
  tx: Tx,
  councilId: string,
  conversationId: string,
): Promise<string | undefined> {
  const c = await tx
    .selectFrom('conversations')
    .select(['team_id', 'assignee_id'])
    .where('id', '=', conversationId)
    .executeTakeFirst();
  if (!c?.team_id || c.assignee_id) return undefined;
  const team = await tx
    .selectFrom('teams')
    .select(['id', 'is_round_robin', 'round_robin_cursor'])
    .where('id', '=', c.team_id)
    .forUpdate()
    .executeTakeFirst();
  if (!team?.is_round_robin) return undefined;
  const members = await tx
    .selectFrom('team_members as tm')
    .innerJoin('users as u', 'u.id', 'tm.user_id')
    .select('tm.user_id')
    .where('tm.team_id', '=', team.id)
    .where('tm.is_available', '=', true)
    .where('u.disabled_at', 'is', null)
    .orderBy('tm.user_id')
    .execute();
  const next = members[team.round_robin_cursor % Math.max(members.length, 1)];
  if (!next) return undefined;
  await tx
    .updateTable('teams')
    .set({ round_robin_cursor: (team.round_robin_cursor + 1) % 1_000_000 })
    .where('id', '=', team.id)
    .execute();
  await tx
    .updateTable('conversations')
    .set({ assignee_id: next.user_id })
    .where('id', '=', conversationId)
    .execute();
  await recordAudit(
    tx,
    { councilId, userId: null, label: 'system' },
    {
      action: 'conversation.auto_assigned',
      entityType: 'conversation',
      entityId: conversationId,
      after: { assigneeId: next.user_id },
    },
  );
  return next.user_id;
}
