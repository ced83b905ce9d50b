/**
 * Bank holidays in England and Wales, the days a council's contact centre is closed.
 *
 * The list for 2025-2028 is copied from GOV.UK's published dates
 * (https://www.gov.uk/bank-holidays, the `england-and-wales` division of
 * https://www.gov.uk/bank-holidays.json, read November 2025). Years outside it are computed from
 * the standing rules (Easter by the Anonymous Gregorian algorithm, the May and August Mondays,
 * substitute days when a fixed holiday falls at a weekend); a one-off holiday proclaimed later (a
 * coronation, a jubilee) must be added to the list by hand.
 */

/** ISO dates (yyyy-mm-dd), England and Wales. */
const published: Readonly<Record<number, readonly string[]>> = {
  2025: [
    '2025-01-01',
    '2025-04-18',
    '2025-04-21',
    '2025-05-05',
    '2025-05-26',
    '2025-08-25',
    '2025-12-25',
    '2025-12-26',
  ],
  2026: [
    '2026-01-01',
    '2026-04-03',
    '2026-04-06',
    '2026-05-04',
    '2026-05-25',
    '2026-08-31',
    '2026-12-25',
    '2026-12-28',
  ],
  2027: [
    '2027-01-01',
    '2027-03-26',
    '2027-03-29',
    '2027-05-03',
    '2027-05-31',
    '2027-08-30',
    '2027-12-27',
    '2027-12-28',
  ],
  2028: [
    '2028-01-03',
    '2028-04-14',
    '2028-04-17',
    '2028-05-01',
    '2028-05-29',
    '2028-08-28',
    '2028-12-25',
    '2028-12-26',
  ],
};

const iso = (y: number, m: number, d: number) =>
  `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** Calendar arithmetic in UTC, where every day has 24 hours. */
function shift(y: number, m: number, d: number, days: number): [number, number, number] {
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
}
const weekday = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).getUTCDay();

/** Easter Sunday (Gregorian), by the Anonymous Gregorian (Meeus/Jones/Butcher) algorithm. */
export function easterSunday(year: number): { month: number; day: number } {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { month, day };
}

/** First (n = 1) or last (n = -1) Monday of a month. */
function monday(year: number, month: number, n: 1 | -1): string {
  if (n === 1) {
    const first = weekday(year, month, 1);
    return iso(year, month, 1 + ((8 - first) % 7));
  }
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const last = weekday(year, month, lastDay);
  return iso(year, month, lastDay - ((last + 6) % 7));
}

/** The standing rules for England and Wales, without one-off proclamations. */
export function computeBankHolidays(year: number): string[] {
  const days: string[] = [];
  // New Year's Day, moved to Monday when it falls at a weekend.
  const ny = weekday(year, 1, 1);
  days.push(iso(...shift(year, 1, 1, ny === 6 ? 2 : ny === 0 ? 1 : 0)));
  const easter = easterSunday(year);
  days.push(
    iso(...shift(year, easter.month, easter.day, -2)),
    iso(...shift(year, easter.month, easter.day, 1)),
  );
  days.push(monday(year, 5, 1), monday(year, 5, -1), monday(year, 8, -1));
  // Christmas and Boxing Day: a day at a weekend is replaced by the next weekday not already a holiday.
  const xmas = weekday(year, 12, 25);
  if (xmas === 5) days.push(iso(year, 12, 25), iso(year, 12, 28));
  else if (xmas === 6) days.push(iso(year, 12, 27), iso(year, 12, 28));
  else if (xmas === 0) days.push(iso(year, 12, 26), iso(year, 12, 27));
  else days.push(iso(year, 12, 25), iso(year, 12, 26));
  return days.sort();
}

const cache = new Map<number, ReadonlySet<string>>();

/** True when the London calendar date is a bank holiday in England and Wales. */
export function isBankHoliday(year: number, month: number, day: number): boolean {
  let set = cache.get(year);
  if (!set) {
    set = new Set(published[year] ?? computeBankHolidays(year));
    cache.set(year, set);
  }
  return set.has(iso(year, month, day));
}

/** The published list, for tests that check the rules against it. */
export const publishedBankHolidays = published;
