/**
 * Step two of ingestion: one transaction turns a chunk of stored 'received' events into
 * contacts, conversations and messages, routes and times them, marks the events processed,
 * queues duty alerts and announces the changes. If anything fails the transaction rolls back
 * and the events stay 'received', to be picked up again; the unique message per event makes
 * a second run harmless.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Tx } from '../../../db/index.ts';
import { announceMany } from '../live.ts';
import type { SlaPolicy } from '../sla/index.ts';
import { loadSlaPolicies } from '../sla/index.ts';
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

export type DutyAlert = {
  councilId: string;
  conversationId: string;
  messageId: string;
  teamId: string | null;
};

export type ChunkDeps = {
  triager: Triager;
  onTriageError?: (error: unknown, eventId: string) => void;
};

export type ChunkResult = {
  processed: number;
  failed: { id: string; error: string }[];
  messages: number;
  alerts: DutyAlert[];
};

async function loadSettings(tx: Tx): Promise<ChunkSettings> {
  const [teams, rules, policies] = await Promise.all([
    tx.selectFrom('teams').select(['id', 'is_urgent_queue', 'duty_contact']).orderBy('created_at').execute(),
    tx.selectFrom('routing_rules').select(['area', 'category', 'team_id']).execute(),
    loadSlaPolicies(tx),
  ]);
  const routing: RoutingTable = routingTable(
    teams.map((t) => ({ id: t.id, isUrgentQueue: t.is_urgent_queue, dutyContact: t.duty_contact })),
    rules.map((r) => ({ area: r.area, category: r.category, teamId: r.team_id })),
  );
  const policyList: SlaPolicy[] = policies;
  return { routing, policies: policyList };
}

/** Locks the given events that are still 'received' (another worker's are skipped). */
async function lockEvents(tx: Tx, ids: string[]): Promise<StoredRow[]> {
  const rows = await sql<StoredRow>`
    SELECT id, channel_kind, channel_account_id, payload::text AS payload, raw_text FROM inbound_events
    WHERE id = ANY(${ids}::bigint[]) AND status = 'received'
    ORDER BY id FOR UPDATE SKIP LOCKED`.execute(tx);
  return rows.rows;
}

async function lockIds(tx: Tx, ids: string[]): Promise<Set<string>> {
  const rows = await sql<{ id: string }>`
    SELECT id FROM inbound_events WHERE id = ANY(${ids}::bigint[]) AND status = 'received'
    ORDER BY id FOR UPDATE SKIP LOCKED`.execute(tx);
  return new Set(rows.rows.map((r) => r.id));
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
  let chunk: PreparedChunk;
  if (prepared) {
    const locked = await lockIds(tx, ids);
    chunk = {
      items: prepared.items.filter((p) => locked.has(p.eventId)),
      failed: prepared.failed.filter((f) => locked.has(f.id)),
    };
  } else chunk = await prepareRows(await lockEvents(tx, ids), deps);
  const { items, failed } = chunk;
  if (items.length + failed.length === 0) return { processed: 0, failed: [], messages: 0, alerts: [] };
  const written = items.length > 0 ? await writeItems(tx, councilId, items) : { messages: 0, alerts: [] };
  await sql`UPDATE inbound_events SET status = 'processed', processed_at = now(), error = NULL
    WHERE id = ANY(${items.map((p) => p.eventId)}::bigint[])`.execute(tx);
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
): Promise<{ messages: number; alerts: DutyAlert[] }> {
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
    ON CONFLICT (council_id, inbound_event_id) WHERE inbound_event_id IS NOT NULL DO NOTHING
    RETURNING id, conversation_id, inbound_event_id`.execute(tx);

  const alerts = dutyAlertsFor(councilId, items, written.rows, conversationOf, settings);
  await recordDutyAlerts(tx, alerts);
  await announceAll(tx, councilId, groups, convOf, inserted);
  return { messages: written.rows.length, alerts };
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
