/**
 * The service model's file format: gzip of a small JSON header, then per used hash bucket its index
 * (delta-coded varint), its idf (uint8, quantised) and one int8 weight per class.
 *
 * Buckets a training document never reached carry no weight and are left out, so the file grows
 * with what was learned, not with the hash space. Weights that quantise to (nearly) zero are
 * written as zero: at run time only non-zero weights are kept and scored (see `SparseWeights`).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { FeatureConfig } from './features.ts';

export interface ModelHeader {
  readonly version: 1;
  readonly features: FeatureConfig;
  /** `area/category` per class, in weight order. */
  readonly labels: readonly string[];
  /** Dequantisation scale per class (int8 * scale = weight). */
  readonly scales: readonly number[];
  readonly biases: readonly number[];
  readonly idfScale: number;
  /** Softmax temperature fitted on dev, for the confidence figures. */
  readonly temperature: number;
  readonly usedBuckets: number;
  /** Quantised weights with magnitude at most this were written as zero. */
  readonly prune?: number;
  /** Free text: how and from what the model was built. */
  readonly provenance: string;
}

export interface ServiceModel {
  readonly header: ModelHeader;
  /** Quantised idf per bucket (0 = unused); multiply by `header.idfScale` for the real value. */
  readonly idf: Uint8Array;
  /**
   * Bucket b's non-zero weights are `entries[starts[b]]` up to (not including)
   * `entries[starts[b + 1]]`; most buckets have none.
   */
  readonly starts: Int32Array;
  /** Non-zero weights grouped by bucket, each `class << 8 | (int8 weight & 0xff)`. */
  readonly entries: Uint16Array;
}

const MAGIC = 'TSQ1';

/** The int8 quantisation of one class's weights: scale so the largest magnitude maps to 127. */
export function quantisationScale(w: Float32Array): number {
  let max = 0;
  for (const v of w) max = Math.max(max, Math.abs(v));
  return max > 0 ? max / 127 : 1;
}

/**
 * Encodes a trained model.
 *
 * @param idf - quantised idf per bucket (0 = unused), as the training features used it.
 * @param weights - class-major float weights per bucket ([class][bucket]).
 * @param prune - quantised weights of magnitude at most this are written as zero.
 */
export function encodeModel(
  header: Omit<ModelHeader, 'scales' | 'usedBuckets' | 'prune'>,
  idf: Uint8Array,
  weights: readonly Float32Array[],
  prune = 0,
): Buffer {
  const nClasses = weights.length;
  if (nClasses > 127) throw new Error('At most 127 classes fit the weight encoding');
  const scales = weights.map(quantisationScale);
  const used: number[] = [];
  for (let b = 0; b < idf.length; b++) if ((idf[b] ?? 0) > 0) used.push(b);

  const body: number[] = [];
  let prev = -1;
  for (const b of used) {
    let delta = b - prev;
    prev = b;
    while (delta >= 0x80) {
      body.push((delta & 0x7f) | 0x80);
      delta >>>= 7;
    }
    body.push(delta);
    body.push(idf[b] ?? 0);
    for (let k = 0; k < nClasses; k++) {
      const q = Math.round((weights[k]?.[b] ?? 0) / (scales[k] ?? 1));
      body.push(Math.abs(q) <= prune ? 0 : q & 0xff);
    }
  }
  const full: ModelHeader = { ...header, scales, usedBuckets: used.length, prune };
  const json = Buffer.from(JSON.stringify(full), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  return gzipSync(Buffer.concat([Buffer.from(MAGIC), len, json, Buffer.from(body)]), { level: 9 });
}

export function decodeModel(file: Buffer): ServiceModel {
  const raw = gunzipSync(file);
  if (raw.subarray(0, 4).toString('latin1') !== MAGIC) throw new Error('Not a triage model file');
  const jsonLen = raw.readUInt32LE(4);
  const header = JSON.parse(raw.subarray(8, 8 + jsonLen).toString('utf8')) as ModelHeader;
  const nClasses = header.labels.length;
  const size = 1 << header.features.bits;
  const bodyStart = 8 + jsonLen;
  // Two passes over the body: count the non-zero weights, then fill exactly sized arrays.
  const walk = (visit: (bucket: number, p: number) => void): void => {
    let p = bodyStart;
    let bucket = -1;
    for (let row = 0; row < header.usedBuckets; row++) {
      let delta = 0;
      let shift = 0;
      for (;;) {
        const byte = raw[p++] ?? 0;
        delta |= (byte & 0x7f) << shift;
        if (byte < 0x80) break;
        shift += 7;
      }
      bucket += delta;
      visit(bucket, p);
      p += 1 + nClasses;
    }
  };
  let nonZero = 0;
  walk((_, p) => {
    for (let k = 1; k <= nClasses; k++) if (raw[p + k] !== 0) nonZero++;
  });
  const idf = new Uint8Array(size);
  const starts = new Int32Array(size + 1);
  const entries = new Uint16Array(nonZero);
  let filled = 0;
  let next = 0; // first bucket whose start is not yet set
  walk((bucket, p) => {
    while (next <= bucket) starts[next++] = filled;
    idf[bucket] = raw[p] ?? 0;
    for (let k = 0; k < nClasses; k++) {
      const q = raw[p + 1 + k] ?? 0;
      if (q !== 0) entries[filled++] = (k << 8) | q;
    }
  });
  while (next <= size) starts[next++] = filled;
  return { header, idf, starts, entries };
}
