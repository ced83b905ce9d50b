// The CLI path: order, bad lines, huge and binary input, streaming.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { runTriageCli } from './cli.ts';
import { createTriage, type Triage } from './triage.ts';

let t: Triage;
before(async () => {
  t = await createTriage();
});

async function run(input: Array<string | Buffer>): Promise<Array<Record<string, unknown>>> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await runTriageCli(Readable.from(input), out, t);
  out.end();
  const text = Buffer.concat(chunks).toString('utf8');
  assert.ok(text === '' || text.endsWith('\n'));
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('triage CLI', () => {
  it('answers every line in order with the documented fields', async () => {
    const lines = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({ id: `m${i}`, text: i % 2 ? 'Pothole on Hewlett Road' : 'Graffiti on the bridge' }),
    );
    const got = await run([lines.join('\n') + '\n']);
    assert.deepEqual(
      got.map((r) => r.id),
      lines.map((_, i) => `m${i}`),
    );
    assert.deepEqual(Object.keys(got[0] ?? {}), [
      'id',
      'area',
      'category',
      'intent',
      'sentiment',
      'urgency',
      'language',
      'places',
      'confidence',
    ]);
  });

  it('reports a bad line with its id when it can, and carries on', async () => {
    const got = await run([
      '{"id":"a","text":"Dog fouling"}\n{"id":"b","text": oops}\n[1,2]\n{"id":7}\n{"id":"c","text":"Graffiti"}\n',
    ]);
    assert.deepEqual(
      got.map((r) => [r.id, typeof r.error]),
      [
        ['a', 'undefined'],
        ['b', 'string'],
        [null, 'string'],
        [7, 'string'],
        ['c', 'undefined'],
      ],
    );
  });

  it('joins lines split across chunks, including inside a multi-byte character', async () => {
    const line = Buffer.from(JSON.stringify({ id: 'x', text: 'Sbwriel ar y stryd — diolch 🙂' }) + '\n');
    const got = await run([line.subarray(0, 45), line.subarray(45, 47), line.subarray(47)]);
    assert.equal(got[0]?.id, 'x');
    assert.equal(got[0]?.error, undefined);
  });

  it('copes with 1 MB text, binary, invalid UTF-8, CRLF and a missing final newline', async () => {
    const big = JSON.stringify({ id: 'big', text: 'fly tipping '.repeat(90_000) });
    const binary = Buffer.concat([
      Buffer.from('{"id":"bin","text":"'),
      Buffer.from([0xff, 0xfe, 0x00, 0x80]),
      Buffer.from('"}\r\n'),
    ]);
    const junk = Buffer.from([0x00, 0x01, 0xff, 0x0a]);
    const got = await run([big + '\n', binary, junk, '{"id":"last","text":"Street light out"}']);
    assert.deepEqual(
      got.map((r) => [r.id, r.error === undefined]),
      [
        ['big', true],
        ['bin', false], // raw control bytes inside a JSON string are invalid JSON
        [null, false],
        ['last', true],
      ],
    );
  });

  it('skips blank lines', async () => {
    const got = await run(['\n\n{"id":1,"text":"Litter"}\n\n']);
    assert.equal(got.length, 1);
  });
});
