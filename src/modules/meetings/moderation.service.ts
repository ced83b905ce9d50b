/**
 * The moderators' and the chair's work: approve, reject with a reason, merge duplicates, edit
 * for length, link to an agenda item, put to the meeting, record the answer with its time in
 * the webcast; and live polls. Every action is audited in its own transaction, announced on
 * the wall when the public can see the question, and queues a notice to the asker when they
 * are owed one (rejected, edited, answered): the notice is sent after commit by a job.
 */
import type { Updateable } from 'kysely';
import { withCouncil, type Database, type Db, type Tx } from '../../db/index.ts';
import { recordAudit, type Actor } from '../accounts/index.ts';
import { appendEvent } from './live.ts';
import { MeetingsService } from './meetings.service.ts';
import {
  MeetingsError,
  type AgendaItem,
  type Meeting,
  type Question,
  type QuestionNotice,
} from './meetings.types.ts';
import { countWords, flagsFor } from './question-rules.ts';
import { announceQuestion, findQuestion, questionsOf, toQuestion } from './questions.repository.ts';
import { pollsOf } from './questions.service.ts';

export type ModerationAction =
  | { kind: 'approve' }
  | { kind: 'reject'; reason: string }
  | { kind: 'merge'; intoId: string }
  | { kind: 'edit'; text: string; note: string }
  | { kind: 'link'; agendaItemId: string | null }
  | { kind: 'put' }
  | { kind: 'answer'; answer: string; webcastSeconds: number | null; isInWriting: boolean };

/** Called after commit with the notices to send (the job queue in production). */
export type NoticeQueue = (councilId: string, noticeIds: string[]) => Promise<void>;

const allowedFrom: Record<ModerationAction['kind'], readonly string[]> = {
  approve: ['received', 'rejected'],
  reject: ['received', 'approved'],
  merge: ['received', 'approved'],
  edit: ['received', 'approved', 'put'],
  link: ['received', 'approved', 'put', 'answered', 'answered_in_writing'],
  put: ['approved'],
  answer: ['approved', 'put', 'answered', 'answered_in_writing'],
};

export class ModerationService {
  constructor(
    private readonly db: Db,
    private readonly meetings: MeetingsService,
    private readonly queueNotices: NoticeQueue,
  ) {}

  /** Applies one action; returns the question as it is afterwards. */
  async act(actor: Actor, questionId: string, action: ModerationAction): Promise<Question> {
    const noticeIds: string[] = [];
    const result = await withCouncil(this.db, actor.councilId, async (tx) => {
      const before = await findQuestion(tx, questionId, { lock: true });
      if (before.mergedIntoId)
        throw new MeetingsError('validation', 'This question was merged into another', {
          action: 'This question was merged into another; act on that one',
        });
      if (!allowedFrom[action.kind].includes(before.status))
        throw new MeetingsError('validation', 'Not allowed in this state', {
          action: `A question that is ${before.status.replace(/_/gu, ' ')} cannot be changed that way`,
        });
      const after = await this.apply(tx, actor, before, action, noticeIds);
      await recordAudit(tx, actor, {
        action: `meeting_question.${action.kind === 'answer' && action.isInWriting ? 'answered_in_writing' : action.kind}`,
        entityType: 'meeting_question',
        entityId: questionId,
        before: auditView(before),
        after: { ...auditView(after), ...(action.kind === 'reject' ? { reason: action.reason } : {}) },
      });
      await announceQuestion(tx, actor.councilId, before, after);
      return after;
    });
    if (noticeIds.length > 0) await this.queueNotices(actor.councilId, noticeIds);
    return result;
  }

