/**
 * The audit log: who changed what, when, with the record before and after. Every service
 * that changes data calls `recordAudit` inside the same transaction as the change, so the
 * change and its record commit or roll back together. The table is append-only (a trigger
 * refuses UPDATE and DELETE).
 */
import type { Tx } from '../../db/index.ts';

export type Actor = {
  councilId: string;
  userId: string | null;
  /** Shown in the log: the staff member's email, or `system`, `cli`, `resident`. */
  label: string;
  requestId?: string;
};

export type AuditEntry = {
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
};

// Never store secrets in the log, whatever a caller passes.
const secretKeys = new Set(['password', 'password_hash', 'passwordHash', 'token', 'token_hash', 'secret']);

function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, secretKeys.has(k) ? '[redacted]' : scrub(v)]),
    );
  }
  return value;
}

export async function recordAudit(tx: Tx, actor: Actor, entry: AuditEntry): Promise<void> {
  await tx
    .insertInto('audit_events')
    .values({
      council_id: actor.councilId,
      actor_user_id: actor.userId,
      actor_label: actor.label,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId ?? null,
      before: entry.before === undefined ? null : JSON.stringify(scrub(entry.before)),
      after: entry.after === undefined ? null : JSON.stringify(scrub(entry.after)),
      request_id: actor.requestId ?? null,
    })
    .execute();
}

export type AuditFilter = { action?: string; entityType?: string; actor?: string; beforeId?: string };

export type AuditEvent = {
  id: string;
  actorLabel: string;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  createdAt: Date;
};

/** Newest first, keyset-paginated by id so deep pages stay fast. */
export async function listAudit(tx: Tx, filter: AuditFilter, limit = 50): Promise<AuditEvent[]> {
  let q = tx.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(limit);
  if (filter.action) q = q.where('action', '=', filter.action);
  if (filter.entityType) q = q.where('entity_type', '=', filter.entityType);
  if (filter.actor) q = q.where('actor_label', 'ilike', `%${filter.actor.replace(/[%_\\]/g, '\\$&')}%`);
  if (filter.beforeId && /^\d+$/.test(filter.beforeId)) q = q.where('id', '<', filter.beforeId);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: String(r.id),
    actorLabel: r.actor_label,
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    before: r.before,
    after: r.after,
    createdAt: r.created_at,
  }));
}

export async function listAuditActions(tx: Tx): Promise<string[]> {
  const rows = await tx.selectFrom('audit_events').select('action').distinct().orderBy('action').execute();
  return rows.map((r) => r.action);
}
