/**
 * The one check of a post's images before anything is sent, used by every connector that
 * takes images: how many, which types, how big, and alt text present and not too long. Each
 * message names the limit and says by how much it is exceeded. Networks differ only in their
 * limits and in how they count alt text (Bluesky by graphemes, Mastodon and X by code
 * points, Meta by UTF-16 units), so those are the parameters.
 */
import type { ChannelLimits, LimitProblem, MediaInput } from './port.ts';
import { countGraphemes } from './text.ts';

export type ImageCheckOptions = {
  /** The network's name as officers know it: "Bluesky", "Facebook". */
  network: string;
  /** How the network counts alt text; graphemes (what a person sees) unless it says otherwise. */
  altTextLength?: (altText: string) => number;
  /** What the images go in, for the count message: "a post" unless it is "an email". */
  container?: string;
};

/** "1 byte", "1,000,250 bytes": numbers as a reader in the UK writes them. */
export const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

const typeNames: Record<string, string> = {
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
  'image/gif': 'GIF',
  'image/webp': 'WebP',
  'image/bmp': 'BMP',
  'image/tiff': 'TIFF',
};

/** "PNG, JPEG, WebP or GIF", in the order the network lists them. */
function listTypes(types: readonly string[]): string {
  const names = types.map((t) => typeNames[t] ?? t);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : (names[0] ?? 'no images');
}

export function checkImages(
  media: readonly MediaInput[] | undefined,
  limits: ChannelLimits,
  { network, altTextLength = (alt) => countGraphemes(alt.trim()), container = 'a post' }: ImageCheckOptions,
): LimitProblem[] {
  const problems: LimitProblem[] = [];
  const list = media ?? [];
  if (list.length > limits.maxMedia)
    problems.push({
      field: 'media',
      message: `${network} allows up to ${plural(limits.maxMedia, 'image')} in ${container}; this has ${list.length} (${plural(list.length - limits.maxMedia, 'image')} too many)`,
    });
  list.forEach((m, i) => {
    const which = `Image ${i + 1}`;
    if (!limits.mediaTypes.includes(m.mimeType))
      problems.push({
        field: 'media',
        message: `${which} is ${m.mimeType || 'of unknown type'}; ${network} accepts ${listTypes(limits.mediaTypes)}`,
      });
    if (m.data.byteLength > limits.maxMediaBytes)
      problems.push({
        field: 'media',
        message: `${which} is ${plural(m.data.byteLength, 'byte')}; ${network} allows ${plural(limits.maxMediaBytes, 'byte')} (over by ${plural(m.data.byteLength - limits.maxMediaBytes, 'byte')})`,
      });
    if (m.altText.trim() === '') {
      problems.push({ field: 'altText', message: `${which} needs alt text describing it` });
      return;
    }
    const length = altTextLength(m.altText);
    if (length > limits.maxAltTextLength)
      problems.push({
        field: 'altText',
        message: `${which}'s alt text is ${plural(length, 'character')}; the limit is ${plural(limits.maxAltTextLength, 'character')} (over by ${plural(length - limits.maxAltTextLength, 'character')})`,
      });
  });
  return problems;
}
