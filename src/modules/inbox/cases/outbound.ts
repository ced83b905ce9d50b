/**
 * Resident messages are written as outbound `messages` rows with delivery_status 'queued' in
 * the transaction that made the change, so a change and what the resident is told commit
 * together; the delivery job sends them after commit.
 */
import { sql, type Tx } from '../../../db/index.ts';
import { announce } from '../live.ts';

/**
 * Queues one message into a conversation's thread; returns the message id. With
 * `status: 'awaiting_approval'` it waits for a second person, like any reply of a team that
 * checks replies, and is not handed to the delivery job.
 */
export async function queueResidentMessage(
  tx: Tx,
  councilId: string,
  conversationId: string,
  body: string,
  authorUserId: string | null,
  status: 'queued' | 'awaiting_approval' = 'queued',
): Promise<string> {
  const row = await tx
    .insertInto('messages')
    .values({
      council_id: councilId,
      conversation_id: conversationId,
      direction: 'out',
      author_user_id: authorUserId,
      body,
      delivery_status: status,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await tx
    .updateTable('conversations')
    .set({
      message_count: sql<number>`message_count + 1`,
      last_message_at: new Date(),
      updated_at: new Date(),
    })
    .where('id', '=', conversationId)
    .execute();
  await announce(tx, councilId, { type: 'message.created', conversationId });
  return String(row.id);
}

/** The conversations of everyone who reported a case (its own first). */
export async function reporterConversations(tx: Tx, caseId: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('case_reporters')
    .innerJoin('cases', 'cases.id', 'case_reporters.case_id')
    .select([
      'case_reporters.conversation_id',
      sql<boolean>`case_reporters.conversation_id = cases.conversation_id`.as('is_first'),
    ])
    .where('case_reporters.case_id', '=', caseId)
    .orderBy('is_first', 'desc')
    .orderBy('case_reporters.conversation_id')
    .execute();
  return rows.map((r) => r.conversation_id);
}

/**
 * Conversations (of those given) whose team has a second person approve replies: words an
 * officer writes to their residents wait for approval there, as a reply would.
 */
export async function needingApproval(tx: Tx, conversationIds: string[]): Promise<Set<string>> {
  if (conversationIds.length === 0) return new Set();
  const rows = await tx
    .selectFrom('conversations')
    .innerJoin('teams', 'teams.id', 'conversations.team_id')
    .select('conversations.id')
    .where('conversations.id', 'in', conversationIds)
    .where('teams.requires_reply_approval', '=', true)
    .execute();
  return new Set(rows.map((r) => r.id));
}
