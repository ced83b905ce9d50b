/**
 * The inbox module: ingestion, triage, conversations, replies, cases. Public API only.
 */
export { LiveHub, announce, type InboxLiveEvent } from './live.ts';
