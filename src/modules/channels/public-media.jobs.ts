/**
 * `channels.purge-public-media`: every hour, deletes the public image copies whose address no
 * network has been handed for `keepPublicMediaHours`, council by council (row-level security
 * stays on). A copy therefore lives up to an hour past the day. A run that fails is the
 * next run's work, so it is not retried.
 */
import { defineJob, type JobDefinition } from '../../jobs/index.ts';
import { keepPublicMediaHours, type PublicMedia } from './public-media.ts';

export function purgePublicMediaJob(
  media: PublicMedia,
  councilIds: () => Promise<string[]>,
): JobDefinition<Record<string, never>> {
  return defineJob<Record<string, never>>({
    name: 'channels.purge-public-media',
    retryLimit: 0,
    retryDelaySeconds: 60,
    expireInSeconds: 600,
    cron: '41 * * * *',
    handle: async (_data, ctx) => {
      const before = new Date(Date.now() - keepPublicMediaHours * 3600_000);
      let removed = 0;
      for (const councilId of await councilIds()) removed += await media.purgeUnused(councilId, before);
      if (removed > 0) ctx.log.info({ removed }, 'public image copies no longer in use deleted');
    },
  });
}
