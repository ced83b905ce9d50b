/**
 * The metrics read-back job: every 15 minutes, read the counts of variants published in the
 * last week. One run at a time (a singleton by cron); a run that fails is simply the next
 * run's work, so it is not retried.
 */
import { defineJob, type JobDefinition } from '../../../jobs/index.ts';
import type { MetricsService } from './metrics.service.ts';

export function metricsJob(metrics: MetricsService): JobDefinition<Record<string, never>> {
  return defineJob<Record<string, never>>({
    name: 'publishing.read-metrics',
    retryLimit: 0,
    retryDelaySeconds: 60,
    // Longer than a run over a slow network; the next cron run starts the work again anyway.
    expireInSeconds: 600,
    cron: '*/15 * * * *',
    handle: async (_data, ctx) => {
      const summary = await metrics.readAll();
      if (summary.read || summary.failed)
        ctx.log.info(
          {
            read: summary.read,
            unchanged: summary.unchanged,
            failed: summary.failed,
            rateLimited: summary.rateLimited.length,
          },
          'post metrics read',
        );
    },
  });
}
