/**
 * The queue page's reads: one page of conversations for a set of filters (newest first, keyset
 * paginated on (last_message_at, id) so page 400 costs what page 1 does), full-text search
 * over messages, and the open counts per queue. Every query runs inside `withCouncil`, so
 * row-level security scopes it; each filter is written to match an index of 0004/0005 (see
 * bench/inbox-scale.bench.ts for the figures at a million messages).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Tx } from '../../db/index.ts';

export const builtInStatuses = ['new', 'open', 'waiting', 'resolved'] as const;
export const slaStates = ['on_time', 'due_soon', 'breached'] as const;
export type SlaState = (typeof slaStates)[number];

export type QueueFilter = {
  teamId?: string;
  /** A status name; 'all' for every status; absent: every status but resolved. */
  status?: string;
  channel?: string;
  area?: string;
  category?: string;
  sentiment?: string;
  urgency?: string;
  ward?: string;
  sla?: SlaState;
  /** 'me', 'unassigned' or a user id. */
  assignee?: string;
  /** Full-text search over every message (websearch syntax: "quoted phrase", -not, or). */
  q?: string;
  /** From the previous page's `nextCursor`. */
  after?: string;
};

export type QueueRow = {
  id: string;
  channelKind: string;
  subject: string | null;
  status: string;
  urgency: string;
  sentiment: string | null;
  area: string | null;
  category: string | null;
  wardCode: string | null;
  teamName: string | null;
  assigneeId: string | null;
  assigneeName: string | null;
  contactName: string;
  messageCount: number;
  lastMessageAt: Date;
  preview: string | null;
  slaState: SlaState | null;
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
};

export type QueuePage = { rows: QueueRow[]; nextCursor: string | undefined };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isUuid = (v: string | undefined): v is string => !!v && uuidPattern.test(v);

/** How soon a due time counts as "due soon". */
const dueSoonInterval = sql`interval '1 hour'`;

const breached = sql`(c.sla_breached_at IS NOT NULL
  OR (c.first_responded_at IS NULL AND c.first_response_due_at < now())
  OR (c.resolved_at IS NULL AND c.resolution_due_at < now()))`;
const dueSoon = sql`((c.first_responded_at IS NULL AND c.first_response_due_at < now() + ${dueSoonInterval})
  OR (c.resolved_at IS NULL AND c.resolution_due_at < now() + ${dueSoonInterval}))`;
const hasTimer = sql`(c.first_response_due_at IS NOT NULL OR c.resolution_due_at IS NOT NULL)`;

/** The statuses a conversation can be in and still be waiting for the council. */
export function openStatuses(customStatuses: readonly string[]): string[] {
  return ['new', 'open', 'waiting', ...customStatuses.filter((s) => s !== 'resolved')];
}

function conditions(filter: QueueFilter, ctx: { userId: string; open: string[] }): RawBuilder<unknown>[] {
  const where: RawBuilder<unknown>[] = [];
  if (filter.teamId === 'none') where.push(sql`c.team_id IS NULL`);
  else if (isUuid(filter.teamId)) where.push(sql`c.team_id = ${filter.teamId}::uuid`);
  if (filter.status === undefined) where.push(sql`c.status = ANY(${ctx.open}::text[])`);
  else if (filter.status !== 'all') where.push(sql`c.status = ${filter.status}`);
  if (filter.channel) where.push(sql`c.channel_kind = ${filter.channel}`);
  if (filter.area) where.push(sql`c.area = ${filter.area}`);
  if (filter.category) where.push(sql`c.category = ${filter.category}`);
  if (filter.sentiment) where.push(sql`c.sentiment = ${filter.sentiment}`);
  if (filter.urgency) where.push(sql`c.urgency = ${filter.urgency}`);
  if (filter.ward) where.push(sql`c.ward_code = ${filter.ward}`);
  if (filter.sla === 'breached') where.push(breached);
  else if (filter.sla === 'due_soon') where.push(sql`(NOT ${breached} AND ${dueSoon})`);
  else if (filter.sla === 'on_time') where.push(sql`(${hasTimer} AND NOT ${breached} AND NOT ${dueSoon})`);
  if (filter.assignee === 'me') where.push(sql`c.assignee_id = ${ctx.userId}::uuid`);
  else if (filter.assignee === 'unassigned') where.push(sql`c.assignee_id IS NULL`);
  else if (isUuid(filter.assignee)) where.push(sql`c.assignee_id = ${filter.assignee}::uuid`);
  return where;
}

type Raw = {
  id: string;
  channel_kind: string;
  subject: string | null;
  status: string;
  urgency: string;
  sentiment: string | null;
  area: string | null;
  category: string | null;
  ward_code: string | null;
  team_name: string | null;
  assignee_id: string | null;
  assignee_name: string | null;
  contact_name: string;
  message_count: number;
  last_message_at: Date;
  first_response_due_at: Date | null;
  resolution_due_at: Date | null;
  sla_state: SlaState | null;
  preview: string | null;
  cursor_at: string;
  match_id: string | null;
};

const columns = sql`c.id, c.channel_kind, c.subject, c.status, c.urgency, c.sentiment, c.area, c.category,
  c.ward_code, t.name AS team_name, c.assignee_id, u.name AS assignee_name, ct.display_name AS contact_name,
  c.message_count, c.last_message_at, c.first_response_due_at, c.resolution_due_at,
  CASE WHEN ${breached} THEN 'breached' WHEN ${dueSoon} THEN 'due_soon' WHEN ${hasTimer} THEN 'on_time' END AS sla_state,
  (SELECT left(m.body, 160) FROM messages m WHERE m.council_id = c.council_id AND m.conversation_id = c.id
     AND m.direction = 'in' ORDER BY m.id DESC LIMIT 1) AS preview,
  c.last_message_at::text AS cursor_at`;

