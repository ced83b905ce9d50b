/**
 * Text to sparse feature vector for the service classifier, shared by training
 * (scripts/train-triage.ts) and run time so the two can never drift apart.
 *
 * The features mirror the scikit-learn baseline (word 1-2-grams and `char_wb` 2-5-grams, sublinear
 * tf, idf, each block L2-normalised) but are hashed into a fixed number of buckets, so the model
 * needs no vocabulary of n-gram strings (which would also be derived from resident text). On top of
 * that, the first line (a FixMyStreet title, or an email subject) gets its own word features: the
 * title names the problem far more often than the detail does.
 */

/** Longest text the classifier reads words from; the start of a message says what it is about. */
export const MAX_CLASSIFY_CHARS = 3000;

/**
 * Character n-grams come from this much of the text only: they are the bulk of a text's features
 * (about four per character), and the first thousand characters are plenty to say what it is about.
 */
export const MAX_CHAR_NGRAM_CHARS = 1000;

/** Upper bound on the features one text yields (the extractor's buffers are this long). */
export const MAX_FEATURES = MAX_CLASSIFY_CHARS * 2 + MAX_CHAR_NGRAM_CHARS * 6 + 512;

export interface FeatureConfig {
  /** log2 of the number of hash buckets. */
  readonly bits: number;
  readonly charMin: number;
  readonly charMax: number;
  /** Weight of the title block relative to the word and char blocks (each has norm 1 before it). */
  readonly titleWeight: number;
}

/** A sparse vector: bucket indices and values, same length; indices may repeat across blocks. */
export interface SparseVector {
  readonly idx: Int32Array;
  readonly val: Float32Array;
  readonly length: number;
}

const SEED_WORD = 0x811c9dc5;
const SEED_BIGRAM = 0x01000193;
const SEED_CHAR = 0x9e3779b9;
const SEED_TITLE = 0x85ebca6b;

function fnvStep(h: number, code: number): number {
  return Math.imul(h ^ code, 0x01000193);
}

function finalise(h: number): number {
  // murmur3 fmix32: FNV's low bits are weak, and the bucket is taken from the low bits.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Tags, comments and entities out; what a person would read stays. */
export function stripHtml(text: string): string {
  if (!text.includes('<') && !text.includes('&')) return text;
  return text
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<\/?[a-z][^>]*>/gi, ' ')
    .replace(/&(nbsp|amp|lt|gt|quot|#39|apos);/gi, (_, e: string) => {
      const map: Record<string, string> = {
        nbsp: ' ',
        amp: '&',
        lt: '<',
        gt: '>',
        quot: '"',
        '#39': "'",
        apos: "'",
      };
      return map[e.toLowerCase()] ?? ' ';
    });
}

/** What the classifier reads: HTML stripped, truncated, lower-cased. */
export function prepareForClassification(text: string): string {
  const head = text.length > MAX_CLASSIFY_CHARS * 2 ? text.slice(0, MAX_CLASSIFY_CHARS * 2) : text;
  return stripHtml(head).slice(0, MAX_CLASSIFY_CHARS).toLowerCase();
}

// scikit-learn's default token_pattern, (?u)\b\w\w+\b: runs of two or more letters, digits or
// underscores. Scanned by hand (no match objects per word) with a per-code-unit class table.
const WORD_CHAR = /^[\p{L}\p{N}_]$/u;
/** 0 = not yet known, 1 = word character, 2 = not. Filled lazily for non-ASCII code units. */
const wordClass = new Uint8Array(65_536);
for (let c = 0; c < 128; c++) wordClass[c] = WORD_CHAR.test(String.fromCharCode(c)) ? 1 : 2;

/** Length in code units (1 or 2) of the word character at `i`, or 0. */
function wordCharAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  let k = wordClass[c]!;
  if (k === 1) return 1;
  if (k === 2) return 0;
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    // An astral code point: classify the pair (rare; not cached).
    return WORD_CHAR.test(text.slice(i, i + 2)) ? 2 : 0;
  }
  k = WORD_CHAR.test(String.fromCharCode(c)) ? 1 : 2;
  wordClass[c] = k;
  return k === 1 ? 1 : 0;
}

/** Reusable scratch space so extracting features allocates almost nothing per text. */
export class FeatureExtractor {
  private readonly mask: number;
  // Per-text counts live in a small open-addressing table (bucket -> count) rather than an array
  // over the whole hash space: a text touches a few hundred buckets, and a 4 MB array costs a
  // cache miss on each of them.
  private readonly tableKeys: Int32Array;
  private readonly tableCounts: Float32Array;
  private readonly fullMask: number;
  /**
   * The part of the table in use for the current text: at most half full, sized to the text, so a
   * short message's counts stay within the first-level cache instead of spreading over 256 KB.
   */
  private tableMask: number;
  private readonly touched: Int32Array;
  private nTouched = 0;
  private readonly outIdx: Int32Array;
  private readonly outVal: Float32Array;
  private outLen = 0;
  private readonly idfShift: number;

