/**
 * The inbound pipeline end to end: 100,000 invented resident messages on six channels (about 5%
 * emergencies, about 5% replies into earlier threads) stored, triaged, matched to contacts and
 * conversations, routed, timed and committed, on an embedded PostgreSQL started for the run.
 *
 * Baseline, same run, same database: a bare batched insert (1,000-row multi-row INSERTs through
 * the same app role and row-level security) of exactly the rows the pipeline wrote (its raw
 * events, contacts, identities, conversations and messages, read back and copied to a second
 * council), with nothing computed: no triage, no look-ups, no routing. The two take turns, a
 * quarter of the messages at a time, each quarter of the baseline copying what that quarter of
 * the pipeline wrote.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  createDatabases,
  migrate,
  sql,
  startEmbeddedPostgres,
  withCouncil,
  type Tx,
} from '../src/db/index.ts';
import { createLogger } from '../src/logger.ts';
import type { InboundItem } from '../src/modules/channels/index.ts';
import { IngestService, loadTriager } from '../src/modules/inbox/index.ts';
import { freePort, makeTempDir, removeDir, round, type Measurement } from './support.ts';

export const about =
  'Inbound pipeline (store, triage, contact and conversation, route, SLA, commit) over 100,000 generated messages vs a bare batched insert of the same rows into the same database. The two take turns a quarter of the messages at a time, so load from other work falls on both; the measured council first takes a 2,000-message warm-up and ANALYZE, as a council in service has history and statistics.';

const total = Number(process.env.PIPELINE_BENCH_MESSAGES ?? 100_000);
const batchSize = 500;
const slices = 4;

const streets = [
  'Mill Lane',
  'Station Road',
  'Queen Street',
  'Park Avenue',
  'Elm Road',
  'Church Street',
  'High Street',
  'Victoria Road',
  'Orchard Close',
  'Kingsway',
];
const routine = [
  'My black bin was not collected on {s} again this week, can someone come back for it?',
  'There is a deep pothole outside number {n} {s}, a cyclist nearly came off',
  'The street light by {n} {s} has been flickering for days',
  'Someone has dumped a sofa and bags of rubbish in the alley behind {s}',
  'When is the recycling collection over the bank holiday?',
  'How do I apply for a resident parking permit on {s}?',
  'I think my council tax bill is wrong, I moved out of {n} {s} in March',
  'Graffiti on the bus shelter on {s}, it is offensive',
  'Thank you to the crew who cleared the leaves on {s} so quickly!',
  'The noise from the flat above at {n} {s} goes on every night past 2am',
  'Overgrown hedge blocking the pavement on {s}, I have to walk in the road with a pushchair',
  'Can I ask a question at the next planning committee about the {s} development?',
  'Dog mess all over the playground on {s}, it is disgusting',
  'My garden waste subscription has not been renewed, can you check?',
  'Blocked drain on {s} is flooding the pavement when it rains',
];
const emergencies = [
  'There is a strong smell of gas outside {n} {s}',
  'The wall of the old garage on {s} has collapsed onto the pavement, someone could be under it',
  'I am worried about the child at {n} {s}, I hear screaming every night and I think they are being hurt',
  'Water is pouring into my home on {s} from the flooded road, it is up to the sockets',
  'My elderly neighbour at {n} {s} has not been seen for days and is not answering',
];
const channels = [
  'bluesky',
  'bluesky',
  'facebook',
  'email',
  'email',
  'web',
  'notify',
  'mastodon',
  'facebook',
  'bluesky',
] as const;

export function generate(count: number): { kind: string; item: InboundItem }[] {
  const out: { kind: string; item: InboundItem }[] = [];
  let rng = 42;
  const rand = (n: number) => {
    rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
    return rng % n;
  };
  const base = Date.now() - count * 10;
  for (let i = 0; i < count; i++) {
    const kind = channels[rand(channels.length)]!;
    const isEmergency = rand(100) < 5;
    const texts = isEmergency ? emergencies : routine;
    const text = texts[rand(texts.length)]!.replace('{s}', streets[rand(streets.length)]!).replace(
      '{n}',
      String(1 + rand(120)),
    );
    const resident = rand(20_000);
    const author =
      kind === 'email' || (kind === 'web' && resident % 2 === 0)
        ? {
            id: `resident${resident}@example.test`,
            email: `resident${resident}@example.test`,
            name: `Resident ${resident}`,
          }
        : kind === 'notify' || kind === 'web'
          ? {
              id: `4477009${String(resident).padStart(5, '0')}`,
              phone: `07700 9${String(resident).padStart(5, '0')}`,
            }
          : {
              id: `${kind}:user:${resident}`,
              handle: `resident${resident}.${kind}.test`,
              name: `Resident ${resident}`,
            };
    // About one message in twenty replies to an earlier one on the same channel.
    const earlier = i > 100 && rand(20) === 0 ? out[i - 1 - rand(100)] : undefined;
    const threadId =
      earlier && earlier.kind === kind ? (earlier.item.threadId ?? earlier.item.externalId) : undefined;
    out.push({
      kind,
      item: {
        externalId: `${kind}-${i}`,
        kind: kind === 'email' ? 'email' : kind === 'web' ? 'form' : kind === 'notify' ? 'sms' : 'mention',
        author,
        text,
        createdAt: new Date(base + i * 10),
        isPrivate: kind === 'email' || kind === 'notify' || kind === 'web',
        ...(threadId ? { threadId, inReplyTo: threadId } : {}),
        raw: { id: `${kind}-${i}`, text, from: author.id },
      },
    });
  }
  return out;
}

async function runPipeline(
  ingest: IngestService,
  councilId: string,
  items: { kind: string; item: InboundItem }[],
) {
  const started = performance.now();
  // Batches as channels deliver them: each channel's items in order, up to 500 a batch, the
  // channels' batches interleaved.
  const byKind = new Map<string, InboundItem[]>();
  for (const { kind, item } of items) {
    const list = byKind.get(kind);
    if (list) list.push(item);
    else byKind.set(kind, [item]);
  }
  const queues = [...byKind.entries()].map(([kind, list]) => ({ kind, list, at: 0 }));
  while (queues.some((q) => q.at < q.list.length)) {
    for (const q of queues) {
      if (q.at >= q.list.length) continue;
      const batch = q.list.slice(q.at, q.at + batchSize);
      q.at += batch.length;
      await ingest.ingest(
        councilId,
        { kind: q.kind, accountId: null },
        { items: batch, cursor: undefined, malformed: [] },
      );
    }
  }
  const stored = performance.now();
  const summary = await ingest.processPending(councilId);
  return { ms: performance.now() - started, storeMs: stored - started, summary };
}

/** Copies the rows the pipeline wrote for council `from` into council `to` with bare batched inserts. */
type Since = { at: string; eventId: string; messageId: string };
type BaselineIds = { contacts: Map<string, string>; conversations: Map<string, string> };

