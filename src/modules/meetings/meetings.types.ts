/**
 * The meetings module's records as the rest of the code sees them (camelCase, typed), and
 * its error type.
 */
import type { QuestionRule } from './question-rules.ts';

export type Attendance = 'in_person' | 'hybrid' | 'online';
export const attendanceLabels: Record<Attendance, string> = {
  in_person: 'In person',
  hybrid: 'Hybrid (in person and online)',
  online: 'Online only',
};

export type Committee = { id: string; name: string; category: string | null; isActive: boolean };

export type Meeting = {
  id: string;
  committeeId: string | null;
  committeeName: string | null;
  title: string;
  startsAt: Date;
  endsAt: Date | null;
  location: string | null;
  attendance: Attendance;
  status: 'scheduled' | 'cancelled';
  streamUrl: string | null;
  recordingUrl: string | null;
  hashtag: string | null;
  /** SMS or email keyword (upper case), matched as the first word of the message or subject. */
  questionKeyword: string | null;
  questionDeadlineAt: Date | null;
  moderngovId: string | null;
};

export type Paper = { title: string; url: string };

export type AgendaItem = {
  id: string;
  meetingId: string;
  position: number;
  number: string | null;
  title: string;
  body: string;
  minutes: string | null;
  papers: Paper[];
};

export const questionStatuses = [
  'received',
  'approved',
  'put',
  'answered',
  'answered_in_writing',
  'rejected',
] as const;
export type QuestionStatus = (typeof questionStatuses)[number];

export const statusLabels: Record<QuestionStatus | 'merged', string> = {
  received: 'Received',
  approved: 'Approved',
  put: 'Put to the meeting',
  answered: 'Answered',
  answered_in_writing: 'Answered in writing',
  rejected: 'Rejected',
  merged: 'Merged',
};

/** Statuses the public sees. */
export const publicStatuses: readonly QuestionStatus[] = [
  'approved',
  'put',
  'answered',
  'answered_in_writing',
];

export type Question = {
  id: string;
  meetingId: string;
  agendaItemId: string | null;
  channelKind: string;
  conversationId: string | null;
  askerName: string;
  askerEmail: string | null;
  askerWard: string | null;
  originalText: string;
  text: string;
  status: QuestionStatus;
  rejectionReason: string | null;
  editNote: string | null;
  flags: string[];
  askCount: number;
  votes: number;
  mergedIntoId: string | null;
  answer: string | null;
  webcastSeconds: number | null;
  answeredAt: Date | null;
  createdAt: Date;
};

/** What the live wall and the public API show of a question: never the email or ward. */
export type PublicQuestion = {
  id: string;
  meetingId: string;
  status: QuestionStatus | 'merged';
  text: string;
  votes: number;
  askCount: number;
  agendaItemId: string | null;
  askerName: string;
  answer: string | null;
  webcastSeconds: number | null;
  mergedIntoId: string | null;
};

export type Poll = {
  id: string;
  meetingId: string;
  question: string;
  choices: string[];
  counts: number[];
  isOpen: boolean;
};

export type QuestionNotice = {
  id: string;
  questionId: string;
  kind: 'rejected' | 'edited' | 'answered';
  channel: string;
  status: 'queued' | 'sent' | 'not_sent' | 'failed';
  detail: string | null;
  createdAt: Date;
};

export type MeetingsErrorKind = 'not_found' | 'validation' | 'rule' | 'import';

export class MeetingsError extends Error {
  constructor(
    readonly kind: MeetingsErrorKind,
    message: string,
    /** Form field -> message, for the GOV.UK error summary. */
    readonly fieldErrors: Partial<Record<string, string>> = {},
    /** The standing-order rule broken, when kind is 'rule'. */
    readonly rule?: QuestionRule | 'one-vote-per-resident' | 'vote-flood' | 'poll-closed' | 'not-public',
  ) {
    super(message);
    this.name = 'MeetingsError';
  }
}
