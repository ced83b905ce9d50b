/**
 * Trains the triage service classifier and writes src/modules/inbox/triage/model/service-model.bin.
 *
 *   node --import tsx scripts/train-triage.ts [--data ../shared/data] [--c 0.5] [--bits 20]
 *        [--title 0.5] [--curated-weight 1] [--prune 4] [--dry-run]
 *
 * Data: FixMyStreet London reports (train split, mixed=1 rows left out; text = title, newline,
 * detail; label = the taxonomy pair) plus the project's curated examples for services FixMyStreet
 * does not cover (src/modules/inbox/triage/curated). Model: hashed word 1-2-gram, char_wb 2-5-gram
 * and title-word TF-IDF features (features.ts), one-vs-rest L2-loss linear SVM solved exactly by
 * dual coordinate descent (the liblinear algorithm LinearSVC uses), with a fixed-seed shuffle so the
 * file is byte-for-byte reproducible. Scores on london-dev (mixed left out) are printed; dev also
 * picks the softmax temperature for the confidence figures. The holdout is never read.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseCsv } from '../src/modules/councils/gazetteer/gazetteer.ts';
import { curatedExamples } from '../src/modules/inbox/triage/curated/index.ts';
import {
  FeatureExtractor,
  prepareForClassification,
  type FeatureConfig,
} from '../src/modules/inbox/triage/features.ts';
import { decodeModel, encodeModel } from '../src/modules/inbox/triage/model-file.ts';
import { ServiceClassifier } from '../src/modules/inbox/triage/service-classifier.ts';
import { repoRoot } from '../bench/support.ts';
import { scoreLabels } from '../src/modules/inbox/triage/metrics.ts';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(repoRoot, '..', 'shared', 'data') },
    c: { type: 'string', default: '0.5' },
    bits: { type: 'string', default: '20' },
    title: { type: 'string', default: '0.5' },
    'curated-weight': { type: 'string', default: '1' },
    balance: { type: 'string', default: '0' },
    'min-df': { type: 'string', default: '2' },
    'led-below': { type: 'string', default: '20' },
    prune: { type: 'string', default: '4' },
    'dry-run': { type: 'boolean', default: false },
  },
});

type Doc = { text: string; label: string; weight: number };

function readFms(file: string): Doc[] {
  const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
  if (!header) throw new Error(`${file} is empty`);
  const col = (n: string) => header.indexOf(n);
  const [t, d, a, c, m] = ['title', 'detail', 'area', 'category', 'mixed'].map(col);
  return rows
    .filter((r) => r[m ?? -1] === '0')
    .map((r) => ({
      text: `${r[t ?? -1] ?? ''}\n${r[d ?? -1] ?? ''}`,
      label: `${r[a ?? -1] ?? ''}/${r[c ?? -1] ?? ''}`,
      weight: 1,
    }));
}

/** The taxonomy's labels, and its label and example phrases as extra curated examples. */
function readTaxonomy(file: string): { labels: string[]; examples: Doc[] } {
  const [, ...rows] = parseCsv(readFileSync(file, 'utf8'));
  const labels = rows.map((r) => `${r[0] ?? ''}/${r[1] ?? ''}`);
  const examples = rows.flatMap((r, i) =>
    [r[2] ?? '', ...(r[3] ?? '').split(';')]
      .map((t) => t.trim())
      .filter((t) => t !== '')
      .map((text) => ({ text, label: labels[i] ?? '', weight: 1 })),
  );
  return { labels, examples };
}

