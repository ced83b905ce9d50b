/**
 * Every feed is read back by an independent parser (rss-parser, JSON.parse, node-ical), so a
 * feed reader sees exactly the titles, links and instants the council published.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import ical from 'node-ical';
import Parser from 'rss-parser';
import {
  renderAtom,
  renderICalendar,
  renderJsonFeed,
  renderRss,
  type FeedCouncil,
  type FeedEvent,
  type FeedItem,
} from './feeds.ts';

/** The markup an XML reader would see: CDATA sections are text, never markup. */
const outsideCdata = (xml: string) => xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/gu, '');
const decodeHtml = (s: string) =>
  s
    .replace(/&#(\d+);/gu, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&lt;/gu, '<')
    .replace(/&gt;/gu, '>')
    .replace(/&quot;/gu, '"')
    .replace(/&amp;/gu, '&');

const council: FeedCouncil = {
  name: 'Borough Council',
  siteUrl: 'https://www.borough.example.gov.uk',
  feedBaseUrl: 'https://www.borough.example.gov.uk/feeds/news',
};

// 30 March 2025: clocks go forward at 01:00 GMT. 00:30 GMT is before; 01:30 UTC is 02:30 BST.
const beforeChange = new Date('2025-03-30T00:30:00Z');
const afterChange = new Date('2025-03-30T01:30:00Z');
const hostileTitle = '<script>alert("x")</script> Fish & Chips ]]> night';

const items: FeedItem[] = [
  {
    id: 'news-1',
    title: 'Bin collections move',
    summary: 'From Monday, bins go out on Saturday.',
    url: 'https://www.borough.example.gov.uk/news/bins?a=1&b=2',
    publishedAt: beforeChange,
    author: 'Waste team',
    category: 'Bins',
  },
  {
    id: 'news-2',
    title: hostileTitle,
    summary: 'Tom & Jerry <b>bold</b>',
    url: 'https://www.borough.example.gov.uk/news/fish',
    publishedAt: afterChange,
    updatedAt: new Date('2025-04-01T12:00:00Z'),
    language: 'cy',
  },
];

const events: FeedEvent[] = [
  {
    id: 'ev-1',
    title: 'Council meeting',
    start: new Date('2025-03-29T18:00:00Z'),
    end: new Date('2025-03-29T20:00:00Z'),
    location: 'Town Hall, Room 1',
    url: 'https://www.borough.example.gov.uk/events/1',
  },
  // 19:00 BST on the first evening of summer time.
  {
    id: 'ev-2',
    title: hostileTitle,
    start: new Date('2025-03-30T18:00:00Z'),
    end: new Date('2025-03-30T19:30:00Z'),
    description: 'Line one\nLine two; with, commas',
  },
];

describe('feeds', () => {
  const parser = new Parser();

  it('RSS 2.0 round-trips titles, links, dates and escaped markup', async () => {
    const xml = renderRss(council, items);
    assert.doesNotMatch(outsideCdata(xml), /<script>/u, 'markup in a title is escaped, never raw');
    const feed = await parser.parseString(xml);
    assert.equal(feed.title, 'Borough Council: news');
    assert.equal(feed.link, `${council.siteUrl}/`);
    assert.deepEqual(
      feed.items.map((i) => i.title),
      ['Bin collections move', hostileTitle],
    );
    assert.equal(feed.items[0]?.link, items[0]?.url);
    assert.equal(new Date(feed.items[0]?.pubDate ?? '').toISOString(), beforeChange.toISOString());
    assert.equal(new Date(feed.items[1]?.pubDate ?? '').toISOString(), afterChange.toISOString());
    assert.deepEqual(feed.items[0]?.categories, ['Bins']);
  });

  it('Atom round-trips titles, links, and published/updated instants', async () => {
    const xml = renderAtom(council, items);
    assert.doesNotMatch(xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/gu, ''), /<script>/u);
    const feed = await parser.parseString(xml);
    // Atom titles are type="html": the escaped HTML must decode to the plain title, not markup.
    assert.equal(decodeHtml(feed.items[1]?.title ?? ''), hostileTitle);
    assert.doesNotMatch(feed.items[1]?.title ?? '', /<script>/u);
    assert.match(feed.items[0]?.id ?? '', /^tag:www\.borough\.example\.gov\.uk,2025-03-30:news\/news-1$/u);
    assert.equal(feed.items[1]?.link, items[1]?.url);
    assert.equal(feed.items[0]?.link, 'https://www.borough.example.gov.uk/news/bins?a=1&b=2');
    assert.equal(new Date(feed.items[1]?.isoDate ?? '').toISOString(), afterChange.toISOString());
    assert.equal(new Date(feed.items[0]?.isoDate ?? '').toISOString(), beforeChange.toISOString());
    assert.match(xml, /<updated>2025-04-01T12:00:00.000Z<\/updated>/u);
  });

  it('JSON Feed 1.1 has the 1.1 fields', () => {
    const feed = JSON.parse(renderJsonFeed(council, items)) as {
      version: string;
      title: string;
      home_page_url: string;
      feed_url: string;
      language: string;
      authors: { name: string }[];
      author?: unknown;
      items: {
        id: string;
        url: string;
        title: string;
        date_published: string;
        date_modified: string;
        authors: { name: string }[];
        language?: string;
        content_text: string;
        content_html: string;
      }[];
    };
    assert.equal(feed.version, 'https://jsonfeed.org/version/1.1');
    assert.equal(feed.home_page_url, council.siteUrl);
    assert.equal(feed.feed_url, `${council.feedBaseUrl}.json`);
    assert.equal(feed.language, 'en-GB');
    assert.deepEqual(feed.authors, [{ name: 'Borough Council', url: council.siteUrl }]);
    assert.equal(feed.author, undefined);
    const [first, second] = feed.items;
    assert.equal(first?.title, 'Bin collections move');
    assert.equal(first?.date_published, '2025-03-30T00:30:00.000Z');
    assert.deepEqual(first?.authors, [{ name: 'Waste team' }]);
    assert.equal(second?.title, hostileTitle);
    assert.equal(second?.language, 'cy');
    assert.equal(second?.date_modified, '2025-04-01T12:00:00.000Z');
    assert.equal(second?.content_text, 'Tom & Jerry <b>bold</b>');
    assert.equal(second?.content_html, 'Tom &#38; Jerry &#60;b&#62;bold&#60;/b&#62;');
  });

  it('iCalendar round-trips events either side of the clock change', () => {
    const text = renderICalendar(council, events);
    assert.doesNotMatch(text, /TZID=/u, 'times are UTC, so no VTIMEZONE is needed');
    assert.match(text, /X-WR-TIMEZONE:Europe\/London/u);
    const parsed = ical.sync.parseICS(text);
    const vevents = Object.values(parsed).flatMap((c) => (c?.type === 'VEVENT' ? [c] : []));
    assert.equal(vevents.length, 2);
    const byUid = new Map(vevents.map((e) => [e.uid, e]));
    const meeting = byUid.get('ev-1@www.borough.example.gov.uk');
    const night = byUid.get('ev-2@www.borough.example.gov.uk');
    assert.ok(meeting && night && meeting.type === 'VEVENT' && night.type === 'VEVENT');
    assert.equal(meeting.summary, 'Council meeting');
    assert.equal(meeting.location, 'Town Hall, Room 1');
    assert.equal(meeting.start.toISOString(), '2025-03-29T18:00:00.000Z');
    assert.equal(night.summary, hostileTitle);
    assert.equal(night.description, 'Line one\nLine two; with, commas');
    assert.equal(night.start.toISOString(), '2025-03-30T18:00:00.000Z');
    assert.equal(night.end?.toISOString(), '2025-03-30T19:30:00.000Z');
    // What a resident in the UK sees: 18:00 GMT on the Saturday, 19:00 BST on the Sunday.
    const london = (d: Date) =>
      d.toLocaleTimeString('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit' });
    assert.equal(london(meeting.start), '18:00');
    assert.equal(london(night.start), '19:00');
  });
});
