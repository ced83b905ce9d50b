/**
 * Set-based contact and conversation writes for one chunk of events: a handful of multi-row
 * statements however many events the chunk holds.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Tx } from '../../../db/index.ts';
import { slaDue, type SlaPolicy } from '../sla/index.ts';
import type { Prepared } from './prepare.ts';
import { routeTo, type RoutingTable } from './routing.ts';
import { urgencyRank } from './triage-port.ts';

const keyOf = (kind: string, id: string) => `${kind}\u0000${id}`;

/** Contact id per identity key, creating contacts and identities that are new. */
export async function matchContacts(
  tx: Tx,
  councilId: string,
  items: Prepared[],
): Promise<Map<string, string>> {
  const wanted = new Map<string, Prepared>();
  for (const p of items) {
    const k = keyOf(p.identity.kind, p.identity.id);
    if (!wanted.has(k)) wanted.set(k, p);
  }
  const kinds = [...wanted.values()].map((p) => p.identity.kind);
  const ids = [...wanted.values()].map((p) => p.identity.id);
  const found = new Map<string, string>();
  const lookup = async (k: string[], i: string[]) => {
    const rows = await sql<{ channel_kind: string; external_id: string; contact_id: string }>`
      SELECT ci.channel_kind, ci.external_id, ci.contact_id FROM contact_identities ci
      JOIN unnest(${k}::text[], ${i}::text[]) AS w(kind, id) ON ci.channel_kind = w.kind AND ci.external_id = w.id`.execute(
      tx,
    );
    for (const r of rows.rows) found.set(keyOf(r.channel_kind, r.external_id), r.contact_id);
  };
  await lookup(kinds, ids);
  const missing = [...wanted.entries()].filter(([k]) => !found.has(k));
  if (missing.length === 0) return found;

  const fresh = missing.map(([k, p]) => ({ k, p, contactId: randomUUID() }));
  await sql`
    INSERT INTO contacts (id, council_id, display_name, email, phone)
    SELECT t.id::uuid, ${councilId}::uuid, t.name, t.email, t.phone
    FROM unnest(${fresh.map((f) => f.contactId)}::text[], ${fresh.map((f) => f.p.contact.name)}::text[],
                ${fresh.map((f) => f.p.contact.email)}::text[], ${fresh.map((f) => f.p.contact.phone)}::text[])
      AS t(id, name, email, phone)`.execute(tx);
  const inserted = await sql<{ channel_kind: string; external_id: string; contact_id: string }>`
    INSERT INTO contact_identities (council_id, contact_id, channel_kind, external_id, handle)
    SELECT ${councilId}::uuid, t.cid::uuid, t.kind, t.id, t.handle
    FROM unnest(${fresh.map((f) => f.contactId)}::text[], ${fresh.map((f) => f.p.identity.kind)}::text[],
                ${fresh.map((f) => f.p.identity.id)}::text[], ${fresh.map((f) => f.p.identity.handle)}::text[])
      AS t(cid, kind, id, handle)
    ON CONFLICT (council_id, channel_kind, external_id) DO NOTHING
    RETURNING channel_kind, external_id, contact_id`.execute(tx);
  for (const r of inserted.rows) found.set(keyOf(r.channel_kind, r.external_id), r.contact_id);
  // Another worker created some of these identities first: use its contacts, drop ours.
  const lost = fresh.filter((f) => !found.has(f.k));
  if (lost.length > 0) {
    await lookup(
      lost.map((f) => f.p.identity.kind),
      lost.map((f) => f.p.identity.id),
    );
    await sql`DELETE FROM contacts WHERE id = ANY(${lost.map((f) => f.contactId)}::uuid[])`.execute(tx);
  }
  return found;
}

export function contactIdOf(contacts: Map<string, string>, p: Prepared): string {
  const id = contacts.get(keyOf(p.identity.kind, p.identity.id));
  if (!id) throw new Error(`no contact for event ${p.eventId}`);
  return id;
}

export type ThreadGroup = {
  kind: string;
  threadKey: string;
  items: Prepared[];
  lead: Prepared;
  urgency: string;
};

