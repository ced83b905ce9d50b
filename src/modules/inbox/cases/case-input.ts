/**
 * What an officer enters to make a case, its checks, and the error every case action throws.
 */
export type FieldErrors = Partial<Record<string, string>>;

export class CaseError extends Error {
  constructor(
    readonly kind: 'not_found' | 'validation',
    readonly fieldErrors: FieldErrors = {},
  ) {
    super(kind);
    this.name = 'CaseError';
  }
}

export type CaseInput = { area: string; category: string; placeText: string; summary: string };

export const limits = { area: 80, category: 80, placeText: 200, summary: 1000, note: 280 };

export function validateCase(input: CaseInput): FieldErrors {
  const e: FieldErrors = {};
  if (!input.area) e.area = 'Enter the service, like waste';
  else if (input.area.length > limits.area) e.area = `Service must be ${limits.area} characters or fewer`;
  if (!input.category) e.category = 'Enter the category, like missed_collection';
  else if (input.category.length > limits.category)
    e.category = `Category must be ${limits.category} characters or fewer`;
  if (input.placeText.length > limits.placeText)
    e.placeText = `Place must be ${limits.placeText} characters or fewer`;
  if (!input.summary) e.summary = 'Enter a summary of the problem';
  else if (input.summary.length > limits.summary)
    e.summary = `Summary must be ${limits.summary} characters or fewer`;
  return e;
}
