/**
 * Counting text as each network counts it. Officers see the same number the network will
 * enforce, so nothing is refused after approval.
 */
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Below U+0300 (Latin, Latin-1 and Latin Extended, so English and Welsh with ŵ and ŷ) there are
 * no combining marks, joiners, surrogates or modifiers: every code unit is a grapheme, except
 * that CR LF is one (UAX #29, GB3). Such text is counted without the segmenter, which costs
 * about a microsecond per character and is run on every post as it is sent.
 */
const isSimpleText = (text: string): boolean => {
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) >= 0x300) return false;
  return true;
};
const crlf = /\r\n/gu;

/** User-perceived characters: an emoji with modifiers or a flag is one. Bluesky counts these. */
export function countGraphemes(text: string): number {
  if (isSimpleText(text)) return text.length - (text.match(crlf)?.length ?? 0);
  let n = 0;
  for (const _ of segmenter.segment(text)) n += 1;
  return n;
}

export function countUtf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const urlPattern = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/giu;

export function findUrls(text: string): { url: string; start: number; end: number }[] {
  return [...text.matchAll(urlPattern)].map((m) => ({
    url: m[0],
    start: m.index,
    end: m.index + m[0].length,
  }));
}

/**
 * Mastodon: every URL counts as 23 characters whatever its length, and a mention of a remote
 * account counts only its local part (@name, not @name@domain).
 */
export function countMastodon(text: string): number {
  const withoutUrls = text.replace(urlPattern, 'x'.repeat(23));
  const localMentions = withoutUrls.replace(/(^|\s)(@[a-z0-9_]+)@[a-z0-9.-]+\.[a-z]{2,}/giu, '$1$2');
  // Mastodon counts user-visible characters (grapheme clusters), as its length validator does.
  return countGraphemes(localMentions);
}

/**
 * X's weighted length (twitter-text v3 configuration): URLs count 23; characters in the
 * Latin, general punctuation and similar ranges weigh 1; everything else (CJK, emoji) 2.
 * The limit of 280 is in these units.
 */
export function countX(text: string): number {
  const ranges: [number, number][] = [
    [0, 4351],
    [8192, 8205],
    [8208, 8223],
    [8242, 8247],
  ];
  let total = 0;
  let last = 0;
  const add = (chunk: string) => {
    for (const g of segmenter.segment(chunk)) {
      const cp = g.segment.codePointAt(0) ?? 0;
      // An emoji sequence counts as one emoji (weight 2), as twitter-text does.
      const isEmoji = /\p{Extended_Pictographic}/u.test(g.segment);
      total += isEmoji
        ? 2
        : ranges.some(([lo, hi]) => cp >= lo && cp <= hi)
          ? [...g.segment].length
          : 2 * [...g.segment].length;
    }
  };
  for (const u of findUrls(text)) {
    add(text.slice(last, u.start));
    total += 23;
    last = u.end;
  }
  add(text.slice(last));
  return total;
}

/**
 * Splits text into parts of at most `limit` units by `count`, at paragraph, sentence or word
 * boundaries, never inside a URL, numbering parts (1/3) when there is more than one.
 */
export function splitForThread(
  text: string,
  limit: number,
  count: (s: string) => number = countGraphemes,
): string[] {
  if (count(text) <= limit) return [text];
  const words = text.split(/(\s+)/u).filter((w) => w.length > 0);
  const budget = limit - 6; // room for " (n/m)"
  const parts: string[] = [];
  let current = '';
  for (const w of words) {
    const next = current + w;
    if (count(next.trim()) <= budget) {
      current = next;
      continue;
    }
    if (current.trim()) parts.push(current.trim());
    // A single word longer than the budget (rare: a huge URL) is cut by graphemes.
    if (count(w) > budget) {
      const g = [...segmenter.segment(w)].map((s) => s.segment);
      for (let i = 0; i < g.length; i += budget) parts.push(g.slice(i, i + budget).join(''));
      current = '';
    } else current = w.trimStart();
  }
  if (current.trim()) parts.push(current.trim());
  return parts.length === 1 ? parts : parts.map((p, i) => `${p} (${i + 1}/${parts.length})`);
}
