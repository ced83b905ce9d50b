/**
 * Reading cases: the staff list, one case with its history and reporters, similar open
 * reports, the satisfaction summary and the defaults for a new case from a conversation.
 */
import { sql, type Tx } from '../../../db/index.ts';
import { isNearby, distanceBetween, type PlaceLike } from './geo.ts';
import { statusLabels, type CaseStatus } from './resident-messages.ts';

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type CaseSummary = {
  id: string;
  reference: string;
  area: string;
  category: string;
  status: CaseStatus;
  statusLabel: string;
  summary: string;
  placeText: string | null;
  wardCode: string | null;
  lat: number | null;
  lon: number | null;
  reportCount: number;
  teamId: string | null;
  mergedInto: string | null;
  conversationId: string;
  createdAt: Date;
  updatedAt: Date;
  satisfactionAskedAt: Date | null;
};

export type CaseEvent = {
  status: string;
  statusLabel: string;
  note: string | null;
  actor: string;
  createdAt: Date;
};

export type CaseReporter = { conversationId: string; channelKind: string; residentName: string };

export type SimilarCase = CaseSummary & { distanceMetres: number | undefined };

type CaseRow = {
  id: string;
  reference: string;
  area: string;
  category: string;
  status: string;
  summary: string;
  place_text: string | null;
  ward_code: string | null;
  lat: number | null;
  lon: number | null;
  report_count: number;
  team_id: string | null;
  merged_into: string | null;
  conversation_id: string;
  created_at: Date;
  updated_at: Date;
  satisfaction_asked_at: Date | null;
};

export function toCase(r: CaseRow): CaseSummary {
  const status = r.status as CaseStatus;
  return {
    id: r.id,
    reference: r.reference,
    area: r.area,
    category: r.category,
    status,
    statusLabel: statusLabels[status] ?? r.status,
    summary: r.summary,
    placeText: r.place_text,
    wardCode: r.ward_code,
    lat: r.lat,
    lon: r.lon,
    reportCount: r.report_count,
    teamId: r.team_id,
    mergedInto: r.merged_into,
    conversationId: r.conversation_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    satisfactionAskedAt: r.satisfaction_asked_at,
  };
}

export const caseColumns = [
  'id',
  'reference',
  'area',
  'category',
  'status',
  'summary',
  'place_text',
  'ward_code',
  'lat',
  'lon',
  'report_count',
  'team_id',
  'merged_into',
  'conversation_id',
  'created_at',
  'updated_at',
  'satisfaction_asked_at',
] as const;

export async function findCase(tx: Tx, caseId: string, opts: { lock?: boolean } = {}) {
  if (!uuidPattern.test(caseId)) return undefined;
  let q = tx.selectFrom('cases').select(caseColumns).where('id', '=', caseId);
  if (opts.lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? toCase(row) : undefined;
}

export type CaseFilter = { status?: string; category?: string; ward?: string };

export async function listCases(tx: Tx, filter: CaseFilter, limit = 200): Promise<CaseSummary[]> {
  let q = tx
    .selectFrom('cases')
    .select(caseColumns)
    .where('merged_into', 'is', null)
    .orderBy('created_at', 'desc')
    .limit(limit);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.category) q = q.where('category', '=', filter.category);
  if (filter.ward) q = q.where('ward_code', '=', filter.ward);
  return (await q.execute()).map(toCase);
}

export async function filterOptions(tx: Tx): Promise<{ categories: string[]; wards: string[] }> {
  const categories = await tx.selectFrom('cases').select('category').distinct().orderBy('category').execute();
  const wards = await tx
    .selectFrom('cases')
    .select('ward_code')
    .distinct()
    .where('ward_code', 'is not', null)
    .orderBy('ward_code')
    .execute();
  return {
    categories: categories.map((r) => r.category),
    wards: wards.flatMap((r) => (r.ward_code ? [r.ward_code] : [])),
  };
}

export async function caseEvents(tx: Tx, caseId: string): Promise<CaseEvent[]> {
  const rows = await tx
    .selectFrom('case_events')
    .leftJoin('users', 'users.id', 'case_events.actor_user_id')
    .select(['case_events.status', 'case_events.note', 'case_events.created_at', 'users.name as actor_name'])
    .where('case_events.case_id', '=', caseId)
    .orderBy('case_events.id', 'asc')
    .execute();
  return rows.map((r) => ({
    status: r.status,
    statusLabel: statusLabels[r.status as CaseStatus] ?? r.status,
    note: r.note,
    actor: r.actor_name ?? 'System',
    createdAt: r.created_at,
  }));
}

export async function caseReporters(tx: Tx, caseId: string): Promise<CaseReporter[]> {
  const rows = await tx
    .selectFrom('case_reporters')
    .innerJoin('conversations', 'conversations.id', 'case_reporters.conversation_id')
    .innerJoin('contacts', 'contacts.id', 'conversations.contact_id')
    .select(['conversations.id', 'conversations.channel_kind', 'contacts.display_name'])
    .where('case_reporters.case_id', '=', caseId)
    .orderBy('conversations.created_at')
    .execute();
  return rows.map((r) => ({
    conversationId: r.id,
    channelKind: r.channel_kind,
    residentName: r.display_name || 'A resident',
  }));
}

/** How far back and which statuses count as "the same problem, still being handled". */
export const similarWindowDays = 30;
const activeStatuses = ['open', 'in_progress', 'scheduled'];

/**
 * Open cases of the same category, reported within the last 30 days, within 150 m (or in the
 * same ward and street when either has no coordinates). Nearest first.
 */
