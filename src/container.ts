/**
 * The composition root: database -> services -> jobs. Entry points build one container and
 * close it on shutdown; tests build one against a test database.
 */
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { openDatabase, type OpenDatabase } from './db/index.ts';
import { JobQueue, type AnyJobDefinition } from './jobs/index.ts';
import { AccountsService } from './modules/accounts/index.ts';
import { CouncilsService } from './modules/councils/index.ts';
import {
  createChannels,
  CredentialBox,
  type ChannelAccountsService,
  type ChannelOAuthService,
  type ConnectorRegistry,
  type PublicMedia,
} from './modules/channels/index.ts';
import { createConnectorRegistry } from './connectors.ts';
import { housekeepingJobs } from './housekeeping.ts';
import { createPublishing, type Publishing } from './modules/publishing/index.ts';
import { CasesService } from './modules/inbox/index.ts';
import {
  InboxService,
  InboxSettingsService,
  LiveHub,
  ReplyService,
  sweepOutboundJob,
  satisfactionAnswersJob,
  type EnqueueOptions,
  type ReplyJobData,
} from './modules/inbox/index.ts';
import { createMeetingsModule, inboxPort, type MeetingsModule } from './modules/meetings/index.ts';
import {
  BlueskyTagListener,
  ContactService,
  DutyAlerter,
  IngestService,
  SlaService,
  inboxJobs,
  loadTriager,
} from './modules/inbox/index.ts';
import { loadSecretKeys } from './secrets.ts';

export type Services = {
  config: Config;
  log: Logger;
  db: OpenDatabase;
  secretKeys: readonly Buffer[];
  councils: CouncilsService;
  accounts: AccountsService;
  connectors: ConnectorRegistry;
  channelAccounts: ChannelAccountsService;
  channelOAuth: ChannelOAuthService;
  publicMedia: PublicMedia;
  publishing: Publishing;
  meetings: MeetingsModule;
  jobs: JobQueue;
  cases: CasesService;
  inbox: InboxService;
  inboxSettings: InboxSettingsService;
  replies: ReplyService;
  live: LiveHub;
  ingest: IngestService;
  /** Bluesky posts with an open meeting's hashtag (started by the worker). */
  blueskyTags: BlueskyTagListener;
  sla: SlaService;
  contact: ContactService;
  close: () => Promise<void>;
};

export async function createContainer(config: Config, log: Logger, db?: OpenDatabase): Promise<Services> {
  const database = db ?? (await openDatabase(config, log));
  const secretKeys = await loadSecretKeys(config, log);
  const councils = new CouncilsService(database.app, database.system);
  const accounts = new AccountsService(database.app, { sessionHours: config.sessionHours });
  const connectors = createConnectorRegistry({
    enableX: config.enableX,
    allowPrivateAddresses: config.allowPrivateChannelAddresses,
  });
  const channels = createChannels({
    db: database.app,
    box: new CredentialBox(secretKeys),
    registry: connectors,
    oauth: config.oauth,
    // Networks fetch published images from the council's public site (Instagram's image_url).
    councilOrigin: async (id) => {
      const council = (await councils.list()).find((c) => c.id === id);
      if (!council) return undefined;
      if (config.publicUrl) return `${config.publicUrl}/c/${council.slug}`;
      return council.hostnames[0] ? `https://${council.hostnames[0]}` : undefined;
    },
    councilIds: async () => (await councils.list()).map((c) => c.id),
  });
  const channelAccounts = channels.accounts;
  const definitions: AnyJobDefinition[] = [
    ...housekeepingJobs({ councils, accounts }),
    ...channels.definitions,
  ];
  const publishing = createPublishing({
    app: database.app,
    system: database.system,
    channelAccounts,
    registry: connectors,
  });
  definitions.push(...publishing.definitions);
  const inbox = new InboxService(database.app);
  const councilIds = async () => (await councils.list()).map((c) => c.id);
  const replies = new ReplyService(database.app, channelAccounts, {
    inboundEmailDomain: config.inboundEmailDomain,
  });
  definitions.push(
    replies.job as AnyJobDefinition,
    sweepOutboundJob(replies, councilIds) as AnyJobDefinition,
  );
  // Every send job carries the message id as its key, so the sweep can see one is waiting.
  const sendReply = async (data: ReplyJobData, o: EnqueueOptions = {}): Promise<string | null> => {
    if (o.unlessPending) {
      const waiting = await jobs.boss.findJobs(replies.job.name, {
        key: data.messageId,
        queued: true,
        limit: 1,
      });
      if (waiting.length > 0) return null;
    }
    return jobs.send(replies.job, data, {
      singletonKey: data.messageId,
      // Two sweeps in the same minute queue one job between them.
      ...(o.unlessPending ? { singletonSeconds: 60 } : {}),
      ...(o.startAfterSeconds ? { startAfter: o.startAfterSeconds } : {}),
    });
  };
  // What residents are told about their case is sent like any reply, by `inbox.send-reply`.
  const cases = new CasesService(database.app, { queueDelivery: (d) => sendReply(d), log });
  definitions.push(satisfactionAnswersJob(database.app, councilIds) as AnyJobDefinition);
  const meetings = createMeetingsModule({
    db: database.app,
    databaseUrl: database.url,
    channelAccounts,
    councilIds: async () => (await councils.list()).map((c) => c.id),
    jobs: () => jobs,
    log,
    // Askers who wrote in through the inbox are answered in their own conversation.
    inbox: inboxPort(replies, inbox),
  });
  definitions.push(...meetings.jobDefinitions);
  // Inbound: the pipeline, SLA timers and their jobs (bound to the queue below).
  const ingest = new IngestService(database.app, {
    log,
    triager: await loadTriager(log),
    // Messages carrying an open meeting's hashtag or keyword become questions for it.
    tap: meetings.inboxQuestions,
  });
  const sla = new SlaService(database.app);
  const ingestJobs = inboxJobs({
    db: database.app,
    ingest,
    sla,
    alerter: new DutyAlerter(database.app, channelAccounts, log),
    channelAccounts,
    councilIds: async () => (await councils.list()).map((c) => c.id),
    log,
  });
  definitions.push(...ingestJobs.definitions);
  const jobs = new JobQueue({ url: database.url, log, definitions });
  ingest.useScheduler(ingestJobs.scheduler(() => jobs));
  replies.useQueue(sendReply);
  publishing.attach(jobs);
  return {
    config,
    log,
    db: database,
    secretKeys,
    councils,
    accounts,
    connectors,
    channelAccounts,
    channelOAuth: channels.oauth,
    publicMedia: channels.publicMedia,
    publishing,
    meetings,
    jobs,
    cases,
    inbox,
    inboxSettings: new InboxSettingsService(database.app, { inboundEmailDomain: config.inboundEmailDomain }),
    replies,
    // Started by the web app (the inbox's event stream), which is its only listener.
    live: new LiveHub(database.url),
    ingest,
    blueskyTags: new BlueskyTagListener({
      db: database.app,
      system: database.system,
      ingest,
      watch: meetings.hashtags,
      councilIds,
      streamUrl: config.bluesky.streamUrl,
      plcUrl: config.bluesky.plcUrl,
      allowPrivateAddresses: config.allowPrivateChannelAddresses,
      log,
    }),
    sla,
    contact: new ContactService(database.app, ingest),
    close: async () => {
      await meetings.close();
      await jobs.stop();
      await database.shutdown();
    },
  };
}
