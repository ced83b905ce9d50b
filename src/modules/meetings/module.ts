/**
 * Builds the meetings module's services in one place for the container: meetings and rules,
 * questions, moderation, questions from the inbox (its MessageTap and filing jobs), the asker
 * notices and their jobs, and the live hub.
 */
import type { Db } from '../../db/index.ts';
import type { AnyJobDefinition, JobQueue } from '../../jobs/index.ts';
import type { Logger } from '../../logger.ts';
import type { ChannelAccountsService } from '../channels/index.ts';
import { MeetingTagWatch } from './hashtag-watch.ts';
import { InboxQuestions, inboxQuestionJobs } from './inbox-questions.ts';
import type { InboxPort } from './inbox-port.ts';
import { MeetingLiveHub } from './live.ts';
import { MeetingsService } from './meetings.service.ts';
import { ModerationService } from './moderation.service.ts';
import { AskerNotifier, noticeJobs } from './notices.ts';
import { QuestionsService } from './questions.service.ts';

export type MeetingsModule = {
  db: Db;
  meetings: MeetingsService;
  questions: QuestionsService;
  moderation: ModerationService;
  notifier: AskerNotifier;
  /** The inbox's tap (give it to IngestService) and the filing of inbox messages as questions. */
  inboxQuestions: InboxQuestions;
  hub: MeetingLiveHub;
  /** Open meetings' hashtags (the Bluesky listener's port) and the cross-process change signal. */
  hashtags: MeetingTagWatch;
  jobDefinitions: AnyJobDefinition[];
  /** Stops the live hub (closing every open stream) and the tag-change listener. */
  close: () => Promise<void>;
};

export function createMeetingsModule(deps: {
  db: Db;
  /** For the hub's and the tag watch's LISTEN connections. */
  databaseUrl: string;
  channelAccounts: ChannelAccountsService;
  councilIds: () => Promise<string[]>;
  jobs: () => JobQueue;
  log: Logger;
  /** Replies and notes in inbox conversations; without it inbox askers are not told. */
  inbox?: InboxPort;
  clock?: () => Date;
}): MeetingsModule {
  const hashtags = new MeetingTagWatch({
    db: deps.db,
    url: deps.databaseUrl,
    log: deps.log,
    clock: deps.clock,
  });
  // A saved meeting's tags reach every process's caches at once (NOTIFY), 30 s at worst.
  const meetings = new MeetingsService(deps.db, (councilId) => {
    hashtags.changed(councilId).catch((error: unknown) => {
      deps.log.warn({ err: error, councilId }, 'could not announce a meeting tag change');
    });
  });
  const questions = new QuestionsService(deps.db, meetings, deps.clock);
  const inboxQuestions = new InboxQuestions(deps.db, questions, () => deps.inbox, deps.log, deps.clock);
  const notifier = new AskerNotifier(deps.db, deps.channelAccounts, { inbox: deps.inbox });
  const jobs = noticeJobs({ notifier, councilIds: deps.councilIds, jobs: deps.jobs, log: deps.log });
  const filingJobs = inboxQuestionJobs({
    filing: inboxQuestions,
    councilIds: deps.councilIds,
    jobs: deps.jobs,
  });
  hashtags.onChange((councilId) => inboxQuestions.forget(councilId));
  // Not awaited: a database that is not there yet leaves the 30-second refresh, and retries.
  void hashtags.start();
  const hub = new MeetingLiveHub(deps.databaseUrl, deps.db);
  return {
    db: deps.db,
    meetings,
    questions,
    moderation: new ModerationService(deps.db, meetings, jobs.enqueue),
    notifier,
    inboxQuestions,
    hub,
    hashtags,
    jobDefinitions: [...jobs.definitions, ...filingJobs],
    close: async () => {
      await hashtags.stop();
      await hub.stop();
    },
  };
}
