/**
 * Wall-clock time in Europe/London to an instant, and back, with Intl only (no time zone
 * library): councils give meeting times as local times, and summer time moves the offset.
 */
const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** The London wall-clock fields of an instant. */
export function londonParts(d: Date): {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
} {
  const p = Object.fromEntries(parts.formatToParts(d).map((x) => [x.type, x.value]));
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
  };
}

/** @example londonTime(2026, 7, 1, 18, 30).toISOString() // '2026-07-01T17:30:00.000Z' */
export function londonTime(year: number, month: number, day: number, hour: number, minute: number): Date {
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  // London is UTC or UTC+1: try both offsets and keep the one that reads back as asked.
  for (const offsetHours of [0, 1]) {
    const candidate = new Date(wanted - offsetHours * 3600_000);
    const p = londonParts(candidate);
    if (Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) === wanted) return candidate;
  }
  // A time skipped by the spring change (01:30 on the last Sunday of March): an hour later.
  return new Date(wanted);
}