/** Mulberry32: small, fast and good enough for a shuffle that must be the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Csr = { offsets: Int32Array; idx: Int32Array; val: Float32Array; sq: Float64Array };

function vectorise(docs: readonly Doc[], fx: FeatureExtractor): Csr {
  const idx: number[] = [];
  const val: number[] = [];
  const offsets = new Int32Array(docs.length + 1);
  const sq = new Float64Array(docs.length);
  docs.forEach((doc, i) => {
    const v = fx.extract(prepareForClassification(doc.text));
    let s = 1; // the bias feature
    for (let j = 0; j < v.length; j++) {
      idx.push(v.idx[j] ?? 0);
      const x = v.val[j] ?? 0;
      val.push(x);
      s += x * x;
    }
    sq[i] = s;
    offsets[i + 1] = idx.length;
  });
  return { offsets, idx: Int32Array.from(idx), val: Float32Array.from(val), sq };
}

/** One-vs-rest L2-loss SVM by dual coordinate descent with shrinking (Hsieh et al. 2008). */
function trainBinary(
  x: Csr,
  y: Int8Array,
  cost: Float64Array,
  dim: number,
  seed: number,
): { w: Float32Array; bias: number } {
  const n = y.length;
  const w = new Float64Array(dim + 1); // last slot: bias feature (value 1), regularised like liblinear
  const alpha = new Float64Array(n);
  const diag = new Float64Array(n);
  for (let i = 0; i < n; i++) diag[i] = 0.5 / (cost[i] ?? 1);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rand = rng(seed);
  let active = n;
  let pgMaxOld = Infinity;
  let pgMinOld = -Infinity;
  const eps = 0.1;
  for (let iter = 0; iter < 200; iter++) {
    for (let i = 0; i < active; i++) {
      const j = i + Math.floor(rand() * (active - i));
      const tmp = order[i] ?? 0;
      order[i] = order[j] ?? 0;
      order[j] = tmp;
    }
    let pgMax = -Infinity;
    let pgMin = Infinity;
    for (let s = 0; s < active; s++) {
      const i = order[s] ?? 0;
      const yi = y[i] ?? 1;
      const a = x.offsets[i] ?? 0;
      const b = x.offsets[i + 1] ?? 0;
      let dot = w[dim] ?? 0;
      for (let p = a; p < b; p++) dot += (w[x.idx[p] ?? 0] ?? 0) * (x.val[p] ?? 0);
      const ai = alpha[i] ?? 0;
      const g = yi * dot - 1 + ai * (diag[i] ?? 0);
      let pg = 0;
      if (ai === 0) {
        if (g > pgMaxOld) {
          // Shrink: this example is comfortably outside the margin.
          active--;
          order[s] = order[active] ?? 0;
          order[active] = i;
          s--;
          continue;
        }
        if (g < 0) pg = g;
      } else pg = g;
      pgMax = Math.max(pgMax, pg);
      pgMin = Math.min(pgMin, pg);
      if (Math.abs(pg) > 1e-12) {
        const next = Math.max(ai - g / ((x.sq[i] ?? 1) + (diag[i] ?? 0)), 0);
        const d = (next - ai) * yi;
        alpha[i] = next;
        for (let p = a; p < b; p++) {
          const k = x.idx[p] ?? 0;
          w[k] = (w[k] ?? 0) + d * (x.val[p] ?? 0);
        }
        w[dim] = (w[dim] ?? 0) + d;
      }
    }
    if (pgMax - pgMin <= eps) {
      if (active === n) break;
      active = n;
      pgMaxOld = Infinity;
      pgMinOld = -Infinity;
      continue;
    }
    pgMaxOld = pgMax <= 0 ? Infinity : pgMax;
    pgMinOld = pgMin >= 0 ? -Infinity : pgMin;
  }
  void pgMinOld;
  return { w: Float32Array.from(w.subarray(0, dim)), bias: w[dim] ?? 0 };
}

