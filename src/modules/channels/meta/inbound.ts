/**
 * What Meta's webhook deliveries share between a Facebook Page (`object: "page"`) and an
 * Instagram account (`object: "instagram"`): the envelope `{object, entry: [{id, time,
 * changes?, messaging?}]}`, the walk over its entries, Messenger-shaped messaging events, and
 * how an item is answered. Each network's mapper says only what its own `changes` mean.
 */
import type { ExternalRef, InboundBatch, InboundItem, MalformedInbound } from '../port.ts';

/** Meta's webhook envelope, as far as both products share it. */
export type GraphEnvelope = { object: string; entry: GraphEntry[] };
export type GraphEntry = {
  id: string;
  time: number;
  changes?: { field: string; value: unknown }[];
  messaging?: unknown[];
};

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined;

/** Graph timestamps are Unix seconds, Messenger's are milliseconds, some are ISO strings. */
export function graphTime(v: unknown, fallback: number): Date {
  if (typeof v === 'number') return new Date(v > 1e12 ? v : v * 1000);
  if (typeof v === 'string') {
    const d = new Date(/^\d+$/.test(v) ? Number(v) * 1000 : v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return new Date(fallback * 1000);
}

/** Parses the raw body; anything but `{object, entry: [...]}` is returned as a reason. */
export function parseEnvelope(rawBody: Buffer): GraphEnvelope | { reason: string; raw: unknown } {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { reason: 'Body is not JSON', raw: rawBody.toString('utf8') };
  }
  if (!isRecord(json) || typeof json.object !== 'string' || !Array.isArray(json.entry))
    return { reason: 'Not a Graph webhook envelope', raw: json };
  return json as GraphEnvelope;
}

/**
 * A Messenger or Instagram messaging event (`entry[].messaging[]`): a resident's message
 * becomes a private item; echoes of our own messages, delivery and read receipts are not
 * inbound items and are skipped (returned as undefined). Anything else is malformed.
 */
export function mapMessagingEvent(
  event: unknown,
  entryTime: number,
): InboundItem | MalformedInbound | undefined {
  if (!isRecord(event)) return { raw: event, reason: 'Messaging event is not an object' };
  if (event.delivery !== undefined || event.read !== undefined || event.reaction !== undefined)
    return undefined;
  const message = event.message;
  if (!isRecord(message)) return { raw: event, reason: 'Messaging event without a message' };
  if (message.is_echo === true) return undefined;
  const sender = isRecord(event.sender) ? str(event.sender.id) : undefined;
  const mid = str(message.mid);
  if (!sender || !mid) return { raw: event, reason: 'Message without sender.id or message.mid' };
  const attachments = Array.isArray(message.attachments)
    ? message.attachments.filter(isRecord).map((a) => {
        const url = isRecord(a.payload) ? str(a.payload.url) : undefined;
        return { ...(url ? { url } : {}), ...(str(a.type) ? { mimeType: `${str(a.type)}/*` } : {}) };
      })
    : [];
  return {
    externalId: mid,
    kind: 'direct_message',
    author: { id: sender },
    text: str(message.text) ?? '',
    createdAt: graphTime(event.timestamp, entryTime),
    threadId: sender,
    isPrivate: true,
    ...(attachments.length > 0 ? { attachments } : {}),
    raw: event,
  };
}

export const isMalformed = (v: InboundItem | MalformedInbound): v is MalformedInbound =>
  'reason' in v && !('externalId' in v);

/** One `changes[]` entry to an item, nothing (not a resident's words), or malformed. */
export type ChangeMapper = (
  field: string,
  value: unknown,
  entry: Record<string, unknown>,
  entryTime: number,
) => InboundItem | MalformedInbound | undefined;

/**
 * Every entry of an envelope of the expected `object` (anything else is malformed here):
 * changes go to the network's `mapChange`, messaging events are shared. A change without a
 * field, an entry that is not an object or has neither list is kept raw as malformed.
 */
export function mapMetaEnvelope(
  envelope: GraphEnvelope,
  object: string,
  mapChange: ChangeMapper,
): InboundBatch {
  const items: InboundItem[] = [];
  const malformed: MalformedInbound[] = [];
  const add = (r: InboundItem | MalformedInbound | undefined) => {
    if (!r) return;
    if (isMalformed(r)) malformed.push(r);
    else items.push(r);
  };
  if (envelope.object !== object)
    return {
      items,
      cursor: undefined,
      malformed: [{ raw: envelope, reason: `Unexpected object "${envelope.object}"` }],
    };
  for (const entry of envelope.entry) {
    if (!isRecord(entry)) {
      malformed.push({ raw: entry, reason: 'Entry is not an object' });
      continue;
    }
    const time = typeof entry.time === 'number' ? entry.time : Date.now() / 1000;
    for (const change of Array.isArray(entry.changes) ? entry.changes : []) {
      if (!isRecord(change) || typeof change.field !== 'string')
        malformed.push({ raw: change, reason: 'Change without a field' });
      else add(mapChange(change.field, change.value, entry, time));
    }
    for (const event of Array.isArray(entry.messaging) ? entry.messaging : [])
      add(mapMessagingEvent(event, time));
    if (!Array.isArray(entry.changes) && !Array.isArray(entry.messaging))
      malformed.push({ raw: entry, reason: 'Entry with neither changes nor messaging' });
  }
  return { items, cursor: undefined, malformed };
}

/**
 * The ExternalRef to answer an inbound item with: a message carries the sender's
 * page-scoped id, which the Send API needs; a comment or post is its own id, with whatever
 * the network needs to know which edge answers it (`commentMeta`).
 */
export function metaReplyTarget(item: InboundItem, commentMeta?: Record<string, string>): ExternalRef {
  if (item.kind === 'direct_message') return { id: item.externalId, meta: { psid: item.author.id } };
  return commentMeta ? { id: item.externalId, meta: commentMeta } : { id: item.externalId };
}
