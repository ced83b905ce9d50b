/**
 * Questions that arrive through the inbox (Bluesky, Mastodon, X, Facebook, Instagram, email,
 * SMS, the contact form). The inbox hands over, through its MessageTap port, every message
 * that carries an open meeting's hashtag or keyword, or that triage calls a meeting question.
 * They are stored in the inbox's own transaction (table meeting_inbound_messages), then filed
 * by a job under the same standing orders as the web form. A message naming no single meeting
 * waits for a person, who files it from the conversation.
 *
 * The filter is built from a per-council cache of open meetings' tags (refreshed every 30 s,
 * and at once when this process edits a meeting), so a message that does not match costs one
 * regular-expression test and no query.
 */
import { sql, withCouncil, type Db, type Tx } from '../../db/index.ts';
import { defineJob, type AnyJobDefinition, type JobQueue } from '../../jobs/index.ts';
import type { Logger } from '../../logger.ts';
import type { Actor } from '../accounts/index.ts';
import { recordAudit } from '../accounts/index.ts';
import type { MessageTap, TapCandidate, TappedMessage } from '../inbox/index.ts';
import { ReplyNotPossible, type InboxPort } from './inbox-port.ts';
import { openForMs } from './meetings.service.ts';
import { MeetingsError } from './meetings.types.ts';
import { deadlineFor } from './question-rules.ts';
import type { QuestionsService } from './questions.service.ts';

/** An open meeting as the matcher knows it. */
export type TaggedMeeting = {
  id: string;
  title: string;
  hashtag: string | null;
  keyword: string | null;
  startsAt: Date;
  deadline: Date;
};

/** Which meeting a message is for: by its tag, or the only one taking questions. */
export type MeetingMatch = { meetingId: string | null; by: 'hashtag' | 'keyword' | 'intent' };

/**
 * Matches messages to the open meetings' hashtags and keywords. Pure: built from a list, no
 * database, so the tests can call it directly.
 * @example new TagMatcher([{ id, hashtag: 'ValeCouncil', ... }]).match({ body: 'Hi #valecouncil', subject: null, intent: 'other' }, now)
 */
export class TagMatcher {
  private readonly hashtags: RegExp | null;
  private readonly keywords: RegExp | null;
  private readonly byTag = new Map<string, string>();

  constructor(readonly meetings: TaggedMeeting[]) {
    const tags = meetings.filter((m) => m.hashtag);
    const words = meetings.filter((m) => m.keyword);
    for (const m of tags) this.byTag.set(`#${m.hashtag!.toLowerCase()}`, m.id);
    for (const m of words) this.byTag.set(m.keyword!.toLowerCase(), m.id);
    // Tags and keywords are letters, numbers and underscores only (validated), so no escaping.
    this.hashtags = tags.length
      ? new RegExp(
          `(?<![\\p{L}\\p{N}_&#])#(${tags.map((m) => m.hashtag).join('|')})(?![\\p{L}\\p{N}_])`,
          'iu',
        )
      : null;
    this.keywords = words.length
      ? new RegExp(`^\\s*(${words.map((m) => m.keyword).join('|')})(?![\\p{L}\\p{N}_])`, 'iu')
      : null;
  }

  /** The cheap test the inbox runs on every message. */
  readonly keeps = (m: TapCandidate): boolean =>
    m.intent === 'meeting_question' ||
    (this.hashtags !== null &&
      (this.hashtags.test(m.body) || (m.subject !== null && this.hashtags.test(m.subject)))) ||
    (this.keywords !== null &&
      (this.keywords.test(m.body) || (m.subject !== null && this.keywords.test(m.subject))));

  /** The meeting a kept message is for; meetingId null when no single meeting is meant. */
  match(m: TapCandidate, now: Date): MeetingMatch {
    for (const text of [m.body, m.subject ?? '']) {
      const tag = this.hashtags?.exec(text)?.[1];
      if (tag) return { meetingId: this.byTag.get(`#${tag.toLowerCase()}`) ?? null, by: 'hashtag' };
      const word = this.keywords?.exec(text)?.[1];
      if (word) return { meetingId: this.byTag.get(word.toLowerCase()) ?? null, by: 'keyword' };
    }
    const taking = this.meetings.filter((x) => x.deadline >= now);
    return { meetingId: taking.length === 1 ? taking[0]!.id : null, by: 'intent' };
  }

  /**
   * The question as the resident meant it: without the meeting's tag or keyword, and without
   * the @mentions of the council's account that lead a social post.
   * @example matcher.questionText('@council.test #ValeCouncil Will the lido open?') // 'Will the lido open?'
   */
  questionText(body: string): string {
    let text = body;
    if (this.hashtags) text = text.replace(new RegExp(this.hashtags.source, 'giu'), ' ');
    if (this.keywords) text = text.replace(this.keywords, ' ');
    return text
      .replace(/^(?:\s*@[\w.-]+)+/u, ' ')
      .replace(/[ \t]+/gu, ' ')
      .trim();
  }
}

