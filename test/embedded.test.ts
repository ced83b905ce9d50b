/**
 * The embedded PostgreSQL: initialises an empty data directory, and survives `kill -9` of the
 * Townsquare process (its server left running) and of the whole process group (a crash that
 * takes the server down too), starting again on the same data with nothing lost.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

// Under the project, not /tmp: as root, the server runs as `postgres`, which must be able to
// reach the data directory.
const dataDir = path.resolve('.tmp', `embedded-${randomBytes(4).toString('hex')}`);
const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');

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

type Run = { child: ChildProcess; slugs: string[] };

/** Starts the child and waits for its `ready` line. */
async function start(port: number, args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/embedded-child.ts', ...args], {
    env: {
      ...process.env,
      TOWNSQUARE_DATA_DIR: dataDir,
      TOWNSQUARE_PG_PORT: String(port),
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that a test can kill it together with its PostgreSQL.
    detached: true,
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const slugs = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child not ready in 60 s: ${err}`)), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = /^ready (.+)$/m.exec(out);
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line[1]!) as { slugs: string[] }).slugs);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code} before ready: ${err}`));
    });
  });
  return { child, slugs };
}

async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function postmasterPid(): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await fs.readFile(pidFile, 'utf8')).split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

// scripts/run-tests.ts runs test/ twice when TEST_DATABASE_URL is set; this file never uses
// the test server, so the second run would only repeat the first.
const isExternalPass =
  process.env.TEST_DATABASE_URL !== undefined && process.env.TEST_PG_URL === process.env.TEST_DATABASE_URL;

describe('embedded PostgreSQL', { skip: isExternalPass && 'proved in the embedded pass' }, () => {
  let port: number;
  const children: ChildProcess[] = [];

  before(async () => {
    port = await freePort();
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    const pid = await postmasterPid();
    if (pid && isAlive(pid)) {
      process.kill(pid, 'SIGINT');
      for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('initialises an empty data directory', async () => {
    assert.equal(existsSync(dataDir), false);
    const run = await start(port, ['hold', 'before-kill']);
    children.push(run.child);
    assert.deepEqual(run.slugs, ['before-kill']);
    assert.ok(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION')));
    assert.ok(existsSync(path.join(dataDir, 'postgres.password')));
    assert.equal((await fs.stat(path.join(dataDir, 'postgres.password'))).mode & 0o777, 0o600);
  });

  it('starts again on the same data after the process is killed with SIGKILL, its server left running', async () => {
    const first = children.at(-1)!;
    first.kill('SIGKILL');
    await exited(first);
    const leftover = await postmasterPid();
    assert.ok(leftover && isAlive(leftover), 'the killed process left its PostgreSQL running');

    const run = await start(port, ['hold', 'after-first-kill']);
    children.push(run.child);
    assert.deepEqual(run.slugs, ['after-first-kill', 'before-kill']);
    assert.equal(isAlive(leftover), false, 'the leftover server was stopped');
    assert.notEqual(await postmasterPid(), leftover);
  });

  it('starts again after the process and its server are killed together with SIGKILL', async () => {
    const second = children.at(-1)!;
    const server = await postmasterPid();
    assert.ok(server);
    process.kill(-second.pid!, 'SIGKILL');
    await exited(second);
    for (let i = 0; i < 100 && isAlive(server); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(isAlive(server), false, 'the server died with the process group');

    const run = await start(port, ['check']);
    children.push(run.child);
    assert.deepEqual(run.slugs, ['after-first-kill', 'before-kill']);
    assert.equal(await exited(run.child), 0, 'a clean shutdown');
    assert.equal(await postmasterPid(), undefined, 'the server stopped with it');
  });
});
