/**
 * Which SLA policy applies to a conversation, and its due times. The most specific policy wins:
 * one for the service area and urgency, then the area alone, then the urgency alone, then the
 * council's default (both empty).
 */
import { dueAt } from './business-hours.ts';

export type SlaPolicy = {
  area: string | null;
  urgency: string | null;
  firstResponseMinutes: number;
  resolutionMinutes: number;
  isBusinessHours: boolean;
};

export type SlaDue = { firstResponseDueAt: Date; resolutionDueAt: Date };

function score(p: SlaPolicy, area: string | null, urgency: string): number {
  if (p.area !== null && p.area !== area) return -1;
  if (p.urgency !== null && p.urgency !== urgency) return -1;
  return (p.area !== null ? 2 : 0) + (p.urgency !== null ? 1 : 0);
}

export function choosePolicy(
  policies: readonly SlaPolicy[],
  area: string | null,
  urgency: string,
): SlaPolicy | undefined {
  let best: SlaPolicy | undefined;
  let bestScore = -1;
  for (const p of policies) {
    const s = score(p, area, urgency);
    if (s > bestScore) [best, bestScore] = [p, s];
  }
  return best;
}

/** Due times from `start` under the matching policy; undefined when the council has none. */
export function slaDue(
  policies: readonly SlaPolicy[],
  area: string | null,
  urgency: string,
  start: Date,
): SlaDue | undefined {
  const p = choosePolicy(policies, area, urgency);
  if (!p) return undefined;
  return {
    firstResponseDueAt: dueAt(start, p.firstResponseMinutes, p.isBusinessHours),
    resolutionDueAt: dueAt(start, p.resolutionMinutes, p.isBusinessHours),
  };
}
