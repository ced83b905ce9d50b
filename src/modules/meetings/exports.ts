/**
 * The minutes' exports of a meeting's questions: CSV for a spreadsheet and JSON for a
 * program. Askers' email addresses never leave in an export; names and wards do, as they
 * appear in published minutes.
 */
import type { AgendaItem, Meeting, Question } from './meetings.types.ts';
import { statusLabels } from './meetings.types.ts';
import { formatWebcastTime } from './question-rules.ts';
import { recordingAt } from './webcast.ts';

export type ExportRow = {
  id: string;
  agendaItem: string;
  status: string;
  askerName: string;
  askerWard: string;
  channel: string;
  question: string;
  originalQuestion: string;
  askCount: number;
  votes: number;
  answer: string;
  webcastTime: string;
  recordingLink: string;
  answeredAt: string;
  mergedInto: string;
};

export function exportRows(meeting: Meeting, agenda: AgendaItem[], questions: Question[]): ExportRow[] {
  const items = new Map(agenda.map((a) => [a.id, a]));
  return questions.map((q) => {
    const item = q.agendaItemId ? items.get(q.agendaItemId) : undefined;
    return {
      id: q.id,
      agendaItem: item ? `${item.number ? `${item.number}. ` : ''}${item.title}` : '',
      status: q.mergedIntoId ? statusLabels.merged : statusLabels[q.status],
      askerName: q.askerName,
      askerWard: q.askerWard ?? '',
      channel: q.channelKind,
      question: q.text,
      originalQuestion: q.originalText,
      askCount: q.askCount,
      votes: q.votes,
      answer: q.answer ?? '',
      webcastTime: q.webcastSeconds === null ? '' : formatWebcastTime(q.webcastSeconds),
      recordingLink:
        q.webcastSeconds === null ? '' : (recordingAt(meeting.recordingUrl, q.webcastSeconds) ?? ''),
      answeredAt: q.answeredAt ? q.answeredAt.toISOString() : '',
      mergedInto: q.mergedIntoId ?? '',
    };
  });
}

const headers: [keyof ExportRow, string][] = [
  ['id', 'Question id'],
  ['agendaItem', 'Agenda item'],
  ['status', 'Status'],
  ['askerName', 'Asked by'],
  ['askerWard', 'Ward or address'],
  ['channel', 'Channel'],
  ['question', 'Question'],
  ['originalQuestion', 'Question as submitted'],
  ['askCount', 'Number who asked'],
  ['votes', 'Votes'],
  ['answer', 'Answer'],
  ['webcastTime', 'Time in webcast'],
  ['recordingLink', 'Recording link'],
  ['answeredAt', 'Answered at'],
  ['mergedInto', 'Merged into'],
];

/**
 * RFC 4180 CSV. A cell starting with = + - @ (or a tab or carriage return) gets a leading
 * apostrophe so that a spreadsheet shows it as text instead of running it as a formula.
 */
export function toCsv(rows: ExportRow[]): string {
  const cell = (v: string | number) => {
    let s = String(v);
    if (/^[=+\-@\t\r]/u.test(s)) s = `'${s}`;
    return `"${s.replace(/"/gu, '""')}"`;
  };
  const lines = [headers.map(([, h]) => cell(h)).join(',')];
  for (const r of rows) lines.push(headers.map(([k]) => cell(r[k])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function toJson(meeting: Meeting, agenda: AgendaItem[], rows: ExportRow[]) {
  return {
    meeting: {
      id: meeting.id,
      title: meeting.title,
      committee: meeting.committeeName,
      startsAt: meeting.startsAt.toISOString(),
      location: meeting.location,
      recordingUrl: meeting.recordingUrl,
    },
    agenda: agenda.map((a) => ({ id: a.id, number: a.number, title: a.title })),
    questions: rows,
  };
}