export async function findSimilar(
  tx: Tx,
  target: PlaceLike & { category: string; excludeIds?: string[]; at?: Date },
): Promise<SimilarCase[]> {
  const since = new Date((target.at ?? new Date()).getTime() - similarWindowDays * 86_400_000);
  let q = tx
    .selectFrom('cases')
    .select(caseColumns)
    .where('category', '=', target.category)
    .where('merged_into', 'is', null)
    .where('status', 'in', activeStatuses)
    .where('created_at', '>=', since)
    .orderBy('created_at', 'desc')
    .limit(500);
  const exclude = (target.excludeIds ?? []).filter((id) => uuidPattern.test(id));
  if (exclude.length > 0) q = q.where('id', 'not in', exclude);
  const rows = (await q.execute()).map(toCase);
  return rows
    .filter((c) => isNearby(target, c))
    .map((c) => ({ ...c, distanceMetres: distanceBetween(target, c) }))
    .sort((a, b) => (a.distanceMetres ?? Infinity) - (b.distanceMetres ?? Infinity));
}

export type SatisfactionRow = {
  label: string;
  responses: number;
  averageScore: string;
  satisfiedPercent: number;
};

/** Satisfaction by service (area) and by team: responses, mean score, share answering 4 or 5. */
export async function satisfactionSummary(
  tx: Tx,
): Promise<{ byService: SatisfactionRow[]; byTeam: SatisfactionRow[] }> {
  const shape = (rows: { label: string | null; n: number; avg: string | null; satisfied: number }[]) =>
    rows.map((r) => ({
      label: r.label ?? 'No team',
      responses: r.n,
      averageScore: r.avg ?? '–',
      satisfiedPercent: r.n > 0 ? Math.round((100 * r.satisfied) / r.n) : 0,
    }));
  const byService = await sql<{ label: string; n: number; avg: string | null; satisfied: number }>`
    SELECT area AS label, count(score)::int AS n, round(avg(score), 1)::text AS avg,
      count(*) FILTER (WHERE score >= 4)::int AS satisfied
    FROM satisfaction_responses WHERE score IS NOT NULL GROUP BY area ORDER BY area`.execute(tx);
  const byTeam = await sql<{ label: string | null; n: number; avg: string | null; satisfied: number }>`
    SELECT t.name AS label, count(s.score)::int AS n, round(avg(s.score), 1)::text AS avg,
      count(*) FILTER (WHERE s.score >= 4)::int AS satisfied
    FROM satisfaction_responses s LEFT JOIN teams t ON t.id = s.team_id
    WHERE s.score IS NOT NULL GROUP BY t.name ORDER BY t.name NULLS LAST`.execute(tx);
  return { byService: shape(byService.rows), byTeam: shape(byTeam.rows) };
}

export type ConversationForCase = {
  id: string;
  subject: string | null;
  area: string | null;
  category: string | null;
  teamId: string | null;
  wardCode: string | null;
  lat: number | null;
  lon: number | null;
  firstMessage: string | null;
  places: { text: string; lat: number | null; lon: number | null; wardCode: string | null }[];
};

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);

/** Triage's places, read defensively: the shape is ingestion's and may grow. */
function placesOf(triage: unknown): ConversationForCase['places'] {
  const places = (triage as { places?: unknown } | null)?.places;
  if (!Array.isArray(places)) return [];
  return places.flatMap((p: unknown) => {
    if (!p || typeof p !== 'object') return [];
    const o = p as Record<string, unknown>;
    const text = str(o.name) ?? str(o.text) ?? str(o.street) ?? str(o.postcode);
    if (!text) return [];
    return [
      {
        text,
        lat: num(o.lat),
        lon: num(o.lon) ?? num(o.lng),
        wardCode: str(o.wardCode) ?? str(o.ward_code) ?? str(o.ward),
      },
    ];
  });
}

export async function conversationForCase(tx: Tx, conversationId: string) {
  if (!uuidPattern.test(conversationId)) return undefined;
  const c = await tx
    .selectFrom('conversations')
    .select(['id', 'subject', 'area', 'category', 'team_id', 'ward_code', 'lat', 'lon'])
    .where('id', '=', conversationId)
    .executeTakeFirst();
  if (!c) return undefined;
  const inbound = await tx
    .selectFrom('messages')
    .select(['body', 'triage'])
    .where('conversation_id', '=', conversationId)
    .where('direction', '=', 'in')
    .orderBy('id', 'asc')
    .limit(20)
    .execute();
  const result: ConversationForCase = {
    id: c.id,
    subject: c.subject,
    area: c.area,
    category: c.category,
    teamId: c.team_id,
    wardCode: c.ward_code,
    lat: c.lat,
    lon: c.lon,
    firstMessage: inbound[0]?.body ?? null,
    places: inbound.flatMap((m) => placesOf(m.triage)),
  };
  return result;
}

/** The cases a conversation reported, directly or by joining; merged ones point to their primary. */
export async function casesOfConversation(tx: Tx, conversationId: string): Promise<CaseSummary[]> {
  if (!uuidPattern.test(conversationId)) return [];
  const rows = await tx
    .selectFrom('cases')
    .innerJoin('case_reporters', 'case_reporters.case_id', 'cases.id')
    .select(caseColumns.map((c) => `cases.${c}` as const))
    .where('case_reporters.conversation_id', '=', conversationId)
    .where('cases.merged_into', 'is', null)
    .orderBy('cases.created_at', 'desc')
    .execute();
  return rows.map(toCase);
}