  private async apply(
    tx: Tx,
    actor: Actor,
    q: Question,
    action: ModerationAction,
    noticeIds: string[],
  ): Promise<Question> {
    const update = async (set: Updateable<Database['meeting_questions']>) =>
      toQuestion(
        await tx
          .updateTable('meeting_questions')
          .set({ ...set, updated_at: new Date(), decided_by: actor.userId })
          .where('id', '=', q.id)
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
    switch (action.kind) {
      case 'approve':
        return update({ status: 'approved', rejection_reason: null });
      case 'reject': {
        const reason = action.reason.trim();
        if (!reason)
          throw new MeetingsError('validation', 'No reason', {
            reason: 'Enter the reason, which the asker is told',
          });
        const after = await update({ status: 'rejected', rejection_reason: reason.slice(0, 1000) });
        noticeIds.push(...(await this.notice(tx, actor.councilId, after, 'rejected')));
        return after;
      }
      case 'merge':
        return this.merge(tx, actor, q, action.intoId);
      case 'edit': {
        const text = action.text.trim();
        const rules = await this.meetings.rulesIn(tx);
        if (!text) throw new MeetingsError('validation', 'Empty', { text: 'Enter the question' });
        if (countWords(text) > rules.wordLimit)
          throw new MeetingsError('validation', 'Too long', {
            text: `The question must be ${rules.wordLimit} words or fewer`,
          });
        const after = await update({ text, edit_note: action.note.trim() || null, flags: flagsFor(text) });
        noticeIds.push(...(await this.notice(tx, actor.councilId, after, 'edited')));
        return after;
      }
      case 'link': {
        if (action.agendaItemId) {
          const item = await tx
            .selectFrom('agenda_items')
            .select('id')
            .where('id', '=', action.agendaItemId)
            .where('meeting_id', '=', q.meetingId)
            .executeTakeFirst();
          if (!item)
            throw new MeetingsError('validation', 'No such item', { agendaItemId: 'Select an agenda item' });
        }
        return update({ agenda_item_id: action.agendaItemId });
      }
      case 'put':
        return update({ status: 'put' });
      case 'answer': {
        const answer = action.answer.trim();
        if (!answer) throw new MeetingsError('validation', 'No answer', { answer: 'Enter the answer' });
        const after = await update({
          status: action.isInWriting ? 'answered_in_writing' : 'answered',
          answer: answer.slice(0, 20_000),
          webcast_seconds: action.webcastSeconds,
          answered_at: new Date(),
        });
        // Everyone who asked it is told, including those whose questions were merged into it.
        const merged = await tx
          .selectFrom('meeting_questions')
          .selectAll()
          .where('merged_into_id', '=', q.id)
          .execute();
        for (const asker of [after, ...merged.map(toQuestion)])
          noticeIds.push(...(await this.notice(tx, actor.councilId, asker, 'answered', after)));
        return after;
      }
    }
  }

  private async merge(tx: Tx, actor: Actor, q: Question, intoId: string): Promise<Question> {
    if (intoId === q.id)
      throw new MeetingsError('validation', 'Self', { intoId: 'Select a different question to merge into' });
    const target = await findQuestion(tx, intoId, { lock: true }).catch(() => undefined);
    if (!target || target.meetingId !== q.meetingId || target.mergedIntoId || target.status === 'rejected')
      throw new MeetingsError('validation', 'Bad target', { intoId: 'Select a question of this meeting' });
    const merged = toQuestion(
      await tx
        .updateTable('meeting_questions')
        .set({ merged_into_id: intoId, updated_at: new Date(), decided_by: actor.userId })
        .where('id', '=', q.id)
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    // Questions already merged into this one follow it.
    await tx
      .updateTable('meeting_questions')
      .set({ merged_into_id: intoId })
      .where('merged_into_id', '=', q.id)
      .execute();
    const targetAfter = toQuestion(
      await tx
        .updateTable('meeting_questions')
        .set((eb) => ({ ask_count: eb('ask_count', '+', q.askCount), votes: eb('votes', '+', q.votes) }))
        .where('id', '=', intoId)
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    await announceQuestion(tx, actor.councilId, target, targetAfter);
    return merged;
  }

  /** Writes the notice row (once per question, kind and version) and returns its id. */
  private async notice(
    tx: Tx,
    councilId: string,
    asker: Question,
    kind: QuestionNotice['kind'],
    answered?: Question,
  ): Promise<string[]> {
    // The key makes a repeated decision (answer edited) a new notice, and a retry the same one.
    const version = kind === 'answered' ? (answered?.answeredAt?.getTime() ?? 0) : Date.now();
    const row = await tx
      .insertInto('question_notices')
      .values({
        council_id: councilId,
        question_id: asker.id,
        kind,
        channel: asker.conversationId ? asker.channelKind : 'email',
        idempotency_key: `meeting-question:${asker.id}:${kind}:${version}`,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    return row ? [row.id] : [];
  }

  // Reading ----------------------------------------------------------------------------------
  /** Every question of a meeting with its notices, for the moderation queue and the chair. */
  async board(
    councilId: string,
    meetingId: string,
  ): Promise<{ meeting: Meeting; agenda: AgendaItem[]; questions: Question[]; notices: QuestionNotice[] }> {
    return withCouncil(this.db, councilId, async (tx) => {
      const meeting = await this.meetings.findMeeting(tx, meetingId);
      const agenda = await this.meetings.agendaOf(tx, meetingId);
      const questions = await questionsOf(tx, meetingId);
      const notices = questions.length
        ? (
            await tx
              .selectFrom('question_notices')
              .selectAll()
              .where(
                'question_id',
                'in',
                questions.map((q) => q.id),
              )
              .orderBy('created_at')
              .execute()
          ).map((n) => ({
            id: n.id,
            questionId: n.question_id,
            kind: n.kind as QuestionNotice['kind'],
            channel: n.channel,
            status: n.status as QuestionNotice['status'],
            detail: n.detail,
            createdAt: n.created_at,
          }))
        : [];
      return { meeting, agenda, questions, notices };
    });
  }

  // Polls ------------------------------------------------------------------------------------
  async createPoll(actor: Actor, meetingId: string, question: string, choicesText: string): Promise<void> {
    const q = question.trim();
    const choices = choicesText
      .split('\n')
      .map((c) => c.trim())
      .filter(Boolean);
    const errors: Partial<Record<string, string>> = {};
    if (!q) errors.pollQuestion = 'Enter the poll question';
    else if (q.length > 300) errors.pollQuestion = 'The poll question must be 300 characters or fewer';
    if (choices.length < 2 || choices.length > 10)
      errors.pollChoices = 'Enter from 2 to 10 answers, one on each line';
    if (Object.keys(errors).length > 0) throw new MeetingsError('validation', 'Bad poll', errors);
    await withCouncil(this.db, actor.councilId, async (tx) => {
      await this.meetings.findMeeting(tx, meetingId);
      const row = await tx
        .insertInto('meeting_polls')
        .values({
          council_id: actor.councilId,
          meeting_id: meetingId,
          question: q,
          choices: JSON.stringify(choices.map((c) => c.slice(0, 200))),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordAudit(tx, actor, {
        action: 'meeting_poll.opened',
        entityType: 'meeting_poll',
        entityId: row.id,
        after: { q, choices },
      });
      const poll = (await pollsOf(tx, meetingId)).find((p) => p.id === row.id)!;
      await appendEvent(tx, actor.councilId, meetingId, 'poll', poll);
    });
  }

  async closePoll(actor: Actor, meetingId: string, pollId: string): Promise<void> {
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const found = await tx
        .updateTable('meeting_polls')
        .set({ is_open: false, closed_at: new Date() })
        .where('id', '=', /^[0-9a-f-]{36}$/iu.test(pollId) ? pollId : '00000000-0000-0000-0000-000000000000')
        .where('meeting_id', '=', meetingId)
        .returning('id')
        .executeTakeFirst();
      if (!found) throw new MeetingsError('not_found', 'No such poll');
      await recordAudit(tx, actor, {
        action: 'meeting_poll.closed',
        entityType: 'meeting_poll',
        entityId: pollId,
      });
      const poll = (await pollsOf(tx, meetingId)).find((p) => p.id === pollId)!;
      await appendEvent(tx, actor.councilId, meetingId, 'poll', poll);
    });
  }
}

function auditView(q: Question) {
  return {
    status: q.status,
    text: q.text,
    agendaItemId: q.agendaItemId,
    mergedIntoId: q.mergedIntoId,
    askCount: q.askCount,
    answer: q.answer,
    webcastSeconds: q.webcastSeconds,
  };
}
