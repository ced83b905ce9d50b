/**
 * Builds the publishing module for the composition root: services first, then the job
 * definitions (whose handlers need the services), then the queue is attached once it exists.
 */
import type { Db } from '../../db/index.ts';
import type { AnyJobDefinition, JobQueue } from '../../jobs/index.ts';
import type { ChannelAccountsService, ConnectorRegistry } from '../channels/index.ts';
import { PostsService } from './posts.service.ts';
import { Publisher, type PublisherOptions } from './publisher.ts';
import { pgBossPublishQueue, publishingJobs, type PublishingJobs } from './publishing.jobs.ts';
import { MediaLibrary } from './media.service.ts';
import { IncidentService } from './incident.service.ts';

export type Publishing = {
  posts: PostsService;
  publisher: Publisher;
  media: MediaLibrary;
  incidents: IncidentService;
  jobs: PublishingJobs;
  /** Job definitions for the queue. */
  definitions: AnyJobDefinition[];
  /** Call once the JobQueue is built. */
  attach(queue: JobQueue): void;
};

export function createPublishing(deps: {
  app: Db;
  system: Db;
  channelAccounts: ChannelAccountsService;
  registry: ConnectorRegistry;
  options?: PublisherOptions;
}): Publishing {
  const publisher = new Publisher(deps.app, deps.channelAccounts, deps.options);
  const posts = new PostsService(deps.app, deps.channelAccounts, deps.registry);
  const media = new MediaLibrary(deps.app);
  const incidents = new IncidentService(deps.app, deps.channelAccounts);
  const jobs = publishingJobs({ publisher, posts, system: deps.system });
  return {
    posts,
    publisher,
    media,
    incidents,
    jobs,
    definitions: jobs.all,
    attach(queue) {
      const q = pgBossPublishQueue(queue, jobs);
      publisher.useQueue(q);
      posts.useQueue(q);
      incidents.useQueue(q);
    },
  };
}
