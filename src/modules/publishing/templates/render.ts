/**
 * Template wording: reading the officer's field values (typed, each problem named against its
 * field), and rendering the wording in English and Welsh with dates and times said the way
 * each language says them (GOV.UK style in English: "Monday 2 March", "5:30pm", "midday").
 */
import type { FieldErrors } from '../../../web/forms.ts';
import type { Gazetteer } from '../../councils/index.ts';
import { isWebAddress } from '../checks.ts';
import { fromLondon, toLondon, type LocalDate } from '../schedule.ts';

export { londonDate, type LocalDate } from '../schedule.ts';
import type { Choice, TemplateDefinition, TemplateField, Wording } from './definitions.ts';

export type LocalTime = { hour: number; minute: number };

export type Value =
  | { type: 'text'; en: string; cy: string }
  /** `until`: the last day of a date said as a range (see TemplateField.runsUntil). */
  | { type: 'date'; date: LocalDate; until?: LocalDate }
  | { type: 'time'; time: LocalTime }
  | { type: 'choice'; choice: Choice }
  | { type: 'url'; url: string }
  | { type: 'street'; street: string };

export type Values = Partial<Record<string, Value>>;

export type ReadContext = { isBilingual: boolean; gazetteer?: Gazetteer; now: Date };

/** The form inputs a field uses, in the order the error summary lists them. */
export function inputIdOf(field: TemplateField): string {
  return field.type === 'date' ? `${field.name}-day` : field.name;
}

const str = (body: Record<string, unknown>, name: string) => {
  const v = body[name];
  return typeof v === 'string' ? v.trim() : '';
};

/** Text as it goes into a sentence: one line, single spaces, no full stop of its own. */
export function cleanText(value: string): string {
  return value.replace(/\s+/gu, ' ').trim().replace(/\.$/u, '');
}

/** Reads `27 3 2026`-style GOV.UK date inputs. */
export function readDateInputs(day: string, month: string, year: string): LocalDate | 'invalid' | undefined {
  if (!day && !month && !year) return undefined;
  if (![day, month, year].every((v) => /^\d{1,4}$/u.test(v))) return 'invalid';
  return realDate(Number(year), Number(month), Number(day)) ?? 'invalid';
}

