/**
 * Committees, meetings, agenda items and the council's question rules: read for the public
 * pages, edited by staff (audited), and imported from ModernGov.
 */
import { sql, withCouncil, type Db, type Tx } from '../../db/index.ts';
import { recordAudit, type Actor } from '../accounts/index.ts';
import { londonTime } from './london-time.ts';
import { defaultRules, type QuestionRules } from './question-rules.ts';
import { isHttpsUrl } from './webcast.ts';
import {
  MeetingsError,
  type AgendaItem,
  type Attendance,
  type Committee,
  type Meeting,
  type Paper,
} from './meetings.types.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;
export const isUuid = (v: string) => uuidPattern.test(v);

export type MeetingInput = {
  title: string;
  committeeId: string;
  day: string;
  month: string;
  year: string;
  time: string;
  location: string;
  attendance: string;
  streamUrl: string;
  recordingUrl: string;
  hashtag: string;
  /** Optional: forms and API bodies written before keywords existed leave it out. */
  questionKeyword?: string;
};

export type ValidMeeting = {
  title: string;
  committeeId: string | null;
  startsAt: Date;
  location: string | null;
  attendance: Attendance;
  streamUrl: string | null;
  recordingUrl: string | null;
  hashtag: string | null;
  questionKeyword?: string | null;
};

type MeetingRow = {
  id: string;
  committee_id: string | null;
  committee_name?: string | null;
  title: string;
  starts_at: Date;
  ends_at: Date | null;
  location: string | null;
  attendance: string;
  status: string;
  stream_url: string | null;
  recording_url: string | null;
  hashtag: string | null;
  question_keyword: string | null;
  question_deadline_at: Date | null;
  moderngov_id: string | null;
};

export function toMeeting(r: MeetingRow): Meeting {
  return {
    id: r.id,
    committeeId: r.committee_id,
    committeeName: r.committee_name ?? null,
    title: r.title,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    location: r.location,
    attendance: r.attendance as Attendance,
    status: r.status as Meeting['status'],
    streamUrl: r.stream_url,
    recordingUrl: r.recording_url,
    hashtag: r.hashtag,
    questionKeyword: r.question_keyword,
    questionDeadlineAt: r.question_deadline_at,
    moderngovId: r.moderngov_id,
  };
}

