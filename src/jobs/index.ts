export {
  JobQueue,
  defineJob,
  type JobDefinition,
  type AnyJobDefinition,
  type JobContext,
} from './job-queue.ts';
