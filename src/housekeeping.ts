/**
 * Recurring housekeeping jobs that belong to no single module.
 */
import { defineJob, type AnyJobDefinition } from './jobs/index.ts';
import type { AccountsService } from './modules/accounts/index.ts';
import type { CouncilsService } from './modules/councils/index.ts';

export function housekeepingJobs(deps: {
  councils: CouncilsService;
  accounts: AccountsService;
}): AnyJobDefinition[] {
  const purgeSessions = defineJob<Record<string, never>>({
    name: 'housekeeping.purge-expired-sessions',
    retryLimit: 3,
    retryDelaySeconds: 60,
    expireInSeconds: 300,
    cron: '17 * * * *',
    handle: async (_data, ctx) => {
      let removed = 0;
      for (const council of await deps.councils.list())
        removed += await deps.accounts.purgeExpiredSessions(council.id);
      ctx.log.info({ removed }, 'expired sessions purged');
    },
  });
  return [purgeSessions as AnyJobDefinition];
}