/** Items grouped by conversation (channel, thread); the lead is the most urgent, then the first. */
export function groupThreads(items: Prepared[]): ThreadGroup[] {
  const groups = new Map<string, ThreadGroup>();
  for (const p of items) {
    const k = keyOf(p.kind, p.threadKey);
    const g = groups.get(k);
    if (!g)
      groups.set(k, { kind: p.kind, threadKey: p.threadKey, items: [p], lead: p, urgency: p.triage.urgency });
    else {
      g.items.push(p);
      if ((urgencyRank[p.triage.urgency] ?? 0) > (urgencyRank[g.urgency] ?? 0)) {
        g.lead = p;
        g.urgency = p.triage.urgency;
      }
    }
  }
  return [...groups.values()];
}

export type Existing = {
  id: string;
  channel_kind: string;
  thread_key: string;
  team_id: string | null;
  urgency: string;
  status: string;
  first_response_due_at: Date | null;
  first_responded_at: Date | null;
};

/**
 * The conversation kinds a reply on a channel may join when it answers one of our sent messages:
 * its own, and for email also `web`, because a web form's asker is answered by email.
 */
export const replyKinds: Readonly<Record<string, readonly string[]>> = { email: ['email', 'web'] };
const replyKindsOf = (kind: string): readonly string[] => replyKinds[kind] ?? [kind];

/**
 * Locks and returns the known conversation of each group, keyed by groupKey. A group with no
 * conversation of its own thread key may be a resident answering one of our replies: channels
 * thread it under our status id (Mastodon, Bluesky, X) or our email's Message-ID (a mail client
 * that keeps only In-Reply-To, or the first answer to a web form's email), so it joins the
 * conversation holding the outbound message of that id. That second query runs only when some
 * group is unmatched, and probes messages_out_external_idx.
 */
export async function findConversations(tx: Tx, groups: ThreadGroup[]): Promise<Map<string, Existing>> {
  const rows = await sql<Existing>`
    SELECT c.id, c.channel_kind, c.thread_key, c.team_id, c.urgency, c.status, c.first_response_due_at, c.first_responded_at
    FROM conversations c
    JOIN unnest(${groups.map((g) => g.kind)}::text[], ${groups.map((g) => g.threadKey)}::text[]) AS w(kind, tk)
      ON c.channel_kind = w.kind AND c.thread_key = w.tk
    ORDER BY c.id
    FOR UPDATE OF c`.execute(tx);
  const found = new Map(rows.rows.map((r) => [keyOf(r.channel_kind, r.thread_key), r]));
  const unmatched = groups.filter((g) => !found.has(groupKey(g)));
  if (unmatched.length === 0) return found;
  const pairs = unmatched.flatMap((g) => replyKindsOf(g.kind).map((kind) => ({ g, kind })));
  const replies = await sql<Existing & { group_kind: string; group_tk: string }>`
    SELECT c.id, c.channel_kind, c.thread_key, c.team_id, c.urgency, c.status, c.first_response_due_at,
      c.first_responded_at, w.gkind AS group_kind, w.tk AS group_tk
    FROM unnest(${pairs.map((p) => p.g.kind)}::text[], ${pairs.map((p) => p.g.threadKey)}::text[],
                ${pairs.map((p) => p.kind)}::text[]) AS w(gkind, tk, ckind)
    JOIN messages m ON m.external_id = w.tk AND m.direction = 'out' AND m.external_id IS NOT NULL
    JOIN conversations c ON c.id = m.conversation_id AND c.channel_kind = w.ckind
    ORDER BY c.id
    FOR UPDATE OF c`.execute(tx);
  for (const { group_kind: kind, group_tk: tk, ...r } of replies.rows) {
    const k = keyOf(kind, tk);
    const had = found.get(k);
    // Were one id ever sent into two conversations, the one on the reply's own channel wins.
    if (!had || (had.channel_kind !== kind && r.channel_kind === kind)) found.set(k, r);
  }
  return found;
}

export const groupKey = (g: ThreadGroup) => keyOf(g.kind, g.threadKey);

export type NewConversation = {
  id: string;
  group: ThreadGroup;
  teamId: string | null;
  assigneeId: string | null;
};

export type ChunkSettings = { routing: RoutingTable; policies: SlaPolicy[] };

const firstPlace = (p: Prepared) =>
  p.triage.places.find((pl) => pl.wardCode || typeof pl.lat === 'number') ?? undefined;

