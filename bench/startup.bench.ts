/**
 * Start-up: from spawning `npm start` (node --import tsx src/cli.ts all) to GET /readyz 200,
 * on an empty data directory (initdb, migrations, demo seed) and on an existing one.
 * Baseline: spawn-to-200 of a bare Node process serving node:http.
 */
import {
  makeTempDir,
  median,
  removeDir,
  round,
  startBareHttp,
  startService,
  stopChild,
  stopCleanly,
  type Measurement,
} from './support.ts';

const runs = 3;

export const about = `Each figure is the median of ${runs} runs, in milliseconds from spawn() to the first 200 from
/readyz (polled every 10 ms). "empty" starts on a new data directory: initdb, migrations, pg-boss
schema and the demo seed (five Argon2id hashes). "existing" restarts on the data directory the empty
run left. The baseline is a bare \`node -e\` process serving 200 from node:http: what spawning Node
and one HTTP round trip cost on this machine, so the difference is Townsquare's own start-up
(loading TypeScript through tsx, PostgreSQL, migrations check, pg-boss, Fastify). The
shutdown figures are SIGTERM to process exit, PostgreSQL stopped cleanly included.`;

export default async function startup(): Promise<Measurement[]> {
  const empty: number[] = [];
  const existing: number[] = [];
  const bare: number[] = [];
  const shutdown: number[] = [];
  for (let i = 0; i < runs; i++) {
    const base = await startBareHttp();
    bare.push(base.readyMs);
    await stopChild(base.child);

    const dir = await makeTempDir('startup');
    try {
      const first = await startService(dir);
      empty.push(first.readyMs);
      shutdown.push(await stopCleanly(first.child));
      const again = await startService(dir);
      existing.push(again.readyMs);
      shutdown.push(await stopCleanly(again.child));
    } finally {
      await removeDir(dir);
    }
  }
  const baseline = median(bare);
  return [
    { name: 'startup_empty_data_dir', value: round(median(empty)), unit: 'ms' },
    { name: 'startup_existing_data_dir', value: round(median(existing)), unit: 'ms' },
    { name: 'startup_baseline_bare_node_http', value: round(baseline), unit: 'ms' },
    { name: 'startup_existing_minus_baseline', value: round(median(existing) - baseline), unit: 'ms' },
    { name: 'shutdown_sigterm_to_exit', value: round(median(shutdown)), unit: 'ms' },
  ];
}
