/**
 * Bluesky's limits, checked before anything is sent. Text over 300 graphemes is not refused:
 * it becomes a thread. Images, alt text and handles are refused with the limit and by how much.
 */
import type { ChannelLimits, LimitProblem, PostInput } from '../port.ts';
import { checkImages } from '../media-check.ts';

export const blueskyLimits: ChannelLimits = {
  // app.bsky.feed.post: text maxGraphemes 300.
  maxTextLength: 300,
  // app.bsky.embed.images: at most 4 images, each blob at most 1,000,000 bytes.
  maxMedia: 4,
  maxMediaBytes: 1_000_000,
  mediaTypes: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'],
  // The lexicon sets no limit on alt; the Bluesky app stops at 2,000 characters.
  maxAltTextLength: 2000,
  canThread: true,
};

// The same shape @atproto/api's RichText detects as a mention: after a space, "(" or the start.
const mentionPattern = /(^|\s|\()@([a-zA-Z0-9.-]+)/gu;
// AT Protocol handle syntax: a domain name of at most 253 characters whose last label does
// not start with a digit.
const handlePattern =
  /^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/u;

/** Handles written as `@name.domain` that could never be a Bluesky account. */
export function findInvalidHandles(text: string): string[] {
  const bad: string[] = [];
  for (const m of text.matchAll(mentionPattern)) {
    const candidate = (m[2] ?? '').replace(/[.-]+$/u, '');
    // "@home" with no dot is ordinary text on Bluesky, not an attempted mention.
    if (!candidate.includes('.')) continue;
    if (candidate.length > 253 || !handlePattern.test(candidate)) bad.push(candidate);
  }
  return bad;
}

export function checkBlueskyPost(input: PostInput, limits: ChannelLimits = blueskyLimits): LimitProblem[] {
  const problems: LimitProblem[] = [];
  const media = input.media ?? [];
  if (input.text.trim() === '' && media.length === 0)
    problems.push({ field: 'text', message: 'Enter the text of the post' });
  for (const handle of findInvalidHandles(input.text))
    problems.push({
      field: 'text',
      message: `"@${handle}" is not a valid Bluesky handle (like @name.bsky.social)`,
    });
  problems.push(...checkImages(media, limits, { network: 'Bluesky' }));
  return problems;
}
