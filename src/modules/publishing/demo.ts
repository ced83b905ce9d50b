/**
 * Demo content for publishing: a few published news posts and alerts, and a week of posts
 * scheduled for 9am London time, website only (the demo council connects no channels).
 */
import type { Db } from '../../db/index.ts';
import { fromLondon, toLondon } from './schedule.ts';

const published = [
  {
    kind: 'news',
    title: 'Garden waste collections restart in March',
    body: 'Garden waste collections start again on Monday 2 March. Put your brown bin out by 7am on your usual day.',
  },
  {
    kind: 'alert',
    title: 'Roadworks: High Street closed overnight',
    body: 'The High Street is closed between 8pm and 6am from Monday to Thursday while we resurface the road. Follow the signed diversion.',
  },
  {
    kind: 'news',
    title: 'New opening hours at the central library',
    body: 'The central library now opens at 9am on Saturdays. You can still return books at any time using the drop box.',
  },
];

export async function seedPublishingDemo(system: Db, councilId: string, authorId: string): Promise<void> {
  const now = Date.now();
  for (const [i, p] of published.entries()) {
    const at = new Date(now - (i + 1) * 86_400_000);
    await system
      .insertInto('posts')
      .values({
        ...p,
        council_id: councilId,
        status: 'published',
        scheduled_at: at,
        published_at: at,
        created_by: authorId,
      })
      .execute();
  }
  const today = toLondon(new Date(now));
  for (let d = 1; d <= 7; d += 1) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + d));
    const at = fromLondon({
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: 9,
      minute: 0,
    });
    if (!at) continue;
    await system
      .insertInto('posts')
      .values({
        council_id: councilId,
        kind: 'news',
        title: `Bin collections this week: day ${d}`,
        body: 'Check your collection day and put your bins out by 7am.',
        status: 'scheduled',
        scheduled_at: at,
        created_by: authorId,
      })
      .execute();
  }
}
