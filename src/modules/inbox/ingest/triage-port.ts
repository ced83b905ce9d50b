/**
 * What ingestion needs from triage: the shared classifier (../triage), and a stand-in used only
 * if the classifier cannot load, so messages are still stored and routed, never dropped.
 */
import type { Triage, TriageResult } from '../triage/index.ts';

export type { TriageResult };
export type Triager = Triage;

export const unclassifiedTriage: Triager = {
  triage: () => ({
    area: 'other',
    category: 'general_enquiry',
    intent: 'other',
    sentiment: 'neutral',
    urgency: 'routine',
    language: 'other',
    places: [],
    confidence: { area: 0, category: 0 },
  }),
};

export const urgencyRank: Readonly<Record<string, number>> = { routine: 0, high: 1, emergency: 2 };
