/**
 * Due times for SLAs: a number of minutes either round the clock or in business hours
 * (Europe/London, Monday to Friday 09:00-17:00, not on bank holidays in England and Wales).
 *
 * Everything is worked out on London wall-clock dates and converted to instants only at the
 * edges of each working day, so a day on which the clocks change still has its eight working
 * hours (the change happens at 01:00 UTC, outside them).
 */
import { isBankHoliday } from './bank-holidays.ts';

export type BusinessHours = { openHour: number; closeHour: number };

export const councilHours: BusinessHours = { openHour: 9, closeHour: 17 };

const londonParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  hourCycle: 'h23',
});

type LocalDate = { year: number; month: number; day: number };

function local(instant: number): LocalDate & { hour: number; minute: number } {
  const p: Record<string, number> = {};
  for (const part of londonParts.formatToParts(new Date(instant)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour!, minute: p.minute! };
}

/** The instant of a London wall-clock time (GMT or BST, whichever applies that day). */
export function londonTime(date: LocalDate, hour: number, minute = 0): number {
  const asUtc = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  for (const offsetMinutes of [0, 60]) {
    const candidate = asUtc - offsetMinutes * 60_000;
    const l = local(candidate);
    if (l.day === date.day && l.hour === hour && l.minute === minute) return candidate;
  }
  return asUtc; // a time skipped by the spring change: never a business-hours edge
}

function nextDate(d: LocalDate): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + 1));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

export function isWorkingDay(d: LocalDate): boolean {
  const dow = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
  return dow !== 0 && dow !== 6 && !isBankHoliday(d.year, d.month, d.day);
}

/**
 * When `minutes` of working time after `start` have passed.
 *
 * @example
 * addBusinessMinutes(new Date('2025-11-28T16:30:00Z'), 60) // Monday 1 December 2025, 09:30 GMT
 */
export function addBusinessMinutes(start: Date, minutes: number, hours: BusinessHours = councilHours): Date {
  let remaining = Math.max(0, minutes) * 60_000;
  let from = start.getTime();
  let date: LocalDate = local(from);
  // Ten years of days is far beyond any SLA; the bound only guards against a bad argument.
  for (let guard = 0; guard < 3660; guard++) {
    const day = workingDay(date, hours);
    if (day) {
      const begin = Math.max(from, day.open);
      if (begin < day.close) {
        if (remaining <= day.close - begin) return new Date(begin + remaining);
        remaining -= day.close - begin;
      }
    }
    date = nextDate(date);
    from = Number.NEGATIVE_INFINITY;
  }
  throw new RangeError(`SLA of ${minutes} minutes is too long to compute`);
}

// Opening and closing instants per London date. Intl time-zone arithmetic costs microseconds a
// call and ingestion computes two due times for every new conversation, so days are cached.
const dayCache = new Map<string, { open: number; close: number } | null>();

function workingDay(date: LocalDate, hours: BusinessHours): { open: number; close: number } | null {
  const key = `${date.year}-${date.month}-${date.day}-${hours.openHour}-${hours.closeHour}`;
  let day = dayCache.get(key);
  if (day === undefined) {
    day = isWorkingDay(date)
      ? { open: londonTime(date, hours.openHour), close: londonTime(date, hours.closeHour) }
      : null;
    if (dayCache.size > 20_000) dayCache.clear();
    dayCache.set(key, day);
  }
  return day;
}

/** Due time under a policy: working minutes, or plain elapsed minutes round the clock. */
export function dueAt(start: Date, minutes: number, isBusinessHours: boolean): Date {
  return isBusinessHours ? addBusinessMinutes(start, minutes) : new Date(start.getTime() + minutes * 60_000);
}
