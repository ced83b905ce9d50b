/**
 * pg-boss, wired once. Jobs are declared with `defineJob` (a name, typed data, retry policy,
 * optional cron) and the queue is created for each at start-up, so a typo in a job name is a
 * type error rather than a job that never runs.
 */
import { PgBoss, type Job, type SendOptions } from 'pg-boss';
import type { Logger } from '../logger.ts';

export type JobContext = { jobId: string; log: Logger; retryCount: number };

export type JobDefinition<T extends object> = {
  readonly name: string;
  /** Attempts after the first failure; backoff doubles the delay each time. */
  readonly retryLimit: number;
  readonly retryDelaySeconds: number;
  /** How long one attempt may run before pg-boss considers the worker dead and retries. */
  readonly expireInSeconds: number;
  /** Cron expression, Europe/London time, for recurring jobs. */
  readonly cron?: string;
  /** Jobs of this kind run at most this many at a time in one worker process. */
  readonly concurrency?: number;
  /**
   * Jobs fetched in one query (default: `concurrency`); concurrency / batchSize fetch loops run
   * side by side, so one slow batch does not stop the next being fetched.
   */
  readonly batchSize?: number;
  /**
   * Seconds between fetches when the queue is idle (default 2, or 30 while LISTEN/NOTIFY works).
   * pg-boss notifies only for jobs runnable at once, so a queue whose jobs mostly wait for a
   * startAfter needs a short interval or they start up to 30 s late.
   */
  readonly pollingIntervalSeconds?: number;
  readonly handle: (data: T, ctx: JobContext) => Promise<void>;
  /**
   * Handles a whole fetched batch at once, so the jobs can share database round trips. Returns
   * one entry per job, in order: undefined when it is done, or the Error that fails (and
   * retries) that job alone. Without it, `handle` runs for each job side by side.
   */
  readonly handleBatch?: (
    jobs: readonly { data: T; ctx: JobContext }[],
  ) => Promise<readonly (Error | undefined)[]>;
};

/**
 * Declares a job.
 * @example
 * const purge = defineJob<{ councilId: string }>({ name: 'sessions.purge', retryLimit: 3,
 *   retryDelaySeconds: 30, expireInSeconds: 60, handle: async (data) => { ... } });
 */
export function defineJob<T extends object>(def: JobDefinition<T>): JobDefinition<T> {
  return def;
}

// Existential wrapper so definitions with different payloads sit in one list.
export type AnyJobDefinition = JobDefinition<never>;

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export class JobQueue {
  readonly boss: PgBoss;
  private readonly log: Logger;
  private readonly definitions = new Map<string, AnyJobDefinition>();
  private isStarted = false;

  constructor(opts: { url: string; log: Logger; definitions: readonly AnyJobDefinition[] }) {
    this.log = opts.log.child({ component: 'jobs' });
    // LISTEN/NOTIFY wakes a worker the moment a job is created; polling stays as the floor.
    this.boss = new PgBoss({ connectionString: opts.url, schema: 'pgboss', max: 6, useListenNotify: true });
    this.boss.on('error', (error: unknown) => this.log.error({ err: error }, 'job queue error'));
    for (const def of opts.definitions) this.definitions.set(def.name, def);
  }

  /** Starts pg-boss and creates the queues. With `work`, this process also runs the handlers. */
  async start(opts: { work: boolean }): Promise<void> {
    await this.boss.start();
    this.isStarted = true;
    for (const def of this.definitions.values()) {
      await this.boss.createQueue(def.name, {
        retryLimit: def.retryLimit,
        retryDelay: def.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: def.expireInSeconds,
        notify: true,
      });
      if (def.cron) await this.boss.schedule(def.name, def.cron, {}, { tz: 'Europe/London' });
    }
    if (!opts.work) return;
    for (const def of this.definitions.values()) {
      // Each poller fetches up to `batchSize` jobs and runs them side by side; each job
      // succeeds or fails on its own (perJobResults), so one failure never retries the others.
      // A full batch means more work is waiting: fetch again at once (burst).
      const concurrency = def.concurrency ?? 1;
      const batchSize = Math.min(def.batchSize ?? concurrency, concurrency);
      await this.boss.work<object>(
        def.name,
        {
          batchSize,
          localConcurrency: Math.ceil(concurrency / batchSize),
          includeMetadata: true,
          perJobResults: true,
          burstWhenBatchFull: batchSize > 1,
          pollingIntervalSeconds: def.pollingIntervalSeconds ?? 2,
          notifyPollingIntervalSeconds: def.pollingIntervalSeconds ?? 30,
        },
        async (jobs) => {
          if (def.handleBatch) return this.runBatch(def, jobs);
          return Promise.all(
            jobs.map(async (job) => {
              try {
                await this.run(def, job);
                return { id: job.id, status: 'completed' as const };
              } catch (error) {
                return { id: job.id, status: 'failed' as const, output: { message: errorMessage(error) } };
              }
            }),
          );
        },
      );
    }
  }

  private async runBatch(def: AnyJobDefinition, jobs: (Job<object> & { retryCount?: number })[]) {
    const log = this.log.child({ job: def.name });
    const started = Date.now();
    const handleBatch = def.handleBatch as (
      jobs: readonly { data: object; ctx: JobContext }[],
    ) => Promise<readonly (Error | undefined)[]>;
    let results: readonly (Error | undefined)[];
    try {
      results = await handleBatch(
        jobs.map((job) => ({
          data: job.data,
          ctx: { jobId: job.id, log: log.child({ jobId: job.id }), retryCount: job.retryCount ?? 0 },
        })),
      );
      // A result missing for a job must not complete it unrun.
      if (results.length !== jobs.length)
        throw new Error(`${def.name}: ${results.length} results for ${jobs.length} jobs`);
    } catch (error) {
      log.warn({ err: error, ms: Date.now() - started, jobs: jobs.length }, 'job batch failed');
      results = jobs.map(() => (error instanceof Error ? error : new Error(String(error))));
    }
    const failed = results.filter((r) => r !== undefined).length;
    if (failed) log.warn({ err: results.find((r) => r), failed, jobs: jobs.length }, 'jobs failed');
    else log.debug({ ms: Date.now() - started, jobs: jobs.length }, 'job batch done');
    return jobs.map((job, i) => {
      const error = results[i];
      return error
        ? { id: job.id, status: 'failed' as const, output: { message: errorMessage(error) } }
        : { id: job.id, status: 'completed' as const };
    });
  }

  private async run(def: AnyJobDefinition, job: Job<object> & { retryCount?: number }): Promise<void> {
    const log = this.log.child({ job: def.name, jobId: job.id });
    const started = Date.now();
    try {
      await (def.handle as (data: object, ctx: JobContext) => Promise<void>)(job.data, {
        jobId: job.id,
        log,
        retryCount: job.retryCount ?? 0,
      });
      log.debug({ ms: Date.now() - started }, 'job done');
    } catch (error) {
      log.warn({ err: error, ms: Date.now() - started }, 'job failed');
      throw error;
    }
  }

  /** Queues a job; returns its id, or null when a singleton key suppressed it. */
  async send<T extends object>(
    def: JobDefinition<T>,
    data: T,
    options: SendOptions = {},
  ): Promise<string | null> {
    if (!this.definitions.has(def.name)) throw new Error(`Job ${def.name} is not registered`);
    return this.boss.send(def.name, data, options);
  }

  /** Graceful stop: stop fetching, let running handlers finish (up to the timeout), close. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (!this.isStarted) return;
    this.isStarted = false;
    await this.boss.stop({ graceful: true, timeout: timeoutMs, close: true });
  }
}
