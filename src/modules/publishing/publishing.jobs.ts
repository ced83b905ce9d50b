/**
 * The publishing jobs: one per channel variant (keyed by the variant id, which is also the
 * idempotency key the network sees), one per post at its scheduled time (holds a post whose
 * approval is still pending, and marks a website-only post published), and a sweep every
 * minute for work whose worker died.
 */
import type { Db } from '../../db/index.ts';
import { defineJob, type AnyJobDefinition, type JobDefinition, type JobQueue } from '../../jobs/index.ts';
import type { PublishQueue, Publisher } from './publisher.ts';
import type { PostsService } from './posts.service.ts';

export type VariantJob = { councilId: string; variantId: string };
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
    expireInSeconds: 120,
    concurrency: 25,
    handle: async (data) => {
      await deps.publisher.publishVariant(data.councilId, data.variantId);
    },
  });
  const postDue = defineJob<PostDueJob>({
    name: 'publishing.post-due',
    retryLimit: 5,
    retryDelaySeconds: 10,
    expireInSeconds: 60,
    concurrency: 5,
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

/** The engine's queue on pg-boss. */
export function pgBossPublishQueue(
  jobs: JobQueue,
  defs: PublishingJobs,
): PublishQueue & {
  sendPostDue(councilId: string, postId: string, startAfter?: Date): Promise<void>;
} {
  return {
    async sendVariant(councilId, variantId, startAfter) {
      await jobs.send(defs.publishVariant, { councilId, variantId }, startAfter ? { startAfter } : {});
    },
    async sendPostDue(councilId, postId, startAfter) {
      await jobs.send(defs.postDue, { councilId, postId }, startAfter ? { startAfter } : {});
    },
  };
}
