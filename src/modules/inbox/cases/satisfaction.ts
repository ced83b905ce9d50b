/**
 * The one satisfaction question and reading its answer. A resident answers in their own words
 * on a social network, so the reply may start with an @mention, say "5", "5/5", "4 - quick
 * work" or "very satisfied". Anything else is not an answer and is left for an agent.
 */

export const satisfactionScale = {
  1: 'very dissatisfied',
  2: 'dissatisfied',
  3: 'neither satisfied nor dissatisfied',
  4: 'satisfied',
  5: 'very satisfied',
} as const;

export function satisfactionQuestion(reference: string): string {
  return `How satisfied are you with how we handled ${reference}? Reply 1 (very dissatisfied) to 5 (very satisfied).`;
}

// Longest phrases first, so "very dissatisfied" is not read as "dissatisfied" or "satisfied".
const phrases: [RegExp, number][] = [
  [/^(very|extremely|totally|completely) (dis|un)satisfied\b/, 1],
  [/^(very|extremely|really) (satisfied|happy|pleased)\b/, 5],
  [/^(neither|neutral|not sure|ok|okay)\b/, 3],
  [/^(not satisfied|dissatisfied|unsatisfied|unhappy|not happy)\b/, 2],
  [/^(satisfied|happy|pleased)\b/, 4],
];

export type SatisfactionAnswer = { score: number; comment: string | null };

/**
 * Reads a 1-5 score from a reply, or undefined when the text is not an answer.
 * @example parseSatisfaction('@council 4 - thanks') // { score: 4, comment: 'thanks' }
 */
export function parseSatisfaction(text: string): SatisfactionAnswer | undefined {
  const cleaned = text
    .normalize('NFKC')
    .replace(/^(\s*@[\w.@-]+)+/u, '')
    .trim();
  if (cleaned.length === 0 || cleaned.length > 500) return undefined;
  const lower = cleaned.toLowerCase();
  // "4", "4/5", "4 out of 5", "4 - thanks", "4, thanks"; not "1st", "10", "1.5" or "45".
  const number = /^([1-5])(?:\s*(?:\/|out of)\s*5)?(?![\p{L}\d]|[.,]\d)\s*(?:[-–—:.,!)]\s*)?(.*)$/su.exec(
    lower,
  );
  if (number) {
    const rest = cleaned.slice(cleaned.length - (number[2] ?? '').length).trim();
    return { score: Number(number[1]), comment: rest || null };
  }
  for (const [re, score] of phrases) {
    const m = re.exec(lower);
    if (m) {
      const rest = cleaned
        .slice(m[0].length)
        .replace(/^[\s\-–—:.,!]+/u, '')
        .trim();
      return { score, comment: rest || null };
    }
  }
  return undefined;
}
