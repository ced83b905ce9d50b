/**
 * Demo content for post metrics: a few posts the demo council published last week to
 * Mastodon, Facebook and Bluesky, with the counts the read-back job stored (and how they grew),
 * one post that failed on Facebook, and Bluesky showing "not available". The demo runs offline,
 * so the accounts that made these posts are stored disconnected: nothing tries to reach them,
 * and the channels page (which lists connected accounts) stays empty for the officer to fill.
 */
import type { Db } from '../../../db/index.ts';

type Counts = { likes: number; reposts: number; replies: number; quotes?: number; hoursAfter: number };

type DemoVariant = {
  kind: 'mastodon' | 'facebook' | 'bluesky';
  status: 'published' | 'failed';
  error?: string;
  counts: Counts[];
};

const accounts = [
  {
    kind: 'mastodon',
    name: 'Vale of Chelt on Mastodon',
    handle: '@valeofchelt@mastodon.social',
    settings: { baseUrl: 'https://mastodon.social' },
  },
  {
    kind: 'facebook',
    name: 'Vale of Chelt Borough Council (Facebook Page)',
    handle: 'valeofchelt',
    settings: { pageId: '104857600000042' },
  },
  {
    kind: 'bluesky',
    name: 'Vale of Chelt on Bluesky',
    handle: 'valeofchelt.bsky.social',
    settings: { service: 'https://bsky.social', identifier: 'valeofchelt.bsky.social' },
  },
] as const;

const posts: {
  kind: string;
  title: string;
  body: string;
  service: string;
  daysAgo: number;
  hour: number;
  variants: DemoVariant[];
}[] = [
  {
    kind: 'news',
    title: 'Christmas and New Year bin collection dates',
    body: 'Bins due on Christmas Day are collected on Saturday 27 December. Check your new day at valeofchelt.gov.uk/bins. #BinDay',
    service: 'Bins and recycling',
    daysAgo: 2,
    hour: 10,
    variants: [
      {
        kind: 'mastodon',
        status: 'published',
        counts: [
          { likes: 6, reposts: 4, replies: 1, hoursAfter: 1 },
          { likes: 14, reposts: 9, replies: 3, hoursAfter: 20 },
        ],
      },
      {
        kind: 'facebook',
        status: 'published',
        counts: [
          { likes: 31, reposts: 12, replies: 5, hoursAfter: 1 },
          { likes: 86, reposts: 41, replies: 17, hoursAfter: 20 },
        ],
      },
      { kind: 'bluesky', status: 'published', counts: [] },
    ],
  },
  {
    kind: 'alert',
    title: 'Flood warning lifted for the River Chelt',
    body: 'The Environment Agency has lifted the flood warning for the River Chelt. Sandbags can be returned to the depot on Swindon Road.',
    service: 'Community safety and emergencies',
    daysAgo: 4,
    hour: 8,
    variants: [
      {
        kind: 'mastodon',
        status: 'published',
        counts: [{ likes: 31, reposts: 22, replies: 6, hoursAfter: 6 }],
      },
      {
        kind: 'facebook',
        status: 'published',
        counts: [{ likes: 140, reposts: 63, replies: 25, hoursAfter: 6 }],
      },
      { kind: 'bluesky', status: 'published', counts: [] },
    ],
  },
  {
    kind: 'news',
    title: 'Council tax: set up a Direct Debit online',
    body: 'You can set up a Direct Debit for your council tax online in a few minutes. Choose the 1st, 15th or 28th of the month.',
    service: 'Council tax and benefits',
    daysAgo: 1,
    hour: 12,
    variants: [
      {
        kind: 'mastodon',
        status: 'published',
        counts: [{ likes: 5, reposts: 1, replies: 0, hoursAfter: 3 }],
      },
      {
        kind: 'facebook',
        status: 'failed',
        error:
          'The network refused the post. The network said: “(#200) The Page access token does not have permission to publish” Change the post, then choose “Try again”.',
        counts: [],
      },
    ],
  },
];

export async function seedMetricsDemo(system: Db, councilId: string, authorId: string): Promise<void> {
  const accountIds: Record<string, string> = {};
  for (const a of accounts) {
    accountIds[a.kind] = (
      await system
        .insertInto('channel_accounts')
        .values({
          council_id: councilId,
          kind: a.kind,
          name: a.name,
          handle: a.handle,
          settings: JSON.stringify(a.settings),
          credentials: 'removed',
          status: 'disconnected',
          disconnected_at: new Date(),
          created_by: authorId,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  }
  const now = Date.now();
  for (const [i, p] of posts.entries()) {
    const day = new Date(now - p.daysAgo * 86_400_000);
    day.setUTCHours(p.hour, 0, 0, 0);
    const isFailed = p.variants.some((v) => v.status === 'failed');
    const post = await system
      .insertInto('posts')
      .values({
        council_id: councilId,
        kind: p.kind,
        title: p.title,
        body: p.body,
        service: p.service,
        status: isFailed ? 'failed' : 'published',
        scheduled_at: day,
        published_at: day,
        created_by: authorId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const [j, v] of p.variants.entries()) {
      const externalId = `demo-${i}-${j}`;
      const variant = await system
        .insertInto('post_variants')
        .values({
          council_id: councilId,
          post_id: post.id,
          channel_account_id: accountIds[v.kind]!,
          text: p.body,
          status: v.status,
          attempt_count: 1,
          intended_at: day,
          ...(v.status === 'published'
            ? { external_id: externalId, published_at: day, external_url: demoUrl(v.kind, externalId) }
            : { error: v.error ?? null, error_kind: 'rejected' }),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const c of v.counts) {
        const at = new Date(day.getTime() + c.hoursAfter * 3_600_000);
        await system
          .insertInto('post_metric_snapshots')
          .values({
            council_id: councilId,
            variant_id: variant.id,
            likes: c.likes,
            reposts: c.reposts,
            replies: c.replies,
            quotes: c.quotes ?? null,
            impressions: null,
            read_at: at,
            checked_at: at,
          })
          .execute();
      }
    }
  }
}

function demoUrl(kind: string, id: string): string {
  if (kind === 'mastodon') return `https://mastodon.social/@valeofchelt/${id}`;
  if (kind === 'facebook') return `https://www.facebook.com/valeofchelt/posts/${id}`;
  return `https://bsky.app/profile/valeofchelt.bsky.social/post/${id}`;
}
