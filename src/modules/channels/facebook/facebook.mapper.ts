/**
 * Facebook Page webhook payloads to InboundItems. Meta documents two shapes under
 * `object: "page"`: `entry[].changes[]` with `field: "feed"` (comments and visitor posts) and
 * `entry[].messaging[]` (Messenger). The Page's own posts and comments echo back through the
 * same feed and are skipped, as are edits, removals, likes and reactions: they are not
 * something a resident said. Anything that claims to be a comment or post but lacks the
 * fields to identify it is returned as malformed, raw, never thrown.
 */
import type { ExternalRef, InboundBatch, InboundItem, MalformedInbound } from '../port.ts';
import {
  graphTime,
  isRecord,
  mapMetaEnvelope,
  metaReplyTarget,
  str,
  type GraphEnvelope,
} from '../meta/index.ts';

const postItems = new Set(['post', 'status', 'photo', 'video', 'share']);

/** One `feed` change value to an item, nothing (not a resident's words), or malformed. */
export function mapFeedChange(
  value: unknown,
  pageId: string,
  entryTime: number,
): InboundItem | MalformedInbound | undefined {
  if (!isRecord(value)) return { raw: value, reason: 'Feed change without a value object' };
  const item = str(value.item);
  if (!item) return { raw: value, reason: 'Feed change without an item' };
  if (value.verb !== 'add') return undefined;
  if (item !== 'comment' && !postItems.has(item)) return undefined;
  const from = isRecord(value.from) ? value.from : undefined;
  const authorId = str(from?.id);
  if (authorId === pageId) return undefined;
  const postId = str(value.post_id);
  const photo = str(value.photo) ?? str(value.link);
  const base = {
    author: { id: authorId ?? 'unknown', ...(str(from?.name) ? { name: str(from?.name) } : {}) },
    text: str(value.message) ?? '',
    createdAt: graphTime(value.created_time, entryTime),
    isPrivate: false,
    ...(photo ? { attachments: [{ url: photo }] } : {}),
    raw: value,
  };
  if (item === 'comment') {
    const commentId = str(value.comment_id);
    if (!commentId || !postId || !authorId)
      return { raw: value, reason: 'Comment without comment_id, post_id or from.id' };
    return {
      ...base,
      externalId: commentId,
      kind: 'comment',
      threadId: postId,
      inReplyTo: str(value.parent_id) ?? postId,
      url: `https://www.facebook.com/${commentId}`,
    };
  }
  if (!postId || !authorId) return { raw: value, reason: 'Visitor post without post_id or from.id' };
  return {
    ...base,
    externalId: postId,
    kind: 'visitor_post',
    threadId: postId,
    url: `https://www.facebook.com/${postId}`,
  };
}

/**
 * Every entry of a `page` envelope (`object` other than "page" is malformed here): `feed`
 * changes are a Page's comments and visitor posts; messaging events are Messenger's.
 */
export function mapPageEnvelope(envelope: GraphEnvelope, pageId: string): InboundBatch {
  return mapMetaEnvelope(envelope, 'page', (field, value, entry, time) =>
    field === 'feed' ? mapFeedChange(value, str(entry.id) ?? pageId, time) : undefined,
  );
}

/**
 * The ExternalRef to answer an inbound item with: a Messenger message carries the sender's
 * page-scoped id, which the Send API needs; a comment or visitor post is its own id.
 */
export function facebookReplyTarget(item: InboundItem): ExternalRef {
  return metaReplyTarget(item);
}
