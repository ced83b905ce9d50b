/**
 * Negative / neutral / positive from a small lexicon with negation ("not happy" is negative) and
 * emoji. Problem reports are mostly neutral in tone: a pothole is not an insult; "disgusting",
 * "fed up" and "third time" are what make a message negative. Accuracy on public labelled tweets is
 * measured in bench/triage.bench.ts.
 */

export type Sentiment = 'negative' | 'neutral' | 'positive';

const POSITIVE: Record<string, number> = {
  thank: 2,
  thanks: 2,
  thankyou: 2,
  cheers: 1,
  great: 2,
  brilliant: 2,
  excellent: 2,
  pleased: 2,
  happy: 2,
  appreciate: 2,
  appreciated: 2,
  fantastic: 2,
  lovely: 2,
  helpful: 2,
  amazing: 2,
  wonderful: 2,
  delighted: 2,
  grateful: 2,
  love: 2,
  loved: 2,
  superb: 2,
  kind: 1,
  prompt: 1,
  promptly: 1,
  quickly: 1,
  good: 1,
  nice: 1,
  best: 1,
  well: 0,
  glad: 2,
  awesome: 2,
  perfect: 2,
  beautiful: 2,
  impressed: 2,
  excited: 2,
  enjoy: 1,
  enjoyed: 2,
  fun: 1,
  congratulations: 2,
  congrats: 2,
  proud: 1,
  fab: 2,
  smashing: 2,
  clean: 1,
  tidy: 1,
  fixed: 1,
  resolved: 1,
  win: 1,
  hope: 1,
  like: 0,
  welcome: 1,
  safe: 1,
  favourite: 2,
  favorite: 2,
  cool: 1,
  yay: 2,
  lol: 1,
};

const NEGATIVE: Record<string, number> = {
  disgusting: 3,
  disgrace: 3,
  disgraceful: 3,
  terrible: 3,
  awful: 3,
  appalling: 3,
  angry: 2,
  furious: 3,
  ridiculous: 2,
  useless: 3,
  shocking: 2,
  unacceptable: 3,
  ignored: 2,
  filthy: 2,
  horrible: 2,
  worst: 3,
  hate: 3,
  annoyed: 2,
  annoying: 2,
  frustrated: 2,
  frustrating: 2,
  complain: 1,
  complaint: 1,
  poor: 1,
  bad: 2,
  dangerous: 1,
  sick: 1,
  fed: 0,
  pathetic: 3,
  joke: 1,
  shambles: 3,
  nightmare: 2,
  sad: 2,
  upset: 2,
  worried: 1,
  scared: 2,
  afraid: 1,
  fear: 1,
  dirty: 1,
  eyesore: 2,
  stink: 2,
  stinks: 2,
  stinking: 2,
  vile: 3,
  rude: 2,
  wrong: 1,
  broken: 1,
  failed: 1,
  fail: 1,
  failure: 2,
  never: 1,
  nobody: 1,
  problem: 1,
  issue: 0,
  damaged: 1,
  unsafe: 2,
  hazard: 1,
  abuse: 2,
  attack: 2,
  died: 2,
  dead: 1,
  death: 2,
  kill: 2,
  killed: 2,
  crap: 2,
  damn: 1,
  shit: 2,
  bloody: 1,
  stupid: 2,
  idiot: 2,
  idiots: 2,
  lazy: 2,
  incompetent: 3,
  rubbish: 0,
  mess: 1,
  sucks: 2,
  hell: 1,
  cry: 1,
  lost: 1,
  miss: 0,
  waste: 1,
  disappointed: 2,
  disappointing: 2,
  sorry: 1,
  pain: 1,
  hurt: 2,
  wtf: 2,
  ugh: 2,
  outrageous: 3,
  outraged: 3,
  sadly: 1,
  unfortunately: 1,
  tired: 1,
  stuck: 1,
  cancelled: 1,
  late: 1,
  delay: 1,
};

const NEGATORS = new Set([
  'not',
  'no',
  'never',
  "isn't",
  "wasn't",
  "aren't",
  "don't",
  "didn't",
  "doesn't",
  'hardly',
  'without',
  'dont',
  'didnt',
  'isnt',
  'wasnt',
]);

const PHRASES: ReadonlyArray<readonly [RegExp, number]> = [
  [/\bfed up\b/g, -3],
  [/\bsick (?:and tired )?of\b/g, -3],
  [/\b(?:third|fourth|fifth|umpteenth) time\b/g, -2],
  [/\bstill (?:not|hasn't|haven't|waiting)\b/g, -2],
  [/\bwell done\b/g, 3],
  [/\bgood job\b/g, 3],
  [/\bthank you\b/g, 1],
  [/\bno one (?:has )?(?:replied|responded|came)\b/g, -2],
  [/\bwaste of (?:money|time)\b/g, -3],
];

const POSITIVE_EMOJI = /[😀😃😄😁😊🙂😍🥰😘👍👏🙏❤💕💖✨🎉😎🤩☺🌞💯]/gu;
const NEGATIVE_EMOJI = /[😡😠🤬😢😭😞😔😩😫👎💩😤😒🙄😷🤮😱💔]/gu;
/** Every emoji above lies in these ranges; text without them skips the emoji scans. */
const MAYBE_EMOJI = /[\u2600-\u27bf\ud83c-\ud83e]/;
/** Words any phrase starts with; text without them skips the phrase scans. */
const MAYBE_PHRASE = /\b(?:fed|sick|third|fourth|fifth|umpteenth|still|well|good|thank|no one|waste)\b/;

/** Positive minus negative weight per word, so the word loop does one lookup. */
const LEXICON = new Map<string, number>();
for (const [w, v] of Object.entries(POSITIVE)) LEXICON.set(w, v);
for (const [w, v] of Object.entries(NEGATIVE)) LEXICON.set(w, (LEXICON.get(w) ?? 0) - v);

function isWordCode(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || c === 0x27; // [a-z']
}

/** Scores a message; positive above zero, negative below. */
export function sentimentScore(text: string): number {
  let lower = (text.length > 4000 ? text.slice(0, 4000) : text).toLowerCase();
  if (lower.includes('’')) lower = lower.replace(/’/g, "'");
  let score = 0;
  let negateFor = 0;
  // Words are runs of [a-z'], scanned by hand: a match object per word is most of the cost.
  const n = lower.length;
  let i = 0;
  while (i < n) {
    if (!isWordCode(lower.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isWordCode(lower.charCodeAt(i))) i++;
    const w = lower.slice(start, i);
    if (NEGATORS.has(w)) {
      negateFor = 3;
      continue;
    }
    const base = w.endsWith("'s") ? w.slice(0, -2) : w;
    const value = LEXICON.get(base) ?? 0;
    if (value !== 0) score += negateFor > 0 ? -value : value;
    if (negateFor > 0) negateFor--;
  }
  if (MAYBE_PHRASE.test(lower)) {
    for (const [re, v] of PHRASES) score += (lower.match(re)?.length ?? 0) * v;
  }
  if (MAYBE_EMOJI.test(text)) {
    score += (text.match(POSITIVE_EMOJI)?.length ?? 0) * 2;
    score -= (text.match(NEGATIVE_EMOJI)?.length ?? 0) * 2;
  }
  if (score < 0 && text.includes('!!')) score -= 1;
  return score;
}

/**
 * @example detectSentiment('Thank you so much for fixing the light!') // 'positive'
 */
export function detectSentiment(text: string): Sentiment {
  const s = sentimentScore(text);
  if (s >= 2) return 'positive';
  if (s <= -2) return 'negative';
  return 'neutral';
}
