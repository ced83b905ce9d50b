/**
 * `npm run test:channels`: runs only test/channels/*.contract.test.ts with Node's test runner
 * (one process per file, TAP output) and prints one line per connector from its
 * `channel contract: <name>` suite, e.g. `bluesky: 12 passed, 0 failed, 0 skipped`. A file's
 * other tests get their own line, so a failure there is never hidden. Exits 1 on any failure.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

type Counts = { passed: number; failed: number; skipped: number };
type FileResult = { file: string; suites: Map<string, Counts>; other: Counts; exitCode: number };

const dir = path.join('test', 'channels');
const filters = process.argv.slice(2);
const files = (await fs.readdir(dir))
  .filter(
    (f) => f.endsWith('.contract.test.ts') && (filters.length === 0 || filters.some((x) => f.includes(x))),
  )
  .sort()
  .map((f) => path.join(dir, f));

const empty = (): Counts => ({ passed: 0, failed: 0, skipped: 0 });

/**
 * Counts the tests directly inside each `channel contract: <name>` suite; every other leaf
 * result at any depth counts as the file's own tests. Node's TAP nests a subtest's lines four
 * spaces deeper than its parent's `# Subtest:` line.
 */
function parseTap(tap: string): { suites: Map<string, Counts>; other: Counts } {
  const suites = new Map<string, Counts>();
  const other = empty();
  let suite: { name: string; indent: number } | undefined;
  const lines = tap.split('\n');
  for (const [i, line] of lines.entries()) {
    const start = /^(\s*)# Subtest: channel contract: (.+)$/u.exec(line);
    if (start) {
      suite = { name: start[2]!.trim(), indent: start[1]!.length };
      suites.set(suite.name, empty());
      continue;
    }
    const result = /^(\s*)(not )?ok \d+ - (.*)$/u.exec(line);
    if (!result) continue;
    const indent = result[1]!.length;
    if (suite && indent <= suite.indent) {
      suite = undefined;
      continue;
    }
    // A line followed by a deeper "1..n" plan is a suite, not a leaf test; skip suites.
    const isSuite = /type: 'suite'/u.test(lines.slice(i + 1, i + 4).join('\n'));
    if (isSuite) continue;
    const counts = suite && indent === suite.indent + 4 ? suites.get(suite.name)! : other;
    if (/# SKIP\b|# TODO\b/iu.test(result[3]!)) counts.skipped += 1;
    else if (result[2]) counts.failed += 1;
    else counts.passed += 1;
  }
  return { suites, other };
}

function runFile(file: string): Promise<FileResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let tap = '';
    child.stdout.on('data', (chunk: Buffer) => (tap += chunk.toString()));
    child.on('close', (code) => {
      const failures = tap.split('\n').filter((l) => /^\s*not ok \d+ - /u.test(l));
      if (failures.length > 0) process.stderr.write(`${file}:\n${failures.join('\n')}\n`);
      resolve({ file, ...parseTap(tap), exitCode: code ?? 1 });
    });
  });
}

const format = (c: Counts) => `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;
// Files run in parallel: each starts its own peers on free ports.
const results = await Promise.all(files.map(runFile));
let isFailed = false;
for (const r of results) {
  for (const [name, c] of r.suites) {
    process.stdout.write(`${name}: ${format(c)}\n`);
    if (c.failed > 0) isFailed = true;
  }
  const own = r.other;
  if (own.passed + own.failed + own.skipped > 0)
    process.stdout.write(`  (${path.basename(r.file)}, other tests: ${format(own)})\n`);
  if (r.suites.size === 0) process.stdout.write(`${path.basename(r.file)}: no channel contract suite ran\n`);
  if (own.failed > 0 || r.exitCode !== 0 || r.suites.size === 0) isFailed = true;
}
process.exitCode = isFailed ? 1 : 0;
