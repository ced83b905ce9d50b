/**
 * Fitting a template's text to each channel: the full wording where it fits in one post, else
 * the short wording, else the short wording cut at a word boundary. Welsh and English are cut
 * to the same share, so neither language loses prominence, and the link is never cut. Each
 * channel's own connector decides what fits, counting as that network counts.
 */
import {
  countGraphemes,
  countMastodon,
  countX,
  type ChannelAccount,
  type ConnectorRegistry,
} from '../../channels/index.ts';
import type { Rendered } from './render.ts';

/** Whether a text goes as one post on a channel. */
export type Fits = (text: string) => boolean;

const counterFor = (kind: string) =>
  kind === 'mastodon' ? countMastodon : kind === 'x' ? countX : countGraphemes;

/** The test for one channel account, or undefined when its connector cannot be built. */
export function fitsOn(registry: ConnectorRegistry, account: ChannelAccount, link: string): Fits | undefined {
  let connector;
  try {
    connector = registry.create(account.kind, { settings: account.settings, credentials: {} });
  } catch {
    return undefined;
  }
  const count = counterFor(account.kind);
  const limit = connector.limits.maxTextLength;
  // Threadable channels would accept more, but a notice reads best as one post.
  return (text) =>
    count(text) <= limit &&
    !connector
      .check({ text, idempotencyKey: 'template', ...(link ? { link } : {}) })
      .some((p) => p.field === 'text');
}

/** Joins the languages and the link the way the composer does (Welsh first, then English). */
export function compose(en: string, cy: string | undefined, link: string): string {
  const text = cy ? `${cy}\n\n${en}` : en;
  return link && !text.includes(link) ? `${text}\n\n${link}` : text;
}

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** At most `n` graphemes, cut after a whole word, with an ellipsis when cut. */
export function cutAtWord(text: string, n: number): string {
  const graphemes = [...segmenter.segment(text)].map((s) => s.segment);
  if (graphemes.length <= n) return text;
  if (n <= 1) return '…';
  const head = graphemes.slice(0, n - 1).join('');
  const space = head.search(/\s\S*$/u);
  const cut = (space > n / 3 ? head.slice(0, space) : head).replace(/[\s,;:.-]+$/u, '');
  return `${cut}…`;
}

/** The text for one channel, within its limit; undefined if even the link alone does not fit. */
export function fitText(r: Rendered, isBilingual: boolean, link: string, fits: Fits): string | undefined {
  const cy = (t: string) => (isBilingual ? t : undefined);
  for (const candidate of [compose(r.body, cy(r.bodyCy), link), compose(r.short, cy(r.shortCy), link)])
    if (fits(candidate)) return candidate;
  // Binary search for the longest equal cut of each language that fits.
  let lo = 1;
  let hi = Math.max(countGraphemes(r.short), isBilingual ? countGraphemes(r.shortCy) : 0);
  let best: string | undefined;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const text = compose(cutAtWord(r.short, mid), isBilingual ? cutAtWord(r.shortCy, mid) : undefined, link);
    if (fits(text)) {
      best = text;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** Text per channel account for a rendered template. */
export function variantTexts(
  registry: ConnectorRegistry,
  accounts: readonly ChannelAccount[],
  r: Rendered,
  isBilingual: boolean,
  link: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of accounts) {
    const fits = fitsOn(registry, a, link);
    const text = fits
      ? fitText(r, isBilingual, link, fits)
      : compose(r.body, isBilingual ? r.bodyCy : undefined, link);
    if (text) out[a.id] = text;
  }
  return out;
}
