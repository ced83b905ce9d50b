export { createTriage, type Triage, type TriageOptions, type TriageResult } from './triage.ts';
export { runTriageCli } from './cli.ts';
export { assessUrgency, type UrgencyAssessment, type UrgencyLevel } from './urgency.ts';
export type { Intent } from './intent.ts';
export type { Language } from './language.ts';
export type { Place } from './places.ts';
export type { Sentiment } from './sentiment.ts';
