/**
 * Instagram webhook payloads (`object: "instagram"`) to InboundItems: `comments` changes
 * (`value: {id, text, from: {id, username}, media: {id}, parent_id?}`) and Instagram
 * messaging events, which share Messenger's shape. The account's own comments are skipped;
 * anything unidentifiable is returned as malformed, raw.
 */
import type { ExternalRef, InboundBatch, InboundItem, MalformedInbound } from '../port.ts';
import { isRecord, mapMetaEnvelope, metaReplyTarget, str, type GraphEnvelope } from '../meta/index.ts';

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

/**
 * Every entry of an `instagram` envelope (`object` other than "instagram" is malformed here):
 * `comments` and `live_comments` changes are comments; messaging events share Messenger's shape.
 */
export function mapInstagramEnvelope(envelope: GraphEnvelope, igUserId: string): InboundBatch {
  return mapMetaEnvelope(envelope, 'instagram', (field, value, _entry, time) =>
    field === 'comments' || field === 'live_comments' ? mapCommentChange(value, igUserId, time) : undefined,
  );
}

/** An Instagram comment is answered under itself (`/replies`); a DM through the Send API. */
export function instagramReplyTarget(item: InboundItem): ExternalRef {
  return metaReplyTarget(item, { kind: 'comment' });
}
