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
  readonly handle: (data: T, ctx: JobContext) => Promise<void>;
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
      // One poller per queue fetches up to `concurrency` jobs and runs them side by side; each
      // job succeeds or fails on its own (perJobResults), so one failure never retries the
      // others. A full batch means more work is waiting: fetch again at once (burst).
      const batchSize = def.concurrency ?? 1;
      await this.boss.work<object>(
        def.name,
        {
          batchSize,
          localConcurrency: 1,
          includeMetadata: true,
          perJobResults: true,
          burstWhenBatchFull: batchSize > 1,
          pollingIntervalSeconds: 2,
          notifyPollingIntervalSeconds: 30,
        },
        async (jobs) =>
          Promise.all(
            jobs.map(async (job) => {
              try {
                await this.run(def, job);
                return { id: job.id, status: 'completed' as const };
              } catch (error) {
                return { id: job.id, status: 'failed' as const, output: { message: errorMessage(error) } };
              }
            }),
          ),
      );
    }
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
