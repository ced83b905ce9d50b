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

const WORDS = /[\p{L}’']+/gu;
const NON_LATIN_LETTER = /[^\P{L}\p{Script=Latin}]/u;
const NON_LATIN_LETTERS = /[^\P{L}\p{Script=Latin}]/gu;
const LATIN_LETTERS = /\p{Script=Latin}/gu;

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
  for (const m of sample.toLowerCase().matchAll(WORDS)) {
    const w = m[0].replace(/’/g, "'");
    words++;
    if (ENGLISH.has(w)) en++;
    if (WELSH.has(w)) cy++;
    else if (/(?:dd|ll|wy|ŵ|ŷ|ydd|aeth|ch[wy])/.test(w) && !ENGLISH.has(w)) cy += 0.25;
    if (OTHER.has(w)) other++;
  }
  if (words === 0) return 'other';
  if (cy >= 2 && cy > en * 1.2) return 'cy';
  if (cy >= 1 && en === 0 && words <= 4) return 'cy';
  if (other >= 2 && other > en && other > cy) return 'other';
  return 'en';
}
