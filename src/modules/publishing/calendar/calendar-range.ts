/**
 * The days a calendar page shows, in Europe/London. A day starts at London midnight, which
 * always exists (the clocks change at 1am), so a day is 23 hours on the last Sunday of March
 * and 25 on the last Sunday of October; each day's bounds are computed from its own midnight
 * rather than by adding 24 hours, which would drift by an hour across a clock change.
 */
import { fromLondon, londonDate, type LocalDate } from '../schedule.ts';

export { londonDate, type LocalDate };

export type CalendarView = 'week' | 'month';

/** A London calendar date. */

export type CalendarDay = {
  /** YYYY-MM-DD, London. */
  key: string;
  date: LocalDate;
  start: Date;
  end: Date;
  /** Monday is 0. */
  weekday: number;
  isInMonth: boolean;
  isToday: boolean;
  /** Set on the two days a year the clocks change. */
  clockChange?: 'forward' | 'back';
};

export type CalendarRange = {
  view: CalendarView;
  /** The date the page is anchored on (the URL's date). */
  anchor: LocalDate;
  from: Date;
  to: Date;
  /** Whole weeks, Monday to Sunday: one for the week view, four to six for a month. */
  weeks: CalendarDay[][];
  previous: string;
  next: string;
  title: string;
};

const pad = (n: number) => String(n).padStart(2, '0');
export const dateKey = (d: LocalDate) => `${d.year}-${pad(d.month)}-${pad(d.day)}`;

/** Reads YYYY-MM-DD; undefined unless it is a real date. */
export function parseDateKey(value: string): LocalDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(value);
  if (!m) return undefined;
  const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  if (date.year < 2000 || date.year > 2200) return undefined;
  if (check.getUTCMonth() !== date.month - 1 || check.getUTCDate() !== date.day) return undefined;
  return date;
}

/** Calendar arithmetic on dates (no times), so clock changes cannot move a day. */
export function addDays(d: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

const weekdayOf = (d: LocalDate) => (new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay() + 6) % 7;

/** London midnight at the start of a date. */
export function startOfDay(d: LocalDate): Date {
  const at = fromLondon({ ...d, hour: 0, minute: 0 });
  // Midnight exists on every day in Europe/London; a zone where it does not is not supported.
  if (!at) throw new Error(`No midnight on ${dateKey(d)} in Europe/London`);
  return at;
}

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** GOV.UK date style: 29 March 2026. */
export const formatLocalDate = (d: LocalDate) => `${d.day} ${monthNames[d.month - 1] ?? ''} ${d.year}`;

function day(d: LocalDate, today: string, month: number | undefined): CalendarDay {
  const start = startOfDay(d);
  const end = startOfDay(addDays(d, 1));
  const hours = (end.getTime() - start.getTime()) / 3_600_000;
  return {
    key: dateKey(d),
    date: d,
    start,
    end,
    weekday: weekdayOf(d),
    isInMonth: month === undefined || d.month === month,
    isToday: dateKey(d) === today,
    ...(hours === 23
      ? { clockChange: 'forward' as const }
      : hours === 25
        ? { clockChange: 'back' as const }
        : {}),
  };
}

/**
 * The week (Monday to Sunday) or month containing `anchor`, with links to the previous and next.
 * @example calendarRange('week', { year: 2026, month: 3, day: 29 }).weeks[0]![6]!.clockChange // 'forward'
 */
export function calendarRange(view: CalendarView, anchor: LocalDate, now: Date = new Date()): CalendarRange {
  const today = dateKey(londonDate(now));
  if (view === 'week') {
    const monday = addDays(anchor, -weekdayOf(anchor));
    const days = Array.from({ length: 7 }, (_v, i) => day(addDays(monday, i), today, undefined));
    const sunday = addDays(monday, 6);
    return {
      view,
      anchor,
      from: days[0]!.start,
      to: days[6]!.end,
      weeks: [days],
      previous: dateKey(addDays(monday, -7)),
      next: dateKey(addDays(monday, 7)),
      title: `Week of ${formatLocalDate(monday)} to ${formatLocalDate(sunday)}`,
    };
  }
  const first = { year: anchor.year, month: anchor.month, day: 1 };
  const nextMonth =
    anchor.month === 12 ? { year: anchor.year + 1, month: 1, day: 1 } : { ...first, month: anchor.month + 1 };
  const previousMonth =
    anchor.month === 1 ? { year: anchor.year - 1, month: 12, day: 1 } : { ...first, month: anchor.month - 1 };
  const weeks: CalendarDay[][] = [];
  let cursor = addDays(first, -weekdayOf(first));
  while (weeks.length === 0 || dateKey(cursor) < dateKey(nextMonth)) {
    weeks.push(Array.from({ length: 7 }, (_v, i) => day(addDays(cursor, i), today, anchor.month)));
    cursor = addDays(cursor, 7);
  }
  return {
    view,
    anchor,
    from: weeks[0]![0]!.start,
    to: weeks.at(-1)![6]!.end,
    weeks,
    previous: dateKey(previousMonth),
    next: dateKey(nextMonth),
    title: `${monthNames[anchor.month - 1] ?? ''} ${anchor.year}`,
  };
}

/** One hour of a London day: the hour on the clock and the instant it starts. */
export type HourSlot = { hour: number; label: string; start: Date };

/**
 * The hours a London day has, for dropping a post on a time: 24 on most days; 23 on the day the
 * clocks go forward (1am never happens); on the day they go back, 1am once, the first (BST) one,
 * as a typed time means (see parseLocalSchedule).
 */
export function hourSlots(d: LocalDate): HourSlot[] {
  const slots: HourSlot[] = [];
  for (let hour = 0; hour < 24; hour += 1) {
    const start = fromLondon({ ...d, hour, minute: 0 });
    if (start) slots.push({ hour, label: `${pad(hour)}:00`, start });
  }
  return slots;
}