const cacheMs = 30_000;

/** One council's open meetings, loaded at most every 30 s (or when this process edits one). */
class TagCache {
  private readonly entries = new Map<string, { at: number; matcher: TagMatcher }>();

  constructor(private readonly clock: () => Date) {}

  async get(tx: Tx, councilId: string): Promise<TagMatcher> {
    const hit = this.entries.get(councilId);
    if (hit && Date.now() - hit.at < cacheMs) return hit.matcher;
    const matcher = new TagMatcher(await openMeetings(tx, this.clock()));
    this.entries.set(councilId, { at: Date.now(), matcher });
    return matcher;
  }

  forget(councilId: string): void {
    this.entries.delete(councilId);
  }
}

/** The council's meetings that can still take or answer questions, with their deadlines. */
export async function openMeetings(tx: Tx, now: Date): Promise<TaggedMeeting[]> {
  const [rows, settings] = await Promise.all([
    tx
      .selectFrom('meetings')
      .select(['id', 'title', 'hashtag', 'question_keyword', 'starts_at', 'question_deadline_at'])
      .where('status', '=', 'scheduled')
      .where('starts_at', '>', new Date(now.getTime() - openForMs))
      .orderBy('starts_at')
      .execute(),
    tx.selectFrom('meeting_settings').select('deadline_hours_before').executeTakeFirst(),
  ]);
  const hours = settings?.deadline_hours_before ?? 72;
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    hashtag: r.hashtag,
    keyword: r.question_keyword,
    startsAt: r.starts_at,
    deadline: deadlineFor(
      { startsAt: r.starts_at, questionDeadlineAt: r.question_deadline_at },
      { deadlineHoursBefore: hours },
    ),
  }));
}

type InboundRow = {
  message_id: string;
  conversation_id: string;
  meeting_id: string | null;
  channel_kind: string;
  asker_key: string;
  asker_name: string;
  text: string;
};

export type FilingOutcome =
  | { status: 'filed'; questionId: string }
  | { status: 'refused'; rule: string; message: string }
  | { status: 'unfiled' };

export class InboxQuestions implements MessageTap {
  private readonly cache: TagCache;
  private kick: (councilId: string) => Promise<void> = async () => undefined;

  constructor(
    private readonly db: Db,
    private readonly questions: QuestionsService,
    private readonly inbox: () => InboxPort | undefined,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.cache = new TagCache(clock);
  }

  /** Wires the job that files stored messages, once the queue exists. */
  useKick(kick: (councilId: string) => Promise<void>): void {
    this.kick = kick;
  }

  /** A meeting's tags changed in this process: the next chunk reloads them. */
  forget(councilId: string): void {
    this.cache.forget(councilId);
  }

  // The MessageTap port -----------------------------------------------------------------------
  async filterFor(tx: Tx, councilId: string): Promise<((m: TapCandidate) => boolean) | null> {
    const matcher = await this.cache.get(tx, councilId);
    return matcher.meetings.length > 0 ? matcher.keeps : null;
  }