/** Where a slice starts: rows of council `from` written after this are the slice's. */
async function mark(dbs: ReturnType<typeof createDatabases>, from: string): Promise<Since> {
  const r = await sql<Since>`SELECT clock_timestamp()::text AS "at",
      (SELECT coalesce(max(id), 0) FROM inbound_events WHERE council_id = ${from}::uuid)::text AS "eventId",
      (SELECT coalesce(max(id), 0) FROM messages WHERE council_id = ${from}::uuid)::text AS "messageId"`.execute(
    dbs.system,
  );
  return r.rows[0]!;
}

async function runBaseline(
  dbs: ReturnType<typeof createDatabases>,
  from: string,
  to: string,
  since: Since,
  ids: BaselineIds,
) {
  const read = <T>(query: ReturnType<typeof sql<T>>) =>
    withCouncil(dbs.app, from, (tx) => query.execute(tx).then((r) => r.rows));
  const contacts = await read(sql<{
    id: string;
    display_name: string;
    email: string | null;
    phone: string | null;
  }>`
    SELECT id, display_name, email, phone FROM contacts WHERE created_at >= ${since.at}::timestamptz`);
  const identities = await read(sql<{
    contact_id: string;
    channel_kind: string;
    external_id: string;
    handle: string | null;
  }>`
    SELECT contact_id, channel_kind, external_id, handle FROM contact_identities WHERE created_at >= ${since.at}::timestamptz`);
  const conversations = await read(sql<Record<string, unknown> & { id: string; contact_id: string }>`
    SELECT id, channel_kind, thread_key, contact_id, team_id, subject, is_private, area, category, intent, sentiment, urgency,
      language, message_count, last_message_at, first_response_due_at, resolution_due_at FROM conversations
    WHERE created_at >= ${since.at}::timestamptz`);
  const events = await read(sql<{ id: string; channel_kind: string; external_id: string; payload: string }>`
    SELECT id, channel_kind, external_id, payload::text AS payload FROM inbound_events WHERE id > ${since.eventId}::bigint`);
  const messages = await read(sql<{
    conversation_id: string;
    inbound_event_id: string;
    body: string;
    is_private: boolean;
    external_id: string;
    triage: string;
    created_at: Date;
  }>`
    SELECT conversation_id, inbound_event_id, body, is_private, external_id, triage::text AS triage, created_at FROM messages
    WHERE id > ${since.messageId}::bigint`);
  // Ids in the copy, kept across slices: a later slice's messages join earlier conversations.
  const contactMap = ids.contacts;
  const convMap = ids.conversations;
  for (const c of contacts) contactMap.set(c.id, randomUUID());
  for (const c of conversations) convMap.set(c.id, randomUUID());
  const offset = 1_000_000_000;
  const chunks = <T>(rows: T[], size = 1000) =>
    Array.from({ length: Math.ceil(rows.length / size) }, (_, k) => rows.slice(k * size, (k + 1) * size));
  const write = (fn: (tx: Tx) => Promise<unknown>) => withCouncil(dbs.app, to, fn);

  const started = performance.now();
  for (const c of chunks(contacts))
    await write((tx) =>
      sql`INSERT INTO contacts (id, council_id, display_name, email, phone)
      SELECT t.id::uuid, ${to}::uuid, t.n, t.e, t.p FROM unnest(${c.map((r) => contactMap.get(r.id)!)}::text[],
        ${c.map((r) => r.display_name)}::text[], ${c.map((r) => r.email)}::text[], ${c.map((r) => r.phone)}::text[]) AS t(id, n, e, p)`.execute(
        tx,
      ),
    );
  for (const c of chunks(identities))
    await write((tx) =>
      sql`INSERT INTO contact_identities (council_id, contact_id, channel_kind, external_id, handle)
      SELECT ${to}::uuid, t.c::uuid, t.k, t.e, t.h FROM unnest(${c.map((r) => contactMap.get(r.contact_id)!)}::text[],
        ${c.map((r) => r.channel_kind)}::text[], ${c.map((r) => r.external_id)}::text[], ${c.map((r) => r.handle)}::text[]) AS t(c, k, e, h)`.execute(
        tx,
      ),
    );
  for (const c of chunks(conversations))
    await write((tx) =>
      sql`INSERT INTO conversations (id, council_id, channel_kind, thread_key, contact_id, subject, is_private,
        area, category, intent, sentiment, urgency, language, message_count, last_message_at, first_response_due_at, resolution_due_at)
      SELECT t.id::uuid, ${to}::uuid, t.k, t.tk, t.c::uuid, t.s, t.p, t.a, t.cat, t.i, t.se, t.u, t.l, t.n, t.lm, t.f, t.r
      FROM unnest(${c.map((r) => convMap.get(r.id)!)}::text[], ${c.map((r) => r.channel_kind)}::text[], ${c.map((r) => r.thread_key)}::text[],
        ${c.map((r) => contactMap.get(r.contact_id)!)}::text[], ${c.map((r) => r.subject)}::text[], ${c.map((r) => r.is_private)}::boolean[],
        ${c.map((r) => r.area)}::text[], ${c.map((r) => r.category)}::text[], ${c.map((r) => r.intent)}::text[], ${c.map((r) => r.sentiment)}::text[],
        ${c.map((r) => r.urgency)}::text[], ${c.map((r) => r.language)}::text[], ${c.map((r) => r.message_count)}::int[],
        ${c.map((r) => r.last_message_at)}::timestamptz[], ${c.map((r) => r.first_response_due_at)}::timestamptz[],
        ${c.map((r) => r.resolution_due_at)}::timestamptz[])
      AS t(id, k, tk, c, s, p, a, cat, i, se, u, l, n, lm, f, r)`.execute(tx),
    );
  for (const c of chunks(events))
    await write((tx) =>
      sql`INSERT INTO inbound_events (id, council_id, channel_kind, external_id, payload, status, processed_at)
      OVERRIDING SYSTEM VALUE
      SELECT t.id, ${to}::uuid, t.k, t.e, t.p::jsonb, 'processed', now()
      FROM unnest(${c.map((r) => String(Number(r.id) + offset))}::bigint[], ${c.map((r) => r.channel_kind)}::text[],
        ${c.map((r) => r.external_id)}::text[], ${c.map((r) => r.payload)}::text[]) AS t(id, k, e, p)`.execute(
        tx,
      ),
    );
  for (const c of chunks(messages))
    await write((tx) =>
      sql`INSERT INTO messages (council_id, conversation_id, inbound_event_id, direction, body, is_private, external_id, triage, created_at)
      SELECT ${to}::uuid, t.c::uuid, t.ev, 'in', t.b, t.p, t.x, t.tr::jsonb, t.at
      FROM unnest(${c.map((r) => convMap.get(r.conversation_id)!)}::text[], ${c.map((r) => String(Number(r.inbound_event_id) + offset))}::bigint[],
        ${c.map((r) => r.body)}::text[], ${c.map((r) => r.is_private)}::boolean[], ${c.map((r) => r.external_id)}::text[],
        ${c.map((r) => r.triage)}::text[], ${c.map((r) => r.created_at)}::timestamptz[]) AS t(c, ev, b, p, x, tr, at)`.execute(
        tx,
      ),
    );
  return {
    ms: performance.now() - started,
    rows: contacts.length + identities.length + conversations.length + events.length + messages.length,
    messages: messages.length,
  };
}

