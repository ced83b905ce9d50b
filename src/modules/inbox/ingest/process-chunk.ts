/**
 * Step two of ingestion: one transaction turns a chunk of stored 'received' events into
 * contacts, conversations and messages, routes and times them, marks the events processed,
 * queues duty alerts and announces the changes. If anything fails the transaction rolls back
 * and the events stay 'received', to be picked up again. An event is claimed (marked processed)
 * in the same transaction that writes its message, so a committed event is never processed
 * again; the unique message per event backs that up: a second message for an event would fail
 * the chunk loudly (and the event be marked failed) rather than be written. The insert has no
 * ON CONFLICT clause for that reason, which also spares every row a speculative insertion.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Tx } from '../../../db/index.ts';
import { announceMany } from '../live.ts';
import type { SlaPolicy } from '../sla/index.ts';
import {
  assignRoundRobin,
  findConversations,
  groupKey,
  groupThreads,
  insertConversations,
  matchContacts,
  updateConversations,
  type ChunkSettings,
  type Existing,
  type NewConversation,
  type ThreadGroup,
} from './conversations.ts';
import { recordDutyAlerts } from './duty-alert.ts';
import { prepare, type Prepared, type StoredRow } from './prepare.ts';
import { routeTo, routingTable, type RoutingTable } from './routing.ts';
import type { Triager } from './triage-port.ts';
import { tapWritten, type MessageTap } from './message-tap.ts';

export type DutyAlert = {
  councilId: string;
  conversationId: string;
  messageId: string;
  teamId: string | null;
};

export type ChunkDeps = {
  triager: Triager;
  onTriageError?: (error: unknown, eventId: string) => void;
  /** Another module's view of inbound messages (meetings' questions): see message-tap.ts. */
  tap?: MessageTap | undefined;
};

export type ChunkResult = {
  processed: number;
  failed: { id: string; error: string }[];
  messages: number;
  alerts: DutyAlert[];
  /** Messages handed to the tap in this chunk. */
  tapped?: number;
};

type SettingsRow = {
  teams: { id: string; is_urgent_queue: boolean; duty_contact: string | null }[];
  rules: { area: string | null; category: string | null; team_id: string }[];
  policies: {
    area: string | null;
    urgency: string | null;
    first_response_minutes: number;
    resolution_minutes: number;
    is_business_hours: boolean;
  }[];
};

/** Teams, routing rules and SLA policies in one round trip (three would cost two more per chunk). */
async function loadSettings(tx: Tx): Promise<ChunkSettings> {
  const { rows } = await sql<SettingsRow>`
    SELECT
      (SELECT coalesce(json_agg(json_build_object('id', id, 'is_urgent_queue', is_urgent_queue,
         'duty_contact', duty_contact) ORDER BY created_at, id), '[]') FROM teams) AS teams,
      (SELECT coalesce(json_agg(json_build_object('area', area, 'category', category, 'team_id', team_id)), '[]')
         FROM routing_rules) AS rules,
      (SELECT coalesce(json_agg(json_build_object('area', area, 'urgency', urgency,
         'first_response_minutes', first_response_minutes, 'resolution_minutes', resolution_minutes,
         'is_business_hours', is_business_hours)), '[]') FROM sla_policies) AS policies`.execute(tx);
  const { teams, rules, policies } = rows[0]!;
  const routing: RoutingTable = routingTable(
    teams.map((t) => ({ id: t.id, isUrgentQueue: t.is_urgent_queue, dutyContact: t.duty_contact })),
    rules.map((r) => ({ area: r.area, category: r.category, teamId: r.team_id })),
  );
  const policyList: SlaPolicy[] = policies.map((r) => ({
    area: r.area,
    urgency: r.urgency,
    firstResponseMinutes: r.first_response_minutes,
    resolutionMinutes: r.resolution_minutes,
    isBusinessHours: r.is_business_hours,
  }));
  return { routing, policies: policyList };
}

/**
 * Claims the given events that are still 'received' by marking them processed in the same
 * statement: the UPDATE takes the row locks a SELECT ... FOR UPDATE would, without writing each
 * row twice (a lock, then the change) or costing another round trip. The mark is part of the
 * chunk's transaction, so if anything later fails it rolls back with everything else and the
 * events are 'received' again. A second worker given the same events waits for the first to
 * finish, then finds them no longer 'received' and leaves them alone (rather than skipping
 * them, as SKIP LOCKED did: the wait is one chunk at most). Both take the rows in the order of an
 * index on id, so they do not deadlock; if a plan ever did, a deadlock is a transient error and
 * the job runs again.
 */