/** Inserts new conversations; returns those inserted (a group another worker created meanwhile is left out). */
export async function insertConversations(
  tx: Tx,
  councilId: string,
  fresh: NewConversation[],
  contacts: Map<string, string>,
  settings: ChunkSettings,
): Promise<Set<string>> {
  if (fresh.length === 0) return new Set();
  const col = <T>(f: (n: NewConversation) => T) => fresh.map(f);
  const lead = (n: NewConversation) => n.group.lead;
  const first = (n: NewConversation) => n.group.items[0]!;
  const last = (n: NewConversation) => n.group.items.at(-1)!;
  const due = fresh.map((n) =>
    slaDue(settings.policies, lead(n).triage.area, n.group.urgency, first(n).createdAt),
  );
  const rows = await sql<{ id: string }>`
    INSERT INTO conversations (id, council_id, channel_kind, channel_account_id, thread_key, contact_id, team_id,
      assignee_id, subject, is_private, area, category, intent, sentiment, urgency, language, ward_code, lat, lon,
      message_count, last_message_at, last_inbound_at, first_response_due_at, resolution_due_at, status)
    SELECT t.id::uuid, ${councilId}::uuid, t.kind, t.acc::uuid, t.tk, t.contact::uuid, t.team::uuid, t.assignee::uuid,
      t.subject, t.priv, t.area, t.cat, t.intent, t.sent, t.urg, t.lang, t.ward, t.lat, t.lon, t.n, t.last, t.last,
      t.frd, t.rd, CASE WHEN t.assignee IS NULL THEN 'new' ELSE 'open' END
    FROM unnest(
      ${col((n) => n.id)}::text[], ${col((n) => n.group.kind)}::text[], ${col((n) => first(n).accountId)}::text[],
      ${col((n) => n.group.threadKey)}::text[], ${col((n) => contactIdOf(contacts, first(n)))}::text[],
      ${col((n) => n.teamId)}::text[], ${col((n) => n.assigneeId)}::text[],
      ${col((n) => first(n).subject ?? (first(n).body.slice(0, 120) || null))}::text[],
      ${col((n) => first(n).isPrivate)}::boolean[], ${col((n) => lead(n).triage.area)}::text[],
      ${col((n) => lead(n).triage.category)}::text[], ${col((n) => lead(n).triage.intent)}::text[],
      ${col((n) => lead(n).triage.sentiment)}::text[], ${col((n) => n.group.urgency)}::text[],
      ${col((n) => lead(n).triage.language)}::text[], ${col((n) => firstPlace(lead(n))?.wardCode ?? null)}::text[],
      ${col((n) => firstPlace(lead(n))?.lat ?? null)}::float8[], ${col((n) => firstPlace(lead(n))?.lon ?? null)}::float8[],
      ${col((n) => n.group.items.length)}::int[], ${col((n) => last(n).createdAt.toISOString())}::timestamptz[],
      ${due.map((d) => d?.firstResponseDueAt.toISOString() ?? null)}::timestamptz[],
      ${due.map((d) => d?.resolutionDueAt.toISOString() ?? null)}::timestamptz[]
    ) AS t(id, kind, acc, tk, contact, team, assignee, subject, priv, area, cat, intent, sent, urg, lang, ward, lat, lon,
           n, last, frd, rd)
    ON CONFLICT (council_id, channel_kind, thread_key) DO NOTHING
    RETURNING id`.execute(tx);
  return new Set(rows.rows.map((r) => r.id));
}

function mergeGroups(a: ThreadGroup, b: ThreadGroup): ThreadGroup {
  const bIsMoreUrgent = (urgencyRank[b.urgency] ?? 0) > (urgencyRank[a.urgency] ?? 0);
  return { ...(bIsMoreUrgent ? b : a), items: [...a.items, ...b.items] };
}

