/**
 * The meetings module: committees, meetings and agendas (staff-edited or imported from
 * ModernGov), residents' questions and their moderation, upvotes, polls, the public live wall
 * over SSE, answers with webcast times, the archive and exports. Public API only.
 */
export { createMeetingsModule, type MeetingsModule } from './module.ts';
export { registerMeetingRoutes } from './meetings.routes.ts';
export { meetingPaths, pathTo } from './meetings.paths.ts';
export { MeetingsService, validateMeeting, type ValidMeeting } from './meetings.service.ts';
export { QuestionsService, type QuestionSource } from './questions.service.ts';
export { ModerationService, type ModerationAction } from './moderation.service.ts';
export { AskerNotifier, shortNotice } from './notices.ts';
export { inboxPort, ReplyNotPossible, type InboxPort } from './inbox-port.ts';
export { InboxQuestions, TagMatcher, type FilingOutcome } from './inbox-questions.ts';
export { MeetingTagWatch, tagsChannel } from './hashtag-watch.ts';
export { MeetingLiveHub, sseFrame, publicKinds } from './live.ts';
export {
  MeetingsError,
  type Meeting,
  type AgendaItem,
  type Committee,
  type Question,
  type PublicQuestion,
  type Poll,
} from './meetings.types.ts';
export { importFromModernGov, type ImportSummary } from './moderngov/moderngov-import.ts';
export {
  ModernGovError,
  readCommittees,
  readMeeting,
  readMeetings,
  htmlToText,
} from './moderngov/moderngov.ts';
export { flagsFor, parseWebcastTime, formatWebcastTime, countWords } from './question-rules.ts';
export { streamEmbed, recordingAt } from './webcast.ts';
export { seedDemoMeetings } from './demo.ts';
