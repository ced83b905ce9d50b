/**
 * What residents are told, in plain English, on the channel they used. Kept short: a Bluesky
 * post holds 300 characters and a reply quotes the resident's handle too.
 */

export const caseStatuses = ['open', 'in_progress', 'scheduled', 'fixed', 'closed', 'not_council'] as const;
export type CaseStatus = (typeof caseStatuses)[number];

export const statusLabels: Record<CaseStatus, string> = {
  open: 'Open',
  in_progress: 'In progress',
  scheduled: 'Scheduled',
  fixed: 'Fixed',
  closed: 'Closed',
  not_council: 'Not the council’s',
};

export function isCaseStatus(value: unknown): value is CaseStatus {
  return typeof value === 'string' && (caseStatuses as readonly string[]).includes(value);
}

/** Statuses after which nothing more is expected to happen. */
export const finishedStatuses: readonly CaseStatus[] = ['fixed', 'closed', 'not_council'];

export function caseCreatedMessage(reference: string): string {
  return `Thank you. We have logged your report as ${reference}. The right team will look at it, and we will post updates here in this conversation. Quote ${reference} if you contact us about it.`;
}

export function reportJoinedMessage(reference: string, reportCount: number): string {
  const others = reportCount > 1 ? ` ${reportCount} residents have reported it so far.` : '';
  return `Thank you. Someone has already reported this, so we have added your report to ${reference}.${others} We will post updates here in this conversation.`;
}

export function caseMergedMessage(oldReference: string, reference: string): string {
  return `Your report ${oldReference} is about the same problem as ${reference}, so we are now handling them together as ${reference}. We will post updates here in this conversation.`;
}

/** The update for a status change; `note` is the officer's message to residents, if any. */
export function statusChangeMessage(reference: string, status: CaseStatus, note: string | null): string {
  const what: Record<CaseStatus, string> = {
    open: `We have reopened ${reference} and are looking at it again.`,
    in_progress: `Update on ${reference}: we are working on it now.`,
    scheduled: `Update on ${reference}: the work is booked in.`,
    fixed: `Update on ${reference}: it has been fixed. Thank you for reporting it.`,
    closed: `Update on ${reference}: we have closed this report.`,
    not_council: `Update on ${reference}: this is not something the council looks after.`,
  };
  const extra = note ? ` ${note}` : '';
  const next = finishedStatuses.includes(status) ? '' : ' We will post again here when it changes.';
  return `${what[status]}${extra}${next}`;
}
