/**
 * Scheduling in Europe/London. Officers enter a local date and time; the database stores the
 * instant in UTC. Around the clock changes a local time can be missing (the last Sunday of
 * March skips 01:00 to 01:59) or happen twice (the last Sunday of October repeats 01:00 to
 * 01:59): a missing time is refused with the reason, a repeated one means the first (BST).
 */
export const councilZone = 'Europe/London';

const partsFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: councilZone,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

export type LocalDateTime = { year: number; month: number; day: number; hour: number; minute: number };

/** A calendar date in London, without a time. */
export type LocalDate = { year: number; month: number; day: number };

/** The London wall-clock reading of an instant. */
export function toLondon(instant: Date): LocalDateTime {
  const p = Object.fromEntries(partsFormat.formatToParts(instant).map((x) => [x.type, x.value]));
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
  };
}

const asUtcMs = (l: LocalDateTime) => Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute);

/**
 * The instant at which London's clocks show `local`, or undefined when they never do.
 * @example fromLondon({ year: 2026, month: 7, day: 1, hour: 9, minute: 0 }) // 2026-07-01T08:00:00Z
 */
export function fromLondon(local: LocalDateTime): Date | undefined {
  const wall = asUtcMs(local);
  // London is UTC+0 or UTC+1: try both offsets, earliest (BST) first, keep those that read back.
  for (const offsetHours of [1, 0]) {
    const candidate = new Date(wall - offsetHours * 3_600_000);
    if (asUtcMs(toLondon(candidate)) === wall) return candidate;
  }
  return undefined;
}

export type DateFields = { day: string; month: string; year: string; time: string };

export type ParsedSchedule = { ok: true; at: Date } | { ok: false; field: 'date' | 'time'; message: string };

/** Reads GOV.UK date input fields and a 24-hour time (09:30 or 9.30am) as a London instant. */
export function parseLocalSchedule(fields: DateFields, now: Date = new Date()): ParsedSchedule {
  const day = Number(fields.day.trim());
  const month = Number(fields.month.trim());
  const year = Number(fields.year.trim());
  if (![fields.day, fields.month, fields.year].every((v) => /^\d{1,4}$/u.test(v.trim())))
    return { ok: false, field: 'date', message: 'Enter the date to publish as numbers, like 27 3 2026' };
  const check = new Date(Date.UTC(year, month - 1, day));
  if (year < 2000 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    return { ok: false, field: 'date', message: 'Enter a real date to publish, like 27 3 2026' };
  const time = parseTime(fields.time);
  if (!time) return { ok: false, field: 'time', message: 'Enter the time to publish, like 09:30 or 14:00' };
  const at = fromLondon({ year, month, day, ...time });
  if (!at)
    return {
      ok: false,
      field: 'time',
      message:
        'That time does not exist in the UK on that day because the clocks go forward: choose a time before 1am or from 2am',
    };
  if (at.getTime() < now.getTime() - 60_000)
    return { ok: false, field: 'date', message: 'The date and time to publish must be in the future' };
  return { ok: true, at };
}

function parseTime(value: string): { hour: number; minute: number } | undefined {
  const m = /^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$/iu.exec(value.trim());
  if (!m) return undefined;
  let hour = Number(m[1]);
  const minute = Number(m[2] ?? '0');
  const half = m[3]?.toLowerCase();
  if (half) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (half === 'pm' ? 12 : 0);
  }
  if (hour > 23 || minute > 59) return undefined;
  return { hour, minute };
}

export type Recurrence = { frequency: 'weekly' | 'monthly'; until: Date };

export type RecurrenceResult = { ok: true; dates: Date[] } | { ok: false; message: string };

/** Most occurrences one recurring post may make: a year of weekly posts. */
export const maxOccurrences = 53;

/**
 * Every occurrence from `first` (included) to `until`, at the same London wall-clock time, so
 * a weekly 9am post stays at 9am across the clock changes.
 */
export function expandRecurrence(first: Date, rule: Recurrence): RecurrenceResult {
  const start = toLondon(first);
  if (rule.frequency === 'monthly' && start.day > 28)
    return {
      ok: false,
      message:
        'A monthly post must start on a day from 1 to 28, because some months have no day ' + start.day,
    };
  if (rule.until.getTime() <= first.getTime())
    return { ok: false, message: 'The date to stop repeating must be after the first post' };
  const dates: Date[] = [];
  for (let i = 0; ; i += 1) {
    const next: LocalDateTime =
      rule.frequency === 'weekly'
        ? localPlusDays(start, 7 * i)
        : {
            ...start,
            month: ((start.month - 1 + i) % 12) + 1,
            year: start.year + Math.floor((start.month - 1 + i) / 12),
          };
    // A wall time skipped by the spring clock change moves forward an hour, as people expect.
    const at = fromLondon(next) ?? fromLondon({ ...next, hour: next.hour + 1 });
    if (!at || at.getTime() > rule.until.getTime()) break;
    dates.push(at);
    if (dates.length > maxOccurrences)
      return {
        ok: false,
        message: `A post can repeat at most ${maxOccurrences} times: choose an earlier date to stop repeating`,
      };
  }
  return { ok: true, dates };
}

function localPlusDays(l: LocalDateTime, days: number): LocalDateTime {
  const d = new Date(Date.UTC(l.year, l.month - 1, l.day + days));
  return { ...l, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Fields for a GOV.UK date input and a time box, showing an instant in London time. */
export function toFields(at: Date | null | undefined): DateFields {
  if (!at) return { day: '', month: '', year: '', time: '' };
  const l = toLondon(at);
  return {
    day: String(l.day),
    month: String(l.month),
    year: String(l.year),
    time: `${String(l.hour).padStart(2, '0')}:${String(l.minute).padStart(2, '0')}`,
  };
}

/** The London date of an instant (the day a post, an event or a pre-election period falls on). */
export function londonDate(instant: Date): LocalDate {
  const l = toLondon(instant);
  return { year: l.year, month: l.month, day: l.day };
}
