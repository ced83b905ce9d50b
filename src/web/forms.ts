/**
 * Form helpers for the GOV.UK pattern: an error summary at the top linking to each field,
 * the same message beside the field, and the values the person typed kept.
 */
export type FieldErrors = Partial<Record<string, string>>;

export type ErrorSummaryItem = { text: string; href: string };

/** Field ids are the form names; the summary links to them in the order given. */
export function errorList(
  errors: FieldErrors,
  order: readonly string[] = Object.keys(errors),
): ErrorSummaryItem[] {
  const keys = [...order, ...Object.keys(errors).filter((k) => !order.includes(k))];
  return keys.flatMap((k) => {
    const text = errors[k];
    return text ? [{ text, href: `#${k}` }] : [];
  });
}

/** `{ errorMessage: { text } }` for a govuk component, or false when the field is fine. */
export function fieldError(errors: FieldErrors, name: string): { text: string } | false {
  const text = errors[name];
  return text ? { text } : false;
}

/** Reads a string field from a parsed form body; anything else (arrays, objects) counts as empty. */
export function field(body: unknown, name: string): string {
  if (!body || typeof body !== 'object') return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}
