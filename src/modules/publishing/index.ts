export {
  Publisher,
  settlePost,
  type PublishQueue,
  type PublishOutcome,
  type PublisherOptions,
  type ChunkTiming,
} from './publisher.ts';
export {
  PostsService,
  PublishingError,
  type PostView,
  type PostSummary,
  type Staff,
  type CouncilPublishingSettings,
} from './posts.service.ts';
export {
  publishingJobs,
  pgBossPublishQueue,
  variantJob,
  variantLeadSeconds,
  type PublishingJobs,
} from './publishing.jobs.ts';
export { readPostForm, defaultVariantText, type PostForm } from './post-form.ts';
export { appendRecord, listRecords, recordsToCsv, type PublishingRecord } from './records.ts';
export {
  adviseOn,
  readability,
  wordsToAvoid,
  hashtagProblems,
  linkProblems,
  electionMentions,
} from './checks.ts';
export { fromLondon, toLondon, parseLocalSchedule, expandRecurrence, toFields } from './schedule.ts';
export { createPublishing, type Publishing } from './publishing.module.ts';
export { registerPublishingRoutes } from './publishing.routes.ts';
export { registerPublicRoutes } from './public.routes.ts';
export { publishingPaths } from './publishing.paths.ts';
// The posts demo with the content calendar's and metrics' demo content added.
export { seedPublishingDemo } from './calendar/demo.ts';
export { seedDraftingDemo } from './drafting.demo.ts';
export { builtInTemplates, templateKeys, type TemplateKey } from './templates/definitions.ts';
export { importFormats, type ImportKind } from './import/formats.ts';
