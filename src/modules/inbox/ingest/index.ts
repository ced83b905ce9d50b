export {
  IngestService,
  type IngestResult,
  type IngestScheduler,
  type ProcessSummary,
} from './ingest.service.ts';
export { inboxJobs, type InboxJobs, type InboxJobDeps } from './ingest.jobs.ts';
export { DutyAlerter, dutyAlertJobId } from './duty-alert.ts';
export type { DutyAlert } from './process-chunk.ts';
export type { IngestSource, StoredEvent } from './store-events.ts';
export { unclassifiedTriage, type Triager } from './triage-port.ts';
export type { MessageTap, TappedMessage, TapCandidate } from './message-tap.ts';
export { cleanText } from './normalise.ts';
export { registerWebhookRoutes } from './webhook.routes.ts';
export { startInboundMail } from './inbound-mail.ts';
export { loadTriager } from './load-triage.ts';
