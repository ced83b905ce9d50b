/**
 * Demo content for the content calendar: the services of the existing demo posts, and posts
 * in every state the calendar shows (a scheduled roadworks alert, an event waiting for
 * approval, a draft meeting notice) over the coming fortnight, a weekend festival drafted from
 * the event template (its dates said as a range, its event details ending on the Sunday), plus
 * the published posts with metrics (../metrics/demo.ts). Times are London wall-clock times.
 */
import type { Db } from '../../../db/index.ts';
import { seedPublishingDemo as seedPostsDemo } from '../demo.ts';
import { seedMetricsDemo } from '../metrics/demo.ts';
import { fromLondon, toLondon } from '../schedule.ts';
import { templateOf } from '../templates/definitions.ts';
import { eventSpan, readTemplateFields, renderWording } from '../templates/render.ts';

const servicesByTitle: [RegExp, string][] = [
  [/^Bin collections|^Garden waste/u, 'Bins and recycling'],
  [/^Roadworks/u, 'Roads and transport'],
  [/library/u, 'Libraries'],
];

const upcoming = [
  {
    kind: 'alert',
    title: 'Road closure: Hales Road resurfacing',
    body: 'Hales Road is closed between London Road and Cirencester Road from 7:30am to 5pm while we resurface it. Buses follow the signed diversion.',
    service: 'Roads and transport',
    status: 'scheduled',
    inDays: 3,
    hour: 7,
    minute: 30,
  },
  {
    kind: 'event',
    title: 'Half-term craft sessions at the central library',
    body: 'Free craft sessions for children aged 5 to 11 every morning of half term at the central library. No need to book.',
    service: 'Libraries',
    status: 'submitted',
    inDays: 9,
    hour: 10,
    minute: 0,
  },
  {
    kind: 'news',
    title: 'Full Council meets on Wednesday',
    body: 'Full Council meets at 6pm on Wednesday in the Municipal Offices. Watch live or send a question for the public question time.',
    service: 'Councillors and democracy',
    status: 'draft',
    inDays: 5,
    hour: 12,
    minute: 0,
  },
];

/** The publishing demo with the calendar's and the metrics' content added. */
export async function seedPublishingDemo(system: Db, councilId: string, authorId: string): Promise<void> {
  await seedPostsDemo(system, councilId, authorId);
  for (const [pattern, service] of servicesByTitle) {
    const rows = await system
      .selectFrom('posts')
      .select(['id', 'title'])
      .where('council_id', '=', councilId)
      .execute();
    for (const r of rows.filter((row) => pattern.test(row.title)))
      await system.updateTable('posts').set({ service }).where('id', '=', r.id).execute();
  }
  const today = toLondon(new Date());
  for (const p of upcoming) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + p.inDays));
    const at = fromLondon({
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: p.hour,
      minute: p.minute,
    });
    await system
      .insertInto('posts')
      .values({
        council_id: councilId,
        kind: p.kind,
        title: p.title,
        body: p.body,
        service: p.service,
        status: p.status,
        scheduled_at: at ?? null,
        submitted_at: p.status === 'draft' ? null : new Date(),
        created_by: authorId,
      })
      .execute();
  }
  await seedFestival(system, councilId, authorId, today);
  await seedMetricsDemo(system, councilId, authorId);
}

/** A food festival over a weekend a fortnight or so ahead, waiting for approval, announced ten days before. */
async function seedFestival(
  system: Db,
  councilId: string,
  authorId: string,
  today: { year: number; month: number; day: number },
): Promise<void> {
  const t = Date.UTC(today.year, today.month - 1, today.day);
  const weekday = (new Date(t).getUTCDay() + 6) % 7;
  // The first Saturday at least 12 days ahead, so the announcement is still to come.
  const saturday = new Date(t + (12 + ((5 - ((weekday + 12) % 7) + 7) % 7)) * 86_400_000);
  const sunday = new Date(saturday.getTime() + 86_400_000);
  const fields = (name: string, d: Date) => ({
    [`${name}-day`]: String(d.getUTCDate()),
    [`${name}-month`]: String(d.getUTCMonth() + 1),
    [`${name}-year`]: String(d.getUTCFullYear()),
  });
  const event = templateOf('event')!;
  const { values, errors } = readTemplateFields(
    event,
    {
      name: 'Vale of Chelt Food Festival',
      ...fields('date', saturday),
      ...fields('endDate', sunday),
      startTime: '10:00',
      endTime: '17:00',
      venue: 'Montpellier Gardens',
      description: 'Over 60 local producers, cookery demonstrations and live music. Free entry',
    },
    { isBilingual: false, now: new Date() },
  );
  const span = eventSpan(event, values);
  if (Object.keys(errors).length || !span) throw new Error(`Demo festival: ${JSON.stringify(errors)}`);
  const text = renderWording(event.wording, values, new Date());
  await system
    .insertInto('posts')
    .values({
      council_id: councilId,
      kind: 'event',
      title: text.title,
      body: text.body,
      service: 'Parks, leisure and culture',
      status: 'submitted',
      scheduled_at: fromLondon({
        ...toLondon(new Date(saturday.getTime() - 10 * 86_400_000)),
        hour: 12,
        minute: 0,
      }),
      submitted_at: new Date(),
      event_start: span.start,
      event_end: span.end,
      event_location: 'Montpellier Gardens',
      created_by: authorId,
    })
    .execute();
}
