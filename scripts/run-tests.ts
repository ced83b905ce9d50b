/**
 * `npm test`: starts one embedded PostgreSQL for the run, then runs every test file with
 * Node's test runner (unit tests beside the code, integration tests in test/, browser tests
 * in e2e/). When TEST_DATABASE_URL is set (CI sets it to the machine's PostgreSQL 15), the
 * database tests run a second time against that server, so the oldest supported version and
 * the embedded one are both proved. Ends with one "N passed, N failed" line for the whole run.
 *
 * Arguments filter files: `npm test -- test/accounts` runs only matching files.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/index.ts';
import { createLogger } from '../src/logger.ts';

const filters = process.argv.slice(2);

async function listTests(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listTests(p)));
    else if (entry.name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

type Counts = { passed: number; failed: number; skipped: number };

function runNodeTests(files: string[], env: NodeJS.ProcessEnv, label: string): Promise<Counts> {
  return new Promise((resolve) => {
    process.stdout.write(`\n# ${label}: ${files.length} file(s)\n`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let tail = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-200_000);
    });
    child.on('close', (code) => {
      const read = (name: string) =>
        Number([...tail.matchAll(new RegExp(`ℹ ${name} (\\d+)`, 'g'))].at(-1)?.[1] ?? 0);
      const counts = {
        passed: read('pass'),
        failed: read('fail') + read('cancelled'),
        skipped: read('skipped') + read('todo'),
      };
      if (code !== 0 && counts.failed === 0) counts.failed = 1;
      resolve(counts);
    });
  });
}

const all = [...(await listTests('src')), ...(await listTests('test')), ...(await listTests('e2e'))];
const files = filters.length ? all.filter((f) => filters.some((x) => f.includes(x))) : all;

const dataDir = path.resolve('.tmp', `test-pg-${randomBytes(4).toString('hex')}`);
const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), log });
const adminUrl = server.url.replace(/\/townsquare$/, '/postgres');

const total: Counts = { passed: 0, failed: 0, skipped: 0 };
const add = (c: Counts) => {
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
};
try {
  add(await runNodeTests(files, { TEST_PG_URL: adminUrl }, 'embedded PostgreSQL'));
  const external = process.env.TEST_DATABASE_URL;
  const again = files.filter((f) => f.startsWith('test/'));
  if (external && again.length)
    add(await runNodeTests(again, { TEST_PG_URL: external }, `TEST_DATABASE_URL`));
} finally {
  await server.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
}
process.stdout.write(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
process.exit(total.failed > 0 ? 1 : 0);