async function claimEvents(tx: Tx, ids: string[]): Promise<StoredRow[]> {
  const rows = await sql<StoredRow>`
    UPDATE inbound_events SET status = 'processed', processed_at = now(), error = NULL
    WHERE id = ANY(${ids}::bigint[]) AND status = 'received'
    RETURNING id, channel_kind, channel_account_id, payload::text AS payload, raw_text`.execute(tx);
  return rows.rows.sort((a, b) => Number(a.id) - Number(b.id));
}

async function claimIds(tx: Tx, ids: string[]): Promise<Set<string>> {
  const rows = await sql<{ id: string }>`
    UPDATE inbound_events SET status = 'processed', processed_at = now(), error = NULL
    WHERE id = ANY(${ids}::bigint[]) AND status = 'received'
    RETURNING id`.execute(tx);
  return new Set(rows.rows.map((r) => r.id));
}

/**
 * Plans for this transaction's look-ups: probe the unique indexes row by row. The look-ups join a
 * chunk's keys (about a thousand) to tables of millions of rows; the planner's alternative, a hash
 * join over a scan of the council's whole table, looks cheap to it because it does not count the
 * row-level security check on every row, and it is what statistics taken before a burst (a new
 * council, a quiet night) make it choose. With hash and merge joins and plain scans off, each key
 * costs one index descent however large the tables grow. SET LOCAL: it ends with the transaction.
 */
async function useIndexProbes(tx: Tx): Promise<void> {
  await sql`SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),
    set_config('enable_seqscan', 'off', true)`.execute(tx);
}

export type PreparedChunk = { items: Prepared[]; failed: { id: string; error: string }[] };

/**
 * Parses and triages stored events: the part of processing that is all CPU. It yields to the
 * event loop every few items, so that while one chunk is being prepared the previous chunk's
 * statements keep flowing to the database.
 */
