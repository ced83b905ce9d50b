/**
 * The service (area and category) classifier at run time: the committed linear model scored over
 * hashed features, with softmax confidences. Loads once; classifying allocates almost nothing.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FeatureExtractor, MAX_FEATURES, prepareForClassification } from './features.ts';
import { keywordLabel, normaliseForKeywords } from './curated/keywords.ts';
import { decodeModel, type ServiceModel } from './model-file.ts';

export interface ServicePrediction {
  readonly area: string;
  readonly category: string;
  readonly confidence: { readonly area: number; readonly category: number };
}

export const DEFAULT_MODEL_FILE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'model',
  'service-model.bin',
);

/**
 * A curated phrase rule that fires decides the category; its confidence is at least this (the
 * rules are written to be precise, see curated/keywords.ts).
 */
const KEYWORD_CONFIDENCE = 0.9;

const HAS_WORD = /[\p{L}\p{N}]{2}/u;
const UNKNOWN: ServicePrediction = {
  area: 'other',
  category: 'general_enquiry',
  confidence: { area: 0, category: 0 },
};

export class ServiceClassifier {
  private readonly extractor: FeatureExtractor;
  private readonly nClasses: number;
  private readonly acc: Float64Array;
  private readonly areas: readonly string[];
  private readonly categories: readonly string[];
  private readonly labelIndex: ReadonlyMap<string, number>;
  private readonly scales: Float64Array;
  private readonly biases: Float64Array;
  /**
   * Per bucket, its quantised idf in the top byte and where its run of non-zero weights starts in
   * the low 24 bits (the run ends where the next bucket's starts). Features hash to buckets at
   * random over a 4 MB table, so each look-up is a cache miss; packed, the idf the extractor reads
   * and the run bounds the scorer reads come in on one miss instead of two.
   */
  private readonly packed: Uint32Array;
  private readonly entries: Uint16Array;
  /** Per feature of the current text: where its run of non-zero weights starts and ends. */
  private readonly runStart = new Int32Array(MAX_FEATURES);
  private readonly runEnd = new Int32Array(MAX_FEATURES);

  constructor(private readonly model: ServiceModel) {
    const { header } = model;
    this.packed = packBuckets(model.idf, model.starts);
    this.extractor = new FeatureExtractor(header.features, this.packed);
    this.nClasses = header.labels.length;
    this.acc = new Float64Array(this.nClasses);
    this.areas = header.labels.map((l) => l.slice(0, l.indexOf('/')));
    this.categories = header.labels.map((l) => l.slice(l.indexOf('/') + 1));
    this.labelIndex = new Map(header.labels.map((l, k) => [l, k]));
    this.scales = Float64Array.from(header.scales);
    this.biases = Float64Array.from(header.biases);
    this.entries = model.entries;
  }

  /** Every `area/category` label the model can give, in the taxonomy's order. */
  get labels(): readonly string[] {
    return this.model.header.labels;
  }

  /** Raw decision scores per label (for evaluation and debugging); a view valid until the next call. */
  scores(text: string): Float64Array {
    const { packed, entries, acc, runStart, runEnd } = this;
    const n = this.nClasses;
    acc.fill(0);
    const v = this.extractor.extract(prepareForClassification(text));
    const m = v.length;
    const idx = v.idx;
    const val = v.val;
    // Two passes: first every feature's run bounds (independent loads the CPU can overlap, where
    // one cache miss at a time would dominate), then the multiply-adds over the non-zero weights.
    // Indices are in range by construction, so `!` rather than `?? 0` on each access.
    for (let i = 0; i < m; i++) {
      const b = idx[i]!;
      runStart[i] = packed[b]! & RUN_MASK;
      runEnd[i] = packed[b + 1]! & RUN_MASK;
    }
    for (let i = 0; i < m; i++) {
      const end = runEnd[i]!;
      const x = val[i]!;
      for (let p = runStart[i]!; p < end; p++) {
        const e = entries[p]!;
        acc[e >>> 8]! += ((e << 24) >> 24) * x;
      }
    }
    for (let k = 0; k < n; k++) acc[k] = acc[k]! * this.scales[k]! + this.biases[k]!;
    return acc;
  }

  classify(text: string): ServicePrediction {
    if (!HAS_WORD.test(text.length > 10_000 ? text.slice(0, 10_000) : text)) return UNKNOWN;
    const s = this.scores(text);
    const n = this.nClasses;
    let best = 0;
    for (let k = 1; k < n; k++) if (s[k]! > s[best]!) best = k;
    const top = s[best]!;
    const keyword = keywordLabel(normaliseForKeywords(text));
    const ruled = keyword === undefined ? -1 : (this.labelIndex.get(keyword) ?? -1);
    if (ruled >= 0) best = ruled;
    // Softmax at the temperature fitted on dev; area confidence is the mass of the chosen area.
    const t = this.model.header.temperature;
    const area = this.areas[best] ?? 'other';
    let z = 0;
    let inArea = 0;
    for (let k = 0; k < n; k++) {
      const e = Math.exp(t * (s[k]! - top));
      z += e;
      if (this.areas[k] === area) inArea += e;
    }
    let category = Math.exp(t * (s[best]! - top)) / z;
    let areaConfidence = inArea / z;
    if (ruled >= 0) {
      category = Math.max(category, KEYWORD_CONFIDENCE);
      areaConfidence = Math.max(areaConfidence, KEYWORD_CONFIDENCE);
    }
    return {
      area,
      category: this.categories[best] ?? 'general_enquiry',
      confidence: { area: round3(areaConfidence), category: round3(category) },
    };
  }
}

const RUN_MASK = 0xff_ffff;

/** idf (top byte) and run start (low 24 bits) per bucket, plus the end of the last run. */
function packBuckets(idf: Uint8Array, starts: Int32Array): Uint32Array {
  const total = starts[starts.length - 1] ?? 0;
  if (total > RUN_MASK) throw new Error(`the model has ${total} weights; the packed index holds ${RUN_MASK}`);
  const packed = new Uint32Array(starts.length);
  for (let b = 0; b < starts.length; b++) packed[b] = (((idf[b] ?? 0) << 24) | starts[b]!) >>> 0;
  return packed;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Reads and decodes the committed model (or another file, for tests and training checks). */
export async function loadServiceClassifier(file = DEFAULT_MODEL_FILE): Promise<ServiceClassifier> {
  return new ServiceClassifier(decodeModel(await readFile(file)));
}
