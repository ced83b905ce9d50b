/**
 * The residents' side of a meeting: asking a question under the standing orders, upvoting
 * (once per resident, with a cap per source against floods), answering a live poll, and
 * reading the wall. Moderation is in moderation.service.ts.
 */
import { sql, withCouncil, type Db, type Tx } from '../../db/index.ts';
import { appendEvent } from './live.ts';
import { MeetingsService } from './meetings.service.ts';
import {
  MeetingsError,
  publicStatuses,
  type Meeting,
  type Poll,
  type PublicQuestion,
} from './meetings.types.ts';
import { checkQuestion, cleanInput, deadlineFor, flagsFor, type QuestionInput } from './question-rules.ts';
import { findQuestion, isPublic, toPublic, toQuestion } from './questions.repository.ts';

/**
 * Where a question came from: the web form and API, or a channel through the inbox, with the
 * conversation and message it arrived in and the sender's inbox identity (`email:…`,
 * `phone:…`, or the network's `bluesky:did:…`). An email identity is keyed like a web asker's
 * address, so the same person asking by form and by email counts once.
 */
export type QuestionSource =
  | { channelKind: 'web' }
  | { channelKind: string; conversationId: string; askerKey: string; messageId: string };

export class QuestionsService {
  constructor(
    private readonly db: Db,
    private readonly meetings: MeetingsService,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Takes a question if it keeps every rule. Throws MeetingsError 'rule' naming the first rule
   * broken (with every field's message), or 'not_found'. Nothing is written unless it is taken.
   */
  async submit(
    councilId: string,
    meetingId: string,
    raw: Partial<Record<keyof QuestionInput, unknown>>,
    source: QuestionSource = { channelKind: 'web' },
  ): Promise<{ id: string }> {
    const input = cleanInput(raw);
    return withCouncil(this.db, councilId, async (tx) => {
      const meeting = await this.meetings.findMeeting(tx, meetingId);
      const rules = await this.meetings.rulesIn(tx);
      this.checkOpen(meeting, rules);
      // The inbox's own contact form is channel 'web' too, but it arrives as a conversation.
      const isWeb = !('conversationId' in source);
      // Channel askers have no form to fill: their handle stands for a name, no email needed.
      const breaches = checkQuestion(
        isWeb ? input : { ...input, email: 'channel@invalid.example' },
        isWeb ? rules : { ...rules, isWardRequired: false },
      );
      if (breaches.length > 0) {
        const first = breaches[0]!;
        throw new MeetingsError(
          'rule',
          first.message,
          Object.fromEntries(breaches.map((b) => [b.field, b.message])),
          first.rule,
        );
      }
      const askerKey = 'askerKey' in source ? source.askerKey : `email:${input.email}`;
      // Two submissions from one person at once must not both pass the one-per-person check.
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${meetingId + askerKey}, 7))`.execute(tx);
      if (rules.isOnePerPerson) {
        const earlier = await tx
          .selectFrom('meeting_questions')
          .select('id')
          .where('meeting_id', '=', meetingId)
          .where('asker_key', '=', askerKey)
          .executeTakeFirst();
        if (earlier)
          throw new MeetingsError(
            'rule',
            'You have already asked a question for this meeting. The council’s rules allow one question per person',
            { text: 'You have already asked a question for this meeting' },
            'one-per-person',
          );
      }
      const row = await tx
        .insertInto('meeting_questions')
        .values({
          council_id: councilId,
          meeting_id: meetingId,
          channel_kind: source.channelKind,
          conversation_id: 'conversationId' in source ? source.conversationId : null,
          message_id: 'messageId' in source ? source.messageId : null,
          asker_name: input.name,
          asker_email: isWeb ? input.email : null,
          asker_ward: input.ward || null,
          asker_key: askerKey,
          original_text: input.text,
          text: input.text,
          flags: flagsFor(input.text),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      // The inbox message is marked filed in the same transaction: a retried filing job finds
      // it done instead of asking again (and tripping the one-question rule on itself).
      if ('messageId' in source)
        await tx
          .updateTable('meeting_inbound_messages')
          .set({
            status: 'filed',
            question_id: row.id,
            meeting_id: meetingId,
            rule: null,
            updated_at: new Date(),
          })
          .where('message_id', '=', source.messageId)
          .execute();
      // Moderators' queue only: a received question is not public.
      await appendEvent(tx, councilId, meetingId, 'received', {
        id: row.id,
        status: 'received',
        flags: row.flags,
        receivedAt: row.created_at.toISOString(),
      });
      return { id: row.id };
    });
  }

  private checkOpen(meeting: Meeting, rules: { deadlineHoursBefore: number }): void {
    if (meeting.status === 'cancelled')
      throw new MeetingsError(
        'rule',
        'This meeting has been cancelled, so it is not taking questions',
        { text: 'This meeting has been cancelled' },
        'meeting-cancelled',
      );
    const deadline = deadlineFor(meeting, rules);
    if (this.clock() > deadline)
      throw new MeetingsError(
        'rule',
        'The deadline for questions to this meeting has passed',
        { text: 'The deadline for questions to this meeting has passed' },
        'deadline-passed',
      );
  }

  /** When questions close for this meeting. */
  async deadline(councilId: string, meeting: Meeting): Promise<{ deadline: Date; isOpen: boolean }> {
    const rules = await this.meetings.rules(councilId);
    const deadline = deadlineFor(meeting, rules);
    return { deadline, isOpen: meeting.status !== 'cancelled' && this.clock() <= deadline };
  }

  /** The wall: public questions in running order (agenda item, then votes, then age). */
  async wall(
    councilId: string,
    meetingId: string,
  ): Promise<{ questions: PublicQuestion[]; lastEventId: string }> {
    return withCouncil(this.db, councilId, async (tx) => {
      await this.meetings.findMeeting(tx, meetingId);
      const rows = await tx
        .selectFrom('meeting_questions as q')
        .leftJoin('agenda_items as a', 'a.id', 'q.agenda_item_id')
        .selectAll('q')
        .where('q.meeting_id', '=', meetingId)
        .where('q.merged_into_id', 'is', null)
        .where('q.status', 'in', publicStatuses)
        .orderBy(sql`a.position`, sql`asc nulls last`)
        .orderBy('q.votes', 'desc')
        .orderBy('q.created_at')
        .execute();
      const last = await tx
        .selectFrom('meeting_events')
        .select((eb) => eb.fn.max('id').as('id'))
        .where('meeting_id', '=', meetingId)
        .executeTakeFirst();
      return {
        questions: rows.map((r) => toPublic(toQuestion(r))),
        lastEventId: last?.id ? String(last.id) : '0',
      };
    });
  }

  /**
   * One upvote per resident (the voter cookie) per question, and at most the council's number
   * of votes an hour from one source (a keyed hash of the address), so a script cannot stuff
   * the running order. Refusals are MeetingsError 'rule'; nothing is counted then.
   */
  async vote(
    councilId: string,
    meetingId: string,
    questionId: string,
    voter: { voterKey: string; sourceHash: string },
  ): Promise<PublicQuestion> {
    return withCouncil(this.db, councilId, async (tx) => {
      await this.meetings.findMeeting(tx, meetingId);
      const q = await findQuestion(tx, questionId, { lock: true });
      if (q.meetingId !== meetingId || !isPublic(q))
        throw new MeetingsError('not_found', 'No such question on the wall');
      const rules = await this.meetings.rulesIn(tx);
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${meetingId + voter.sourceHash}, 8))`.execute(
        tx,
      );
      const recent = await tx
        .selectFrom('question_votes')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('meeting_id', '=', meetingId)
        .where('source_hash', '=', voter.sourceHash)
        .where('created_at', '>', new Date(this.clock().getTime() - 3600_000))
        .executeTakeFirstOrThrow();
      if (Number(recent.n) >= rules.votesPerSourcePerHour)
        throw new MeetingsError(
          'rule',
          'Too many votes have come from your connection in the last hour. Try again later',
          { vote: 'Too many votes have come from your connection in the last hour' },
          'vote-flood',
        );
      const inserted = await tx
        .insertInto('question_votes')
        .values({
          council_id: councilId,
          question_id: questionId,
          meeting_id: meetingId,
          voter_key: voter.voterKey,
          source_hash: voter.sourceHash,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('question_id')
        .executeTakeFirst();
      if (!inserted)
        throw new MeetingsError(
          'rule',
          'You have already voted for this question',
          { vote: 'You have already voted for this question' },
          'one-vote-per-resident',
        );
      const row = await tx
        .updateTable('meeting_questions')
        .set((eb) => ({ votes: eb('votes', '+', 1) }))
        .where('id', '=', questionId)
        .returningAll()
        .executeTakeFirstOrThrow();
      const view = toPublic(toQuestion(row));
      await appendEvent(tx, councilId, meetingId, 'question', view);
      return view;
    });
  }

  // Polls ------------------------------------------------------------------------------------
  async polls(councilId: string, meetingId: string): Promise<Poll[]> {
    return withCouncil(this.db, councilId, (tx) => pollsOf(tx, meetingId));
  }

  async answerPoll(
    councilId: string,
    meetingId: string,
    pollId: string,
    voterKey: string,
    choice: number,
  ): Promise<Poll> {
    return withCouncil(this.db, councilId, async (tx) => {
      const poll = (await pollsOf(tx, meetingId)).find((p) => p.id === pollId);
      if (!poll) throw new MeetingsError('not_found', 'No such poll');
      if (!poll.isOpen)
        throw new MeetingsError(
          'rule',
          'This poll has closed',
          { choice: 'This poll has closed' },
          'poll-closed',
        );
      if (!Number.isInteger(choice) || choice < 0 || choice >= poll.choices.length)
        throw new MeetingsError('validation', 'Select an answer', { choice: 'Select an answer' });
      const inserted = await tx
        .insertInto('poll_votes')
        .values({ council_id: councilId, poll_id: pollId, voter_key: voterKey, choice })
        .onConflict((oc) => oc.doNothing())
        .returning('poll_id')
        .executeTakeFirst();
      if (!inserted)
        throw new MeetingsError(
          'rule',
          'You have already answered this poll',
          { choice: 'You have already answered this poll' },
          'one-vote-per-resident',
        );
      const updated = (await pollsOf(tx, meetingId)).find((p) => p.id === pollId)!;
      await appendEvent(tx, councilId, meetingId, 'poll', updated);
      return updated;
    });
  }
}

export async function pollsOf(tx: Tx, meetingId: string): Promise<Poll[]> {
  const polls = await tx
    .selectFrom('meeting_polls')
    .selectAll()
    .where('meeting_id', '=', meetingId)
    .orderBy('created_at', 'desc')
    .execute();
  if (polls.length === 0) return [];
  const counts = await tx
    .selectFrom('poll_votes')
    .select(['poll_id', 'choice', (eb) => eb.fn.countAll<string>().as('n')])
    .where(
      'poll_id',
      'in',
      polls.map((p) => p.id),
    )
    .groupBy(['poll_id', 'choice'])
    .execute();
  return polls.map((p) => {
    const choices = Array.isArray(p.choices) ? (p.choices as string[]) : [];
    return {
      id: p.id,
      meetingId: p.meeting_id,
      question: p.question,
      choices,
      counts: choices.map((_c, i) =>
        Number(counts.find((c) => c.poll_id === p.id && c.choice === i)?.n ?? 0),
      ),
      isOpen: p.is_open,
    };
  });
}
