/**
 * The publishing jobs: one per channel variant (keyed by the variant id, which is also the
 * idempotency key the network sees; queued a few seconds ahead of its minute and handled a
 * fetched batch at a time), one per post at its scheduled time (holds a post whose
 * approval is still pending, and marks a website-only post published), and a sweep every
 * minute for work whose worker died.
 */
import type { Db } from '../../db/index.ts';
import { defineJob, type AnyJobDefinition, type JobDefinition, type JobQueue } from '../../jobs/index.ts';
import type { PublishQueue, Publisher, VariantWork } from './publisher.ts';
import type { PostsService } from './posts.service.ts';

/** `dueAt` (ISO) is the minute the variant is scheduled for, when the job is queued ahead of it. */
export type VariantJob = { councilId: string; variantId: string; dueAt?: string };

/**
 * Variant jobs become runnable this many seconds before their minute. Workers fetch and hold
 * them ahead (the handler waits for the minute), so a thousand posts due at 10:00 go out at
 * 10:00 rather than after pg-boss has polled, fetched and worked through its backlog.
 */
export const variantLeadSeconds = 10;

/** The pg-boss row for a variant job: queued `variantLeadSeconds` ahead of `at` when given. */
export function variantJob(
  councilId: string,
  variantId: string,
  at?: Date,
): { data: VariantJob; startAfter?: Date } {
  if (!at) return { data: { councilId, variantId } };
  return {
    data: { councilId, variantId, dueAt: at.toISOString() },
    startAfter: new Date(at.getTime() - variantLeadSeconds * 1000),
  };
}
export type PostDueJob = { councilId: string; postId: string };

export type PublishingJobs = {
  publishVariant: JobDefinition<VariantJob>;
  postDue: JobDefinition<PostDueJob>;
  sweep: JobDefinition<Record<string, never>>;
  all: AnyJobDefinition[];
};

export function publishingJobs(deps: {
  publisher: Publisher;
  posts: PostsService;
  system: Db;
}): PublishingJobs {
  const publishVariant = defineJob<VariantJob>({
    name: 'publishing.publish-variant',
    // The handler does its own retries (a new job with startAfter); these cover a crash.
    retryLimit: 5,
    retryDelaySeconds: 10,
    // Covers the wait for the minute (variantLeadSeconds) as well as the sending.
    expireInSeconds: 120,
    // Enough held per worker for the posts of a busy minute; claimed and sent in chunks with a
    // limit per account (Publisher), so this is not the number of requests in flight.
    concurrency: 2500,
    batchSize: 250,
    // Most jobs wait for a startAfter, which LISTEN/NOTIFY does not announce.
    pollingIntervalSeconds: 2,
    handle: async (data) => {
      const [outcome] = await deps.publisher.publishMany([work(data)]);
      if (outcome instanceof Error) throw outcome;
    },
    handleBatch: async (jobs) => {
      const outcomes = await deps.publisher.publishMany(jobs.map((j) => work(j.data)));
      return outcomes.map((o) => (o instanceof Error ? o : undefined));
    },
  });
  const postDue = defineJob<PostDueJob>({
    name: 'publishing.post-due',
    retryLimit: 5,
    retryDelaySeconds: 10,
    expireInSeconds: 60,
    concurrency: 5,
    // Queued with startAfter at the scheduled minute: polled for, not announced.
    pollingIntervalSeconds: 2,
    handle: async (data) => {
      await deps.posts.onDue(data.councilId, data.postId);
    },
  });
  const sweep = defineJob<Record<string, never>>({
    name: 'publishing.sweep',
    retryLimit: 0,
    retryDelaySeconds: 60,
    expireInSeconds: 120,
    cron: '* * * * *',
    handle: async () => {
      await deps.publisher.sweep(deps.system);
    },
  });
  return {
    publishVariant,
    postDue,
    sweep,
    all: [publishVariant, postDue, sweep] as unknown as AnyJobDefinition[],
  };
}

const work = (data: VariantJob): VariantWork => ({
  councilId: data.councilId,
  variantId: data.variantId,
  ...(data.dueAt ? { dueAt: new Date(data.dueAt) } : {}),
});

/** The engine's queue on pg-boss. */
export function pgBossPublishQueue(
  jobs: JobQueue,
  defs: PublishingJobs,
): PublishQueue & {
  sendPostDue(councilId: string, postId: string, startAfter?: Date): Promise<void>;
} {
  return {
    async sendVariant(councilId, variantId, startAfter) {
      const job = variantJob(councilId, variantId, startAfter);
      await jobs.send(defs.publishVariant, job.data, job.startAfter ? { startAfter: job.startAfter } : {});
    },
    async sendPostDue(councilId, postId, startAfter) {
      await jobs.send(defs.postDue, { councilId, postId }, startAfter ? { startAfter } : {});
    },
  };
}
