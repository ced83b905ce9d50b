/**
 * The inbox module: ingestion, triage, conversations, replies, cases. Public API only.
 */
export { LiveHub, announce, announceMany, type InboxLiveEvent } from './live.ts';
export {
  CasesService,
  CaseError,
  registerCaseRoutes,
  casePaths,
  parseSatisfaction,
  satisfactionAnswersJob,
  type CaseSummary,
} from './cases/index.ts';
export { InboxService, InboxError, assignRoundRobin } from './inbox.service.ts';
export { InboxSettingsService } from './inbox.settings.ts';
export {
  ReplyService,
  renderPlaceholders,
  sweepOutboundJob,
  type EnqueueOptions,
  type ReplyJobData,
} from './replies.ts';
export { registerInboxRoutes } from './inbox.routes.ts';
export { inboxPaths, conversationPath } from './inbox.paths.ts';
export { eventFrame } from './live-stream.ts';
export {
  DutyAlerter,
  IngestService,
  inboxJobs,
  type InboxJobs,
  loadTriager,
  registerWebhookRoutes,
  startInboundMail,
  type IngestResult,
  type IngestSource,
  type MessageTap,
  type TappedMessage,
  type TapCandidate,
} from './ingest/index.ts';
export { BlueskyTagListener, type HashtagWatch } from './ingest/bluesky-tags.ts';
export { SlaService, addBusinessMinutes, dueAt } from './sla/index.ts';
export { ContactService, registerContactRoutes, contactPaths } from './contact/index.ts';
export { createTriage, runTriageCli, assessUrgency, type Triage, type TriageResult } from './triage/index.ts';
export { seedInboxDemo } from './demo.ts';
