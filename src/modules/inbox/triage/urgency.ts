/**
 * Urgency from tested rules (urgency.rules.ts), never from the classifier: an emergency must not
 * depend on a model's guess. A rule's match is discounted when it is negated ("no smell of gas
 * now"), hypothetical ("what should I do if I smell gas"), or reported as over ("the leak was
 * fixed"). Negated safeguarding mentions still come out `high`.
 */
import { unionOf } from './pattern-union.ts';
import { URGENCY_RULES, type UrgencyLevel, type UrgencyRule } from './urgency.rules.ts';

export type { UrgencyLevel } from './urgency.rules.ts';

export interface UrgencyAssessment {
  readonly level: UrgencyLevel;
  /** Ids of the rules that decided the level (empty for routine). */
  readonly rules: readonly string[];
}

/** Only the start of a very long message is scanned; regexes stay linear but 1 MB is wasteful. */
const MAX_URGENCY_CHARS = 20_000;

const NEGATION = new Set([
  'no',
  'not',
  'never',
  'without',
  'nobody',
  'noone',
  'none',
  "isn't",
  "aren't",
  "wasn't",
  "weren't",
  "don't",
  "doesn't",
  "didn't",
  "haven't",
  "hasn't",
  "hadn't",
  "won't",
  'isnt',
  'arent',
  'wasnt',
  'dont',
  'doesnt',
  'didnt',
  'havent',
  'hasnt',
]);
/** "no longer", "no sign of", "not feeling": the cue may sit a few words before the phrase. */
const NEGATION_WINDOW = 4;

const HYPOTHETICAL =
  /\b(?:if|what if|in case|in the event|whether|how (?:do|would|should|can) (?:i|you|we)|who (?:do|should) i (?:call|contact|ring)|supposed|imagine|training|course|leaflet|advice on|information about|awareness)\b/;

const RESOLVED_AFTER =
  /^[^.]{0,60}?\b(?:(?:has|have|had) been|was|were|now|got|is now|are now|been) (?:fixed|sorted|resolved|repaired|made safe|put out|extinguished|capped|turned off|dealt with|cleared)\b/;
const PAST = /\b(?:last (?:year|month|winter|summer|spring|autumn)|years ago|months ago|in (?:19|20)\d\d)\b/;

/** Lower case, straight apostrophes, no tags, one space. */
export function normaliseForRules(text: string): string {
  let s = text.length > MAX_URGENCY_CHARS ? text.slice(0, MAX_URGENCY_CHARS) : text;
  if (s.includes('<')) s = s.replace(/<[^>]*>/g, ' ');
  s = s.toLowerCase();
  if (/[\u2018\u2019\u02bc`]/.test(s)) s = s.replace(/[\u2018\u2019\u02bc`]/g, "'");
  if (s.includes('i am')) s = s.replace(/\bi am\b/g, "i'm");
  return s.replace(/\s+/g, ' ');
}

function clauses(text: string): string[] {
  return text.split(/[.!?;\n]+|,? \bbut\b|,? \bhowever\b|,? \balthough\b/);
}

function isNegated(clause: string, matchIndex: number, matchText: string): boolean {
  const before = clause
    .slice(0, matchIndex)
    .split(/[\s,]+/)
    .filter(Boolean);
  const window = before.slice(-NEGATION_WINDOW);
  if (window.some((w) => NEGATION.has(w))) return true;
  // "not" can also sit inside the matched words' own lead-in, e.g. "i'm not suicidal".
  if (/^(?:not|no|never) /.test(matchText)) return true;
  const after = clause.slice(matchIndex + matchText.length);
  return RESOLVED_AFTER.test(after);
}

function isHypothetical(clause: string, matchIndex: number): boolean {
  return HYPOTHETICAL.test(clause.slice(0, matchIndex)) || PAST.test(clause);
}

function ruleLevel(rule: UrgencyRule, parts: readonly string[]): UrgencyLevel | undefined {
  let best: UrgencyLevel | undefined;
  for (const clause of parts) {
    const m = rule.pattern.exec(clause);
    if (!m) continue;
    const isDiscounted =
      (rule.isNegatable !== false && isNegated(clause, m.index, m[0])) || isHypothetical(clause, m.index);
    if (isDiscounted) {
      const lowered = rule.whenNegated ?? 'routine';
      if (lowered === 'high') best = best ?? 'high';
      continue;
    }
    return rule.level;
  }
  return best;
}

const RANK: Record<UrgencyLevel, number> = { routine: 0, high: 1, emergency: 2 };

/**
 * Every rule's pattern in one alternation: a clause can only match a rule if the whole message
 * does (clauses are substrings cut at punctuation and "but"/"however"), so a message this does not
 * match is routine without splitting it or trying the rules one by one. Most messages are.
 */
const ANY_RULE = unionOf(URGENCY_RULES.map((r) => r.pattern));

const ROUTINE: UrgencyAssessment = Object.freeze({ level: 'routine', rules: Object.freeze([]) });

/**
 * Assesses how urgent a message is.
 *
 * @example assessUrgency('I can smell gas in the kitchen').level // 'emergency'
 * @example assessUrgency('No smell of gas now, thanks').level // 'routine'
 */
export function assessUrgency(text: string): UrgencyAssessment {
  const normal = normaliseForRules(text);
  if (!ANY_RULE.test(normal)) return ROUTINE;
  const parts = clauses(normal);
  let level: UrgencyLevel = 'routine';
  let rules: string[] = [];
  for (const rule of URGENCY_RULES) {
    if (RANK[rule.level] < RANK[level]) continue;
    const found = ruleLevel(rule, parts);
    if (!found || found === 'routine') continue;
    if (rule.requires && !rule.requires.test(normal)) continue;
    if (RANK[found] > RANK[level]) {
      level = found;
      rules = [rule.id];
    } else if (found === level) rules.push(rule.id);
  }
  return { level, rules };
}
