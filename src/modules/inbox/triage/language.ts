/**
 * English, Welsh or other, from function words and Welsh letter patterns. A council in Wales must
 * answer in Welsh when written to in Welsh, so Welsh needs only modest evidence: a couple of
 * distinctly Welsh words outweigh a borrowed English noun ("bin", "email").
 */

export type Language = 'en' | 'cy' | 'other';

const WELSH = new Set(
  (
    "mae yn yr ydy ydw yw dw rwy rydw rydyn roedd oedd bydd byddai gyda gyda'r diolch os gwelwch " +
    'dda ac ond hefyd ddim nid nad wedi heb eich ein fy eu hwn hyn sydd oes beth pam sut ' +
    'ble pryd pwy bore nos sbwriel biniau casglu casglwyd chasglwyd ailgylchu ffordd stryd heol ' +
    'cyngor treth tŷ gwastraff twll goleuadau golau plant helpu angen isio eisiau moyn wythnos ' +
    'heddiw ddoe yma yno gan dros trwy rhaid gallu gallwch allwch chi nhw efo hefo iawn wnaeth ' +
    'wnes cael gael wneud gwneud dydd annwyl cymraeg cymru croeso shwmae neu mwy llawer eto gwag ' +
    'llawn baw cŵn ci ar y’r i’r o’r mewn wrth ger tu allan ffenestr drws parcio ysgol ' +
    'gwasanaeth cymorth broblem dŵr llifogydd coeden coed palmant lôn sydd heno'
  ).split(/\s+/),
);

const ENGLISH = new Set(
  (
    'the and is are was were to of in on it my our have has had not this that for with be at there ' +
    'been please can you we they he she his her them from by an as but or if will would could ' +
    'should do does did what when where why how who which been being again outside near road ' +
    'street still just also very about into over after before some any all no yes thank thanks'
  ).split(/\s+/),
);

// Common words of other languages residents write in, so "other" is positive evidence, not a shrug.
const OTHER = new Set(
  (
    'le la les est une des et pour dans avec pas que qui rue notre depuis ne ' + // French
    'el los las por para con una del que esta es se mi ha su hay calle nuestra ' + // Spanish
    'der die das und ist nicht mit ein eine ich sie ' + // German
    'nie jest się na że do jak ale ' + // Polish
    'să și este nu pentru cu în ' + // Romanian
    'não uma com para por está ' + // Portuguese
    'il che di per non sono della '
  ) // Italian
    .split(/\s+/),
);

const NON_LATIN_LETTER = /[^\P{L}\p{Script=Latin}]/u;
const NON_LATIN_LETTERS = /[^\P{L}\p{Script=Latin}]/gu;
const LATIN_LETTERS = /\p{Script=Latin}/gu;
const WELSH_SPELLING = /(?:dd|ll|wy|ŵ|ŷ|ydd|aeth|ch[wy])/;

// Words are runs of letters and apostrophes (straight or curly), as /[\p{L}’']+/u finds them, but
// scanned by hand over a per-code-unit class table: a match object and a string per word were
// most of this function's cost.
const LETTER = /^\p{L}$/u;
/** 0 = not yet known, 1 = word character, 2 = not. Filled lazily beyond ASCII. */
const wordClass = new Uint8Array(65_536);
for (let c = 0; c < 128; c++) wordClass[c] = LETTER.test(String.fromCharCode(c)) || c === 0x27 ? 1 : 2;
wordClass[0x2019] = 1;

/** Length in code units (1 or 2) of the word character at `i`, or 0. */
function wordCharAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  let k = wordClass[c]!;
  if (k === 1) return 1;
  if (k === 2) return 0;
  // Surrogates are never cached: only a whole pair can be a letter.
  if (c >= 0xd800 && c <= 0xdfff)
    return c <= 0xdbff && i + 1 < text.length && LETTER.test(text.slice(i, i + 2)) ? 2 : 0;
  k = LETTER.test(String.fromCharCode(c)) ? 1 : 2;
  wordClass[c] = k;
  return k === 1 ? 1 : 0;
}

/** Calls `visit` with each word of `text` (curly apostrophes made straight), in order. */
export function forEachWord(text: string, visit: (word: string) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    let w = wordCharAt(text, i);
    if (w === 0) {
      i++;
      continue;
    }
    const start = i;
    while (w > 0) {
      i += w;
      w = i < n ? wordCharAt(text, i) : 0;
    }
    const word = text.slice(start, i);
    visit(word.includes('’') ? word.replace(/’/g, "'") : word);
  }
}

/**
 * Detects the language of a message.
 *
 * @example detectLanguage('Mae sbwriel ar y stryd ers wythnos, diolch') // 'cy'
 */
export function detectLanguage(text: string): Language {
  const sample = text.length > 4000 ? text.slice(0, 4000) : text;
  // Counting letters by script allocates, so only when a non-Latin letter is present at all.
  if (NON_LATIN_LETTER.test(sample)) {
    const nonLatin = sample.match(NON_LATIN_LETTERS)?.length ?? 0;
    const latin = sample.match(LATIN_LETTERS)?.length ?? 0;
    if (nonLatin > latin) return 'other';
  }

  let en = 0;
  let cy = 0;
  let other = 0;
  let words = 0;
  forEachWord(sample.toLowerCase(), (word) => {
    words++;
    const isEnglish = ENGLISH.has(word);
    if (isEnglish) en++;
    if (WELSH.has(word)) cy++;
    else if (!isEnglish && WELSH_SPELLING.test(word)) cy += 0.25;
    if (OTHER.has(word)) other++;
  });
  if (words === 0) return 'other';
  if (cy >= 2 && cy > en * 1.2) return 'cy';
  if (cy >= 1 && en === 0 && words <= 4) return 'cy';
  if (other >= 2 && other > en && other > cy) return 'other';
  return 'en';
}
