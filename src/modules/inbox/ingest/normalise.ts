/**
 * From whatever a channel sent to what the pipeline can safely work with, and back.
 *
 * The raw event is kept whole: as jsonb when PostgreSQL can hold it as jsonb (jsonb refuses
 * `\u0000` and lone surrogates), otherwise as the same JSON in `raw_text`, where those are
 * only escape sequences. Bytes (a Buffer inside a provider payload) become base64. Only the
 * copy used for processing is cleaned and shortened.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import type { InboundItem, MalformedInbound } from '../../channels/index.ts';

/** What the message shows and search indexes; the raw event keeps everything. */
export const maxBodyChars = 100_000;
/** What triage reads: the start of a message says what it is about. */
export const maxTriageChars = 5_000;
/** Longer provider ids are hashed: a btree key must stay well under 2,700 bytes. */
const maxExternalIdChars = 500;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

// C0 controls except tab and newline, DEL, and C1 controls.
// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/gu;
// Without the u flag a regular expression sees UTF-16 code units, so it can find lone halves.
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** String.prototype.toWellFormed (ES2024) for the ES2023 library this project targets. */
export const toWellFormed = (s: string) => s.replace(loneSurrogate, '\ufffd');

/**
 * Text fit to store, show and classify: well-formed UTF-16 (lone surrogates become U+FFFD),
 * no NULs or control characters, Unix newlines, at most `max` characters.
 *
 * @example cleanText('Bin\u0000 missed\r\n') // 'Bin missed'
 */
export function cleanText(text: unknown, max = maxBodyChars): string {
  const s = typeof text === 'string' ? text : text === undefined || text === null ? '' : String(text);
  const clean = toWellFormed(s).replace(/\r\n?/gu, '\n').replace(controlChars, '').trim();
  if (clean.length <= max) return clean;
  // Never cut a surrogate pair in half.
  const cut = toWellFormed(clean.slice(0, max)).replace(/\ufffd$/u, '');
  return `${cut}…`;
}

/** JSON text of anything, with bytes as base64 and cycles or bigints described, never thrown. */
export function toJson(value: unknown): string {
  try {
    return (
      JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
        const original = this[key];
        if (original instanceof Uint8Array) return { $base64: Buffer.from(original).toString('base64') };
        if (typeof v === 'bigint') return v.toString();
        return v;
      }) ?? 'null'
    );
  } catch {
    return JSON.stringify({ $unserialisable: inspect(value, { depth: 4 }) });
  }
}

/** jsonb rejects the escapes `\u0000` and lone surrogates (JSON.stringify escapes both). */
const jsonbUnsafe = /\\u(0000|d[89a-f][0-9a-f]{2})/iu;

export type StoredPayload = { payload: string | null; rawText: string | null };

export function storable(json: string): StoredPayload {
  return jsonbUnsafe.test(json) ? { payload: null, rawText: json } : { payload: json, rawText: null };
}

/** The event as stored: the item (with the provider's payload inside) or the malformed body. */
export type EventBody =
  | { v: 1; item: Omit<InboundItem, 'createdAt'> & { createdAt: string } }
  | { v: 1; malformed: { reason: string; raw: unknown } };

export function itemBody(item: InboundItem): string {
  const createdAt =
    item.createdAt instanceof Date && !Number.isNaN(item.createdAt.getTime())
      ? item.createdAt.toISOString()
      : new Date().toISOString();
  return toJson({ v: 1, item: { ...item, createdAt } });
}

export function malformedBody(m: MalformedInbound): string {
  return toJson({ v: 1, malformed: { reason: m.reason, raw: m.raw } });
}

/** A provider id fit for the unique key; a malformed payload gets a hash of itself. */
export function eventKey(externalId: unknown, body: string): string {
  const id = typeof externalId === 'string' ? cleanText(externalId, 10_000) : '';
  if (!id) return `sha256:${sha256(body)}`;
  return id.length > maxExternalIdChars ? `sha256:${sha256(id)}` : id;
}
