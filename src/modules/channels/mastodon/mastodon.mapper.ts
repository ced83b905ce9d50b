/**
 * Mastodon JSON (entities/Notification, entities/Status) to Townsquare's inbound items. Pure
 * functions, no I/O: the connector fetches, this file understands.
 */
import type { InboundItem, MalformedInbound } from '../port.ts';

const namedEntities: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  '#39': "'",
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z0-9]+);/giu, (whole, name: string) => {
    const lower = name.toLowerCase();
    if (lower.startsWith('#x')) return safeCodePoint(Number.parseInt(lower.slice(2), 16)) ?? whole;
    if (lower.startsWith('#')) return safeCodePoint(Number.parseInt(lower.slice(1), 10)) ?? whole;
    return namedEntities[lower] ?? whole;
  });
}

const safeCodePoint = (cp: number) =>
  Number.isInteger(cp) && cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)
    ? String.fromCodePoint(cp)
    : undefined;

/** A tag, with quoted attribute values that may themselves contain `>`. */
const tagRe = /<\/?[a-z][^\s/>]*(?:[^>"']|"[^"]*"|'[^']*')*>/giu;

/**
 * Status HTML to plain text. Mastodon sends sanitised HTML (p, br, a, span; remote servers
 * also lists, quotes, code), so this is a tag stripper, not a renderer: paragraphs become a
 * blank line, <br> a newline, links keep their text (the "invisible" spans that hold the
 * scheme and tail of a URL are text too, so the URL comes back whole). Script and style
 * bodies are dropped outright. Entities are decoded once, after the tags are gone, so
 * `&lt;b&gt;` stays the literal text "<b>", which templates escape like any other text.
 */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?-->/gu, '')
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/giu, '')
    .replace(/<br\s*\/?>/giu, '\n')
    .replace(/<\/(p|blockquote|pre|h[1-6])\s*>\s*/giu, '\n\n')
    .replace(/<li\b[^>]*>/giu, '\n- ')
    .replace(tagRe, '')
    // Any "<" left is not a tag; leave it as text.
    .replace(/[ \t]+\n/gu, '\n')
    .replace(/\n{3,}/gu, '\n\n');
  return decodeEntities(text).trim();
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * One mention notification to an inbound item, or the reason it cannot be one. A direct
 * status is a direct message; followers-only mentions are private too, since they were not
 * said in public.
 */
export function mapNotification(raw: unknown): InboundItem | MalformedInbound {
  if (!isObject(raw)) return { raw, reason: 'The notification is not an object' };
  const status = raw.status;
  if (raw.type !== 'mention') return { raw, reason: `Not a mention notification (${String(raw.type)})` };
  if (!isObject(status)) return { raw, reason: 'The mention has no status' };
  const id = str(status.id);
  const content = str(status.content);
  const account = status.account;
  const createdAt = new Date(str(status.created_at) ?? Number.NaN);
  if (
    !id ||
    content === undefined ||
    !isObject(account) ||
    !str(account.id) ||
    Number.isNaN(createdAt.getTime())
  )
    return { raw, reason: 'The status lacks an id, content, account or creation time' };
  const visibility = str(status.visibility) ?? 'public';
  const inReplyTo = str(status.in_reply_to_id);
  const spoiler = str(status.spoiler_text);
  const media = Array.isArray(status.media_attachments) ? status.media_attachments.filter(isObject) : [];
  const url = str(status.url) ?? str(status.uri);
  const name = str(account.display_name);
  return {
    externalId: id,
    kind: visibility === 'direct' ? 'direct_message' : inReplyTo ? 'reply' : 'mention',
    author: {
      id: str(account.id)!,
      handle: `@${str(account.acct) ?? str(account.username) ?? ''}`,
      ...(name ? { name } : {}),
    },
    text: htmlToText(content),
    createdAt,
    // The API does not expose a thread root; the status answered is the nearest thread anchor.
    threadId: inReplyTo ?? id,
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(url ? { url } : {}),
    isPrivate: visibility === 'direct' || visibility === 'private',
    ...(media.length
      ? {
          attachments: media.map((m) => ({
            ...(str(m.url) ? { url: str(m.url) } : {}),
            ...(str(m.description) ? { altText: str(m.description) } : {}),
          })),
        }
      : {}),
    // The content warning is what the resident chose to show first: keep it as the subject.
    ...(spoiler ? { subject: spoiler } : {}),
    raw,
  };
}

export const isMalformed = (v: InboundItem | MalformedInbound): v is MalformedInbound =>
  'reason' in v && !('externalId' in v);
