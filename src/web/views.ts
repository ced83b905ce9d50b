/**
 * Server-rendered pages: Nunjucks with govuk-frontend's components. Autoescaping is on, so
 * anything a resident typed is shown as text; `| safe` is reserved for markup we produced.
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const govukDist = path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist');
export const govukAssets = path.join(govukDist, 'govuk');

export function createViews(opts: { isDevelopment: boolean }): nunjucks.Environment {
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader([govukDist, path.join(here, 'views'), path.join(here, '..', 'modules')], {
      noCache: opts.isDevelopment,
    }),
    { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true },
  );
  env.addFilter('date', (value: unknown) => formatDate(value));
  env.addFilter('dateTime', (value: unknown) => formatDateTime(value));
  env.addFilter('json', (value: unknown) => JSON.stringify(value, null, 2));
  return env;
}

const dateFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', dateStyle: 'long' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hour12: true,
});

/** GOV.UK style: 25 November 2026. */
export function formatDate(value: unknown): string {
  const d = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(d.getTime()) ? '' : dateFormat.format(d);
}

/** GOV.UK style: 25 November 2026 at 9:05pm (Europe/London). */
export function formatDateTime(value: unknown): string {
  const d = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(d.getTime())) return '';
  const parts = Object.fromEntries(dateTimeFormat.formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.day} ${parts.month} ${parts.year} at ${parts.hour}:${parts.minute}${(parts.dayPeriod ?? '').toLowerCase()}`;
}
