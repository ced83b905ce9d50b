/**
 * The service (area and category) classifier at run time: the committed linear model scored over
 * hashed features, with softmax confidences. Loads once; classifying allocates almost nothing.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FeatureExtractor, prepareForClassification } from './features.ts';
import { keywordLabel } from './curated/keywords.ts';
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

/** Curated keywords override the model only below this confidence in its own top category. */
const KEYWORD_OVERRIDE_BELOW = 0.5;

/** ...and only when the keyword's category is already among the model's top few. */
const KEYWORD_WITHIN_TOP = 3;

function rankOf(s: Float64Array, k: number): number {
  let rank = 0;
  for (let j = 0; j < s.length; j++) if ((s[j] ?? 0) > (s[k] ?? 0)) rank++;
  return rank;
}

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
  private readonly scales: Float64Array;
  private readonly biases: Float64Array;

  constructor(private readonly model: ServiceModel) {
    const { header } = model;
    this.extractor = new FeatureExtractor(header.features, model.idf);
    this.nClasses = header.labels.length;
    this.acc = new Float64Array(this.nClasses);
    this.areas = header.labels.map((l) => l.slice(0, l.indexOf('/')));
    this.categories = header.labels.map((l) => l.slice(l.indexOf('/') + 1));
    this.scales = Float64Array.from(header.scales);
    this.biases = Float64Array.from(header.biases);
  }

  /** Every `area/category` label the model can give, in the taxonomy's order. */
  get labels(): readonly string[] {
    return this.model.header.labels;
  }

  /** Raw decision scores per label (for evaluation and debugging). */
  scores(text: string): Float64Array {
    const { rowOf, weights } = this.model;
    const n = this.nClasses;
    const acc = this.acc;
    acc.fill(0);
    const v = this.extractor.extract(prepareForClassification(text));
    // Hot loop: indices are in range by construction, so `!` rather than `?? 0` on each access.
    for (let i = 0; i < v.length; i++) {
      const row = rowOf[v.idx[i]!]!;
      if (row < 0) continue;
      const x = v.val[i]!;
      const base = row * n;
      for (let k = 0; k < n; k++) acc[k]! += weights[base + k]! * x;
    }
    for (let k = 0; k < n; k++) acc[k] = (acc[k] ?? 0) * (this.scales[k] ?? 0) + (this.biases[k] ?? 0);
    return acc;
  }

  /** The model's own top choice has less than half the probability mass. */
  private isUnsure(s: Float64Array, best: number): boolean {
    const t = this.model.header.temperature;
    const top = s[best] ?? 0;
    let z = 0;
    for (let k = 0; k < this.nClasses; k++) z += Math.exp(t * ((s[k] ?? 0) - top));
    return 1 / z < KEYWORD_OVERRIDE_BELOW;
  }

  classify(text: string): ServicePrediction {
    if (!HAS_WORD.test(text.length > 10_000 ? text.slice(0, 10_000) : text)) return UNKNOWN;
    const s = this.scores(text);
    let best = 0;
    for (let k = 1; k < this.nClasses; k++) if ((s[k] ?? 0) > (s[best] ?? 0)) best = k;
    const keyword = this.isUnsure(s, best) ? keywordLabel(text.slice(0, 2000).toLowerCase()) : undefined;
    if (keyword !== undefined) {
      // A tie-breaker among the model's plausible answers, not a veto over a confident one.
      const k = this.model.header.labels.indexOf(keyword);
      if (k >= 0 && rankOf(s, k) < KEYWORD_WITHIN_TOP) best = k;
    }
    const t = this.model.header.temperature;
    let top = -Infinity;
    for (let k = 0; k < this.nClasses; k++) top = Math.max(top, s[k] ?? 0);
    let z = 0;
    let inArea = 0;
    const area = this.areas[best] ?? 'other';
    for (let k = 0; k < this.nClasses; k++) {
      const e = Math.exp(t * ((s[k] ?? 0) - top));
      z += e;
      if (this.areas[k] === area) inArea += e;
    }
    return {
      area,
      category: this.categories[best] ?? 'general_enquiry',
      confidence: {
        area: round3(inArea / z),
        category: round3(Math.exp(t * ((s[best] ?? 0) - top)) / z),
      },
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Reads and decodes the committed model (or another file, for tests and training checks). */
export async function loadServiceClassifier(file = DEFAULT_MODEL_FILE): Promise<ServiceClassifier> {
  return new ServiceClassifier(decodeModel(await readFile(file)));
}
