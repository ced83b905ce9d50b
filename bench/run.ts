/**
 * `npm run bench` runs every bench/NAME.bench.ts; `npm run bench -- NAME [NAME...]` runs those.
 * Each benchmark's default export returns its figures; they are printed as `name: value unit`
 * on stdout and written to that benchmark's section of bench/RESULTS.md with the date, the
 * machine and the commit. Other sections are kept as they are.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, type Measurement } from './support.ts';

const benchDir = path.join(repoRoot, 'bench');
const resultsFile = path.join(benchDir, 'RESULTS.md');
const suffix = '.bench.ts';

type Bench = { name: string; run: () => Promise<Measurement[]>; about: string | undefined };

async function available(): Promise<string[]> {
  const files = await fs.readdir(benchDir);
  return files
    .filter((f) => f.endsWith(suffix))
    .map((f) => f.slice(0, -suffix.length))
    .sort();
}

async function load(name: string): Promise<Bench> {
  const mod = (await import(pathToFileURL(path.join(benchDir, name + suffix)).href)) as {
    default?: unknown;
    about?: unknown;
  };
  if (typeof mod.default !== 'function')
    throw new Error(`bench/${name}${suffix} has no default export function`);
  const run = mod.default as () => Promise<unknown>;
  return {
    name,
    about: typeof mod.about === 'string' ? mod.about : undefined,
    run: async () => checkMeasurements(name, await run()),
  };
}

function checkMeasurements(bench: string, value: unknown): Measurement[] {
  if (!Array.isArray(value)) throw new Error(`${bench}: expected a list of measurements`);
  return value.map((m: unknown) => {
    const { name, value: v, unit } = (m ?? {}) as Partial<Record<keyof Measurement, unknown>>;
    if (typeof name !== 'string' || !/^[a-z0-9_]+$/.test(name))
      throw new Error(`${bench}: bad name ${String(name)}`);
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`${bench}: ${name} is not a finite number`);
    if (typeof unit !== 'string') throw new Error(`${bench}: ${name} has no unit`);
    return { name, value: v, unit };
  });
}

function command(file: string, args: string[]): string | undefined {
  try {
    return execFileSync(file, args, {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

function machine(loadAverage: number): string {
  const cpus = command('nproc', []) ?? String(os.availableParallelism());
  const model = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const memory = `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB memory`;
  const commit = command('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const isDirty = (command('git', ['status', '--porcelain', '--untracked-files=no']) ?? '') !== '';
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return [
    `Measured ${date} on ${cpus} CPUs (nproc; ${model}), ${memory}, Linux ${os.release()},`,
    `Node ${process.version}, commit ${commit}${isDirty ? ' with uncommitted changes' : ''};`,
    `1-minute load average ${loadAverage.toFixed(1)} when it started (above ${cpus} means other work shared the CPUs).`,
  ].join('\n');
}

const begin = (name: string) => `<!-- bench:${name} begin -->`;
const end = (name: string) => `<!-- bench:${name} end -->`;

function section(bench: Bench, figures: Measurement[], loadAverage: number): string {
  const lines = figures.map(format).join('\n');
  return [
    begin(bench.name),
    `## ${bench.name}`,
    '',
    `Run with \`npm run bench -- ${bench.name}\`. ${machine(loadAverage)}`,
    '',
    '```text',
    lines,
    '```',
    ...(bench.about ? ['', bench.about] : []),
    end(bench.name),
  ].join('\n');
}

/** Replaces the section between the markers, or appends it; everything else stays. */
async function writeSection(name: string, text: string): Promise<void> {
  const current = await fs
    .readFile(resultsFile, 'utf8')
    .catch(() => '# Benchmark results\n\nWritten by `npm run bench`.\n');
  const from = current.indexOf(begin(name));
  const to = current.indexOf(end(name));
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + text + current.slice(to + end(name).length)
      : `${current.trimEnd()}\n\n${text}\n`;
  await fs.writeFile(resultsFile, next);
}

function format(m: Measurement): string {
  return `${m.name}: ${m.value} ${m.unit}`;
}

const all = await available();
const requested = process.argv.slice(2).map((a) => a.replace(/\.bench\.ts$/, '').replace(/^bench\//, ''));
const unknown = requested.filter((n) => !all.includes(n));
if (unknown.length > 0) {
  process.stderr.write(`No such benchmark: ${unknown.join(', ')}. Available: ${all.join(', ')}\n`);
  process.exit(2);
}

let failures = 0;
for (const name of requested.length > 0 ? requested : all) {
  const started = performance.now();
  const loadAverage = os.loadavg()[0] ?? 0;
  process.stderr.write(`# ${name}: running (load average ${loadAverage.toFixed(1)})\n`);
  try {
    const bench = await load(name);
    const figures = await bench.run();
    for (const m of figures) process.stdout.write(format(m) + '\n');
    await writeSection(name, section(bench, figures, loadAverage));
    process.stderr.write(`# ${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (error) {
    failures++;
    process.stderr.write(
      `# ${name}: FAILED\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
}
// Pools and timers from in-process benchmarks may linger; the results are written.
process.exit(failures > 0 ? 1 : 0);