/** Checks a staff form (or API body); throws MeetingsError 'validation' with every field error. */
export function validateMeeting(input: MeetingInput): ValidMeeting {
  const errors: Partial<Record<string, string>> = {};
  const title = input.title.trim();
  if (!title) errors.title = 'Enter the meeting’s title';
  else if (title.length > 200) errors.title = 'The title must be 200 characters or fewer';
  const [d, m, y] = [Number(input.day), Number(input.month), Number(input.year)];
  const t = /^(\d{1,2})[:.](\d{2})$/u.exec(input.time.trim());
  let startsAt: Date | undefined;
  const probe = new Date(Date.UTC(y, m - 1, d));
  if (!input.day || !input.month || !input.year) errors.date = 'Enter the date of the meeting';
  else if (
    !Number.isInteger(y) ||
    y < 2000 ||
    y > 2100 ||
    probe.getUTCMonth() !== m - 1 ||
    probe.getUTCDate() !== d
  )
    errors.date = 'The date must be a real date, like 27 3 2026';
  if (!t || Number(t[1]) > 23 || Number(t[2]) > 59)
    errors.time = 'Enter the start time in 24-hour format, like 18:30';
  if (!errors.date && t) startsAt = londonTime(y, m, d, Number(t[1]), Number(t[2]));
  const attendance = (['in_person', 'hybrid', 'online'] as const).find((a) => a === input.attendance);
  if (!attendance) errors.attendance = 'Select how people can attend';
  for (const key of ['streamUrl', 'recordingUrl'] as const) {
    const v = input[key].trim();
    if (v && !isHttpsUrl(v)) errors[key] = 'Enter a full web address starting with https://';
  }
  const hashtag = input.hashtag.trim().replace(/^#/u, '');
  if (hashtag && !/^[\p{L}\p{N}_]{2,60}$/u.test(hashtag))
    errors.hashtag = 'A hashtag can only contain letters, numbers and underscores';
  else if (/^\d+$/u.test(hashtag)) errors.hashtag = 'A hashtag must have a letter in it, like FullCouncil';
  // Keywords are matched as the first word of an SMS or an email subject, whatever its case.
  const questionKeyword = (input.questionKeyword ?? '').trim().toUpperCase();
  if (questionKeyword && !/^[A-Z][A-Z0-9]{2,19}$/u.test(questionKeyword))
    errors.questionKeyword =
      'A keyword must be 3 to 20 letters or numbers, starting with a letter, like BUDGET';
  if (input.committeeId && !isUuid(input.committeeId)) errors.committeeId = 'Select a committee';
  if (Object.keys(errors).length > 0 || !startsAt || !attendance)
    throw new MeetingsError('validation', 'The meeting has errors', errors);
  return {
    title,
    committeeId: input.committeeId || null,
    startsAt,
    location: input.location.trim() || null,
    attendance,
    streamUrl: input.streamUrl.trim() || null,
    recordingUrl: input.recordingUrl.trim() || null,
    hashtag: hashtag || null,
    questionKeyword: questionKeyword || null,
  };
}

/**
 * A hashtag or keyword must name one meeting: it may not be in use by another of the council's
 * open meetings (scheduled, and not yet a day past its start), compared without case. The
 * lock makes two editors saving the same tag at once take turns.
 */
async function checkQuestionTags(
  tx: Tx,
  input: Pick<ValidMeeting, 'hashtag' | 'questionKeyword'>,
  meetingId: string | null,
): Promise<void> {
  if (!input.hashtag && !input.questionKeyword) return;
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('meetings.question-tags', 9))`.execute(tx);
  let q = tx
    .selectFrom('meetings')
    .select(['title', 'hashtag', 'question_keyword'])
    .where('status', '=', 'scheduled')
    .where('starts_at', '>', new Date(Date.now() - openForMs))
    .where((eb) =>
      eb.or([
        ...(input.hashtag ? [eb(eb.fn('lower', ['hashtag']), '=', input.hashtag.toLowerCase())] : []),
        ...(input.questionKeyword ? [eb('question_keyword', '=', input.questionKeyword)] : []),
      ]),
    );
  if (meetingId) q = q.where('id', '<>', meetingId);
  const taken = await q.executeTakeFirst();
  if (!taken) return;
  const errors: Partial<Record<string, string>> = {};
  if (input.hashtag && taken.hashtag?.toLowerCase() === input.hashtag.toLowerCase())
    errors.hashtag = `#${taken.hashtag} is already used by ${taken.title}: choose another hashtag`;
  if (input.questionKeyword && taken.question_keyword === input.questionKeyword)
    errors.questionKeyword = `${taken.question_keyword} is already used by ${taken.title}: choose another keyword`;
  throw new MeetingsError('validation', 'The hashtag or keyword is in use', errors);
}

/** How long after its start a meeting still counts as open (its tags stay reserved). */
export const openForMs = 24 * 3600_000;

export class MeetingsService {
  constructor(
    private readonly db: Db,
    /** Told when a meeting is created or edited (the inbox filter's tag cache is refreshed). */
    private readonly onMeetingChanged: (councilId: string) => void = () => undefined,
  ) {}

  // Committees -------------------------------------------------------------------------------
  async listCommittees(councilId: string): Promise<Committee[]> {
    return withCouncil(this.db, councilId, async (tx) =>
      (await tx.selectFrom('committees').selectAll().orderBy('name').execute()).map((c) => ({
        id: c.id,
        name: c.name,
        category: c.category,
        isActive: c.is_active,
      })),
    );
  }

  async createCommittee(actor: Actor, name: string, category: string): Promise<Committee> {
    const n = name.trim();
    if (!n || n.length > 200)
      throw new MeetingsError('validation', 'Bad committee', {
        name: n ? 'The name must be 200 characters or fewer' : 'Enter the committee’s name',
      });
    return withCouncil(this.db, actor.councilId, async (tx) => {
      const row = await tx
        .insertInto('committees')
        .values({ council_id: actor.councilId, name: n, category: category.trim() || null })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(tx, actor, {
        action: 'committee.created',
        entityType: 'committee',
        entityId: row.id,
        after: { name: n },
      });
      return { id: row.id, name: row.name, category: row.category, isActive: row.is_active };
    });
  }

  // Meetings ---------------------------------------------------------------------------------
  private meetingQuery(tx: Tx) {
    return tx
      .selectFrom('meetings as m')
      .leftJoin('committees as c', 'c.id', 'm.committee_id')
      .selectAll('m')
      .select('c.name as committee_name');
  }

