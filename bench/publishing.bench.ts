/**
 * Publishing at scale, `npm run bench -- publishing`:
 * 1. Lateness: N posts (default 1,000) due in the same minute across five channel accounts
 *    (five Mastodon contract servers), published by two worker processes: p50 and p99 of
 *    (published_at - scheduled_at), beside the bare pg-boss latency (the same number of no-op
 *    jobs with startAfter, fetched the same way) measured in the same run, in the minute before. The variant jobs are queued as the product queues
 *    them (variantJob: runnable a few seconds ahead, held by the workers until the minute).
 *    The workers report where each chunk's time went: the claim transaction, each request to
 *    a contract server (so a slow peer shows), and the record transaction.
 * 2. Crash: P posts (default 200) on the five accounts while the worker is killed with SIGKILL
 *    K times (default 20) at random moments: duplicates and losses (target zero of each).
 * BENCH_PUBLISHING_POSTS, BENCH_PUBLISHING_CRASH_POSTS and BENCH_PUBLISHING_KILLS scale it down.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PgBoss } from 'pg-boss';
import { loadConfig } from '../src/config.ts';
import { createContainer, type Services } from '../src/container.ts';
import { createDatabases, migrate, startEmbeddedPostgres } from '../src/db/index.ts';
import { createLogger } from '../src/logger.ts';
import { startMastodonServer, type MastodonServer } from '../test/peers/mastodon/server.ts';
import { connectMastodon, publishingCouncil } from '../test/publishing-fixtures.ts';
import { variantJob, variantLeadSeconds, type ChunkTiming } from '../src/modules/publishing/index.ts';
import { descendants, freePort, postmasterPid, repoRoot, round, sleep, type Measurement } from './support.ts';

export const about =
  'Publishing lateness for posts due in the same minute, and exactly-once under SIGKILL. The bare queue runs alone in the minute before the engine (until 2026-11-26 02:45 it ran in the same minute, which loaded both).';

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

const profileDir = process.env.BENCH_PUBLISHING_PROFILE;

/**
 * `fast` sweeps for the crash test; otherwise the production windows (requeue 60 s, lost job
 * 10 min). Chunk timings the worker prints are added to `timings`.
 */
