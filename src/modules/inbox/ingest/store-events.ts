/**
 * Step one of ingestion, the durable point: every item and every malformed payload of a batch
 * goes into inbound_events in one multi-row INSERT ... ON CONFLICT DO NOTHING. A redelivered
 * item hits the unique key (council, channel, account, external id) and is recognised.
 */
import { sql, type Tx } from '../../../db/index.ts';
import type { InboundBatch } from '../../channels/index.ts';
import { eventKey, itemBody, malformedBody, storable } from './normalise.ts';

export type IngestSource = { kind: string; accountId: string | null };

export type StoredEvent = { id: string; externalId: string; isNew: boolean; status: string };

type Row = {
  externalId: string;
  payload: string | null;
  rawText: string | null;
  status: string;
  error: string | null;
};

function rowsOf(batch: InboundBatch): Row[] {
  const rows: Row[] = [];
  for (const item of batch.items) {
    const body = itemBody(item);
    rows.push({
      externalId: eventKey(item.externalId, body),
      ...storable(body),
      status: 'received',
      error: null,
    });
  }
  for (const m of batch.malformed) {
    const body = malformedBody(m);
    rows.push({
      externalId: `malformed:${eventKey(undefined, body)}`,
      ...storable(body),
      status: 'malformed',
      error: String(m.reason).slice(0, 1000),
    });
  }
  return rows;
}

/** Stores a batch; returns each item's event, new or already known, in batch order. */
export async function storeEvents(
  tx: Tx,
  councilId: string,
  source: IngestSource,
  batch: InboundBatch,
): Promise<StoredEvent[]> {
  const rows = rowsOf(batch);
  if (rows.length === 0) return [];
  const inserted = await sql<{ id: string; external_id: string }>`
    INSERT INTO inbound_events (council_id, channel_account_id, channel_kind, external_id, payload, raw_text, status, error)
    SELECT ${councilId}::uuid, ${source.accountId}::uuid, ${source.kind}, t.e, t.p::jsonb, t.r, t.s, t.err
    FROM unnest(${rows.map((r) => r.externalId)}::text[], ${rows.map((r) => r.payload)}::text[],
                ${rows.map((r) => r.rawText)}::text[], ${rows.map((r) => r.status)}::text[],
                ${rows.map((r) => r.error)}::text[]) AS t(e, p, r, s, err)
    ON CONFLICT DO NOTHING
    RETURNING id, external_id`.execute(tx);
  const fresh = new Set(inserted.rows.map((r) => r.external_id));
  // The usual case, nothing redelivered: every row is new and RETURNING gave every id.
  if (inserted.rows.length === rows.length) {
    const idOf = new Map(inserted.rows.map((r) => [r.external_id, r.id]));
    return rows.map((r) => ({
      id: idOf.get(r.externalId)!,
      externalId: r.externalId,
      isNew: true,
      status: r.status,
    }));
  }
  const all = await sql<{ id: string; external_id: string; status: string }>`
    SELECT id, external_id, status FROM inbound_events
    WHERE council_id = ${councilId}::uuid AND channel_kind = ${source.kind}
      AND ${source.accountId === null ? sql`channel_account_id IS NULL` : sql`channel_account_id = ${source.accountId}::uuid`}
      AND external_id = ANY(${rows.map((r) => r.externalId)}::text[])`.execute(tx);
  const byKey = new Map(all.rows.map((r) => [r.external_id, r]));
  return rows.flatMap((r) => {
    const e = byKey.get(r.externalId);
    return e
      ? [{ id: e.id, externalId: r.externalId, isNew: fresh.has(r.externalId), status: e.status }]
      : [];
  });
}