  async listMeetings(councilId: string): Promise<Meeting[]> {
    return withCouncil(this.db, councilId, async (tx) =>
      (await this.meetingQuery(tx).orderBy('m.starts_at', 'desc').limit(500).execute()).map(toMeeting),
    );
  }

  /** The meeting, or MeetingsError 'not_found' (also for ids that are not UUIDs). */
  async getMeeting(councilId: string, meetingId: string): Promise<Meeting> {
    if (!isUuid(meetingId)) throw new MeetingsError('not_found', 'No such meeting');
    return withCouncil(this.db, councilId, (tx) => this.findMeeting(tx, meetingId));
  }

  async findMeeting(tx: Tx, meetingId: string): Promise<Meeting> {
    if (!isUuid(meetingId)) throw new MeetingsError('not_found', 'No such meeting');
    const row = await this.meetingQuery(tx).where('m.id', '=', meetingId).executeTakeFirst();
    if (!row) throw new MeetingsError('not_found', 'No such meeting');
    return toMeeting(row);
  }

  async createMeeting(actor: Actor, input: ValidMeeting): Promise<Meeting> {
    return withCouncil(this.db, actor.councilId, async (tx) => {
      await this.checkCommittee(tx, input.committeeId);
      await checkQuestionTags(tx, input, null);
      const row = await tx
        .insertInto('meetings')
        .values({
          council_id: actor.councilId,
          committee_id: input.committeeId,
          title: input.title,
          starts_at: input.startsAt,
          location: input.location,
          attendance: input.attendance,
          stream_url: input.streamUrl,
          recording_url: input.recordingUrl,
          hashtag: input.hashtag,
          question_keyword: input.questionKeyword ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordAudit(tx, actor, {
        action: 'meeting.created',
        entityType: 'meeting',
        entityId: row.id,
        after: input,
      });
      return this.findMeeting(tx, row.id);
    }).finally(() => this.onMeetingChanged(actor.councilId));
  }

  async updateMeeting(actor: Actor, meetingId: string, input: ValidMeeting): Promise<Meeting> {
    return withCouncil(this.db, actor.councilId, async (tx) => {
      const before = await this.findMeeting(tx, meetingId);
      await this.checkCommittee(tx, input.committeeId);
      await checkQuestionTags(tx, input, meetingId);
      await tx
        .updateTable('meetings')
        .set({
          committee_id: input.committeeId,
          title: input.title,
          starts_at: input.startsAt,
          location: input.location,
          attendance: input.attendance,
          stream_url: input.streamUrl,
          recording_url: input.recordingUrl,
          hashtag: input.hashtag,
          question_keyword: input.questionKeyword ?? null,
          updated_at: new Date(),
        })
        .where('id', '=', meetingId)
        .execute();
      await recordAudit(tx, actor, {
        action: 'meeting.updated',
        entityType: 'meeting',
        entityId: meetingId,
        before,
        after: input,
      });
      return this.findMeeting(tx, meetingId);
    }).finally(() => this.onMeetingChanged(actor.councilId));
  }

  private async checkCommittee(tx: Tx, committeeId: string | null): Promise<void> {
    if (!committeeId) return;
    const found = await tx
      .selectFrom('committees')
      .select('id')
      .where('id', '=', committeeId)
      .executeTakeFirst();
    if (!found)
      throw new MeetingsError('validation', 'No such committee', { committeeId: 'Select a committee' });
  }

  // Agenda -----------------------------------------------------------------------------------
  async listAgenda(councilId: string, meetingId: string): Promise<AgendaItem[]> {
    return withCouncil(this.db, councilId, (tx) => this.agendaOf(tx, meetingId));
  }

  async agendaOf(tx: Tx, meetingId: string): Promise<AgendaItem[]> {
    const rows = await tx
      .selectFrom('agenda_items')
      .selectAll()
      .where('meeting_id', '=', meetingId)
      .orderBy('position')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      meetingId: r.meeting_id,
      position: r.position,
      number: r.number,
      title: r.title,
      body: r.body,
      minutes: r.minutes,
      papers: Array.isArray(r.papers) ? (r.papers as Paper[]) : [],
    }));
  }

  async addAgendaItem(
    actor: Actor,
    meetingId: string,
    input: { title: string; body: string; paperTitle: string; paperUrl: string },
  ): Promise<void> {
    const errors: Partial<Record<string, string>> = {};
    const title = input.title.trim();
    if (!title) errors.itemTitle = 'Enter the agenda item’s title';
    else if (title.length > 500) errors.itemTitle = 'The title must be 500 characters or fewer';
    const paperUrl = input.paperUrl.trim();
    if (paperUrl && !isHttpsUrl(paperUrl))
      errors.paperUrl = 'Enter a full web address starting with https://';
    if (Object.keys(errors).length > 0) throw new MeetingsError('validation', 'Bad agenda item', errors);
    await withCouncil(this.db, actor.councilId, async (tx) => {
      await this.findMeeting(tx, meetingId);
      const last = await tx
        .selectFrom('agenda_items')
        .select((eb) => eb.fn.max('position').as('p'))
        .where('meeting_id', '=', meetingId)
        .executeTakeFirst();
      const position = (last?.p ?? 0) + 1;
      const papers: Paper[] = paperUrl ? [{ title: input.paperTitle.trim() || 'Report', url: paperUrl }] : [];
      const row = await tx
        .insertInto('agenda_items')
        .values({
          council_id: actor.councilId,
          meeting_id: meetingId,
          position,
          number: String(position),
          title,
          body: input.body.trim().slice(0, 20_000),
          papers: JSON.stringify(papers),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordAudit(tx, actor, {
        action: 'agenda_item.created',
        entityType: 'agenda_item',
        entityId: row.id,
        after: { meetingId, title, papers },
      });
    });
  }

  // Rules ------------------------------------------------------------------------------------
  async rules(councilId: string): Promise<QuestionRules & { moderngovUrl: string | null }> {
    return withCouncil(this.db, councilId, (tx) => this.rulesIn(tx));
  }

  async rulesIn(tx: Tx): Promise<QuestionRules & { moderngovUrl: string | null }> {
    const row = await tx.selectFrom('meeting_settings').selectAll().executeTakeFirst();
    if (!row) return { ...defaultRules, moderngovUrl: null };
    return {
      deadlineHoursBefore: row.deadline_hours_before,
      isWardRequired: row.is_ward_required,
      isOnePerPerson: row.is_one_per_person,
      wordLimit: row.word_limit,
      votesPerSourcePerHour: row.votes_per_source_per_hour,
      moderngovUrl: row.moderngov_url,
    };
  }

  async saveRules(actor: Actor, input: Record<string, string>): Promise<void> {
    const errors: Partial<Record<string, string>> = {};
    const int = (key: string, min: number, max: number, message: string) => {
      const v = input[key]?.trim() ?? '';
      const n = Number(v);
      if (!/^\d+$/u.test(v) || n < min || n > max) errors[key] = message;
      return n;
    };
    const rules: QuestionRules = {
      deadlineHoursBefore: int('deadlineHoursBefore', 0, 720, 'Enter a number of hours from 0 to 720'),
      wordLimit: int('wordLimit', 10, 1000, 'Enter a word limit from 10 to 1000'),
      votesPerSourcePerHour: int('votesPerSourcePerHour', 1, 10000, 'Enter a number from 1 to 10000'),
      isWardRequired: input.isWardRequired === 'yes',
      isOnePerPerson: input.isOnePerPerson === 'yes',
    };
    const url = input.moderngovUrl?.trim() ?? '';
    if (url && !/^https?:\/\/[^\s]+$/u.test(url))
      errors.moderngovUrl = 'Enter the ModernGov site’s address, like https://democracy.example.gov.uk';
    if (Object.keys(errors).length > 0) throw new MeetingsError('validation', 'Bad settings', errors);
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const before = await this.rulesIn(tx);
      const values = {
        deadline_hours_before: rules.deadlineHoursBefore,
        is_ward_required: rules.isWardRequired,
        is_one_per_person: rules.isOnePerPerson,
        word_limit: rules.wordLimit,
        votes_per_source_per_hour: rules.votesPerSourcePerHour,
        moderngov_url: url || null,
        updated_at: new Date(),
      };
      await tx
        .insertInto('meeting_settings')
        .values({ council_id: actor.councilId, ...values })
        .onConflict((oc) => oc.column('council_id').doUpdateSet(values))
        .execute();
      await recordAudit(tx, actor, {
        action: 'meeting_settings.updated',
        entityType: 'meeting_settings',
        entityId: actor.councilId,
        before,
        after: { ...rules, moderngovUrl: url || null },
      });
    });
  }
}
