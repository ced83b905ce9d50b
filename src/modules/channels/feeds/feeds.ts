/**
 * The public site's feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 (with `feed`) for news, and
 * iCalendar (with `ical-generator`) for events. Inputs are plain items, so the publishing
 * module decides what is public; these functions only serialise.
 *
 * Times are instants. Feeds carry them in UTC (RFC 822 GMT in RSS, RFC 3339 in Atom and
 * JSON), and iCalendar events are written in UTC (`...Z`) with an `X-WR-TIMEZONE` display
 * hint: ical-generator renders a plain Date with a TZID in the *process's* local zone, and a
 * TZID without a VTIMEZONE is not valid RFC 5545, so UTC is the form that is right on every
 * server and in every client, either side of a clock change.
 */
import { Feed } from 'feed';
import ical from 'ical-generator';

export type FeedItem = {
  id: string;
  title: string;
  summary: string;
  url: string;
  publishedAt: Date;
  updatedAt?: Date;
  author?: string;
  category?: string;
  /** BCP 47, e.g. en-GB or cy (Welsh). Defaults to the council's. */
  language?: string;
};

export type FeedEvent = {
  id: string;
  title: string;
  start: Date;
  end: Date;
  location?: string;
  url?: string;
  description?: string;
};

export type FeedCouncil = {
  name: string;
  /** The public site, e.g. https://www.borough.gov.uk */
  siteUrl: string;
  /** Where these feeds are served, without extension: `${base}.rss`, `.atom`, `.json`, `.ics`. */
  feedBaseUrl: string;
  language?: string;
  /** The council's own domain, for iCalendar UIDs. */
  domain?: string;
  timezone?: string;
};

const newest = (items: readonly FeedItem[]): Date =>
  new Date(Math.max(0, ...items.map((i) => (i.updatedAt ?? i.publishedAt).getTime())));

const escapeHtml = (s: string) => s.replace(/[&<>"']/gu, (c) => `&#${c.charCodeAt(0)};`);

/** Atom ids must be IRIs that never change (RFC 4287 4.2.6): a tag URI (RFC 4151) per item. */
export function tagUriOf(council: FeedCouncil, item: FeedItem): string {
  const host = council.domain ?? new URL(council.siteUrl).hostname;
  return `tag:${host},${item.publishedAt.toISOString().slice(0, 10)}:news/${encodeURIComponent(item.id)}`;
}

/**
 * Titles and summaries are plain text. Every format's summary and Atom's `type="html"`
 * title are read as HTML, so those are HTML-escaped here; RSS and JSON titles are text.
 */
function build(council: FeedCouncil, items: readonly FeedItem[], opts: { isTitleHtml: boolean }): Feed {
  const feed = new Feed({
    id: council.siteUrl,
    title: `${council.name}: news`,
    description: `News from ${council.name}`,
    link: council.siteUrl,
    language: council.language ?? 'en-GB',
    updated: newest(items),
    generator: 'Townsquare',
    copyright: `© ${council.name}`,
    feedLinks: {
      rss: `${council.feedBaseUrl}.rss`,
      atom: `${council.feedBaseUrl}.atom`,
      json: `${council.feedBaseUrl}.json`,
    },
    author: { name: council.name, link: council.siteUrl },
  });
  for (const item of items) {
    feed.addItem({
      id: tagUriOf(council, item),
      guid: tagUriOf(council, item),
      title: opts.isTitleHtml ? escapeHtml(item.title) : item.title,
      link: item.url,
      description: escapeHtml(item.summary),
      date: item.updatedAt ?? item.publishedAt,
      published: item.publishedAt,
      author: [{ name: item.author ?? council.name }],
      ...(item.category ? { category: [{ name: item.category, term: item.category }] } : {}),
    });
  }
  return feed;
}

/** RSS 2.0: `pubDate` is when the item was first published. */
export function renderRss(council: FeedCouncil, items: readonly FeedItem[]): string {
  return build(council, items, { isTitleHtml: false }).rss2();
}

/** Atom 1.0 (RFC 4287): `updated` and `published` both carried. */
export function renderAtom(council: FeedCouncil, items: readonly FeedItem[]): string {
  return build(council, items, { isTitleHtml: true }).atom1();
}

type JsonFeedItem = Record<string, unknown> & { author?: unknown };

/**
 * JSON Feed 1.1. `feed` writes version 1; 1.1 replaces `author` with `authors` and adds
 * `language`, so those fields are upgraded here.
 */
export function renderJsonFeed(council: FeedCouncil, items: readonly FeedItem[]): string {
  const v1 = JSON.parse(build(council, items, { isTitleHtml: false }).json1()) as Record<string, unknown> & {
    items: JsonFeedItem[];
  };
  const { author, items: v1Items, ...rest } = v1;
  return JSON.stringify(
    {
      ...rest,
      version: 'https://jsonfeed.org/version/1.1',
      language: council.language ?? 'en-GB',
      ...(author ? { authors: [author] } : {}),
      items: v1Items.map(({ author: itemAuthor, ...item }, i) => {
        const source = items[i];
        return {
          ...item,
          content_text: source?.summary,
          ...(itemAuthor ? { authors: [itemAuthor] } : {}),
          ...(source?.language ? { language: source.language } : {}),
        };
      }),
    },
    null,
    2,
  );
}

/** iCalendar (RFC 5545) for the council's events; see the file comment on time zones. */
export function renderICalendar(council: FeedCouncil, events: readonly FeedEvent[]): string {
  const domain = council.domain ?? new URL(council.siteUrl).hostname;
  const calendar = ical({
    name: `${council.name}: events`,
    prodId: { company: council.name, product: 'Townsquare', language: 'EN' },
    url: `${council.feedBaseUrl}.ics`,
    x: [['X-WR-TIMEZONE', council.timezone ?? 'Europe/London']],
  });
  for (const e of events) {
    calendar.createEvent({
      id: `${e.id}@${domain}`,
      summary: e.title,
      start: e.start,
      end: e.end,
      stamp: e.start,
      ...(e.location ? { location: e.location } : {}),
      ...(e.url ? { url: e.url } : {}),
      ...(e.description ? { description: e.description } : {}),
    });
  }
  return calendar.toString();
}
