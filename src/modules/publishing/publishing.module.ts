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
import { CalendarService } from './calendar/calendar.service.ts';
import { MetricsService, type MetricsOptions } from './metrics/metrics.service.ts';
import { metricsJob } from './metrics/metrics.jobs.ts';
import { TemplatesService } from './templates/templates.service.ts';
import { ImportService } from './import/import.service.ts';

export type Publishing = {
  posts: PostsService;
  publisher: Publisher;
  media: MediaLibrary;
  incidents: IncidentService;
  calendar: CalendarService;
  metrics: MetricsService;
  templates: TemplatesService;
  imports: ImportService;
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
  metricsOptions?: MetricsOptions;
}): Publishing {
  const publisher = new Publisher(deps.app, deps.channelAccounts, deps.options);
  const posts = new PostsService(deps.app, deps.channelAccounts, deps.registry);
  const media = new MediaLibrary(deps.app);
  const incidents = new IncidentService(deps.app, deps.channelAccounts);
  const jobs = publishingJobs({ publisher, posts, system: deps.system });
  const calendar = new CalendarService(deps.app);
  const templates = new TemplatesService(deps.app, deps.registry);
  const imports = new ImportService(deps.app, posts, templates, deps.channelAccounts);
  const metrics = new MetricsService(
    deps.app,
    deps.system,
    deps.channelAccounts,
    deps.registry,
    deps.metricsOptions,
  );
  return {
    posts,
    publisher,
    media,
    incidents,
    calendar,
    metrics,
    templates,
    imports,
    jobs,
    definitions: [...jobs.all, metricsJob(metrics) as unknown as AnyJobDefinition],
    attach(queue) {
      const q = pgBossPublishQueue(queue, jobs);
      publisher.useQueue(q);
      posts.useQueue(q);
      incidents.useQueue(q);
      calendar.useQueue(q);
    },
  };
}
