/**
 * X API v2 mention timelines (`data` + `includes`) to Townsquare's inbound items. Pure
 * functions, no I/O.
 */
import type { InboundItem, MalformedInbound } from '../port.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

/**
 * Tweet text as written: X wraps links as t.co (expanded from `entities.urls`) and escapes
 * `&`, `<` and `>` in `text`; both are undone here. The t.co link X appends for attached
 * media expands to nothing useful and is dropped.
 */
export function tweetText(tweet: Json): string {
  let text = str(tweet.text) ?? '';
  const urls = objects(isObject(tweet.entities) ? tweet.entities.urls : undefined);
  for (const u of urls) {
    const short = str(u.url);
    const expanded = str(u.expanded_url);
    if (short && expanded) text = text.split(short).join(expanded);
  }
  text = text.replace(/\s*https:\/\/t\.co\/[A-Za-z0-9]+$/u, '');
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * One page of GET /2/users/:id/mentions to items; a tweet that cannot be understood is kept
 * raw with its reason. Each item's `raw` is the tweet with the users and media it refers to.
 */
export function mapMentionPage(page: unknown): { items: InboundItem[]; malformed: MalformedInbound[] } {
  const items: InboundItem[] = [];
  const malformed: MalformedInbound[] = [];
  if (!isObject(page)) return { items, malformed: [{ raw: page, reason: 'The page is not an object' }] };
  const includes = isObject(page.includes) ? page.includes : {};
  const users = new Map(objects(includes.users).map((u) => [str(u.id), u]));
  const media = new Map(objects(includes.media).map((m) => [str(m.media_key), m]));
  for (const tweet of Array.isArray(page.data) ? page.data : []) {
    const mapped = mapMention(tweet, users, media);
    if ('reason' in mapped) malformed.push(mapped);
    else items.push(mapped);
  }
  return { items, malformed };
}

function mapMention(
  tweet: unknown,
  users: Map<string | undefined, Json>,
  media: Map<string | undefined, Json>,
): InboundItem | MalformedInbound {
  if (!isObject(tweet)) return { raw: tweet, reason: 'The tweet is not an object' };
  const id = str(tweet.id);
  const authorId = str(tweet.author_id);
  const createdAt = new Date(str(tweet.created_at) ?? Number.NaN);
  if (!id || !authorId || typeof tweet.text !== 'string' || Number.isNaN(createdAt.getTime()))
    return {
      raw: tweet,
      reason: 'The tweet lacks an id, author, text or creation time (were tweet.fields requested?)',
    };
  const author = users.get(authorId);
  const username = str(author?.username);
  const name = str(author?.name);
  const repliedTo = objects(tweet.referenced_tweets).find((r) => r.type === 'replied_to');
  const inReplyTo = str(repliedTo?.id);
  const keys =
    isObject(tweet.attachments) && Array.isArray(tweet.attachments.media_keys)
      ? tweet.attachments.media_keys
      : [];
  const attached = keys.map((k) => media.get(str(k))).filter(isObject);
  return {
    externalId: id,
    kind: inReplyTo ? 'reply' : 'mention',
    author: { id: authorId, ...(username ? { handle: `@${username}` } : {}), ...(name ? { name } : {}) },
    text: tweetText(tweet),
    createdAt,
    threadId: str(tweet.conversation_id) ?? id,
    ...(inReplyTo ? { inReplyTo } : {}),
    url: `https://x.com/${username ?? 'i/web'}/status/${id}`,
    isPrivate: false,
    ...(attached.length
      ? {
          attachments: attached.map((m) => ({
            ...(str(m.url) ? { url: str(m.url) } : {}),
            ...(str(m.alt_text) ? { altText: str(m.alt_text) } : {}),
          })),
        }
      : {}),
    raw: {
      tweet,
      includes: { ...(author ? { users: [author] } : {}), ...(attached.length ? { media: attached } : {}) },
    },
  };
}
