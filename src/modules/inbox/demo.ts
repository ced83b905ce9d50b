/**
 * The demo council's inbox history, invented by the project: two teams with routing, and a
 * few weeks of closed cases whose residents answered the satisfaction question, so the cases
 * page reports satisfaction by service and team from the first start. Written directly as
 * finished history (as the publishing demo writes its published posts): nothing here is
 * queued to be sent.
 */
import type { Db } from '../../db/index.ts';
import { formatReference, londonYear } from './cases/reference.ts';

type Past = {
  name: string;
  email: string;
  area: string;
  category: string;
  team: 'waste' | 'highways';
  text: string;
  place: string;
  daysAgo: number;
  score: number;
  comment: string | null;
};

const history: Past[] = [
  {
    name: 'Sam Patel',
    email: 'sam.patel@example.org',
    area: 'waste',
    category: 'missed_collection',
    team: 'waste',
    text: 'Our green bin on Hales Road was missed on Tuesday.',
    place: 'Hales Road',
    daysAgo: 21,
    score: 5,
    comment: 'Collected the next morning, thank you.',
  },
  {
    name: 'Bethan Rees',
    email: 'bethan.rees@example.org',
    area: 'roads',
    category: 'pothole',
    team: 'highways',
    text: 'There is a deep pothole outside 22 Leckhampton Road, GL53 0AX. A cyclist nearly came off.',
    place: 'Leckhampton Road',
    daysAgo: 18,
    score: 4,
    comment: null,
  },
  {
    name: 'Joe Okoro',
    email: 'joe.okoro@example.org',
    area: 'waste',
    category: 'fly_tipping',
    team: 'waste',
    text: 'Someone has dumped a fridge and two mattresses in the lane behind Bath Road.',
    place: 'Bath Road',
    daysAgo: 12,
    score: 2,
    comment: 'It took over a week to clear.',
  },
];

export async function seedInboxDemo(system: Db, councilId: string, officerId: string): Promise<void> {
  const teams: Record<Past['team'], string> = { waste: '', highways: '' };
  for (const [slug, name] of [
    ['waste', 'Waste and recycling'],
    ['highways', 'Highways'],
  ] as const) {
    const team = await system
      .insertInto('teams')
      .values({ council_id: councilId, slug, name })
      .returning('id')
      .executeTakeFirstOrThrow();
    teams[slug] = team.id;
  }
  await system
    .insertInto('routing_rules')
    .values([
      { council_id: councilId, area: 'waste', category: null, team_id: teams.waste },
      { council_id: councilId, area: 'roads', category: null, team_id: teams.highways },
    ])
    .execute();

  const counters = new Map<number, number>();
  for (const p of history) {
    const at = new Date(Date.now() - p.daysAgo * 86_400_000);
    const fixedAt = new Date(at.getTime() + 2 * 86_400_000);
    const teamId = teams[p.team];
    const contact = await system
      .insertInto('contacts')
      .values({ council_id: councilId, display_name: p.name, email: p.email })
      .returning('id')
      .executeTakeFirstOrThrow();
    await system
      .insertInto('contact_identities')
      .values({ council_id: councilId, contact_id: contact.id, channel_kind: 'email', external_id: p.email })
      .execute();
    const conversation = await system
      .insertInto('conversations')
      .values({
        council_id: councilId,
        channel_kind: 'web',
        thread_key: `demo:${p.email}:${p.daysAgo}`,
        contact_id: contact.id,
        team_id: teamId,
        status: 'resolved',
        subject: p.text.slice(0, 120),
        area: p.area,
        category: p.category,
        intent: 'report_problem',
        sentiment: 'negative',
        language: 'en',
        message_count: 2,
        last_message_at: fixedAt,
        last_inbound_at: fixedAt,
        first_responded_at: new Date(at.getTime() + 3 * 3_600_000),
        resolved_at: fixedAt,
        created_at: at,
        updated_at: fixedAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await system
      .insertInto('messages')
      .values([
        {
          council_id: councilId,
          conversation_id: conversation.id,
          direction: 'in',
          body: p.text,
          created_at: at,
        },
        {
          council_id: councilId,
          conversation_id: conversation.id,
          direction: 'in',
          body: `${p.score}${p.comment ? ` - ${p.comment}` : ''}`,
          created_at: fixedAt,
        },
      ])
      .execute();
    const year = londonYear(at);
    const n = (counters.get(year) ?? 0) + 1;
    counters.set(year, n);
    const kase = await system
      .insertInto('cases')
      .values({
        council_id: councilId,
        reference: formatReference(year, n),
        conversation_id: conversation.id,
        area: p.area,
        category: p.category,
        status: 'fixed',
        summary: p.text,
        place_text: p.place,
        team_id: teamId,
        created_by: officerId,
        created_at: at,
        updated_at: fixedAt,
        closed_at: fixedAt,
        satisfaction_asked_at: fixedAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await system
      .insertInto('case_reporters')
      .values({ council_id: councilId, case_id: kase.id, conversation_id: conversation.id })
      .execute();
    await system
      .insertInto('case_events')
      .values([
        { council_id: councilId, case_id: kase.id, status: 'open', actor_user_id: officerId, created_at: at },
        {
          council_id: councilId,
          case_id: kase.id,
          status: 'fixed',
          actor_user_id: officerId,
          created_at: fixedAt,
        },
      ])
      .execute();
    await system
      .insertInto('satisfaction_responses')
      .values({
        council_id: councilId,
        case_id: kase.id,
        conversation_id: conversation.id,
        area: p.area,
        team_id: teamId,
        score: p.score,
        comment: p.comment,
        created_at: fixedAt,
      })
      .execute();
  }
  // The next case made in the demo continues the numbering.
  for (const [year, last] of counters)
    await system
      .insertInto('case_counters')
      .values({ council_id: councilId, year, last_number: last })
      .execute();
}
