/**
 * Builds the meetings module's services in one place for the container: meetings and rules,
 * questions, moderation, the asker notices and their jobs, and the live hub.
 */
import type { Db } from '../../db/index.ts';
import type { AnyJobDefinition, JobQueue } from '../../jobs/index.ts';
import type { Logger } from '../../logger.ts';
import type { ChannelAccountsService } from '../channels/index.ts';
import { MeetingLiveHub } from './live.ts';
import { MeetingsService } from './meetings.service.ts';
import { ModerationService } from './moderation.service.ts';
import { AskerNotifier, noticeJobs, type ConversationReplier } from './notices.ts';
import { QuestionsService } from './questions.service.ts';

export type MeetingsModule = {
  db: Db;
  meetings: MeetingsService;
  questions: QuestionsService;
  moderation: ModerationService;
  notifier: AskerNotifier;
  hub: MeetingLiveHub;
  jobDefinitions: AnyJobDefinition[];
  /** Stops the live hub (closing every open stream). */
  close: () => Promise<void>;
};

export function createMeetingsModule(deps: {
  db: Db;
  /** For the hub's LISTEN connection. */
  databaseUrl: string;
  channelAccounts: ChannelAccountsService;
  councilIds: () => Promise<string[]>;
  jobs: () => JobQueue;
  log: Logger;
  replier?: ConversationReplier;
  clock?: () => Date;
}): MeetingsModule {
  const meetings = new MeetingsService(deps.db);
  const notifier = new AskerNotifier(deps.db, deps.channelAccounts, { replier: deps.replier });
  const jobs = noticeJobs({ notifier, councilIds: deps.councilIds, jobs: deps.jobs, log: deps.log });
  const hub = new MeetingLiveHub(deps.databaseUrl, deps.db);
  return {
    db: deps.db,
    meetings,
    questions: new QuestionsService(deps.db, meetings, deps.clock),
    moderation: new ModerationService(deps.db, meetings, jobs.enqueue),
    notifier,
    hub,
    jobDefinitions: jobs.definitions,
    close: () => hub.stop(),
  };
}