export async function prepareRows(rows: StoredRow[], deps: ChunkDeps): Promise<PreparedChunk> {
  const items: Prepared[] = [];
  const failed: { id: string; error: string }[] = [];
  for (const [i, row] of rows.entries()) {
    if (i % 25 === 24) await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      items.push(prepare(row, deps.triager, (e) => deps.onTriageError?.(e, row.id)));
    } catch (error) {
      failed.push({ id: row.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { items, failed };
}

/**
 * Processes the given events in the caller's transaction. `prepared` (from prepareRows, read
 * before the lock) saves preparing again; only the events still 'received' once locked are used.
 */
export async function processChunk(
  tx: Tx,
  councilId: string,
  ids: string[],
  deps: ChunkDeps,
  prepared?: PreparedChunk,
): Promise<ChunkResult> {
  await useIndexProbes(tx);
  let chunk: PreparedChunk;
  if (prepared) {
    const claimed = await claimIds(tx, ids);
    chunk = {
      items: prepared.items.filter((p) => claimed.has(p.eventId)),
      failed: prepared.failed.filter((f) => claimed.has(f.id)),
    };
  } else chunk = await prepareRows(await claimEvents(tx, ids), deps);
  const { items, failed } = chunk;
  if (items.length + failed.length === 0) return { processed: 0, failed: [], messages: 0, alerts: [] };
  const written =
    items.length > 0 ? await writeItems(tx, councilId, items, deps.tap) : { messages: 0, alerts: [] };
  // Claimed as processed above; the few that could not be read are marked failed instead.
  if (failed.length > 0)
    await sql`UPDATE inbound_events e SET status = 'failed', processed_at = now(), error = u.err
      FROM unnest(${failed.map((f) => f.id)}::bigint[], ${failed.map((f) => f.error.slice(0, 2000))}::text[]) AS u(id, err)
      WHERE e.id = u.id`.execute(tx);
  return { processed: items.length, failed, ...written };
}

async function writeItems(
  tx: Tx,
  councilId: string,
  items: Prepared[],
  tap?: MessageTap,
): Promise<{ messages: number; alerts: DutyAlert[]; tapped: number }> {
  const settings = await loadSettings(tx);
  const contacts = await matchContacts(tx, councilId, items);
  const groups = groupThreads(items);
  let existing = await findConversations(tx, groups);
  const fresh: NewConversation[] = groups
    .filter((g) => !existing.has(groupKey(g)))
    .map((g) => ({
      id: randomUUID(),
      group: g,
      teamId: routeTo(settings.routing, { ...g.lead.triage, urgency: g.urgency }),
      assigneeId: null,
    }));
  await assignRoundRobin(tx, fresh);
  const inserted = await insertConversations(tx, councilId, fresh, contacts, settings);
  const lost = fresh.filter((n) => !inserted.has(n.id));
  // A conversation another worker created between our look-up and insert: join it instead.
  if (lost.length > 0) existing = await findConversations(tx, groups);
  const convOf = new Map<string, string>();
  for (const n of fresh) if (inserted.has(n.id)) convOf.set(groupKey(n.group), n.id);
  const updates: { existing: Existing; group: ThreadGroup }[] = [];
  for (const g of groups) {
    if (convOf.has(groupKey(g))) continue;
    const e = existing.get(groupKey(g));
    if (!e) throw new Error(`conversation for thread ${g.threadKey} could not be created`);
    convOf.set(groupKey(g), e.id);
    updates.push({ existing: e, group: g });
  }
  await updateConversations(tx, updates, settings);

  const conversationOf = (p: Prepared) =>
    convOf.get(groupKey({ kind: p.kind, threadKey: p.threadKey } as ThreadGroup))!;
  const written = await sql<{ id: string; conversation_id: string; inbound_event_id: string }>`
    INSERT INTO messages (council_id, conversation_id, inbound_event_id, direction, body, is_private, external_id, triage, created_at)
    SELECT ${councilId}::uuid, t.conv::uuid, t.ev, 'in', t.body, t.priv, t.ext, t.tri::jsonb, t.at
    FROM unnest(${items.map(conversationOf)}::text[], ${items.map((p) => p.eventId)}::bigint[],
                ${items.map((p) => p.body)}::text[], ${items.map((p) => p.isPrivate)}::boolean[],
                ${items.map((p) => p.externalId)}::text[], ${items.map((p) => JSON.stringify(p.triage))}::text[],
                ${items.map((p) => p.createdAt.toISOString())}::timestamptz[])
      AS t(conv, ev, body, priv, ext, tri, at)
    RETURNING id, conversation_id, inbound_event_id`.execute(tx);

  const alerts = dutyAlertsFor(councilId, items, written.rows, conversationOf, settings);
  await recordDutyAlerts(tx, alerts);
  await announceAll(tx, councilId, groups, convOf, inserted);
  const tapped = tap ? await tapWritten(tx, councilId, tap, items, written.rows) : 0;
  return { messages: written.rows.length, alerts, tapped };
}

function dutyAlertsFor(
  councilId: string,
  items: Prepared[],
  written: { id: string; conversation_id: string; inbound_event_id: string }[],
  conversationOf: (p: Prepared) => string,
  settings: ChunkSettings,
): DutyAlert[] {
  const messageOf = new Map(written.map((w) => [w.inbound_event_id, w.id]));
  const alerts = new Map<string, DutyAlert>();
  for (const p of items) {
    if (p.triage.urgency !== 'emergency') continue;
    const messageId = messageOf.get(p.eventId);
    if (!messageId) continue;
    const conversationId = conversationOf(p);
    // One alert per conversation per chunk: the duty officer needs to act once, now.
    alerts.set(conversationId, {
      councilId,
      conversationId,
      messageId,
      teamId: settings.routing.urgentTeam?.id ?? null,
    });
  }
  return [...alerts.values()];
}

async function announceAll(
  tx: Tx,
  councilId: string,
  groups: ThreadGroup[],
  convOf: Map<string, string>,
  created: Set<string>,
): Promise<void> {
  await announceMany(
    tx,
    councilId,
    groups.map((g) => {
      const conversationId = convOf.get(groupKey(g))!;
      return {
        type: created.has(conversationId) ? 'conversation.created' : 'message.created',
        conversationId,
        urgency: g.urgency,
      };
    }),
  );
}
