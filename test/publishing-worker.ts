/**
 * A publishing worker in its own process, for the crash test and the benchmark: the real
 * engine and pg-boss handlers on the given database, with a short lease so that a worker
 * killed with SIGKILL is replaced quickly, and (when the sweep windows are given, as the crash
 * test does) the sweep every half second; otherwise the sweep runs on its cron, every minute.
 * Prints `ready` once it is taking jobs.
 *
 * With PUBLISHING_WORKER_STATS=1 it also prints, once a second while it works, a line
 * `stats <json>` with where the time of its chunks went (claim, send, record), for the benchmark.
 *
 * Usage: node --import tsx test/publishing-worker.ts <url> [lease s] [requeue after s] [lost job after s]
 */
import { createConnectorRegistry } from '../src/connectors.ts';
import { createDatabases } from '../src/db/index.ts';
import { JobQueue } from '../src/jobs/index.ts';
import { createLogger } from '../src/logger.ts';
import { ChannelAccountsService, CredentialBox } from '../src/modules/channels/index.ts';
import { createPublishing, type ChunkTiming } from '../src/modules/publishing/index.ts';

const [url, lease, requeueAfter, lostJobAfter] = process.argv.slice(2);
if (!url) throw new Error('usage: publishing-worker.ts <database url> [lease seconds]');
const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const dbs = createDatabases(url, { appPoolSize: 30 });
const registry = createConnectorRegistry({ enableX: false });
const box = new CredentialBox([Buffer.from(process.env.TEST_SECRET_KEY ?? 'a'.repeat(64), 'hex')]);
const channelAccounts = new ChannelAccountsService(dbs.app, box, registry);
const timings: ChunkTiming[] = [];
const isReportingStats = process.env.PUBLISHING_WORKER_STATS === '1';
const publishing = createPublishing({
  app: dbs.app,
  system: dbs.system,
  channelAccounts,
  registry,
  options: {
    leaseSeconds: Number(lease ?? 3),
    baseRetrySeconds: 1,
    requeueAfterSeconds: Number(requeueAfter ?? 60),
    lostJobAfterSeconds: Number(lostJobAfter ?? 600),
    ...(isReportingStats ? { onChunk: (t: ChunkTiming) => void timings.push(t) } : {}),
  },
});
const jobs = new JobQueue({ url, log, definitions: publishing.definitions });
publishing.attach(jobs);
await jobs.start({ work: true });
const sweep = () => publishing.publisher.sweep(dbs.system).catch(() => undefined);
await sweep();
// The crash test's windows (given as arguments) want the sweep every half second, one at a
// time; without them the worker runs as deployed, with the sweep on its one-minute cron.
if (requeueAfter) {
  const sweepAgain = () => setTimeout(() => void sweep().then(sweepAgain), 500);
  sweepAgain();
}
// A plain exit on SIGTERM (not the default signal death), so that --cpu-prof writes its profile.
process.once('SIGTERM', () => process.exit(0));
process.stdout.write('ready\n');
if (isReportingStats)
  setInterval(() => {
    if (timings.length) process.stdout.write(`stats ${JSON.stringify(timings.splice(0))}\n`);
  }, 1000);
