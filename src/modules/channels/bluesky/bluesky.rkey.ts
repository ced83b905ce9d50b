/**
 * Deterministic record keys, so one idempotency key can only ever name one post. AT Protocol
 * posts are keyed by a TID: 53 bits of microseconds since the Unix epoch and a 10-bit clock
 * id, written in base32-sortable. A connector that crashed after the PDS stored the post but
 * before it heard back will, on retry, derive the same key and find the post with getRecord
 * (or be refused by the PDS) instead of making a second one.
 */
import { createHash } from 'node:crypto';

const alphabet = '234567abcdefghijklmnopqrstuvwxyz';
const tidPattern = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/;

/** Keys with no intended time still get a stable, plausible time: somewhere in 2024. */
const fallbackStartMicros = BigInt(Date.UTC(2024, 0, 1)) * 1000n;
const fallbackSpanMicros = 366n * 24n * 3600n * 1_000_000n;

function encodeTid(micros: bigint, clockId: bigint): string {
  let value = (micros << 10n) | (clockId & 0x3ffn);
  let out = '';
  for (let i = 0; i < 13; i += 1) {
    out = alphabet[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

export function isValidTid(value: string): boolean {
  return tidPattern.test(value);
}

/**
 * The record key of part `part` (0 for a single post) of the post with this idempotency key.
 * The time comes from `intendedAt` (plus a sub-millisecond offset from the key's hash, so two
 * posts intended in the same millisecond differ), the clock id from the hash.
 *
 * @example
 * recordKeyFor('post-42/bluesky', new Date('2026-03-01T09:00:00Z')) // '3mgb…' (13 chars), always the same
 */
export function recordKeyFor(idempotencyKey: string, intendedAt: Date | undefined, part = 0): string {
  const hash = createHash('sha256').update(`${idempotencyKey}\u0000${part}`).digest();
  const clockId = BigInt(hash.readUInt16BE(0) & 0x3ff);
  const subMillis = BigInt(hash.readUInt16BE(2) % 1000);
  const base =
    intendedAt && Number.isFinite(intendedAt.getTime())
      ? BigInt(intendedAt.getTime()) * 1000n + subMillis
      : fallbackStartMicros + (hash.readBigUInt64BE(8) % fallbackSpanMicros);
  // Parts of a thread are one microsecond apart, in order.
  return encodeTid(base + BigInt(part), clockId);
}
