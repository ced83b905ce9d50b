/**
 * Inbound mapping: a Bluesky post record (read from a repo, or from a notification) becomes an
 * InboundItem when it mentions the council's account or replies to one of its posts. Fields
 * are checked by hand rather than by the lexicon validator: this runs on every polled record,
 * and only the fields used here need to be sound. Anything unusable is returned as malformed
 * with its raw payload, never thrown.
 */
import type { InboundItem, MalformedInbound } from '../port.ts';

/** One post as a PDS or AppView hands it over. */
export type InboundPost = {
  uri: string;
  cid?: string;
  /** The record's JSON value, untouched. */
  value: unknown;
  author: { did: string; handle?: string; displayName?: string };
};

export type MapResult = { item: InboundItem } | { malformed: MalformedInbound } | undefined;

type StrongRef = { uri: string; cid: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function strongRef(v: unknown): StrongRef | undefined {
  return isObject(v) && typeof v.uri === 'string' && typeof v.cid === 'string'
    ? { uri: v.uri, cid: v.cid }
    : undefined;
}

function mentionsDid(facets: unknown, did: string): boolean {
  if (!Array.isArray(facets)) return false;
  return facets.some(
    (f) =>
      isObject(f) &&
      Array.isArray(f.features) &&
      f.features.some(
        (ft) => isObject(ft) && ft.$type === 'app.bsky.richtext.facet#mention' && ft.did === did,
      ),
  );
}

function attachmentsOf(embed: unknown): InboundItem['attachments'] {
  if (!isObject(embed)) return undefined;
  const media =
    embed.$type === 'app.bsky.embed.recordWithMedia' && isObject(embed.media) ? embed.media : embed;
  if (media.$type !== 'app.bsky.embed.images' || !Array.isArray(media.images)) return undefined;
  return media.images.filter(isObject).map((img) => ({
    mimeType: isObject(img.image) && typeof img.image.mimeType === 'string' ? img.image.mimeType : undefined,
    altText: typeof img.alt === 'string' ? img.alt : undefined,
  }));
}

/** `at://did/collection/rkey` -> `https://bsky.app/profile/<handle or did>/post/<rkey>`. */
export function postUrl(uri: string, handle: string | undefined, webBase = 'https://bsky.app'): string {
  const [, , repo = '', , rkey = ''] = uri.split('/');
  return `${webBase}/profile/${handle ?? repo}/post/${rkey}`;
}

/**
 * Maps a post addressed to `councilDid`; returns undefined for posts that are not (and for the
 * council's own posts), so a caller may pass every record it sees.
 */
export function mapInboundPost(
  post: InboundPost,
  councilDid: string,
  webBase?: string,
  /** Kept though not addressed to the council: it carries a hashtag the council watches (firehose.ts). */
  isWatched = false,
): MapResult {
  if (post.author.did === councilDid) return undefined;
  const raw = post;
  const v = post.value;
  if (!isObject(v) || typeof v.text !== 'string')
    return { malformed: { raw, reason: 'The Bluesky record has no text' } };
  const reply = isObject(v.reply)
    ? { root: strongRef(v.reply.root), parent: strongRef(v.reply.parent) }
    : undefined;
  if (reply && (!reply.root || !reply.parent))
    return { malformed: { raw, reason: 'The Bluesky reply reference is incomplete' } };
  const ownPrefix = `at://${councilDid}/`;
  const isReplyToCouncil = reply?.parent?.uri.startsWith(ownPrefix) ?? false;
  if (!isReplyToCouncil && !isWatched && !mentionsDid(v.facets, councilDid)) return undefined;
  const createdAt = typeof v.createdAt === 'string' ? new Date(v.createdAt) : new Date(Number.NaN);
  if (Number.isNaN(createdAt.getTime()))
    return { malformed: { raw, reason: 'The Bluesky record has no valid createdAt' } };
  const attachments = attachmentsOf(v.embed);
  const item: InboundItem = {
    externalId: post.uri,
    kind: isReplyToCouncil ? 'reply' : 'mention',
    author: {
      id: post.author.did,
      ...(post.author.handle ? { handle: post.author.handle } : {}),
      ...(post.author.displayName ? { name: post.author.displayName } : {}),
    },
    text: v.text,
    createdAt,
    threadId: reply?.root?.uri ?? post.uri,
    ...(reply?.parent ? { inReplyTo: reply.parent.uri } : {}),
    url: postUrl(post.uri, post.author.handle, webBase),
    isPrivate: false,
    ...(attachments ? { attachments } : {}),
    raw,
  };
  return { item };
}