  async take(tx: Tx, councilId: string, messages: TappedMessage[]): Promise<void> {
    const matcher = await this.cache.get(tx, councilId);
    const now = this.clock();
    await tx
      .insertInto('meeting_inbound_messages')
      .values(
        messages.map((m) => {
          const { meetingId } = matcher.match(m, now);
          return {
            council_id: councilId,
            message_id: m.messageId,
            conversation_id: m.conversationId,
            meeting_id: meetingId,
            channel_kind: m.channelKind,
            asker_key: `${m.identity.kind}:${m.identity.id}`,
            asker_name: (m.authorName || m.identity.handle || 'A resident').slice(0, 200),
            text: matcher.questionText(m.body),
            status: meetingId ? 'pending' : 'unfiled',
          };
        }),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async afterCommit(councilId: string): Promise<void> {
    await this.kick(councilId);
  }

  // Filing -------------------------------------------------------------------------------------
  /** Files every pending message of a council; returns how many were handled. */
  async filePending(councilId: string, olderThanMs = 0): Promise<number> {
    let handled = 0;
    // A row that stays pending (its filing failed in a way not worth throwing) is not retried
    // in this run, so the loop always ends.
    const seen = new Set<string>();
    for (;;) {
      const batch = await withCouncil(this.db, councilId, (tx) =>
        tx
          .selectFrom('meeting_inbound_messages')
          .select([
            'message_id',
            'conversation_id',
            'meeting_id',
            'channel_kind',
            'asker_key',
            'asker_name',
            'text',
          ])
          .where('status', '=', 'pending')
          .where('created_at', '<=', new Date(Date.now() - olderThanMs))
          .orderBy('created_at')
          .limit(100)
          .execute(),
      );
      const fresh = batch.filter((row) => !seen.has(row.message_id));
      for (const row of fresh) {
        seen.add(row.message_id);
        await this.fileOne(councilId, row);
      }
      handled += fresh.length;
      if (batch.length < 100 || fresh.length === 0) return handled;
    }
  }

  /**
   * Files one message as a question for its meeting. Taken: the message is marked filed in the
   * question's own transaction, and a note in the conversation links to it. Refused: marked
   * refused first (so a retry never tells the resident twice), then the resident is told the
   * rule in their own conversation, on the channel they used.
   */
  private async fileOne(councilId: string, row: InboundRow): Promise<FilingOutcome> {
    if (!row.meeting_id) return { status: 'unfiled' };
    const source = {
      channelKind: row.channel_kind,
      conversationId: row.conversation_id,
      askerKey: row.asker_key,
      messageId: row.message_id,
    };
    try {
      const { id } = await this.questions.submit(
        councilId,
        row.meeting_id,
        { name: row.asker_name, text: row.text },
        source,
      );
      const title = await this.meetingTitle(councilId, row.meeting_id);
      await this.inbox()
        ?.note(
          councilId,
          row.conversation_id,
          `Filed as a question for ${title}: /staff/meetings/${row.meeting_id}/moderation#question-${id}`,
        )
        .catch((error: unknown) => this.log.warn({ err: error }, 'could not note the filed question'));
      return { status: 'filed', questionId: id };
    } catch (error) {
      // Another run filed this very message first (the question's unique message id).
      if ((error as { code?: unknown }).code === '23505') {
        const q = await withCouncil(this.db, councilId, (tx) =>
          tx
            .selectFrom('meeting_questions')
            .select('id')
            .where('message_id', '=', row.message_id)
            .executeTakeFirstOrThrow(),
        );
        return { status: 'filed', questionId: q.id };
      }
      if (!(error instanceof MeetingsError) || (error.kind !== 'rule' && error.kind !== 'not_found'))
        throw error;
      const rule = error.rule ?? error.kind;
      const marked = await withCouncil(this.db, councilId, (tx) =>
        tx
          .updateTable('meeting_inbound_messages')
          .set({ status: 'refused', rule, updated_at: new Date() })
          .where('message_id', '=', row.message_id)
          .where('status', '=', 'pending')
          .executeTakeFirst(),
      );
      if (marked.numUpdatedRows > 0n) await this.tellRefused(councilId, row, error.message);
      return { status: 'refused', rule, message: error.message };
    }
  }

  private async tellRefused(councilId: string, row: InboundRow, reason: string): Promise<void> {
    const port = this.inbox();
    if (!port) return;
    const title = await this.meetingTitle(councilId, row.meeting_id!);
    try {
      await port.reply(
        councilId,
        row.conversation_id,
        `Sorry, we could not take your question for ${title}: ${reason}.`,
      );
    } catch (error) {
      if (!(error instanceof ReplyNotPossible)) throw error;
      // Staff see the reason in the conversation and can answer by hand.
      await port.note(
        councilId,
        row.conversation_id,
        `The asker could not be told why their question was refused: ${error.message}`,
      );
    }
  }

  private async meetingTitle(councilId: string, meetingId: string): Promise<string> {
    const m = await withCouncil(this.db, councilId, (tx) =>
      tx.selectFrom('meetings').select(['title', 'starts_at']).where('id', '=', meetingId).executeTakeFirst(),
    );
    return m ? `${m.title} on ${m.starts_at.toISOString().slice(0, 10)}` : 'the meeting';
  }

  // By hand, from the conversation -----------------------------------------------------------
  /** The conversation's meeting questions so far, and the meetings it could be filed to. */
  async forConversation(councilId: string, conversationId: string) {
    return withCouncil(this.db, councilId, async (tx) => {
      const conversation = await tx
        .selectFrom('conversations')
        .select(['id', 'channel_kind'])
        .where('id', '=', conversationId)
        .executeTakeFirst();
      if (!conversation) throw new MeetingsError('not_found', 'No such conversation');
      const filed = await tx
        .selectFrom('meeting_inbound_messages as i')
        .leftJoin('meetings as m', 'm.id', 'i.meeting_id')
        .select(['i.message_id', 'i.status', 'i.rule', 'i.text', 'i.question_id', 'i.meeting_id', 'm.title'])
        .where('i.conversation_id', '=', conversationId)
        .orderBy('i.created_at', 'desc')
        .execute();
      const latest = await tx
        .selectFrom('messages')
        .select(['id', 'body'])
        .where('conversation_id', '=', conversationId)
        .where('direction', '=', 'in')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      const now = this.clock();
      const meetings = (await openMeetings(tx, now)).filter((m) => m.deadline >= now);
      return { conversation, filed, latest, meetings };
    });
  }

  /**
   * A person files the conversation's latest message (or the one triage left unfiled) as a
   * question for the meeting they chose. Audited; the same rules as any other question.
   */
  async fileByHand(actor: Actor, conversationId: string, meetingId: string): Promise<FilingOutcome> {
    const row = await withCouncil(this.db, actor.councilId, async (tx) => {
      const meeting = await tx
        .selectFrom('meetings')
        .select('id')
        .where('id', '=', meetingId)
        .executeTakeFirst();
      if (!meeting)
        throw new MeetingsError('validation', 'No meeting', {
          meetingId: 'Select the meeting the question is for',
        });
      const unfiled = await tx
        .selectFrom('meeting_inbound_messages')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .where('status', 'in', ['unfiled', 'pending'])
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      let picked: InboundRow;
      if (unfiled) picked = unfiled;
      else {
        const m = await sql<InboundRow>`
          SELECT msg.id AS message_id, c.id AS conversation_id, NULL::uuid AS meeting_id, c.channel_kind,
            coalesce(i.channel_kind || ':' || i.external_id, 'contact:' || c.contact_id) AS asker_key,
            coalesce(nullif(ct.display_name, ''), 'A resident') AS asker_name, msg.body AS text
          FROM conversations c
          JOIN contacts ct ON ct.id = c.contact_id
          JOIN messages msg ON msg.conversation_id = c.id AND msg.direction = 'in'
          LEFT JOIN LATERAL (SELECT channel_kind, external_id FROM contact_identities
            WHERE contact_id = c.contact_id ORDER BY created_at LIMIT 1) i ON true
          WHERE c.id = ${conversationId}::uuid
          ORDER BY msg.id DESC LIMIT 1`.execute(tx);
        const found = m.rows[0];
        if (!found) throw new MeetingsError('not_found', 'No message from a resident in this conversation');
        picked = found;
        await tx
          .insertInto('meeting_inbound_messages')
          .values({ council_id: actor.councilId, ...picked, meeting_id: null, status: 'unfiled' })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      if (picked.message_id && (await this.isFiled(tx, picked.message_id)))
        throw new MeetingsError('validation', 'Already filed', {
          meetingId: 'This message is already a question',
        });
      await tx
        .updateTable('meeting_inbound_messages')
        .set({ meeting_id: meetingId, status: 'pending', updated_at: new Date() })
        .where('message_id', '=', picked.message_id)
        .execute();
      await recordAudit(tx, actor, {
        action: 'meeting_question.filed_from_inbox',
        entityType: 'conversation',
        entityId: conversationId,
        after: { meetingId, messageId: picked.message_id },
      });
      return { ...picked, meeting_id: meetingId };
    });
    return this.fileOne(actor.councilId, row);
  }

  private async isFiled(tx: Tx, messageId: string): Promise<boolean> {
    const q = await tx
      .selectFrom('meeting_questions')
      .select('id')
      .where('message_id', '=', messageId)
      .executeTakeFirst();
    return q !== undefined;
  }
}

/**
 * The filing job (queued after each inbox chunk that kept a message) and its sweep every
 * minute for messages whose job was never queued (a crash after the inbox committed).
 */
export function inboxQuestionJobs(deps: {
  filing: InboxQuestions;
  councilIds: () => Promise<string[]>;
  jobs: () => JobQueue;
}): AnyJobDefinition[] {
  const file = defineJob<{ councilId: string }>({
    name: 'meetings.file-inbound-questions',
    retryLimit: 5,
    retryDelaySeconds: 10,
    expireInSeconds: 300,
    concurrency: 1,
    handle: async (data) => void (await deps.filing.filePending(data.councilId)),
  });
  const sweep = defineJob<Record<string, never>>({
    name: 'meetings.sweep-inbound-questions',
    retryLimit: 1,
    retryDelaySeconds: 30,
    expireInSeconds: 300,
    cron: '* * * * *',
    handle: async () => {
      for (const councilId of await deps.councilIds()) await deps.filing.filePending(councilId, 30_000);
    },
  });
  deps.filing.useKick(async (councilId) => void (await deps.jobs().send(file, { councilId })));
  return [file as AnyJobDefinition, sweep as AnyJobDefinition];
}