/** New messages on known conversations: counts, times, escalation to the urgent queue, reopening. */
export async function updateConversations(
  tx: Tx,
  updates: { existing: Existing; group: ThreadGroup }[],
  settings: ChunkSettings,
): Promise<void> {
  if (updates.length === 0) return;
  const now = new Date();
  // Two groups of a chunk can join one conversation (its own thread, and an answer threaded
  // under one of our replies): one row each, or UPDATE ... FROM would apply only one of them.
  const byConversation = new Map<string, { existing: Existing; group: ThreadGroup }>();
  for (const u of updates) {
    const seen = byConversation.get(u.existing.id);
    byConversation.set(
      u.existing.id,
      seen ? { existing: seen.existing, group: mergeGroups(seen.group, u.group) } : u,
    );
  }
  const rows = [...byConversation.values()].map(({ existing: e, group: g }) => {
    const isEscalated = (urgencyRank[g.urgency] ?? 0) > (urgencyRank[e.urgency] ?? 0);
    const urgency = isEscalated ? g.urgency : e.urgency;
    const teamId = isEscalated
      ? (routeTo(settings.routing, { ...g.lead.triage, urgency }) ?? e.team_id)
      : e.team_id;
    let firstDue = e.first_response_due_at;
    if (isEscalated && !e.first_responded_at) {
      const d = slaDue(settings.policies, g.lead.triage.area, urgency, now);
      if (d && (!firstDue || d.firstResponseDueAt < firstDue)) firstDue = d.firstResponseDueAt;
    }
    // A resident writing again reopens a resolved conversation or one waiting on them.
    const status = e.status === 'resolved' || e.status === 'waiting' ? 'open' : e.status;
    return {
      id: e.id,
      n: g.items.length,
      last: new Date(Math.max(...g.items.map((p) => p.createdAt.getTime()))),
      urgency,
      teamId,
      status,
      firstDue,
    };
  });
  await sql`
    UPDATE conversations c SET
      message_count = c.message_count + u.n,
      last_message_at = greatest(c.last_message_at, u.last),
      last_inbound_at = greatest(coalesce(c.last_inbound_at, u.last), u.last),
      urgency = u.urg, team_id = u.team::uuid, status = u.status,
      resolved_at = CASE WHEN u.status <> c.status AND c.status = 'resolved' THEN NULL ELSE c.resolved_at END,
      first_response_due_at = u.frd, updated_at = now()
    FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.n)}::int[],
                ${rows.map((r) => r.last.toISOString())}::timestamptz[], ${rows.map((r) => r.urgency)}::text[],
                ${rows.map((r) => r.teamId)}::text[], ${rows.map((r) => r.status)}::text[],
                ${rows.map((r) => r.firstDue?.toISOString() ?? null)}::timestamptz[])
      AS u(id, n, last, urg, team, status, frd)
    WHERE c.id = u.id::uuid`.execute(tx);
}

/**
 * Round-robin among a team's available, enabled members, for teams that have it switched on
 * (the same rule as the inbox's own assignRoundRobin, set-based); advances each team's cursor.
 */
export async function assignRoundRobin(tx: Tx, fresh: NewConversation[]): Promise<void> {
  const teamIds = [...new Set(fresh.map((n) => n.teamId).filter((t): t is string => t !== null))];
  if (teamIds.length === 0) return;
  // Only teams that switched round-robin on (is_round_robin) hand out conversations.
  const cursors = await sql<{ id: string; round_robin_cursor: number }>`
    SELECT id, round_robin_cursor FROM teams WHERE id = ANY(${teamIds}::uuid[]) AND is_round_robin
    ORDER BY id FOR UPDATE`.execute(tx);
  if (cursors.rows.length === 0) return;
  const roundRobinTeams = cursors.rows.map((r) => r.id);
  const members = await sql<{ team_id: string; user_id: string }>`
    SELECT m.team_id, m.user_id FROM team_members m JOIN users u ON u.id = m.user_id AND u.disabled_at IS NULL
    WHERE m.team_id = ANY(${roundRobinTeams}::uuid[]) AND m.is_available ORDER BY m.team_id, m.user_id`.execute(
    tx,
  );
  const byTeam = new Map<string, string[]>();
  for (const m of members.rows) {
    const list = byTeam.get(m.team_id);
    if (list) list.push(m.user_id);
    else byTeam.set(m.team_id, [m.user_id]);
  }
  const next = new Map(cursors.rows.map((r) => [r.id, r.round_robin_cursor]));
  for (const n of fresh) {
    const list = n.teamId ? byTeam.get(n.teamId) : undefined;
    if (!n.teamId || !list?.length) continue;
    const c = next.get(n.teamId) ?? 0;
    n.assigneeId = list[c % list.length]!;
    next.set(n.teamId, (c + 1) % 1_000_000);
  }
  const changed = [...next.entries()];
  await sql`
    UPDATE teams t SET round_robin_cursor = u.c
    FROM unnest(${changed.map(([id]) => id)}::text[], ${changed.map(([, c]) => c)}::int[]) AS u(id, c)
    WHERE t.id = u.id::uuid`.execute(tx);
}
