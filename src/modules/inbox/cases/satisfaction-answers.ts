/**
 * Recording residents' answers to the satisfaction question, per service (the case's area)
 * and team. An answer arrives like any message, on the resident's channel; every minute
 * `inbox.satisfaction-answers` reads what came into reporters' conversations after the
 * question and records the first reply that is an answer (one per case and conversation,
 * enforced by a unique key, so a rerun records nothing twice). Anything that is not an answer
 * stays in the inbox for an agent, as it always was.
 */
import { sql, withCouncil, type Db, type Tx } from '../../../db/index.ts';
import { defineJob, type JobDefinition } from '../../../jobs/index.ts';
import { recordAudit } from '../../accounts/index.ts';
import { uuidPattern } from './cases.queries.ts';
import { parseSatisfaction } from './satisfaction.ts';

/** How long after asking an answer is still read as one. */
export const answerWindowDays = 14;

/**
 * Records `text` as the answer of a conversation that was asked and has not answered.
 * Returns false when nothing is outstanding or the text is not an answer.
 */
export async function recordSatisfaction(
  tx: Tx,
  councilId: string,
  conversationId: string,
  text: string,
): Promise<boolean> {
  if (!uuidPattern.test(conversationId)) return false;
  const outstanding = await tx
    .selectFrom('cases')
    .innerJoin('case_reporters', 'case_reporters.case_id', 'cases.id')
    .leftJoin('satisfaction_responses as s', (join) =>
      join.onRef('s.case_id', '=', 'cases.id').on('s.conversation_id', '=', conversationId),
    )
    .select(['cases.id', 'cases.reference', 'cases.area', 'cases.team_id'])
    .where('case_reporters.conversation_id', '=', conversationId)
    .where('cases.satisfaction_asked_at', 'is not', null)
    .where('s.id', 'is', null)
    .orderBy('cases.satisfaction_asked_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!outstanding) return false;
  const answer = parseSatisfaction(text);
  if (!answer) return false;
  const inserted = await tx
    .insertInto('satisfaction_responses')
    .values({
      council_id: councilId,
      case_id: outstanding.id,
      conversation_id: conversationId,
      area: outstanding.area,
      team_id: outstanding.team_id,
      score: answer.score,
      comment: answer.comment,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return false;
  await recordAudit(
    tx,
    { councilId, userId: null, label: 'resident' },
    {
      action: 'case.satisfaction_recorded',
      entityType: 'case',
      entityId: outstanding.id,
      after: { conversationId, score: answer.score },
    },
  );
  return true;
}

/**
 * Reads the inbound messages that arrived after the question in conversations still owing an
 * answer, oldest first, and records the first answer of each. Returns how many were recorded.
 * A resident who answers the question itself (not their own first post) is threaded under the
 * council's status or email; ingestion files that answer into the reporter's conversation
 * (findConversations). Answers stored before it did sit in a thread of their own named by one
 * of the council's replies in the reporter's conversation, so such a thread is read as the
 * reporter's too.
 */
export async function readSatisfactionAnswers(db: Db, councilId: string): Promise<number> {
  return withCouncil(db, councilId, async (tx) => {
    const candidates = await sql<{ conversation_id: string; body: string }>`
      WITH owed AS (
        SELECT r.conversation_id, k.satisfaction_asked_at AS asked
        FROM cases k JOIN case_reporters r ON r.case_id = k.id
        WHERE k.satisfaction_asked_at > now() - make_interval(days => ${answerWindowDays})
          AND NOT EXISTS (SELECT 1 FROM satisfaction_responses s
                          WHERE s.case_id = k.id AND s.conversation_id = r.conversation_id)
      ), threads AS (
        SELECT o.conversation_id AS reporter, o.conversation_id AS thread, o.asked FROM owed o
        UNION
        SELECT o.conversation_id, answer.id, o.asked
        FROM owed o
        JOIN conversations c ON c.id = o.conversation_id
        JOIN messages ours ON ours.conversation_id = o.conversation_id AND ours.direction = 'out'
          AND ours.external_id IS NOT NULL
        JOIN conversations answer ON answer.thread_key = ours.external_id
          AND (answer.channel_kind = c.channel_kind OR (c.channel_kind = 'web' AND answer.channel_kind = 'email'))
      )
      SELECT t.reporter AS conversation_id, m.body
      FROM threads t
      JOIN messages m ON m.conversation_id = t.thread AND m.direction = 'in' AND m.created_at >= t.asked
      ORDER BY m.id
      LIMIT 1000`.execute(tx);
    const answered = new Set<string>();
    for (const c of candidates.rows) {
      if (answered.has(c.conversation_id)) continue;
      if (await recordSatisfaction(tx, councilId, c.conversation_id, c.body)) answered.add(c.conversation_id);
    }
    return answered.size;
  });
}

/** Every minute: residents' answers to the satisfaction question, recorded. */
export function satisfactionAnswersJob(
  db: Db,
  councilIds: () => Promise<string[]>,
): JobDefinition<Record<string, never>> {
  return defineJob<Record<string, never>>({
    name: 'inbox.satisfaction-answers',
    retryLimit: 1,
    retryDelaySeconds: 30,
    expireInSeconds: 120,
    cron: '* * * * *',
    handle: async (_data, ctx) => {
      for (const councilId of await councilIds()) {
        const recorded = await readSatisfactionAnswers(db, councilId);
        if (recorded > 0) ctx.log.info({ councilId, recorded }, 'satisfaction answers recorded');
      }
    },
  });
}
