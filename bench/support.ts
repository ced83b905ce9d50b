/**
 * Shared helpers for the benchmarks: free ports, temporary data directories, spawning and
 * stopping the service like `npm start` does, reading memory from /proc. Not a benchmark
 * itself (only files named *.bench.ts are).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One figure: printed as `name: value unit`. */
export type Measurement = { name: string; value: number; unit: string };

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The password of every demo staff account in a benchmark run. */
export const demoPassword = 'bench-demo-password-0123';

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

// Cleanup on Ctrl-C: children are stopped and temporary directories removed.
const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let isInterrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (isInterrupted) return;
    isInterrupted = true;
    process.stderr.write(`\n# ${signal}: stopping benchmark children and removing temporary directories\n`);
    void Promise.all([...liveChildren].map((c) => stopChild(c)))
      .then(() => Promise.all([...liveDirs].map((d) => removeDir(d))))
      .finally(() => process.exit(130));
  });
}

/**
 * A fresh directory under .tmp/. Mode 0755, not mkdtemp's 0700: when the benchmark runs as
 * root, PostgreSQL runs as the unprivileged `postgres` user and must be able to reach it.
 */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = path.join(repoRoot, '.tmp', `bench-${prefix}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  await fs.chmod(dir, 0o755);
  liveDirs.add(dir);
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true, maxRetries: 3 });
  liveDirs.delete(dir);
}

export type Child = {
  process: ChildProcess;
  pid: number;
  /** The last few kilobytes of stdout and stderr, for error messages. */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/** Spawns the Node binary running this benchmark (Node 22 from the `node` package under npm). */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not spawn ${process.execPath}`);
  liveChildren.add(child);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      resolve({ code, signal });
    });
  });
  return { process: child, pid: child.pid, output: () => tail, exited };
}

/** SIGTERM, then wait for the exit; SIGKILL only if it does not stop within the timeout. */
export async function stopChild(child: Child | ChildProcess, timeoutMs = 30_000): Promise<number> {
  const proc = 'process' in child ? child.process : child;
  const started = performance.now();
  if (proc.exitCode !== null || proc.signalCode !== null) return 0;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = sleep(timeoutMs).then(() => 'timeout' as const);
  if ((await Promise.race([exited, timer])) === 'timeout') {
    process.stderr.write(`# child ${proc.pid} did not stop within ${timeoutMs} ms: killing it\n`);
    proc.kill('SIGKILL');
    await exited;
  }
  return performance.now() - started;
}

/** Stops the service with SIGTERM and fails unless it exits with status 0 (a clean shutdown). */
export async function stopCleanly(child: Child): Promise<number> {
  const ms = await stopChild(child);
  const { code, signal } = await child.exited;
  if (code !== 0) {
    throw new Error(
      `the service did not stop cleanly (status ${code}, signal ${signal}):\n${child.output()}`,
    );
  }
  return ms;
}

/** The status code of GET url, or undefined when nothing answers. No keep-alive. */
export function httpStatus(url: string, timeoutMs = 1000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/**
 * Polls url every few milliseconds until it answers 200. Returns the time since `since`
 * (a performance.now() value). Fails if the child exits first or the deadline passes.
 */
export async function waitFor200(
  url: string,
  child: Child,
  since: number,
  timeoutMs = 120_000,
): Promise<number> {
  let hasExited = false;
  void child.exited.then(() => {
    hasExited = true;
  });
  while (performance.now() - since < timeoutMs) {
    if ((await httpStatus(url, 500)) === 200) return performance.now() - since;
    if (hasExited) throw new Error(`the process exited before ${url} answered 200:\n${child.output()}`);
    await sleep(10);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${child.output()}`);
}

/** The environment of `npm start` on a given data directory and ports, and nothing inherited that would change it. */
export function serviceEnv(dataDir: string, port: number, pgPort: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      key.startsWith('TOWNSQUARE_') ||
      ['DATABASE_URL', 'PORT', 'HOST', 'LOG_LEVEL', 'NODE_ENV'].includes(key)
    )
      continue;
    env[key] = value;
  }
  return {
    ...env,
    TOWNSQUARE_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    TOWNSQUARE_PG_PORT: String(pgPort),
    TOWNSQUARE_DEMO_PASSWORD: demoPassword,
  };
}

export type RunningService = { child: Child; port: number; readyMs: number };

/** `npm start` (node --import tsx src/cli.ts all) on dataDir, timed from spawn to /readyz 200. */
export async function startService(dataDir: string): Promise<RunningService> {
  const port = await freePort();
  const pgPort = await freePort();
  const started = performance.now();
  const child = spawnNode(['--import', 'tsx', 'src/cli.ts', 'all'], serviceEnv(dataDir, port, pgPort));
  try {
    const readyMs = await waitFor200(`http://127.0.0.1:${port}/readyz`, child, started);
    return { child, port, readyMs };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/** A bare Node process serving 200 from node:http: the floor of spawn-to-200. */
export async function startBareHttp(): Promise<RunningService> {
  const port = await freePort();
  const started = performance.now();
  const source = `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
  const child = spawnNode(['-e', source], { ...process.env });
  try {
    const readyMs = await waitFor200(`http://127.0.0.1:${port}/`, child, started);
    return { child, port, readyMs };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

// /proc ---------------------------------------------------------------------------------------

/** Resident (VmRSS) and proportional (Pss, when smaps_rollup exists) memory, in KiB. */
export type ProcessMemory = { pid: number; rssKiB: number; pssKiB: number | undefined };

async function readKiB(file: string, key: string): Promise<number | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  const match = text ? new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text) : null;
  return match ? Number(match[1]) : undefined;
}

export async function processMemory(pid: number): Promise<ProcessMemory> {
  const rssKiB = await readKiB(`/proc/${pid}/status`, 'VmRSS');
  if (rssKiB === undefined) throw new Error(`cannot read /proc/${pid}/status (has the process exited?)`);
  return { pid, rssKiB, pssKiB: await readKiB(`/proc/${pid}/smaps_rollup`, 'Pss') };
}

/** Every process whose parent chain leads to pid (not pid itself), from /proc/<pid>/stat. */
export async function descendants(pid: number): Promise<number[]> {
  const parentOf = new Map<number, number>();
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    // The command name is in parentheses and may itself hold spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    parentOf.set(Number(entry), Number(fields[1]));
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** The postmaster's pid from <pgDir>/postmaster.pid. */
export async function postmasterPid(pgDir: string): Promise<number> {
  const text = await fs.readFile(path.join(pgDir, 'postmaster.pid'), 'utf8');
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${pgDir}/postmaster.pid`);
  return pid;
}

export const mib = (kib: number) => round(kib / 1024, 1);