export async function setUpCouncil(dbs: ReturnType<typeof createDatabases>, slug: string): Promise<string> {
  const council = await dbs.system
    .insertInto('councils')
    .values({ slug, name: slug, settings: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await withCouncil(dbs.app, council.id, async (tx) => {
    const team = async (s: string, extra: Record<string, unknown> = {}) =>
      (
        await tx
          .insertInto('teams')
          .values({ council_id: council.id, slug: s, name: s, ...extra })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const urgent = await team('urgent', { is_urgent_queue: true, duty_contact: 'duty@example.test' });
    const waste = await team('waste');
    const roads = await team('roads');
    const centre = await team('contact-centre');
    void urgent;
    await tx
      .insertInto('routing_rules')
      .values([
        { council_id: council.id, area: 'waste', category: null, team_id: waste },
        { council_id: council.id, area: 'roads_transport', category: null, team_id: roads },
        { council_id: council.id, area: null, category: null, team_id: centre },
      ])
      .execute();
    await tx
      .insertInto('sla_policies')
      .values([
        {
          council_id: council.id,
          first_response_minutes: 480,
          resolution_minutes: 4800,
          is_business_hours: true,
        },
        {
          council_id: council.id,
          urgency: 'emergency',
          first_response_minutes: 15,
          resolution_minutes: 240,
          is_business_hours: false,
        },
      ])
      .execute();
  });
  return council.id;
}

export default async function pipelineBench(): Promise<Measurement[]> {
  const dir = await makeTempDir('pipeline');
  const log = createLogger('silent');
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'data'),
    port: await freePort(),
    log,
  });
  const dbs = createDatabases(server.url);
  try {
    await migrate(dbs.systemPool);
    const pipelineCouncil = await setUpCouncil(dbs, 'pipeline');
    const baselineCouncil = await setUpCouncil(dbs, 'baseline');
    const ingest = new IngestService(dbs.app, { log, triager: await loadTriager(log) });
    const items = generate(total);
    // A short warm-up (JIT, plan caches), not measured, on the measured council itself: a council
    // in service has history, and statistics that know it (autovacuum analyses within a minute).
    // Statistics taken while a council had no rows say it has none, and the planner then reads
    // whole tables to find a few rows; without any statistics the foreign-key checks' cached
    // plans, made when the tables were empty, do the same.
    // The baseline council gets the same history (copied, not timed), and with it the contacts
    // that the measured messages' conversations refer to.
    const beforeWarmUp = await mark(dbs, pipelineCouncil);
    await runPipeline(
      ingest,
      pipelineCouncil,
      generate(2000).map((g) => ({ ...g, item: { ...g.item, externalId: `warm-${g.item.externalId}` } })),
    );
    const baselineIds: BaselineIds = { contacts: new Map(), conversations: new Map() };
    await runBaseline(dbs, pipelineCouncil, baselineCouncil, beforeWarmUp, baselineIds);
    await sql`ANALYZE`.execute(dbs.system);

    // The pipeline and the baseline take turns, a quarter of the messages at a time (each quarter
    // of the baseline copies the rows that quarter of the pipeline wrote), so that load from other
    // work on the machine falls on both alike and the ratio stays meaningful on a shared machine.
    const pipeline = { ms: 0, storeMs: 0, processed: 0 };
    const baseline = { ms: 0, rows: 0, messages: 0 };
    const quarter = Math.ceil(total / slices);
    for (let k = 0; k < slices; k++) {
      const since = await mark(dbs, pipelineCouncil);
      const p = await runPipeline(ingest, pipelineCouncil, items.slice(k * quarter, (k + 1) * quarter));
      pipeline.ms += p.ms;
      pipeline.storeMs += p.storeMs;
      pipeline.processed += p.summary.processed;
      const b = await runBaseline(dbs, pipelineCouncil, baselineCouncil, since, baselineIds);
      baseline.ms += b.ms;
      baseline.rows += b.rows;
      baseline.messages += b.messages;
    }
    if (pipeline.processed !== total) throw new Error(`processed ${pipeline.processed} of ${total}`);
    if (baseline.messages !== total) throw new Error(`the baseline copied ${baseline.messages} of ${total}`);
    const pipelineRate = total / (pipeline.ms / 1000);
    const baselineRate = total / (baseline.ms / 1000);
    return [
      { name: 'pipeline_messages_per_second', value: round(pipelineRate), unit: 'messages/s' },
      {
        name: 'pipeline_store_only_messages_per_second',
        value: round(total / (pipeline.storeMs / 1000)),
        unit: 'messages/s',
      },
      { name: 'bare_insert_messages_per_second', value: round(baselineRate), unit: 'messages/s' },
      { name: 'bare_insert_rows', value: baseline.rows, unit: 'rows' },
      { name: 'pipeline_vs_bare_insert', value: round((100 * pipelineRate) / baselineRate, 1), unit: '%' },
      { name: 'pipeline_messages', value: total, unit: 'messages' },
    ];
  } finally {
    await dbs.close();
    await server.stop();
    await removeDir(dir);
  }
}
