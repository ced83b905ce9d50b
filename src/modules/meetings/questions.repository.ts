/**
 * SQL shared by the question services: reading questions, their public view, and announcing
 * a change on the live wall.
 */
import type { Tx } from '../../db/index.ts';
import { appendEvent } from './live.ts';
import {
  MeetingsError,
  publicStatuses,
  type PublicQuestion,
  type Question,
  type QuestionStatus,
} from './meetings.types.ts';

type Row = {
  id: string;
  meeting_id: string;
  agenda_item_id: string | null;
  channel_kind: string;
  conversation_id: string | null;
  asker_name: string;
  asker_email: string | null;
  asker_ward: string | null;
  original_text: string;
  text: string;
  status: string;
  rejection_reason: string | null;
  edit_note: string | null;
  flags: string[];
  ask_count: number;
  votes: number;
  merged_into_id: string | null;
  answer: string | null;
  webcast_seconds: number | null;
  answered_at: Date | null;
  created_at: Date;
};

export function toQuestion(r: Row): Question {
  return {
    id: r.id,
    meetingId: r.meeting_id,
    agendaItemId: r.agenda_item_id,
    channelKind: r.channel_kind,
    conversationId: r.conversation_id,
    askerName: r.asker_name,
    askerEmail: r.asker_email,
    askerWard: r.asker_ward,
    originalText: r.original_text,
    text: r.text,
    status: r.status as QuestionStatus,
    rejectionReason: r.rejection_reason,
    editNote: r.edit_note,
    flags: r.flags,
    askCount: r.ask_count,
    votes: r.votes,
    mergedIntoId: r.merged_into_id,
    answer: r.answer,
    webcastSeconds: r.webcast_seconds,
    answeredAt: r.answered_at,
    createdAt: r.created_at,
  };
}

export const isPublic = (q: Pick<Question, 'status' | 'mergedIntoId'>) =>
  q.mergedIntoId === null && publicStatuses.includes(q.status);

/** The wall's view of a question: never the email address or the ward. */
export function toPublic(q: Question): PublicQuestion {
  return {
    id: q.id,
    meetingId: q.meetingId,
    status: q.mergedIntoId ? 'merged' : q.status,
    text: q.text,
    votes: q.votes,
    askCount: q.askCount,
    agendaItemId: q.agendaItemId,
    askerName: q.askerName,
    answer: q.answer,
    webcastSeconds: q.webcastSeconds,
    mergedIntoId: q.mergedIntoId,
  };
}

export async function findQuestion(
  tx: Tx,
  questionId: string,
  opts: { lock?: boolean } = {},
): Promise<Question> {
  if (!/^[0-9a-f-]{36}$/iu.test(questionId)) throw new MeetingsError('not_found', 'No such question');
  let q = tx.selectFrom('meeting_questions').selectAll().where('id', '=', questionId);
  if (opts.lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw new MeetingsError('not_found', 'No such question');
  return toQuestion(row);
}

export async function questionsOf(tx: Tx, meetingId: string): Promise<Question[]> {
  const rows = await tx
    .selectFrom('meeting_questions')
    .selectAll()
    .where('meeting_id', '=', meetingId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toQuestion);
}

/**
 * Tells the wall about a question whose public state changed: one that is public now, or was
 * before this change (so that it can leave the wall). A question never approved is never sent.
 */
export async function announceQuestion(
  tx: Tx,
  councilId: string,
  before: Question | undefined,
  after: Question,
): Promise<void> {
  if (!isPublic(after) && !(before && isPublic(before))) return;
  await appendEvent(tx, councilId, after.meetingId, 'question', toPublic(after));
}