export function realDate(year: number, month: number, day: number): LocalDate | undefined {
  const check = new Date(Date.UTC(year, month - 1, day));
  if (year < 2000 || year > 2100 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    return undefined;
  return { year, month, day };
}

/** 24-hour `09:30`, `9.30` or `9:30am`/`5pm`. */
export function parseTimeOfDay(value: string): LocalTime | undefined {
  const m = /^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$/iu.exec(value.trim());
  if (!m) return undefined;
  let hour = Number(m[1]);
  const minute = Number(m[2] ?? '0');
  const half = m[3]?.toLowerCase();
  if (half) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (half === 'pm' ? 12 : 0);
  } else if (m[2] === undefined) return undefined;
  if (hour > 23 || minute > 59) return undefined;
  return { hour, minute };
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const dateKey = (d: LocalDate) => d.year * 10_000 + d.month * 100 + d.day;
const timeKey = (t: LocalTime) => t.hour * 60 + t.minute;

const abbreviations: Record<string, string> = {
  rd: 'road',
  st: 'street',
  ave: 'avenue',
  av: 'avenue',
  ln: 'lane',
  cl: 'close',
  cres: 'crescent',
  dr: 'drive',
  gdns: 'gardens',
  pl: 'place',
  sq: 'square',
  ter: 'terrace',
  terr: 'terrace',
};

const streetKey = (s: string, expand: boolean) =>
  s
    .toLowerCase()
    .replace(/['’.]/gu, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map((w, i, all) => (expand && i === all.length - 1 ? (abbreviations[w] ?? w) : w))
    .join(' ');

/**
 * The gazetteer's spelling of a street typed by an officer (any case, "Rd" for "Road"), or a
 * suggestion when there is none.
 */
export function matchStreet(
  gazetteer: Gazetteer,
  typed: string,
): { street: string } | { suggestion: string | undefined } {
  const exact = streetKey(typed, false);
  const expanded = streetKey(typed, true);
  const found =
    gazetteer.streets.find((s) => streetKey(s.name, false) === exact) ??
    gazetteer.streets.find((s) => streetKey(s.name, false) === expanded);
  if (found) return { street: found.name };
  const first = expanded.split(' ')[0] ?? '';
  const suggestion = first
    ? gazetteer.streets.find((s) => streetKey(s.name, false).startsWith(`${first} `))?.name
    : undefined;
  return { suggestion };
}

/**
 * Reads and checks every field of a template from a form body. Date fields arrive as GOV.UK
 * date inputs (`<name>-day`, `-month`, `-year`); translatable text has a Welsh twin
 * (`<name>Cy`) that a bilingual council must fill whenever the English is filled.
 */
export function readTemplateFields(
  template: TemplateDefinition,
  raw: unknown,
  ctx: ReadContext,
): { values: Values; errors: FieldErrors } {
  const body = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const values: Values = {};
  const errors: FieldErrors = {};
  const named = (f: TemplateField) => f.label.replace(/ \(optional\)$/u, '');
  const label = (f: TemplateField) => {
    const lower = named(f).charAt(0).toLowerCase() + named(f).slice(1);
    return /^(?:what|who|which|where|how)\b/u.test(lower) ? lower : `the ${lower}`;
  };
  for (const f of template.fields) {
    const id = inputIdOf(f);
    if (f.type === 'date') {
      const d = readDateInputs(
        str(body, `${f.name}-day`),
        str(body, `${f.name}-month`),
        str(body, `${f.name}-year`),
      );
      if (d === 'invalid') errors[id] = `Enter a real date for ${label(f)}, like 27 3 2026`;
      else if (d) values[f.name] = { type: 'date', date: d };
      else if (f.isRequired) errors[id] = `Enter ${label(f)}, like 27 3 2026`;
      continue;
    }
    const text = str(body, f.name);
    if (!text) {
      if (f.isRequired)
        errors[id] =
          f.type === 'choice'
            ? `Select ${label(f)}`
            : `Enter ${label(f)}${f.type === 'url' ? ', like https://www.example.gov.uk/have-your-say' : ''}`;
      continue;
    }
    if (f.maxLength && [...text].length > f.maxLength) {
      errors[id] = `${named(f)} must be ${f.maxLength} characters or fewer`;
      continue;
    }
    switch (f.type) {
      case 'time': {
        const t = parseTimeOfDay(text);
        if (t) values[f.name] = { type: 'time', time: t };
        else errors[id] = `Enter ${label(f)} as a time on the 24-hour clock, like 09:30 or 18:00`;
        break;
      }
      case 'url':
        if (isWebAddress(text) && text.startsWith('https://')) values[f.name] = { type: 'url', url: text };
        else
          errors[id] =
            `Enter ${label(f)} as a web address starting with https://, like https://www.example.gov.uk/roadworks`;
        break;
      case 'choice': {
        const choice = f.choices?.find((c) => c.value === text);
        if (choice) values[f.name] = { type: 'choice', choice };
        else errors[id] = `Select ${label(f)} from the list`;
        break;
      }
      case 'street': {
        if (!ctx.gazetteer) {
          values[f.name] = { type: 'street', street: cleanText(text) };
          break;
        }
        const m = matchStreet(ctx.gazetteer, text);
        if ('street' in m) values[f.name] = { type: 'street', street: m.street };
        else
          errors[id] =
            `Enter a street in the council’s area as the gazetteer spells it` +
            (m.suggestion ? `, like ${m.suggestion}` : ', like Albany Road');
        break;
      }
      default: {
        const cy = cleanText(str(body, `${f.name}Cy`));
        if (f.isTranslatable && ctx.isBilingual && !cy) {
          errors[`${f.name}Cy`] =
            `Enter the Welsh for “${named(f)}”: this council publishes every post in Welsh and English`;
        }
        values[f.name] = { type: 'text', en: cleanText(text), cy: cy || cleanText(text) };
      }
    }
  }
  // Cross-field rules, once each side is readable.
  const today = toLondon(ctx.now);
  const days = eventDays(template, values);
  // Over several days the finish time is on the last day, so it may be earlier than the start.
  const isOverDays = days !== undefined && dateKey(days.last) > dateKey(days.first);
  for (const f of template.fields) {
    const v = values[f.name];
    const other = f.notBefore ? values[f.notBefore] : undefined;
    const otherField = template.fields.find((x) => x.name === f.notBefore);
    if (v?.type === 'date' && other?.type === 'date' && dateKey(v.date) < dateKey(other.date))
      errors[inputIdOf(f)] = `${cap(label(f))} must be the same as or after ${label(otherField!)}`;
    if (v?.type === 'time' && other?.type === 'time' && !isOverDays && timeKey(v.time) <= timeKey(other.time))
      errors[inputIdOf(f)] = `${cap(label(f))} must be after ${label(otherField!)}`;
    if (v?.type === 'date' && f.isFuture && dateKey(v.date) < dateKey(today))
      errors[inputIdOf(f)] = `${cap(label(f))} must be today or in the future`;
  }
  for (const f of template.fields) {
    const v = values[f.name];
    const end = f.runsUntil ? values[f.runsUntil] : undefined;
    if (v?.type === 'date' && end?.type === 'date' && dateKey(end.date) > dateKey(v.date))
      values[f.name] = { ...v, until: end.date };
  }
  return { values, errors };
}

/** An event's first and last day (the same day unless it has a later last day). */
function eventDays(
  template: TemplateDefinition,
  values: Values,
): { first: LocalDate; last: LocalDate } | undefined {
  const e = template.post.event;
  const first = e ? values[e.date] : undefined;
  if (first?.type !== 'date') return undefined;
  const last = e?.endDate ? values[e.endDate] : undefined;
  return { first: first.date, last: last?.type === 'date' ? last.date : first.date };
}

/**
 * When an event starts and finishes, as instants: the start time on its first day and the
 * finish time on its last, in UK time (so a weekend festival ends on the Sunday, and the
 * public iCalendar feed's DTEND says so). Undefined while a date or time is missing.
 */
export function eventSpan(
  template: TemplateDefinition,
  values: Values,
): { start: Date; end: Date } | undefined {
  const e = template.post.event;
  const days = eventDays(template, values);
  const start = e ? values[e.start] : undefined;
  const end = e ? values[e.end] : undefined;
  if (!days || start?.type !== 'time' || end?.type !== 'time') return undefined;
  const from = fromLondon({ ...days.first, ...start.time });
  const to = fromLondon({ ...days.last, ...end.time });
  if (!from || !to || to <= from) return undefined;
  return { start: from, end: to };
}

// ---- saying dates and times -------------------------------------------------------------------

function weekdayAndMonth(d: LocalDate, locale: 'en-GB' | 'cy'): { weekday: string; month: string } {
  const at = new Date(Date.UTC(d.year, d.month - 1, d.day, 12));
  const parts = new Intl.DateTimeFormat(locale, {
    timeZone: 'UTC',
    weekday: 'long',
    month: 'long',
  }).formatToParts(at);
  return {
    weekday: parts.find((p) => p.type === 'weekday')?.value ?? '',
    month: parts.find((p) => p.type === 'month')?.value ?? '',
  };
}

/**
 * "Monday 2 March" / "dydd Llun 2 Mawrth", with the year only when it is not this year.
 * The Welsh starts in lower case because the wording puts dates mid-sentence.
 */
export function sayDate(d: LocalDate, lang: 'en' | 'cy', now: Date): string {
  const { weekday, month } = weekdayAndMonth(d, lang === 'en' ? 'en-GB' : 'cy');
  const year = d.year === toLondon(now).year ? '' : ` ${d.year}`;
  const day = lang === 'cy' ? weekday.charAt(0).toLowerCase() + weekday.slice(1) : weekday;
  return `${day} ${d.day} ${month}${year}`;
}

/** GOV.UK style "9am", "5:30pm", "midday", "midnight"; Welsh "9yb", "5.30yp", "7yh". */
export function sayTime(t: LocalTime, lang: 'en' | 'cy'): string {
  if (t.hour === 0 && t.minute === 0) return lang === 'en' ? 'midnight' : 'hanner nos';
  if (t.hour === 12 && t.minute === 0) return lang === 'en' ? 'midday' : 'canol dydd';
  const h12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
  const minutes = t.minute ? `${lang === 'en' ? ':' : '.'}${String(t.minute).padStart(2, '0')}` : '';
  if (lang === 'en') return `${h12}${minutes}${t.hour < 12 ? 'am' : 'pm'}`;
  // Welsh: y bore (morning), y prynhawn (afternoon), yr hwyr (evening).
  return `${h12}${minutes}${t.hour < 12 ? 'yb' : t.hour < 18 ? 'yp' : 'yh'}`;
}

/**
 * Two dates as a range, saying the month and year once where they are shared: "Saturday 12 to
 * Sunday 13 July", "Saturday 31 May to Sunday 1 June", and both years when they differ. In
 * Welsh the second date follows "i", which softens "dydd" to "ddydd" ("dydd Sadwrn 12 i ddydd
 * Sul 13 Gorffennaf"); the range is written here, not typed by an officer, so it can mutate.
 */
export function sayDateRange(from: LocalDate, to: LocalDate, lang: 'en' | 'cy', now: Date): string {
  const thisYear = toLondon(now).year;
  const isSameYear = from.year === to.year;
  const last = isSameYear
    ? sayDate(to, lang, now)
    : `${sayDate(to, lang, now).replace(/ \d{4}$/u, '')} ${to.year}`;
  let first = sayDate(from, lang, now);
  if (!isSameYear) first = from.year === thisYear ? `${first} ${from.year}` : first;
  else if (from.month === to.month) first = first.replace(/ \S+( \d{4})?$/u, '');
  else first = first.replace(/ \d{4}$/u, '');
  return lang === 'en' ? `${first} to ${last}` : `${first} i ${last.replace(/^dydd /u, 'ddydd ')}`;
}

export function sayValue(v: Value | undefined, lang: 'en' | 'cy', now: Date): string {
  if (!v) return '';
  switch (v.type) {
    case 'text':
      return lang === 'en' ? v.en : v.cy;
    case 'date':
      return v.until ? sayDateRange(v.date, v.until, lang, now) : sayDate(v.date, lang, now);
    case 'time':
      return sayTime(v.time, lang);
    case 'choice':
      return lang === 'en' ? v.choice.en : v.choice.cy;
    case 'url':
      return v.url;
    case 'street':
      return v.street;
  }
}

// ---- wording --------------------------------------------------------------------------------

type Part = { optional: boolean; text: string };

function splitOptional(wording: string): Part[] | string {
  const parts: Part[] = [];
  let rest = wording;
  while (rest) {
    const open = rest.indexOf('[');
    const close = rest.indexOf(']');
    if (close !== -1 && (open === -1 || close < open)) return 'a “]” has no “[” before it';
    if (open === -1) {
      parts.push({ optional: false, text: rest });
      break;
    }
    const end = rest.indexOf(']', open);
    if (end === -1) return 'a “[” has no “]” after it';
    if (rest.slice(open + 1, end).includes('[')) return 'optional parts in “[ ]” cannot be inside each other';
    parts.push(
      { optional: false, text: rest.slice(0, open) },
      { optional: true, text: rest.slice(open + 1, end) },
    );
    rest = rest.slice(end + 1);
  }
  return parts;
}

const placeholder = /\{([A-Za-z]*)\}/gu;

/** Problems with a council's own wording: unknown fields, unmatched brackets. Empty when fine. */
export function wordingProblems(template: TemplateDefinition, wording: string): string[] {
  const problems: string[] = [];
  const parts = splitOptional(wording);
  if (typeof parts === 'string') problems.push(`Check the brackets: ${parts}`);
  const names = new Set(template.fields.map((f) => f.name));
  for (const m of wording.matchAll(placeholder)) {
    const name = m[1] ?? '';
    if (!names.has(name))
      problems.push(
        `Remove {${name}}: the ${template.name.toLowerCase()} template has no field called “${name}”`,
      );
  }
  const stray = wording.replace(placeholder, '');
  if (/[{}]/u.test(stray)) problems.push('Check the curly brackets: each field is written like {street}');
  return problems;
}

/** Fills the wording: `{field}` becomes the value; a `[ ]` part with an empty field is left out. */
export function fillWording(wording: string, values: Values, lang: 'en' | 'cy', now: Date): string {
  const parts = splitOptional(wording);
  const list = typeof parts === 'string' ? [{ optional: false, text: wording }] : parts;
  const text = list
    .map((p) => {
      const said = (name: string) => sayValue(values[name], lang, now);
      if (p.optional && [...p.text.matchAll(placeholder)].some((m) => !said(m[1] ?? ''))) return '';
      return p.text.replace(placeholder, (_m, name: string) => said(name));
    })
    .join('');
  const tidy = text
    .replace(/[ \t]+/gu, ' ')
    .replace(/ ([.,:;!?])/gu, '$1')
    .replace(/([!?])\./gu, '$1')
    .replace(/\.\./gu, '.')
    .trim();
  return tidy.charAt(0).toUpperCase() + tidy.slice(1);
}

export type Rendered = { title: string; body: string; short: string; bodyCy: string; shortCy: string };

export function renderWording(wording: Wording, values: Values, now: Date): Rendered {
  return {
    title: fillWording(wording.title, values, 'en', now),
    body: fillWording(wording.body, values, 'en', now),
    short: fillWording(wording.short, values, 'en', now),
    bodyCy: fillWording(wording.bodyCy, values, 'cy', now),
    shortCy: fillWording(wording.shortCy, values, 'cy', now),
  };
}
