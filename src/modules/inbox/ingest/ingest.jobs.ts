/**
 * The inbox's background jobs: processing stored events, duty alerts, polling channel accounts
 * for inbound items, and SLA breach checks. The definitions are built once with their services;
 * `send*` helpers give the rest of the module a typed way to queue them.
 */
import { withCouncil, type Db } from '../../../db/index.ts';
import { defineJob, type AnyJobDefinition, type JobDefinition, type JobQueue } from '../../../jobs/index.ts';
import type { Logger } from '../../../logger.ts';
import { canFetchInbound, ChannelError, type ChannelAccountsService } from '../../channels/index.ts';
import type { SlaService } from '../sla/index.ts';
import { dutyAlertJobId, type DutyAlerter } from './duty-alert.ts';
import type { IngestScheduler, IngestService } from './ingest.service.ts';
import type { DutyAlert } from './process-chunk.ts';

export type InboxJobDeps = {
  db: Db;
  ingest: IngestService;
  sla: SlaService;
  alerter: DutyAlerter;
  channelAccounts: ChannelAccountsService;
  /** Every council's id (a cross-council read on the owner connection). */
  councilIds: () => Promise<string[]>;
  log: Logger;
};

type Empty = Record<string, never>;

export type InboxJobs = {
  definitions: AnyJobDefinition[];
  processPending: JobDefinition<{ councilId?: string }>;
  alertDuty: JobDefinition<DutyAlert>;
  pollAccounts: JobDefinition<Empty>;
  pollAccount: JobDefinition<{ councilId: string; accountId: string }>;
  slaCheck: JobDefinition<Empty>;
  /** The scheduler IngestService uses, bound to a queue once it exists. */
  scheduler: (queue: () => JobQueue) => IngestScheduler;
};

export function inboxJobs(deps: InboxJobDeps): InboxJobs {
  const forEachCouncil = async (councilId: string | undefined, fn: (id: string) => Promise<void>) => {
    for (const id of councilId ? [councilId] : await deps.councilIds()) await fn(id);
  };

  const processPending = defineJob<{ councilId?: string }>({
    name: 'inbox.process-pending',
    retryLimit: 5,
    retryDelaySeconds: 5,
    expireInSeconds: 15 * 60,
    cron: '* * * * *',
    handle: async (data, ctx) => {
      await forEachCouncil(data.councilId, async (councilId) => {
        const r = await deps.ingest.processPending(councilId);
        if (r.processed + r.failed > 0) ctx.log.info({ councilId, ...r }, 'inbound events processed');
        // Only the cron run sweeps for owed alerts: a run per ingest would repeat it needlessly.
        if (!data.councilId) await deps.ingest.recoverDutyAlerts(councilId);
      });
    },
  });

  const alertDuty = defineJob<DutyAlert>({
    name: 'inbox.alert-duty',
    retryLimit: 10,
    retryDelaySeconds: 10,
    expireInSeconds: 120,
    concurrency: 4,
    handle: async (data) => {
      await deps.alerter.send(data);
    },
  });

  const pollAccount = defineJob<{ councilId: string; accountId: string }>({
    name: 'inbox.poll-account',
    retryLimit: 2,
    retryDelaySeconds: 30,
    expireInSeconds: 300,
    concurrency: 4,
    handle: async ({ councilId, accountId }, ctx) => {
      let fetched;
      try {
        const { connector } = await deps.channelAccounts.connectorFor(councilId, accountId);
        if (!canFetchInbound(connector)) return;
        const cursor = await withCouncil(deps.db, councilId, (tx) =>
          tx
            .selectFrom('channel_accounts')
            .select('inbound_cursor')
            .where('id', '=', accountId)
            .executeTakeFirst(),
        );
        fetched = await connector.fetchInbound(cursor?.inbound_cursor ?? undefined);
      } catch (error) {
        await deps.channelAccounts.recordOutcome(councilId, accountId, { error });
        // An expired sign-in is flagged for the owners; polling it again cannot help.
        if (error instanceof ChannelError && error.kind === 'auth_expired') return;
        throw error;
      }
      const kind = await withCouncil(deps.db, councilId, (tx) =>
        tx
          .selectFrom('channel_accounts')
          .select('kind')
          .where('id', '=', accountId)
          .executeTakeFirstOrThrow(),
      );
      // The cursor is saved in the same transaction as the events it covers.
      const r = await deps.ingest.ingest(councilId, { kind: kind.kind, accountId }, fetched, {
        cursor: fetched.cursor,
      });
      await deps.channelAccounts.recordOutcome(councilId, accountId, {});
      if (r.stored > 0) ctx.log.info({ councilId, accountId, stored: r.stored }, 'inbound items fetched');
    },
  });

  let queueRef: (() => JobQueue) | undefined;
  const queue = () => {
    if (!queueRef) throw new Error('the inbox jobs are not bound to a queue');
    return queueRef();
  };

  const pollAccounts = defineJob<Empty>({
    name: 'inbox.poll-accounts',
    retryLimit: 1,
    retryDelaySeconds: 30,
    expireInSeconds: 120,
    cron: '* * * * *',
    handle: async () => {
      for (const councilId of await deps.councilIds()) {
        for (const account of await deps.channelAccounts.list(councilId)) {
          if (account.status !== 'active') continue;
          const { connector } = await deps.channelAccounts.connectorFor(councilId, account.id).catch(() => ({
            connector: undefined,
          }));
          if (!connector || !canFetchInbound(connector)) continue;
          // One poll per account at a time: a slow network never piles up polls.
          await queue().send(
            pollAccount,
            { councilId, accountId: account.id },
            { singletonKey: account.id, singletonSeconds: 55 },
          );
        }
      }
    },
  });

  const slaCheck = defineJob<Empty>({
    name: 'inbox.sla-check',
    retryLimit: 1,
    retryDelaySeconds: 30,
    expireInSeconds: 300,
    cron: '* * * * *',
    handle: async (_data, ctx) => {
      for (const councilId of await deps.councilIds()) {
        const breached = await deps.sla.markBreaches(councilId);
        if (breached.length > 0)
          ctx.log.info({ councilId, breached: breached.length }, 'SLA breaches marked');
      }
    },
  });

  return {
    definitions: [processPending, alertDuty, pollAccounts, pollAccount, slaCheck] as AnyJobDefinition[],
    processPending,
    alertDuty,
    pollAccounts,
    pollAccount,
    slaCheck,
    scheduler: (q) => {
      queueRef = q;
      return {
        afterStore: async (councilId) => {
          // At most one queued run per council per second; a later one goes to the next slot.
          await q().send(
            processPending,
            { councilId },
            {
              singletonKey: councilId,
              singletonSeconds: 1,
              singletonNextSlot: true,
            },
          );
        },
        sendDutyAlerts: async (alerts) => {
          await q().boss.insert(
            alertDuty.name,
            alerts.map((a) => ({ id: dutyAlertJobId(a), data: a })),
          );
        },
      };
    },
  };
}
