import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countGraphemes, countMastodon } from './text.ts';

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const bySegmenter = (text: string) => [...segmenter.segment(text)].length;

/** A deterministic generator, so a failure names a string that can be reproduced. */
function* randomStrings(seed: number, alphabet: string[], count: number): Generator<string> {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x;
  };
  for (let i = 0; i < count; i += 1) {
    let s = '';
    const length = next() % 40;
    for (let j = 0; j < length; j += 1) s += alphabet[next() % alphabet.length];
    yield s;
  }
}

describe('countGraphemes', () => {
  it('counts Latin text (the fast path) exactly as the segmenter does, CR LF as one', () => {
    const latin = [...Array(0x300).keys()].map((c) => String.fromCharCode(c));
    for (const text of randomStrings(7, [...latin, '\r\n', '\r', '\n'], 3000))
      assert.equal(countGraphemes(text), bySegmenter(text), JSON.stringify(text));
    assert.equal(countGraphemes('Ffordd ar gau: Heol y Bont, ŵyl, ŷd'), 35);
    assert.equal(countGraphemes('a\r\nb'), 3);
  });

  it('counts combining marks, emoji sequences and flags as one character each', () => {
    assert.equal(countGraphemes('e\u0301'), 1);
    assert.equal(countGraphemes('👩‍👩‍👧 🏴󠁧󠁢󠁷󠁬󠁳󠁿 🇬🇧 👍🏽'), 7);
    const mixed = ['a', 'é', 'e\u0301', '🇬🇧', '👍🏽', ' ', '\r\n', 'ŵ', 'ا', '한'];
    for (const text of randomStrings(11, mixed, 2000))
      assert.equal(countGraphemes(text), bySegmenter(text), JSON.stringify(text));
  });

  it('counts a Mastodon link as 23 characters whatever its length', () => {
    assert.equal(countMastodon(`See https://example.org/${'x'.repeat(100)} now`), 4 + 23 + 4);
  });
});
