/**
 * Memory of the whole service at idle: the Node process of `npm start` and every PostgreSQL
 * process of its data directory (the postmaster named in postmaster.pid and its children).
 * Baseline: a bare Node process that only keeps a timer.
 */
import path from 'node:path';
import {
  descendants,
  makeTempDir,
  mib,
  postmasterPid,
  processMemory,
  removeDir,
  sleep,
  spawnNode,
  startService,
  stopChild,
  stopCleanly,
  type Measurement,
  type ProcessMemory,
} from './support.ts';

const idleMs = 5000;

export const about = `Measured after the service answered /readyz and then sat idle for ${idleMs / 1000} s, on a data
directory that had already been initialised and seeded (a restart: the steady state of a running
council). RSS is VmRSS from /proc/<pid>/status; PSS is Pss from /proc/<pid>/smaps_rollup.
Read PostgreSQL's RSS sum with care: every PostgreSQL process maps the same shared buffers and
binary, and RSS counts those shared pages once per process, so the sum overstates what the
server really uses. PSS divides each shared page among the processes that map it, so PSS
figures add up; prefer memory_total_pss for "how much memory does Townsquare need".
The Node binary's pages are also shared with the benchmark runner and any other process running
the same Node binary (tests, other services), so Node PSS falls as more of them run: a busy machine
shows a lower Node PSS than a quiet one. RSS does not move with them. The baseline is \`node -e "setInterval(()=>{},1000)"\`
after the same idle time: what any Node process costs here.`;

type Sum = { rssKiB: number; pssKiB: number; hasPss: boolean };

function sum(list: ProcessMemory[]): Sum {
  return list.reduce<Sum>(
    (acc, m) => ({
      rssKiB: acc.rssKiB + m.rssKiB,
      pssKiB: acc.pssKiB + (m.pssKiB ?? 0),
      hasPss: acc.hasPss && m.pssKiB !== undefined,
    }),
    { rssKiB: 0, pssKiB: 0, hasPss: true },
  );
}

function figures(prefix: string, s: Sum): Measurement[] {
  return [
    { name: `${prefix}_rss`, value: mib(s.rssKiB), unit: 'MiB' },
    ...(s.hasPss ? [{ name: `${prefix}_pss`, value: mib(s.pssKiB), unit: 'MiB' }] : []),
  ];
}

export default async function memory(): Promise<Measurement[]> {
  const dir = await makeTempDir('memory');
  let node: ProcessMemory;
  let postgres: ProcessMemory[];
  try {
    // First start initialises and seeds; measure the second, like any restart.
    const first = await startService(dir);
    await stopCleanly(first.child);
    const service = await startService(dir);
    try {
      await sleep(idleMs);
      node = await processMemory(service.child.pid);
      const postmaster = await postmasterPid(path.join(dir, 'postgres'));
      const pids = [postmaster, ...(await descendants(postmaster))];
      postgres = await Promise.all(pids.map((pid) => processMemory(pid)));
    } finally {
      await stopChild(service.child);
    }
  } finally {
    await removeDir(dir);
  }

  // The baseline runs alone, after the service stopped, so they share no pages with each other.
  const bare = spawnNode(['-e', 'setInterval(() => {}, 1000)'], { ...process.env });
  let baseline: ProcessMemory;
  try {
    await sleep(idleMs);
    baseline = await processMemory(bare.pid);
  } finally {
    await stopChild(bare);
  }

  const nodeSum = sum([node]);
  const pgSum = sum(postgres);
  const total = sum([node, ...postgres]);
  return [
    ...figures('memory_node', nodeSum),
    ...figures('memory_postgres', pgSum),
    { name: 'memory_postgres_processes', value: postgres.length, unit: 'processes' },
    ...figures('memory_total', total),
    ...figures('memory_baseline_bare_node', sum([baseline])),
  ];
}
