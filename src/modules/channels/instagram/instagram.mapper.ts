/**
 * Instagram webhook payloads (`object: "instagram"`) to InboundItems: `comments` changes
 * (`value: {id, text, from: {id, username}, media: {id}, parent_id?}`) and Instagram
 * messaging events, which share Messenger's shape. The account's own comments are skipped;
 * anything unidentifiable is returned as malformed, raw.
 */
import type { ExternalRef, InboundBatch, InboundItem, MalformedInbound } from '../port.ts';
import { isMalformed, isRecord, mapMessagingEvent, str, type GraphEnvelope } from '../meta-graph.ts';

export function mapCommentChange(
  value: unknown,
  igUserId: string,
  entryTime: number,
): InboundItem | MalformedInbound | undefined {
  if (!isRecord(value)) return { raw: value, reason: 'Comment change without a value object' };
  const id = str(value.id);
  const from = isRecord(value.from) ? value.from : undefined;
  const mediaId = isRecord(value.media) ? str(value.media.id) : undefined;
  const authorId = str(from?.id);
  if (!id || !mediaId || !authorId || typeof value.text !== 'string')
    return { raw: value, reason: 'Instagram comment without id, text, from.id or media.id' };
  if (authorId === igUserId) return undefined;
  const username = str(from?.username);
  return {
    externalId: id,
    kind: 'comment',
    author: { id: authorId, ...(username ? { handle: username } : {}) },
    text: value.text,
    createdAt: new Date(entryTime * 1000),
    threadId: mediaId,
    inReplyTo: str(value.parent_id) ?? mediaId,
    isPrivate: false,
    raw: value,
  };
}

export function mapInstagramEnvelope(envelope: GraphEnvelope, igUserId: string): InboundBatch {
  const items: InboundItem[] = [];
  const malformed: MalformedInbound[] = [];
  const add = (r: InboundItem | MalformedInbound | undefined) => {
    if (!r) return;
    if (isMalformed(r)) malformed.push(r);
    else items.push(r);
  };
  if (envelope.object !== 'instagram')
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
      else if (change.field === 'comments' || change.field === 'live_comments')
        add(mapCommentChange(change.value, igUserId, time));
    }
    for (const event of Array.isArray(entry.messaging) ? entry.messaging : [])
      add(mapMessagingEvent(event, time));
    if (!Array.isArray(entry.changes) && !Array.isArray(entry.messaging))
      malformed.push({ raw: entry, reason: 'Entry with neither changes nor messaging' });
  }
  return { items, cursor: undefined, malformed };
}

/** An Instagram comment is answered under itself (`/replies`); a DM through the Send API. */
export function instagramReplyTarget(item: InboundItem): ExternalRef {
  return item.kind === 'direct_message'
    ? { id: item.externalId, meta: { psid: item.author.id } }
    : { id: item.externalId, meta: { kind: 'comment' } };
}