const joins = sql`JOIN contacts ct ON ct.council_id = c.council_id AND ct.id = c.contact_id
  LEFT JOIN teams t ON t.council_id = c.council_id AND t.id = c.team_id
  LEFT JOIN users u ON u.council_id = c.council_id AND u.id = c.assignee_id`;

function toRow(r: Raw): QueueRow {
  return {
    id: r.id,
    channelKind: r.channel_kind,
    subject: r.subject,
    status: r.status,
    urgency: r.urgency,
    sentiment: r.sentiment,
    area: r.area,
    category: r.category,
    wardCode: r.ward_code,
    teamName: r.team_name,
    assigneeId: r.assignee_id,
    assigneeName: r.assignee_name,
    contactName: r.contact_name,
    messageCount: r.message_count,
    lastMessageAt: r.last_message_at,
    preview: r.preview,
    slaState: r.sla_state,
    firstResponseDueAt: r.first_response_due_at,
    resolutionDueAt: r.resolution_due_at,
  };
}

/** Cursor of a page: the last row's exact timestamp (as PostgreSQL prints it, microseconds kept) and id. */
function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

function decodeCursor(cursor: string | undefined): string[] | undefined {
  if (!cursor) return undefined;
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    return Array.isArray(parts) && parts.every((p) => typeof p === 'string')
      ? (parts as string[])
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One page of a queue, newest activity first.
 * @example await listQueue(tx, { teamId, status: 'new', urgency: 'high' }, { userId, open: openStatuses([]) })
 */
export async function listQueue(
  tx: Tx,
  filter: QueueFilter,
  ctx: { userId: string; open: string[]; pageSize?: number },
): Promise<QueuePage> {
  const pageSize = ctx.pageSize ?? 50;
  const where = conditions(filter, ctx);
  const cursor = decodeCursor(filter.after);
  const q = filter.q?.trim();
  if (q) return searchQueue(tx, q, where, cursor, pageSize);
  if (cursor?.length === 2 && isUuid(cursor[1]) && !Number.isNaN(Date.parse(cursor[0] ?? '')))
    where.push(sql`(c.last_message_at, c.id) < (${cursor[0]}::timestamptz, ${cursor[1]}::uuid)`);
  const rows = await sql<Raw>`SELECT ${columns}, NULL::text AS match_id FROM conversations c ${joins}
    WHERE ${where.length > 0 ? sql.join(where, sql` AND `) : sql`true`}
    ORDER BY c.last_message_at DESC, c.id DESC LIMIT ${pageSize + 1}`.execute(tx);
  const page = rows.rows.slice(0, pageSize);
  const last = page.at(-1);
  return {
    rows: page.map(toRow),
    nextCursor: rows.rows.length > pageSize && last ? encodeCursor([last.cursor_at, last.id]) : undefined,
  };
}

/**
 * Search: the newest matching messages (through inbox_search_messages, which can use the GIN
 * index under row-level security), grouped into their conversations, newest match first, then
 * the other filters. A page looks at up to 1,000 matches; the cursor continues below the last
 * match shown, so a conversation with older matches can appear again on a later page.
 */
async function searchQueue(
  tx: Tx,
  q: string,
  where: RawBuilder<unknown>[],
  cursor: string[] | undefined,
  pageSize: number,
): Promise<QueuePage> {
  const before = cursor?.length === 1 && /^\d+$/.test(cursor[0] ?? '') ? cursor[0] : null;
  const rows = await sql<Raw>`SELECT ${columns}, h.match_id::text AS match_id
    FROM (SELECT s.conversation_id, max(s.message_id) AS match_id
            FROM inbox_search_messages(${q.slice(0, 200)}, ${before}::bigint, 1000) s
           GROUP BY s.conversation_id) h
    JOIN conversations c ON c.id = h.conversation_id ${joins}
    WHERE ${where.length > 0 ? sql.join(where, sql` AND `) : sql`true`}
    ORDER BY h.match_id DESC LIMIT ${pageSize + 1}`.execute(tx);
  const page = rows.rows.slice(0, pageSize);
  const last = page.at(-1);
  return {
    rows: page.map(toRow),
    nextCursor: rows.rows.length > pageSize && last?.match_id ? encodeCursor([last.match_id]) : undefined,
  };
}

export type QueueCounts = {
  byTeam: Map<string | null, number>;
  mine: number;
  unassigned: number;
  total: number;
};

/** Open conversations per team, mine and unassigned, in one index-only pass over the open statuses. */
export async function countQueues(tx: Tx, ctx: { userId: string; open: string[] }): Promise<QueueCounts> {
  const rows = await sql<{ team_id: string | null; is_mine: boolean; is_unassigned: boolean; n: number }>`
    SELECT c.team_id, coalesce(c.assignee_id = ${ctx.userId}::uuid, false) AS is_mine,
           c.assignee_id IS NULL AS is_unassigned, count(*)::int AS n
      FROM conversations c WHERE c.status = ANY(${ctx.open}::text[])
     GROUP BY 1, 2, 3`.execute(tx);
  const counts: QueueCounts = { byTeam: new Map(), mine: 0, unassigned: 0, total: 0 };
  for (const r of rows.rows) {
    counts.byTeam.set(r.team_id, (counts.byTeam.get(r.team_id) ?? 0) + r.n);
    if (r.is_mine) counts.mine += r.n;
    if (r.is_unassigned) counts.unassigned += r.n;
    counts.total += r.n;
  }
  return counts;
}
