/**
 * Content checks, run as the officer types (public/composer.js asks /staff/publishing/check)
 * and again, as the rule, when a post is submitted. Errors stop submission; warnings are
 * advice (plain English, hashtags) except the pre-election warning, which adds an approval.
 */
import { findUrls } from '../channels/index.ts';
import { dateKey } from './calendar/calendar-range.ts';
import { londonDate } from './schedule.ts';

/**
 * Words the GOV.UK style guide asks writers to avoid, with what to say instead. Source:
 * GOV.UK style guide, "Words to avoid", https://www.gov.uk/guidance/style-guide/a-to-z#words-to-avoid
 * (Government Digital Service, Open Government Licence v3.0).
 */
export const wordsToAvoid: Record<string, string> = {
  agenda: 'plan (unless it is for a meeting)',
  advance: 'move forward, or say what will happen',
  collaborate: 'work with',
  combat: 'solve, fix or stop',
  commit: 'say what you will do',
  pledge: 'say what you will do',
  countering: 'answering or preventing',
  deliver: 'make, create or provide (you deliver post, not services)',
  deploy: 'use or put into place',
  dialogue: 'discussion or talk',
  disincentivise: 'discourage',
  empower: 'allow or give permission',
  facilitate: 'help or make possible, or say what you are doing',
  focusing: 'working on or concentrating on',
  foster: 'encourage or help (unless it is children)',
  impact: 'affect or influence (as a verb)',
  incentivise: 'encourage',
  initiate: 'start',
  key: 'important (unless it unlocks something)',
  land: 'get or achieve (as a verb)',
  leverage: 'use or influence',
  liaise: 'work with',
  overarching: 'leave it out, or say what you mean',
  progress: 'work on or develop (as a verb)',
  promote: 'recommend or support (unless it is an ad campaign)',
  robust: 'strong or well thought out',
  'slimming down': 'say what you are taking out',
  streamline: 'simplify or make better',
  strengthening: 'say what you are doing to make it stronger',
  tackling: 'stopping, solving or dealing with',
  transforming: 'say what you are changing and how',
  utilise: 'use',
};

/** UK parties named in pre-election checks; a council adds local ones in its settings. */
export const partyNames = [
  'Conservative',
  'Labour',
  'Liberal Democrat',
  'Lib Dem',
  'Green Party',
  'Reform UK',
  'Plaid Cymru',
  'Scottish National Party',
  'SNP',
  'Independent',
];

export type Readability = {
  /** Flesch reading ease, 0 to 100; higher is easier. GOV.UK content aims for 60 or more. */
  score: number;
  label: string;
  hardSentences: string[];
};

function syllables(word: string): number {
  const w = word.toLowerCase().replace(/[^a-z]/gu, '');
  if (!w) return 0;
  if (w.length <= 3) return 1;
  const trimmed = w.replace(/(?:[^laeiouy]es|ed|[^laeiouy]e)$/u, '').replace(/^y/u, '');
  return Math.max(1, (trimmed.match(/[aeiouy]{1,2}/gu) ?? []).length);
}

function splitSentences(text: string): string[] {
  return text
    .replace(/https?:\/\/\S+/gu, 'link')
    .split(/(?<=[.!?])\s+|\n+/u)
    .map((s) => s.trim())
    .filter((s) => /[a-z]/iu.test(s));
}

function flesch(words: string[], sentenceCount: number): number {
  if (words.length === 0) return 100;
  const syl = words.reduce((n, w) => n + syllables(w), 0);
  return 206.835 - 1.015 * (words.length / Math.max(1, sentenceCount)) - 84.6 * (syl / words.length);
}

const wordsOf = (s: string) => s.split(/\s+/u).filter((w) => /[a-z]/iu.test(w));

/**
 * Flesch reading ease (Flesch, 1948) of the whole text, and the sentences that are hard: over
 * 25 words (GOV.UK's guidance) or scoring under 30 on their own.
 * @example readability('Your bin will be emptied on Friday.').score // about 90
 */
