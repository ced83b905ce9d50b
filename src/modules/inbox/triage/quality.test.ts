// The committed model must keep its quality: a fixed sample of 1,000 london-dev rows (mixed rows
// left out) must stay above floors set a little under the measured figures. Skipped when the
// shared data is not present (e.g. outside the development environment).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCsv } from '../../councils/index.ts';
import { scoreLabels } from './metrics.ts';
import { loadServiceClassifier } from './service-classifier.ts';

const devFile = path.resolve(import.meta.dirname, '../../../../../shared/data/fixmystreet/london-dev.csv');

describe('service model quality on london-dev', { skip: !existsSync(devFile) && 'no ../shared/data' }, () => {
  it('keeps area and category accuracy above their floors on 1,000 dev rows', async () => {
    const [header, ...rows] = parseCsv(readFileSync(devFile, 'utf8'));
    const col = (n: string) => header?.indexOf(n) ?? -1;
    const usable = rows.filter((r) => r[col('mixed')] === '0');
    // Every k-th row: a fixed, spread-out sample, the same on every run.
    const step = Math.floor(usable.length / 1000);
    const sample = usable.filter((_, i) => i % step === 0).slice(0, 1000);
    const clf = await loadServiceClassifier();
    const truth: string[] = [];
    const pred: string[] = [];
    for (const r of sample) {
      truth.push(`${r[col('area')]}/${r[col('category')]}`);
      const p = clf.classify(`${r[col('title')]}\n${r[col('detail')]}`);
      pred.push(`${p.area}/${p.category}`);
    }
    const s = scoreLabels(truth, pred);
    assert.ok(s.area_accuracy > 0.94, `area accuracy ${s.area_accuracy}`);
    assert.ok(s.category_accuracy > 0.87, `category accuracy ${s.category_accuracy}`);
  });
});
