/**
 * Inbox at scale: with 1,000,000 messages in 200,000 conversations for one council (and a
 * second council with 100,000 messages, so row-level security has rows to hide), the filtered
 * queue page and full-text search through the real query code, as the app role under RLS,
 * beside the same SELECTs run by the owner with no RLS (a bare index scan) in the same run.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import {
  createDatabases,
  migrate,
  startEmbeddedPostgres,
  withCouncil,
  type Databases,
} from '../src/db/index.ts';
import { createLogger } from '../src/logger.ts';
import { InboxService } from '../src/modules/inbox/index.ts';
import { listQueue, openStatuses } from '../src/modules/inbox/inbox.queries.ts';
import { freePort, repoRoot, round, type Measurement } from './support.ts';

const scale = { conversations: 200_000, messages: 1_000_000, contacts: 100_000, teams: 10 };
const other = { conversations: 20_000, messages: 100_000, contacts: 10_000 };
const iterations = 100;
const warmup = 10;

export const about = `The data set is built once into .tmp/bench-inbox-scale (kept between runs; delete it to rebuild)
with server-side multi-row INSERT ... SELECT over generate_series: invented message texts drawn
from a word list with a skewed distribution (so "bin" is common and "quagmire" is in about 60
messages), plus one of 40,000 invented place names per message as a long tail, 85% of conversations resolved, teams, urgencies and times spread at random; then
VACUUM ANALYZE. Each figure is p50/p95 over ${iterations} runs after ${warmup} warm-up runs, varying the
team between runs. "queue" is listQueue (team + status new + urgency high, newest first, 50 rows,
preview of the latest message per row) through withCouncil as the app role; "queue_page" is
InboxService.queue, everything the queue page reads (options, counts per queue, the page);
"search" is the same with a full-text query (through inbox_search_messages: a bounded newest-first walk, then the GIN index for rare words). Baselines are the
bare SELECT of the ids by the owner, without RLS, in the same run. "search_rls_naive" is the
search written as a plain query under RLS (what 0005's function avoids), 5 runs. Target: p95 < 50 ms.`;

const words = `bin bins collection road pothole street light council tax parking permit noise neighbour
  flytipping rubbish recycling garden waste missed lane school park bench graffiti dog fouling housing repair
  damp mould rent benefit payment planning application licence library bus stop pavement crossing tree
  flooding drain blocked smell broken gate fence wall leak heating window door stairs lift estate ward
  councillor meeting complaint thank you please help urgent today yesterday week month again still never`
  .split(/\s+/)
  .filter(Boolean);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function time(run: (i: number) => Promise<unknown>, n = iterations, warm = warmup): Promise<number[]> {
  for (let i = 0; i < warm; i++) await run(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await run(i);
    out.push(performance.now() - started);
  }
  return out;
}

async function buildCouncil(
  dbs: Databases,
  slug: string,
  size: { conversations: number; messages: number; contacts: number },
): Promise<void> {
  const db = dbs.system;
  const council = await db
    .insertInto('councils')
    .values({ slug, name: `Bench ${slug}`, hostnames: [], settings: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = council.id;
  await sql`INSERT INTO users (council_id, email, name, role, password_hash)
    SELECT ${id}, 'agent' || g || '@' || ${slug} || '.test', 'Agent ' || g, 'agent', 'x' FROM generate_series(1, 20) g`.execute(
    db,
  );
  await sql`INSERT INTO teams (council_id, slug, name)
    SELECT ${id}, 'team-' || g, 'Team ' || g FROM generate_series(1, ${scale.teams}) g`.execute(db);
  await sql`INSERT INTO contacts (council_id, display_name, email)
    SELECT ${id}, 'Resident ' || g, 'resident' || g || '@example.org' FROM generate_series(1, ${size.contacts}) g`.execute(
    db,
  );
  // Conversations: ids taken from arrays so each row can pick a team, contact and assignee.
  await sql`WITH t AS (SELECT array_agg(id) a FROM teams WHERE council_id = ${id}),
      ct AS (SELECT array_agg(id) a FROM contacts WHERE council_id = ${id}),
      u AS (SELECT array_agg(id) a FROM users WHERE council_id = ${id})
    INSERT INTO conversations (council_id, channel_kind, thread_key, contact_id, team_id, assignee_id, status, urgency,
      sentiment, subject, area, ward_code, message_count, last_message_at, created_at, first_response_due_at)
    SELECT ${id}, (ARRAY['bluesky','mastodon','facebook','email','web','x'])[1 + floor(random() * 6)::int], 'bench-' || g,
      ct.a[1 + floor(random() * array_length(ct.a, 1))::int], t.a[1 + floor(random() * array_length(t.a, 1))::int],
      CASE WHEN random() < 0.5 THEN u.a[1 + floor(random() * array_length(u.a, 1))::int] END,
      CASE WHEN r < 0.85 THEN 'resolved' WHEN r < 0.90 THEN 'new' WHEN r < 0.95 THEN 'open' ELSE 'waiting' END,
      CASE WHEN random() < 0.8 THEN 'routine' WHEN random() < 0.9 THEN 'high' ELSE 'emergency' END,
      (ARRAY['negative','neutral','positive'])[1 + floor(random() * 3)::int], 'Conversation ' || g,
      (ARRAY['waste','highways','housing','council-tax'])[1 + floor(random() * 4)::int], 'E0500' || (1000 + floor(random() * 20)::int),
      5, ts, ts, ts + interval '1 day'
    FROM t, ct, u, generate_series(1, ${size.conversations}) g,
      LATERAL (SELECT random() AS r, now() - random() * interval '365 days' AS ts, g AS gg) x`.execute(db);
  const wordArray = `{${words.join(',')}}`;
  // Messages: 12 words each, skewed towards the start of the list; one in ~16,000 says "quagmire".
  await sql`WITH c AS (SELECT array_agg(id) a FROM conversations WHERE council_id = ${id})
    INSERT INTO messages (council_id, conversation_id, direction, body, created_at)
    SELECT ${id}, c.a[1 + (g % array_length(c.a, 1))], CASE WHEN g % 5 = 0 THEN 'out' ELSE 'in' END,
      (SELECT string_agg(w[1 + floor(array_length(w, 1) * power(random(), 2.5))::int], ' ')
         FROM generate_series(1, 12) k, (SELECT ${wordArray}::text[] AS w) ww WHERE k > 0 * g)
        -- A long tail of names (streets, people, places) as real messages have, so that the
        -- planner's word statistics look like a real corpus's rather than a 92-word toy's.
        || ' ' || (ARRAY['ash','birch','cedar','elm','hazel','oak','rowan','yew'])[1 + floor(random() * 8)::int]
        || 'field' || floor(random() * 5000)::int
        || CASE WHEN random() < 0.00006 THEN ' quagmire' ELSE '' END,
      now() - random() * interval '365 days'
    FROM c, generate_series(1, ${size.messages}) g`.execute(db);
}

async function ensureData(dbs: Databases, log: (s: string) => void): Promise<{ a: string; b: string }> {
  const find = async () =>
    db2ids(
      await dbs.system
        .selectFrom('councils')
        .select(['id', 'slug'])
        .where('slug', 'in', ['bench-a', 'bench-b'])
        .execute(),
    );
  const found = await find();
  if (found) return found;
  const started = performance.now();
  // The GIN index is built once after loading rather than row by row (several times faster).
  await sql`DROP INDEX IF EXISTS messages_search_idx`.execute(dbs.system);
  // B first: A's messages then hold the newest ids, as the busier council's would.
  log('building council B: 20,000 conversations, 100,000 messages');
  await buildCouncil(dbs, 'bench-b', other);
  log('building council A: 200,000 conversations, 1,000,000 messages');
  await buildCouncil(dbs, 'bench-a', scale);
  await sql`SET maintenance_work_mem = '512MB'`.execute(dbs.system);
  await sql`CREATE INDEX messages_search_idx ON messages USING gin (search)`.execute(dbs.system);
  await sql`VACUUM ANALYZE`.execute(dbs.system);
  log(`data built in ${round((performance.now() - started) / 1000)} s`);
  return (await find())!;
}

function db2ids(rows: { id: string; slug: string }[]): { a: string; b: string } | undefined {
  const a = rows.find((r) => r.slug === 'bench-a')?.id;
  const b = rows.find((r) => r.slug === 'bench-b')?.id;
  return a && b ? { a, b } : undefined;
}

export default async function inboxScale(): Promise<Measurement[]> {
  const log = (s: string) => process.stderr.write(`# inbox-scale: ${s}\n`);
  const dataDir = path.join(repoRoot, '.tmp', 'bench-inbox-scale');
  await fs.mkdir(dataDir, { recursive: true, mode: 0o755 });
  await fs.chmod(dataDir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), log: createLogger('warn') });
  const dbs = createDatabases(pg.url);
  try {
    await migrate(dbs.systemPool);
    const { a: councilId } = await ensureData(dbs, log);
    const teams = await dbs.system
      .selectFrom('teams')
      .select('id')
      .where('council_id', '=', councilId)
      .execute();
    const user = await dbs.system
      .selectFrom('users')
      .select('id')
      .where('council_id', '=', councilId)
      .executeTakeFirstOrThrow();
    const teamAt = (i: number) => teams[i % teams.length]!.id;
    const open = openStatuses([]);
    const inbox = new InboxService(dbs.app);
    const counts = await sql<{ n: string }>`SELECT count(*)::text n FROM messages`.execute(dbs.system);
    log(`${counts.rows[0]?.n} messages stored`);

    const queue = await time((i) =>
      withCouncil(dbs.app, councilId, (tx) =>
        listQueue(tx, { teamId: teamAt(i), status: 'new', urgency: 'high' }, { userId: user.id, open }),
      ),
    );
    const queueBare = await time((i) =>
      sql`SELECT id FROM conversations WHERE council_id = ${councilId} AND team_id = ${teamAt(i)}
            AND status = 'new' AND urgency = 'high' ORDER BY last_message_at DESC, id DESC LIMIT 51`.execute(
        dbs.system,
      ),
    );
    const queuePage = await time((i) =>
      inbox.queue(councilId, user.id, { teamId: teamAt(i), status: 'new', urgency: 'high' }),
    );
    const search = (q: string) =>
      time((i) =>
        withCouncil(dbs.app, councilId, (tx) =>
          listQueue(
            tx,
            { q, ...(i % 2 ? { teamId: teamAt(i) } : {}), status: 'all' },
            { userId: user.id, open },
          ),
        ),
      );
    const searchBare = (q: string) =>
      time(() =>
        sql`SELECT id, conversation_id FROM messages WHERE council_id = ${councilId}
              AND search @@ websearch_to_tsquery('english', ${q}) ORDER BY id DESC LIMIT 1000`.execute(
          dbs.system,
        ),
      );
    const common = await search('bin collection');
    const commonBare = await searchBare('bin collection');
    const rare = await search('quagmire');
    // The rare search must find what the bare SELECT finds: every "quagmire" message of A.
    const rareFound = await withCouncil(dbs.app, councilId, (tx) =>
      sql<{ n: number }>`SELECT count(*)::int n FROM inbox_search_messages('quagmire', NULL, 2000)`.execute(
        tx,
      ),
    );
    const rareBare = await searchBare('quagmire');
    const naive = await time(
      () =>
        withCouncil(dbs.app, councilId, (tx) =>
          sql`SELECT id FROM messages WHERE search @@ websearch_to_tsquery('english', 'quagmire') ORDER BY id DESC LIMIT 50`.execute(
            tx,
          ),
        ),
      5,
      1,
    );
    const fig = (name: string, values: number[]): Measurement[] => [
      { name: `${name}_p50`, value: round(percentile(values, 50), 2), unit: 'ms' },
      { name: `${name}_p95`, value: round(percentile(values, 95), 2), unit: 'ms' },
    ];
    return [
      { name: 'messages_stored', value: Number(counts.rows[0]?.n ?? 0), unit: 'rows' },
      ...fig('queue_filtered', queue),
      ...fig('queue_filtered_baseline_bare_select', queueBare),
      ...fig('queue_page_with_counts', queuePage),
      ...fig('search_common', common),
      ...fig('search_common_baseline_bare_select', commonBare),
      ...fig('search_rare', rare),
      { name: 'search_rare_matches', value: rareFound.rows[0]?.n ?? 0, unit: 'messages' },
      ...fig('search_rare_baseline_bare_select', rareBare),
      ...fig('search_rls_naive_rare', naive),
    ];
  } finally {
    await dbs.close();
    await pg.stop();
  }
}