  constructor(
    private readonly config: FeatureConfig,
    /**
     * Quantised idf per bucket (any positive scale: each block is L2-normalised, so the scale
     * cancels); 0 means the bucket is not used (below min_df at training time). Undefined: all 1.
     * A Uint32Array holds it in its top byte (see ServiceClassifier, which packs each bucket's
     * weights offset in the other 24 bits so that one memory read serves both).
     */
    private readonly idf: Uint8Array | Uint32Array | undefined,
  ) {
    this.idfShift = idf instanceof Uint32Array ? 24 : 0;
    this.mask = (1 << config.bits) - 1;
    const cap = MAX_FEATURES;
    const tableSize = 1 << Math.ceil(Math.log2(cap * 2));
    this.tableKeys = new Int32Array(tableSize).fill(-1);
    this.tableCounts = new Float32Array(tableSize);
    this.fullMask = tableSize - 1;
    this.tableMask = this.fullMask;
    this.touched = new Int32Array(cap);
    this.outIdx = new Int32Array(cap);
    this.outVal = new Float32Array(cap);
  }

  private add(h: number): void {
    const b = finalise(h) & this.mask;
    const keys = this.tableKeys;
    let slot = Math.imul(b, 0x9e3779b1) >>> 0;
    for (;;) {
      slot &= this.tableMask;
      const k = keys[slot]!;
      if (k === b) {
        this.tableCounts[slot]!++;
        return;
      }
      if (k === -1) {
        keys[slot] = b;
        this.tableCounts[slot] = 1;
        this.touched[this.nTouched++] = slot;
        return;
      }
      slot++;
    }
  }

  /** Flushes the counted block into the output as sublinear tf * idf, L2-normalised to `weight`. */
  private flush(weight: number): void {
    const start = this.outLen;
    let norm = 0;
    for (let i = 0; i < this.nTouched; i++) {
      const slot = this.touched[i]!;
      const b = this.tableKeys[slot]!;
      const c = this.tableCounts[slot]!;
      this.tableKeys[slot] = -1;
      const idf = this.idf ? this.idf[b]! >>> this.idfShift : 1;
      if (idf === 0) continue;
      // Most n-grams occur once in a message: log(1) is 0, no need to compute it.
      const v = c === 1 ? idf : (1 + Math.log(c)) * idf;
      this.outIdx[this.outLen] = b;
      this.outVal[this.outLen++] = v;
      norm += v * v;
    }
    this.nTouched = 0;
    if (norm > 0) {
      const k = weight / Math.sqrt(norm);
      for (let i = start; i < this.outLen; i++) this.outVal[i] = (this.outVal[i] ?? 0) * k;
    }
  }

  private words(text: string, seed: number, bigrams: boolean): void {
    let prev = 0;
    let hasPrev = false;
    const n = text.length;
    let i = 0;
    while (i < n) {
      let w = wordCharAt(text, i);
      if (w === 0) {
        i++;
        continue;
      }
      let h = seed;
      let units = 0;
      while (w > 0) {
        for (let k = 0; k < w; k++) h = fnvStep(h, text.charCodeAt(i + k));
        i += w;
        units++;
        w = i < n ? wordCharAt(text, i) : 0;
      }
      if (units < 2) continue;
      this.add(h);
      if (bigrams && hasPrev) this.add(fnvStep(fnvStep(SEED_BIGRAM ^ prev, 0x20), h));
      prev = h;
      hasPrev = true;
    }
  }

  private chars(text: string): void {
    const { charMin, charMax } = this.config;
    // char_wb: n-grams inside each whitespace-separated word padded with one space each side.
    let i = 0;
    const n = text.length;
    while (i < n) {
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      if (i >= n) break;
      let j = i;
      while (j < n && !isSpace(text.charCodeAt(j))) j++;
      const len = j - i + 2; // padded length
      for (let s = 0; s < len; s++) {
        let h = SEED_CHAR;
        for (let k = 0; k < charMax && s + k < len; k++) {
          const p = s + k;
          const code = p === 0 || p === len - 1 ? 0x20 : text.charCodeAt(i + p - 1);
          h = fnvStep(h, code);
          if (k + 1 >= charMin) this.add(h);
        }
        if (s + charMin >= len) break;
      }
      i = j;
    }
  }

  /**
   * Features of a prepared (lower-cased, truncated) text.
   *
   * @returns a view on internal buffers, valid until the next call.
   */
  extract(prepared: string): SparseVector {
    this.outLen = 0;
    // A block has at most four distinct features per character: words and bigrams together at
    // most one, char n-grams at most 4L - 1 for a word of L characters. Twice that keeps the
    // table at most half full; long texts get the whole table, as before.
    const bound = prepared.length * 4 + 8;
    this.tableMask = Math.min(this.fullMask, (1 << Math.ceil(Math.log2(bound * 2))) - 1);
    this.words(prepared, SEED_WORD, true);
    this.flush(1);
    this.chars(prepared.length > MAX_CHAR_NGRAM_CHARS ? prepared.slice(0, MAX_CHAR_NGRAM_CHARS) : prepared);
    this.flush(1);
    if (this.config.titleWeight > 0) {
      const nl = prepared.indexOf('\n');
      const title = nl < 0 ? prepared.slice(0, 200) : prepared.slice(0, Math.min(nl, 200));
      this.words(title, SEED_TITLE, false);
      this.flush(this.config.titleWeight);
    }
    return { idx: this.outIdx, val: this.outVal, length: this.outLen };
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x0b || c === 0xa0;
}