function main(): void {
  const data = args.data ?? '';
  const features: FeatureConfig = {
    bits: Number(args.bits),
    charMin: 2,
    charMax: 5,
    titleWeight: Number(args.title),
  };
  const dim = 1 << features.bits;
  const taxonomy = readTaxonomy(path.join(data, 'taxonomy', 'service-areas.csv'));
  const labels = taxonomy.labels;
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const fms = readFms(path.join(data, 'fixmystreet', 'london-train.csv'));
  const dev = readFms(path.join(data, 'fixmystreet', 'london-dev.csv'));
  const curatedWeight = Number(args['curated-weight']);
  const curated: Doc[] = [...curatedExamples(), ...taxonomy.examples].map((e) => ({
    text: e.text,
    label: e.label,
    weight: curatedWeight,
  }));
  const train = [...fms, ...curated];
  for (const d of train) if (!labelIndex.has(d.label)) throw new Error(`Unknown label ${d.label}`);
  console.error(`train ${fms.length} FixMyStreet + ${curated.length} curated; dev ${dev.length}`);

  // Document frequency per bucket, then idf as scikit-learn computes it (smooth_idf).
  const raw = new FeatureExtractor(features, undefined);
  const df = new Int32Array(dim);
  const seen = new Uint8Array(dim);
  for (const d of train) {
    const v = raw.extract(prepareForClassification(d.text));
    const touched: number[] = [];
    for (let j = 0; j < v.length; j++) {
      const b = v.idx[j] ?? 0;
      if (seen[b] === 0) {
        seen[b] = 1;
        touched.push(b);
        df[b] = (df[b] ?? 0) + 1;
      }
    }
    for (const b of touched) seen[b] = 0;
  }
  const minDf = Number(args['min-df']);
  const idfFloat = new Float32Array(dim);
  let idfMax = 0;
  for (let b = 0; b < dim; b++) {
    const f = df[b] ?? 0;
    if (f >= minDf) idfFloat[b] = Math.log((1 + train.length) / (1 + f)) + 1;
    idfMax = Math.max(idfMax, idfFloat[b] ?? 0);
  }
  // Quantised to a byte as the model file stores it, and trained on exactly that.
  const idfScale = idfMax > 0 ? idfMax / 255 : 1;
  const idf = Uint8Array.from(idfFloat, (v) => (v > 0 ? Math.max(1, Math.round(v / idfScale)) : 0));
  const fx = new FeatureExtractor(features, idf);
  const x = vectorise(train, fx);
  console.error(`features: ${x.idx.length} non-zeros`);

  // Optional class balancing: cost * (median class size / class size) ^ balance.
  const counts = new Map<string, number>();
  for (const d of train) counts.set(d.label, (counts.get(d.label) ?? 0) + 1);
  const balance = Number(args.balance);
  const sizes = [...counts.values()].sort((p, q) => p - q);
  const median = sizes[Math.floor(sizes.length / 2)] ?? 1;
  const c = Number(args.c);
  const cost = Float64Array.from(
    train,
    (d) => c * d.weight * Math.pow(median / (counts.get(d.label) ?? 1), balance),
  );

  const weights: Float32Array[] = [];
  const biases: number[] = [];
  const started = Date.now();
  labels.forEach((label, k) => {
    const y = Int8Array.from(train, (d) => (d.label === label ? 1 : -1));
    const { w, bias } = trainBinary(x, y, cost, dim, 1234 + k);
    weights.push(w);
    biases.push(bias);
  });
  console.error(`trained ${labels.length} classes in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // Dev: scores per class, then accuracy / macro-F1 and the softmax temperature.
  const devX = vectorise(dev, fx);
  const scores = dev.map((_, i) => {
    const a = devX.offsets[i] ?? 0;
    const b = devX.offsets[i + 1] ?? 0;
    return labels.map((__, k) => {
      let s = biases[k] ?? 0;
      const wk = weights[k] ?? new Float32Array(0);
      for (let p = a; p < b; p++) s += (wk[devX.idx[p] ?? 0] ?? 0) * (devX.val[p] ?? 0);
      return s;
    });
  });
  const truth = dev.map((d) => d.label);
  // Classes learned (almost) only from curated examples are held back by a margin: FixMyStreet
  // dev has none of them, but live messages do, so the margin is the smallest that keeps them from
  // firing on street reports, picked on dev from a short list and printed for the record.
  const fmsCounts = new Map<string, number>();
  for (const d of fms) fmsCounts.set(d.label, (fmsCounts.get(d.label) ?? 0) + 1);
  const curatedLed = labels.map((l) => (fmsCounts.get(l) ?? 0) < Number(args['led-below']));
  const decode = (margin: number) =>
    scores.map((s) => {
      let best = -Infinity;
      let arg = 0;
      s.forEach((v, k) => {
        const adj = curatedLed[k] ? v - margin : v;
        if (adj > best) {
          best = adj;
          arg = k;
        }
      });
      return labels[arg] ?? '';
    });
  let margin = 0;
  let bestF1 = -1;
  for (const m of [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0]) {
    const r = scoreLabels(truth, decode(m));
    console.error(`margin ${m}: ${JSON.stringify(r)}`);
    if (r.category_macro_f1 > bestF1 + 0.002) {
      bestF1 = r.category_macro_f1;
      margin = m;
    }
  }
  const pred = decode(margin);
  const truthSet = new Set(truth);
  const spurious = new Map<string, number>();
  for (const p of pred) if (!truthSet.has(p)) spurious.set(p, (spurious.get(p) ?? 0) + 1);
  console.error(`margin ${margin}; predicted but absent from dev: ${JSON.stringify([...spurious])}`);
  console.log(JSON.stringify(scoreLabels(truth, pred)));
  labels.forEach((_, k) => {
    if (curatedLed[k]) biases[k] = (biases[k] ?? 0) - margin;
  });

  let temperature = 1;
  let best = Infinity;
  for (const t of [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20]) {
    let nll = 0;
    scores.forEach((s, i) => {
      const m = Math.max(...s);
      const z = s.reduce((acc, v) => acc + Math.exp(t * (v - m)), 0);
      const ti = labelIndex.get(truth[i] ?? '') ?? 0;
      nll -= t * ((s[ti] ?? 0) - m) - Math.log(z);
    });
    if (nll < best) {
      best = nll;
      temperature = t;
    }
  }
  console.error(`softmax temperature ${temperature}`);
  const prune = Number(args.prune);

  const encode = (drop: number): Buffer =>
    encodeModel(
      {
        version: 1,
        features,
        labels,
        biases,
        temperature,
        idfScale,
        provenance:
          `Trained by scripts/train-triage.ts on FixMyStreet / mySociety London reports (train split, ` +
          `${fms.length} rows) and ${curated.length} curated examples; C=${c}, balance=${balance}, ` +
          `curated weight ${curatedWeight}, min_df ${minDf}, curated-led margin ${margin}, ` +
          `int8 weights of magnitude <= ${drop} dropped.`,
      },
      idf,
      weights,
      drop,
    );
  // The figures that count: the written file through the run-time classifier (quantisation,
  // pruning and the curated keyword layer included). A dry run also shows other pruning levels.
  const file = encode(prune);
  for (const drop of args['dry-run'] ? [0, 2, 3, 4, 6, 8] : [prune]) {
    const model = decodeModel(drop === prune ? file : encode(drop));
    const clf = new ServiceClassifier(model);
    const shipped = dev.map((d) => {
      const p = clf.classify(d.text);
      return `${p.area}/${p.category}`;
    });
    const extra = new Map<string, number>();
    for (const p of shipped) if (!truthSet.has(p)) extra.set(p, (extra.get(p) ?? 0) + 1);
    console.error(
      `as shipped (prune ${drop}, ${model.entries.length} weights): ` +
        `${JSON.stringify(scoreLabels(truth, shipped))}; predicted but absent from dev: ` +
        JSON.stringify([...extra]),
    );
  }
  if (args['dry-run']) return;
  const out = path.join(repoRoot, 'src', 'modules', 'inbox', 'triage', 'model');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'service-model.bin'), file);
  console.error(`wrote model/service-model.bin: ${(file.length / 1e6).toFixed(2)} MB`);
}

main();
