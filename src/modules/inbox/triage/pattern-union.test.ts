// The quick "can any rule fire?" unions must match exactly where one of their rules does, or a
// rule would be skipped (an emergency missed) or tried for nothing. Checked on hand-written edge
// cases and, when the shared data is present, on every london-dev text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCsv } from '../../councils/index.ts';
import { SERVICE_KEYWORDS, normaliseForKeywords } from './curated/keywords.ts';
import { forEachWord } from './language.ts';
import { topLevelAlternatives, unionOf } from './pattern-union.ts';
import { URGENCY_RULES } from './urgency.rules.ts';
import { normaliseForRules } from './urgency.ts';

const devFile = path.resolve(import.meta.dirname, '../../../../../shared/data/fixmystreet/london-dev.csv');

const edgeCases = [
  '',
  'I can smell gas in the kitchen',
  'no smell of gas now',
  'my bin was not collected again',
  '#noise from next door all night',
  'council tax bill is wrong',
  'the wall has collapsed onto the pavement',
  'a-boards blocking the pavement',
  'Mae sbwriel ar y stryd ers wythnos',
  'xgas leak', // a word boundary is needed
  'he threatened to kill me',
];

function texts(): string[] {
  if (!existsSync(devFile)) return edgeCases;
  const [header, ...rows] = parseCsv(readFileSync(devFile, 'utf8'));
  const col = (n: string) => header?.indexOf(n) ?? -1;
  return [...edgeCases, ...rows.map((r) => `${r[col('title')]}\n${r[col('detail')]}`)];
}

describe('pattern unions', () => {
  it('splits only at top-level bars', () => {
    assert.deepEqual(topLevelAlternatives(String.raw`\ba|b(?:c|d)|[|]e|\|f`), [
      String.raw`\ba`,
      'b(?:c|d)',
      '[|]e',
      String.raw`\|f`,
    ]);
  });

  it('matches exactly where one of its patterns does', () => {
    const all = texts();
    for (const [name, patterns, normalise] of [
      ['service keywords', SERVICE_KEYWORDS.map((r) => r.pattern), normaliseForKeywords],
      ['urgency rules', URGENCY_RULES.map((r) => r.pattern), normaliseForRules],
    ] as const) {
      const union = unionOf(patterns);
      let fired = 0;
      for (const t of all) {
        const s = normalise(t);
        const expected = patterns.some((p) => p.test(s));
        if (expected) fired++;
        assert.equal(union.test(s), expected, `${name}: ${JSON.stringify(s.slice(0, 80))}`);
      }
      assert.ok(fired > 0, `${name}: no text fired any rule, so the check proved nothing`);
    }
  });

  it('finds the words that the letters-and-apostrophes pattern found', () => {
    for (const t of [
      ...texts().slice(0, 3000),
      'y’r bin ddim, o’r stryd',
      '𝐌𝐚𝐞 sbwriel ar y stryd',
      'lone \ud800 surrogate, \udc00 another and a pair \ud83d\ude00 at the end \ud800',
      'Śmieci nie zostały odebrane; لم يتم جمع القمامة',
    ]) {
      const lower = t.toLowerCase();
      const expected = [...lower.matchAll(/[\p{L}’']+/gu)].map((m) => m[0].replace(/’/g, "'"));
      const found: string[] = [];
      forEachWord(lower, (w) => found.push(w));
      assert.deepEqual(found, expected);
    }
  });
});
