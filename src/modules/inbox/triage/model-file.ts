/**
 * The service model's file format: gzip of a small JSON header, then per used hash bucket its index
 * (delta-coded varint), its idf (uint8, quantised) and one int8 weight per class.
 *
 * Buckets a training document never reached carry no weight and are left out, so the file grows
 * with what was learned, not with the hash space.
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
  /** Free text: how and from what the model was built. */
  readonly provenance: string;
}

export interface ServiceModel {
  readonly header: ModelHeader;
  /** idf per bucket (0 = unused). */
  readonly idf: Float32Array;
  /** Row per bucket into `weights`, or -1 when unused. */
  readonly rowOf: Int32Array;
  /** Row-major [row][class] quantised weights. */
  readonly weights: Int8Array;
}

const MAGIC = 'TSQ1';

/** Encodes a trained model; `weights` is class-major float per bucket ([class][bucket]). */
export function encodeModel(
  header: Omit<ModelHeader, 'scales' | 'usedBuckets' | 'idfScale'>,
  idf: Float32Array,
  weights: readonly Float32Array[],
): Buffer {
  const nClasses = weights.length;
  const scales = weights.map((w) => {
    let max = 0;
    for (const v of w) max = Math.max(max, Math.abs(v));
    return max > 0 ? max / 127 : 1;
  });
  let idfMax = 0;
  for (const v of idf) idfMax = Math.max(idfMax, v);
  const idfScale = idfMax > 0 ? idfMax / 255 : 1;
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
    body.push(Math.max(1, Math.round((idf[b] ?? 0) / idfScale)));
    for (let k = 0; k < nClasses; k++) {
      const q = Math.round((weights[k]?.[b] ?? 0) / (scales[k] ?? 1));
      body.push(q & 0xff);
    }
  }
  const full: ModelHeader = { ...header, scales, idfScale, usedBuckets: used.length };
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
  const idf = new Float32Array(size);
  const rowOf = new Int32Array(size).fill(-1);
  const weights = new Int8Array(header.usedBuckets * nClasses);
  let p = 8 + jsonLen;
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
    idf[bucket] = (raw[p++] ?? 0) * header.idfScale;
    rowOf[bucket] = row;
    for (let k = 0; k < nClasses; k++) weights[row * nClasses + k] = ((raw[p++] ?? 0) << 24) >> 24;
  }
  return { header, idf, rowOf, weights };
}
