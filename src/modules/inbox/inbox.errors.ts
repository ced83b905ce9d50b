/**
 * The inbox's error (what a route turns into a GOV.UK error summary, a 403 or a 404) and the
 * fixed vocabularies pages show.
 */
export class InboxError extends Error {
  constructor(
    readonly kind: 'not_found' | 'validation' | 'forbidden',
    readonly fieldErrors: Partial<Record<string, string>> = {},
  ) {
    super(kind);
  }
}

export const statusLabels: Record<string, string> = {
  new: 'New',
  open: 'Open',
  waiting: 'Waiting on resident',
  resolved: 'Resolved',
};
export const urgencies = ['routine', 'high', 'emergency'] as const;

export type Option = { value: string; text: string };