function startWorker(url: string, fast = false, timings?: ChunkTiming[]): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      // BENCH_PUBLISHING_PROFILE=<dir>: each lateness worker writes a V8 CPU profile there.
      ...(profileDir && !fast ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      '--import',
      'tsx',
      'test/publishing-worker.ts',
      url,
      '5',
      ...(fast ? ['2', '5'] : []),
    ],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PUBLISHING_WORKER_STATS: timings ? '1' : '0' },
    },
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', () => resolve(child));
    lines.on('line', (line) => {
      if (timings && line.startsWith('stats ')) timings.push(...(JSON.parse(line.slice(6)) as ChunkTiming[]));
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${String(code)}`)));
  });
}
/**
 * CPU time in ms of these processes (user + system, from /proc/<pid>/stat; with `reaped`, also
 * their children that have exited, as PostgreSQL's finished backends). Clock ticks are 10 ms.
 */
async function cpuMs(pids: number[], reaped = false): Promise<number> {
  let ticks = 0;
  for (const pid of pids) {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    // Fields after the command name, from field 3 (state): utime is field 14, cstime field 17.
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    ticks += f[11]! + f[12]! + (reaped ? f[13]! + f[14]! : 0);
  }
  return ticks * 10;
}

const kill = (c: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });

/** Ends a worker with SIGTERM, so that a CPU profile it is taking is written. */
const stop = (c: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  });

/** Writes scheduled posts straight to the tables (the workflow is tested elsewhere) and queues their jobs in bulk. */
async function schedulePosts(
  services: Services,
  councilId: string,
  authorId: string,
  accounts: string[],
  count: number,
  at: Date,
  tag: string,
) {
  const markers = Array.from(
    { length: count },
    (_, i) => `${tag}-${i}-${Math.random().toString(36).slice(2, 8)}`,
  );
  const posts = await services.db.system
    .insertInto('posts')
    .values(
      markers.map((m) => ({
        council_id: councilId,
        title: m,
        body: `Bench post ${m}`,
        status: 'scheduled',
        scheduled_at: at,
        created_by: authorId,
      })),
    )
    .returning(['id', 'title'])
    .execute();
  const variants = await services.db.system
    .insertInto('post_variants')
    .values(
      posts.flatMap((p) =>
        accounts.map((a) => ({
          council_id: councilId,
          post_id: p.id,
          channel_account_id: a,
          text: `Bench post ${p.title}`,
          status: 'scheduled',
        })),
      ),
    )
    .returning('id')
    .execute();
  await services.jobs.boss.insert(
    services.publishing.jobs.publishVariant.name,
    variants.map((v) => variantJob(councilId, v.id, at)),
  );
  return markers;
}

async function waitUntilSettled(services: Services, councilId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await services.db.system
      .selectFrom('post_variants')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('council_id', '=', councilId)
      .where('status', '<>', 'published')
      .executeTakeFirstOrThrow();
    if (Number(open.n) === 0) return true;
    await sleep(500);
  }
  return false;
}

export default async function bench(): Promise<Measurement[]> {
  const posts = Number(process.env.BENCH_PUBLISHING_POSTS ?? 1000);
  const crashPosts = Number(process.env.BENCH_PUBLISHING_CRASH_POSTS ?? 200);
  const kills = Number(process.env.BENCH_PUBLISHING_KILLS ?? 20);
  const log = createLogger('warn');
  // Under the repository's .tmp, as the test runner does: when run as root, PostgreSQL runs as
  // the postgres user, which cannot enter a 0700 directory made by mkdtemp in /tmp.
  await fs.mkdir(path.join(repoRoot, '.tmp'), { recursive: true });
  const dir = await fs.mkdtemp(path.join(repoRoot, '.tmp', 'bench-publishing-'));
  await fs.chmod(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), log });
  const dbs = createDatabases(pg.url, { appPoolSize: 20 });
  await migrate(dbs.systemPool);
  const config = loadConfig({
    TOWNSQUARE_SECRET_KEY: 'a'.repeat(64),
    TOWNSQUARE_DATA_DIR: dir,
    // The contract servers run on loopback.
    TOWNSQUARE_ALLOW_PRIVATE_CHANNEL_ADDRESSES: 'true',
    LOG_LEVEL: 'warn',
  });
  const services = await createContainer(config, log, { ...dbs, shutdown: async () => dbs.close() });
  await services.jobs.start({ work: false });
  const servers: MastodonServer[] = [];
  const workers: ChildProcess[] = [];
  const baseline = new PgBoss({ connectionString: pg.url, schema: 'pgboss_baseline' });
  try {
    for (let i = 0; i < 5; i += 1) servers.push(await startMastodonServer());
    const c = await publishingCouncil(services, 'bench');
    const accounts: string[] = [];
    for (const [i, s] of servers.entries())
      accounts.push(await connectMastodon(services, c, s, `Mastodon ${i + 1}`));

    // 1a. The bare queue first, in its own minute: no-op jobs with startAfter, fetched in
    // bursts of 25 (as the publishing queue was configured before its jobs were queued ahead).
    // It runs alone rather than beside the engine, because 5,000 jobs of a second queue on the
    // same two cores and database would slow both and make neither figure the machine's own.
    await baseline.start();
    await baseline.createQueue('noop');
    const baselineDue = new Date(Date.now() + 15_000);
    const baselineLateness: number[] = [];
    await baseline.work(
      'noop',
      { batchSize: 25, localConcurrency: 1, burstWhenBatchFull: true },
      async (jobs) => {
        for (const _ of jobs) baselineLateness.push(Date.now() - baselineDue.getTime());
      },
    );
    await baseline.insert(
      'noop',
      Array.from({ length: posts * 5 }, () => ({ data: {}, startAfter: baselineDue })),
    );
    const baselineDeadline = Date.now() + 5 * 60_000;
    while (baselineLateness.length < posts * 5 && Date.now() < baselineDeadline) await sleep(250);
    await baseline.stop({ graceful: false });

    // 1b. The engine, in the next minute.
    // Everything is queued and both workers are running well before the minute they are due.
    // 45 s: two workers starting under tsx on a busy machine can take most of it.
    const due = new Date(Date.now() + 45_000);
    await schedulePosts(services, c.councilId, c.author.id, accounts, posts, due, 'late');
    const timings: ChunkTiming[] = [];
    workers.push(await startWorker(pg.url, false, timings), await startWorker(pg.url, false, timings));
    // The workers must be up when the jobs become runnable (variantLeadSeconds ahead).
    if (Date.now() > due.getTime() - variantLeadSeconds * 1000)
      throw new Error('set-up overran the due time; the figures would be wrong');
    // CPU from 12 s before the minute (the jobs are fetched 10 s ahead) until all are out.
    await sleep(Math.max(0, due.getTime() - Date.now() - 12_000));
    const postmaster = await postmasterPid(path.join(dir, 'postgres'));
    const workerPids = workers.map((w) => w.pid!);
    const pgCpu = async () =>
      (await cpuMs([postmaster], true)) + (await cpuMs(await descendants(postmaster)));
    const cpuFrom = { pg: await pgCpu(), workers: await cpuMs(workerPids), bench: process.cpuUsage() };
    const isDone = await waitUntilSettled(services, c.councilId, 10 * 60_000);
    const rows = await services.db.system
      .selectFrom('post_variants')
      .select('published_at')
      .where('council_id', '=', c.councilId)
      .where('published_at', 'is not', null)
      .execute();
    const lateness = rows.map((r) => new Date(r.published_at!).getTime() - due.getTime());
    // The last second's stats line.
    await sleep(1200);
    const cpu = {
      pg: (await pgCpu()) - cpuFrom.pg,
      workers: (await cpuMs(workerPids)) - cpuFrom.workers,
      bench: (() => {
        const u = process.cpuUsage(cpuFrom.bench);
        return (u.user + u.system) / 1000;
      })(),
    };
    for (const w of workers.splice(0)) await (profileDir ? stop(w) : kill(w));
    const claimMs = timings.map((t) => t.claimMs);
    const sendMs = timings.flatMap((t) => t.sendMs);
    const recordMs = timings.map((t) => t.recordMs);

    // 2. Crash test at full size.
    const crash = await publishingCouncil(services, 'crash');
    const crashServers: MastodonServer[] = [];
    const crashAccounts: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const s = await startMastodonServer();
      crashServers.push(s);
      servers.push(s);
      crashAccounts.push(await connectMastodon(services, crash, s, `Crash ${i + 1}`));
    }
    const markers = await schedulePosts(
      services,
      crash.councilId,
      crash.author.id,
      crashAccounts,
      crashPosts,
      new Date(),
      'crash',
    );
    for (let k = 0; k < kills; k += 1) {
      const w = await startWorker(pg.url, true);
      workers.push(w);
      await sleep(200 + Math.random() * 1500);
      await kill(w);
    }
    workers.push(await startWorker(pg.url, true));
    const isCrashSettled = await waitUntilSettled(services, crash.councilId, 10 * 60_000);
    let duplicates = 0;
    let losses = 0;
    for (const m of markers)
      for (const s of crashServers) {
        const n = s.countContaining(m);
        if (n === 0) losses += 1;
        if (n > 1) duplicates += n - 1;
      }
    return [
      { name: 'lateness_p50', value: round(percentile(lateness, 50)), unit: 'ms' },
      { name: 'lateness_p99', value: round(percentile(lateness, 99)), unit: 'ms' },
      {
        name: 'published',
        value: lateness.length,
        unit: `of ${posts * 5} variants${isDone ? '' : ' (timed out)'}`,
      },
      { name: 'queue_baseline_p50', value: round(percentile(baselineLateness, 50)), unit: 'ms' },
      { name: 'queue_baseline_p99', value: round(percentile(baselineLateness, 99)), unit: 'ms' },
      {
        name: 'claim_tx_p50',
        value: round(percentile(claimMs, 50)),
        unit: `ms per chunk (${timings.length} chunks)`,
      },
      { name: 'claim_tx_p99', value: round(percentile(claimMs, 99)), unit: 'ms' },
      {
        name: 'peer_request_p50',
        value: round(percentile(sendMs, 50)),
        unit: `ms per request to a contract server, as the workers saw it (${sendMs.length} requests)`,
      },
      { name: 'peer_request_p99', value: round(percentile(sendMs, 99)), unit: 'ms' },
      { name: 'record_tx_p50', value: round(percentile(recordMs, 50)), unit: 'ms per chunk' },
      { name: 'record_tx_p99', value: round(percentile(recordMs, 99)), unit: 'ms' },
      {
        name: 'cpu_workers',
        value: round(cpu.workers),
        unit: 'ms CPU, both workers, from 12 s before the minute until all were published',
      },
      { name: 'cpu_postgres', value: round(cpu.pg), unit: 'ms CPU, PostgreSQL, same window' },
      {
        name: 'cpu_contract_servers',
        value: round(cpu.bench),
        unit: 'ms CPU, the bench process (five contract servers), same window',
      },
      {
        name: 'crash_duplicates',
        value: duplicates,
        unit: `posts (${crashPosts} posts x 5 channels, ${kills} kills)`,
      },
      { name: 'crash_losses', value: losses, unit: `posts${isCrashSettled ? '' : ' (timed out waiting)'}` },
    ];
  } finally {
    for (const w of workers) await kill(w);
    await baseline.stop({ graceful: false }).catch(() => undefined);
    await services.close();
    for (const s of servers) await s.close();
    await pg.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
