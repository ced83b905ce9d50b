/**
 * The council's standing orders for public questions, as pure functions: what a question
 * must have, and what a moderator should look at twice (profanity, personal data). No
 * database, no framework: the service calls these and the tests can too.
 */
import { RegExpMatcher, englishDataset, englishRecommendedTransformers } from 'obscenity';

/** The council's rules (table meeting_settings); defaults match the migration. */
export type QuestionRules = {
  deadlineHoursBefore: number;
  isWardRequired: boolean;
  isOnePerPerson: boolean;
  wordLimit: number;
  votesPerSourcePerHour: number;
};

export const defaultRules: QuestionRules = {
  deadlineHoursBefore: 72,
  isWardRequired: true,
  isOnePerPerson: true,
  wordLimit: 100,
  votesPerSourcePerHour: 30,
};

/**
 * Every rule a question can break, as a stable identifier: the API's 422 names it (`rule`)
 * and a client may branch on it; the message is for people.
 */
export type QuestionRule =
  | 'name-required'
  | 'email-required'
  | 'email-invalid'
  | 'ward-required'
  | 'text-required'
  | 'word-limit'
  | 'deadline-passed'
  | 'meeting-cancelled'
  | 'one-per-person';

export type QuestionInput = { name: string; email: string; ward: string; text: string };

export type RuleBreach = { rule: QuestionRule; field: keyof QuestionInput; message: string };

const emailPattern =
  /^[^\s@<>(),;:"]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/iu;

/** Words as a person counts them: runs of non-space characters. */
export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed ? trimmed.split(/\s+/u).length : 0;
}

/** Trims and collapses the input; control characters (other than new lines) are dropped. */
export function cleanInput(input: Partial<Record<keyof QuestionInput, unknown>>): QuestionInput {
  const clean = (v: unknown, max: number) =>
    (typeof v === 'string' ? v : '')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0009\u000b-\u001f\u007f]/gu, '')
      .trim()
      .slice(0, max);
  return {
    name: clean(input.name, 200),
    email: clean(input.email, 320).toLowerCase(),
    ward: clean(input.ward, 200),
    // Kept long enough to count the words of an over-long question and say by how many.
    text: clean(input.text, 20_000),
  };
}

/** The rules a question's own content breaks, in the order the form shows its fields. */
export function checkQuestion(input: QuestionInput, rules: QuestionRules): RuleBreach[] {
  const breaches: RuleBreach[] = [];
  if (!input.name) breaches.push({ rule: 'name-required', field: 'name', message: 'Enter your name' });
  if (!input.email)
    breaches.push({
      rule: 'email-required',
      field: 'email',
      message: 'Enter your email address, so that we can tell you the answer',
    });
  else if (!emailPattern.test(input.email))
    breaches.push({
      rule: 'email-invalid',
      field: 'email',
      message: 'Enter an email address in the correct format, like name@example.com',
    });
  if (rules.isWardRequired && !input.ward)
    breaches.push({ rule: 'ward-required', field: 'ward', message: 'Enter your ward or address' });
  const words = countWords(input.text);
  if (words === 0) breaches.push({ rule: 'text-required', field: 'text', message: 'Enter your question' });
  else if (words > rules.wordLimit)
    breaches.push({
      rule: 'word-limit',
      field: 'text',
      message: `Your question must be ${rules.wordLimit} words or fewer (it has ${words})`,
    });
  return breaches;
}

/** When questions for a meeting close: its own deadline, or the standing order's hours before it starts. */
export function deadlineFor(
  meeting: { startsAt: Date; questionDeadlineAt: Date | null },
  rules: Pick<QuestionRules, 'deadlineHoursBefore'>,
): Date {
  return (
    meeting.questionDeadlineAt ?? new Date(meeting.startsAt.getTime() - rules.deadlineHoursBefore * 3600_000)
  );
}

const profanity = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });

// Personal data a resident may put in a public question by mistake. UK formats only: this
// flags for a moderator to look at, it never refuses.
const personalData: { flag: string; pattern: RegExp }[] = [
  { flag: 'email address', pattern: /[^\s@<>]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+/iu },
  {
    flag: 'phone number',
    pattern: /(?:\+44\s?\(?0?\)?\s?|\b0)(?:\d[\s-]?){9,10}\b/u,
  },
  {
    flag: 'postcode',
    pattern: /\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR)\s?\d[ABD-HJLNP-UW-Z]{2}\b/iu,
  },
];

/**
 * What a moderator should check before a question goes public.
 * @example flagsFor('Call me on 07700 900982 about the f*cking bins') // ['profanity', 'phone number']
 */
export function flagsFor(text: string): string[] {
  const flags: string[] = [];
  if (profanity.hasMatch(text)) flags.push('profanity');
  for (const { flag, pattern } of personalData) if (pattern.test(text)) flags.push(flag);
  return flags;
}

/** "1:02:03", "62:03", "95" or "1h2m3s" as seconds; undefined when it is none of those. */
export function parseWebcastTime(value: string): number | undefined {
  const v = value.trim();
  if (!v) return undefined;
  const hms = /^(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$/iu.exec(v);
  if (hms && (hms[1] || hms[2] || hms[3]))
    return Number(hms[1] ?? 0) * 3600 + Number(hms[2] ?? 0) * 60 + Number(hms[3] ?? 0);
  const parts = v.split(':');
  if (parts.length > 3 || !parts.every((p) => /^\d{1,5}$/u.test(p))) return undefined;
  const numbers = parts.map(Number);
  if (numbers.slice(1).some((n) => n >= 60)) return undefined;
  return numbers.reduce((total, n) => total * 60 + n, 0);
}

/** 3723 -> "1:02:03"; 63 -> "1:03". */
export function formatWebcastTime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}
