/**
 * Saved replies as agents use them: the list to choose from, and one filled in for a
 * conversation ({{resident_name}}, {{council_name}}, {{case_reference}}, {{agent_name}}).
 * Administrators keep the list itself in the inbox settings.
 */
import { sql, withCouncil, type Db } from '../../db/index.ts';
import { isUuid } from './inbox.queries.ts';
import { renderPlaceholders } from './reply-choice.ts';

/** The council's saved replies by title, for the reply form's menu. */
export async function listSavedReplies(db: Db, councilId: string) {
  return withCouncil(db, councilId, (tx) =>
    tx.selectFrom('saved_replies').select(['id', 'title']).orderBy('title').execute(),
  );
}

/** A saved reply with its placeholders filled for this conversation and agent. */
export async function savedReplyText(
  db: Db,
  councilId: string,
  conversationId: string,
  savedReplyId: string,
  agentName: string,
): Promise<string | undefined> {
  if (!isUuid(savedReplyId) || !isUuid(conversationId)) return undefined;
  return withCouncil(db, councilId, async (tx) => {
    const saved = await tx
      .selectFrom('saved_replies')
      .select('body')
      .where('id', '=', savedReplyId)
      .executeTakeFirst();
    const facts = await sql<{ resident_name: string; council_name: string; case_reference: string | null }>`
      SELECT ct.display_name AS resident_name, co.name AS council_name,
        (SELECT k.reference FROM cases k WHERE k.conversation_id = c.id
            OR k.id IN (SELECT r.case_id FROM case_reporters r WHERE r.conversation_id = c.id)
          ORDER BY k.created_at DESC LIMIT 1) AS case_reference
      FROM conversations c JOIN contacts ct ON ct.id = c.contact_id JOIN councils co ON co.id = c.council_id
      WHERE c.id = ${conversationId}::uuid`.execute(tx);
    const f = facts.rows[0];
    if (!saved || !f) return undefined;
    return renderPlaceholders(saved.body, {
      resident_name: f.resident_name,
      council_name: f.council_name,
      case_reference: f.case_reference ?? '',
      agent_name: agentName,
    });
  });
}