export function readability(text: string): Readability {
  const sentences = splitSentences(text);
  const score = Math.round(
    Math.max(0, Math.min(100, flesch(wordsOf(sentences.join(' ')), sentences.length))),
  );
  const hardSentences = sentences.filter((s) => wordsOf(s).length > 25 || flesch(wordsOf(s), 1) < 30);
  const label = score >= 60 ? 'Easy to read' : score >= 50 ? 'Fairly hard to read' : 'Hard to read';
  return { score, label, hardSentences };
}

export function findWordsToAvoid(text: string): { word: string; instead: string }[] {
  const lower = text.toLowerCase();
  return Object.entries(wordsToAvoid)
    .filter(([word]) => new RegExp(`\\b${word}\\b`, 'u').test(lower))
    .map(([word, instead]) => ({ word, instead }));
}

/** Hashtags of several words need capitals (#BinCollection) so screen readers say the words. */
export function hashtagProblems(text: string): string[] {
  return [...text.matchAll(/(?:^|\s)#([\p{L}\p{N}_]+)/gu)]
    .map((m) => m[1] ?? '')
    .filter(
      (tag) =>
        tag.length >= 8 && (tag === tag.toLowerCase() || tag === tag.toUpperCase()) && /\p{L}/u.test(tag),
    )
    .map(
      (tag) =>
        `Write #${tag} in CamelCase, with a capital letter for each word (like #BinCollection), so screen readers read it as words`,
    );
}

/** Web addresses in the text that a network would not link, or that are not https. */
export function linkProblems(text: string): string[] {
  const problems: string[] = [];
  for (const { url } of findUrls(text)) {
    try {
      const u = new URL(url);
      if (!u.hostname.includes('.')) problems.push(`The link ${url} has no domain, like www.example.gov.uk`);
    } catch {
      problems.push(`The link ${url} is not a web address`);
    }
  }
  for (const m of text.matchAll(/(?:^|\s)(www\.[^\s]+)/gu))
    problems.push(`Start the link ${m[1] ?? ''} with https:// so every channel makes it a link`);
  return problems;
}

export function isWebAddress(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname.includes('.');
  } catch {
    return false;
  }
}

export type ElectionSettings = {
  /** ISO dates, inclusive: the council's pre-election periods. */
  preElectionPeriods?: { start: string; end: string }[];
  /** Names of the council's councillors, as they appear in posts. */
  councillors?: string[];
  parties?: string[];
};

/**
 * During a pre-election period, the names of councillors or parties a post mentions. The
 * period's dates are UK dates, so `at` is read on London's clock: 00:30 BST on the first day is
 * in the period, though it is still the day before in UTC.
 */
export function electionMentions(text: string, settings: ElectionSettings, at: Date): string[] {
  const day = dateKey(londonDate(at));
  const isInPeriod = (settings.preElectionPeriods ?? []).some((p) => p.start <= day && day <= p.end);
  if (!isInPeriod) return [];
  const names = [...partyNames, ...(settings.parties ?? []), ...(settings.councillors ?? [])];
  const found = names.filter((n) =>
    new RegExp(`\\b${n.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}\\b`, 'iu').test(text),
  );
  if (/\b(?:Cllr|Councillor)\b/u.test(text)) found.push('a councillor');
  return [...new Set(found)];
}

export type Advice = {
  readability: Readability;
  wordsToAvoid: { word: string; instead: string }[];
  hashtags: string[];
  links: string[];
  election: string[];
};

export function adviseOn(text: string, election: ElectionSettings, at: Date): Advice {
  return {
    readability: readability(text),
    wordsToAvoid: findWordsToAvoid(text),
    hashtags: hashtagProblems(text),
    links: linkProblems(text),
    election: electionMentions(text, election, at),
  };
}
