/**
 * The inbound pipeline. `ingest` stores a batch durably (the point after which a channel may be
 * told "received"); `processPending` turns stored events into triaged, routed conversations in
 * chunks of a few hundred per transaction. A crash between the two loses nothing: the events
 * stay 'received' and the `inbox.process-pending` job (every minute, and after each ingest)
 * finishes them. Nothing is ever doubled: events are unique per channel and external id, and
 * messages per event.
 */
import { sql, withCouncil, type Db } from '../../../db/index.ts';
import type { InboundBatch } from '../../channels/index.ts';
import type { Logger } from '../../../logger.ts';
import { owedDutyAlerts } from './duty-alert.ts';
import {
  prepareRows,
  processChunk,
  type ChunkDeps,
  type DutyAlert,
  type PreparedChunk,
} from './process-chunk.ts';
import type { StoredRow } from './prepare.ts';
import { storeEvents, type IngestSource, type StoredEvent } from './store-events.ts';
import { unclassifiedTriage, type Triager } from './triage-port.ts';
import type { MessageTap } from './message-tap.ts';

/** Connection loss, deadlock, serialisation failure, resource exhaustion, shutdown. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^(08|40|53|57)/.test(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|ECONNREFUSED|ECONNRESET|timeout exceeded when trying to connect/.test(
    message,
  );
}

export type IngestScheduler = {
  /** After a batch is committed: ask a worker to process it. */
  afterStore(councilId: string): Promise<void>;
  /** After processing commits: send the duty alert jobs (idempotent per message). */
  sendDutyAlerts(alerts: DutyAlert[]): Promise<void>;
};

export type IngestOptions = {
  triager?: Triager;
  log: Logger;
  scheduler?: IngestScheduler;
  /** Events per processing transaction. */
  chunkSize?: number;
  /** Sees the inbound messages another module asked for (meetings' questions). */
  tap?: MessageTap;
};

export type IngestResult = { events: StoredEvent[]; stored: number; duplicates: number };

export type ProcessSummary = { processed: number; failed: number; messages: number };

export class IngestService {
  private triager: Triager;
  private scheduler: IngestScheduler | undefined;
  private readonly chunkSize: number;

  constructor(
    private readonly db: Db,
    private readonly opts: IngestOptions,
  ) {
    this.triager = opts.triager ?? unclassifiedTriage;
    this.chunkSize = opts.chunkSize ?? 1000;
    this.scheduler = opts.scheduler;
  }

  /** Binds the job queue once it exists (the queue's job definitions need this service first). */
  useScheduler(scheduler: IngestScheduler): void {
    this.scheduler = scheduler;
  }

  /** Swaps in the classifier once it has loaded. */
  useTriager(triager: Triager): void {
    this.triager = triager;
  }

  /**
   * Stores a batch durably and returns once it is committed; processing follows in a job.
   *
   * @example
   * await ingest.ingest(councilId, { kind: 'web', accountId: null }, { items: [item], cursor: undefined, malformed: [] });
   */
  async ingest(
    councilId: string,
    source: IngestSource,
    batch: InboundBatch,
    opts: { cursor?: string | undefined } = {},
  ): Promise<IngestResult> {
    const events = await withCouncil(this.db, councilId, async (tx) => {
      const stored = await storeEvents(tx, councilId, source, batch);
      // The poll cursor moves in the same transaction as the events it covers.
      if (source.accountId && opts.cursor !== undefined)
        await tx
          .updateTable('channel_accounts')
          .set({ inbound_cursor: opts.cursor, updated_at: new Date() })
          .where('id', '=', source.accountId)
          .execute();
      return stored;
    });
    const stored = events.filter((e) => e.isNew).length;
    if (stored > 0)
      await this.scheduler?.afterStore(councilId).catch((error: unknown) => {
        // The cron run picks the events up within a minute; the batch is safe either way.
        this.opts.log.warn({ err: error, councilId }, 'could not queue inbox processing');
      });
    return { events, stored, duplicates: events.length - stored };
  }

  private deps(): ChunkDeps {
    return {
      triager: this.triager,
      onTriageError: (error, eventId) =>
        this.opts.log.warn({ err: error, eventId }, 'triage failed; the message is stored unclassified'),
      tap: this.opts.tap,
    };
  }

  /** Processes given events now (a web submission that wants its message id at once). */
  async processEvents(councilId: string, ids: string[]): Promise<ProcessSummary> {
    return this.processIds(councilId, ids);
  }

  /**
   * Processes every 'received' event of a council, oldest first, chunk by chunk. The next chunk
   * is read and triaged while the current one is written, so Node's CPU work and PostgreSQL's
   * overlap.
   */
  async processPending(councilId: string, opts: { maxEvents?: number } = {}): Promise<ProcessSummary> {
    const total: ProcessSummary = { processed: 0, failed: 0, messages: 0 };
    const max = opts.maxEvents ?? Number.POSITIVE_INFINITY;
    const deps = this.deps();
    const fetch = async (afterId: string, limit: number) => {
      const rows = await withCouncil(this.db, councilId, (tx) =>
        sql<StoredRow>`
          SELECT id, channel_kind, channel_account_id, payload::text AS payload, raw_text FROM inbound_events
          WHERE status = 'received' AND id > ${afterId}::bigint ORDER BY id LIMIT ${limit}`.execute(tx),
      );
      return { rows: rows.rows, prepared: await prepareRows(rows.rows, deps) };
    };
    let seen = 0;
    let next = fetch('0', Math.min(this.chunkSize, max));
    for (;;) {
      const current = await next;
      if (current.rows.length === 0) break;
      seen += current.rows.length;
      const lastId = current.rows.at(-1)!.id;
      next =
        seen < max
          ? fetch(lastId, Math.min(this.chunkSize, max - seen))
          : Promise.resolve({ rows: [], prepared: { items: [], failed: [] } });
      // If this chunk throws, the prefetch must not become an unhandled rejection.
      next.catch(() => undefined);
      const r = await this.processIds(
        councilId,
        current.rows.map((row) => row.id),
        current.prepared,
      );
      total.processed += r.processed;
      total.failed += r.failed;
      total.messages += r.messages;
    }
    return total;
  }

  private async processIds(
    councilId: string,
    ids: string[],
    prepared?: PreparedChunk,
  ): Promise<ProcessSummary> {
    if (ids.length === 0) return { processed: 0, failed: 0, messages: 0 };
    try {
      const r = await withCouncil(this.db, councilId, (tx) =>
        processChunk(tx, councilId, ids, this.deps(), prepared),
      );
      for (const f of r.failed)
        this.opts.log.warn({ eventId: f.id, error: f.error }, 'inbound event could not be read');
      if (r.alerts.length > 0) await this.dispatchAlerts(r.alerts);
      // The tapped messages are stored; this only hurries their handling (a sweep catches up).
      if (r.tapped)
        await this.opts.tap?.afterCommit(councilId).catch((error: unknown) => {
          this.opts.log.warn({ err: error, councilId }, 'could not hand tapped messages on yet');
        });
      return { processed: r.processed, failed: r.failed.length, messages: r.messages };
    } catch (error) {
      // The database going away or a deadlock says nothing about the events: let the job retry.
      if (isTransient(error)) throw error;
      if (ids.length === 1) {
        await this.markFailed(councilId, ids[0]!, error);
        return { processed: 0, failed: 1, messages: 0 };
      }
      // One bad event must not hold back the others: retry them one by one to find it.
      this.opts.log.warn(
        { err: error, councilId, events: ids.length },
        'inbox chunk failed; processing one by one',
      );
      const total: ProcessSummary = { processed: 0, failed: 0, messages: 0 };
      for (const id of ids) {
        const r = await this.processIds(councilId, [id]);
        total.processed += r.processed;
        total.failed += r.failed;
        total.messages += r.messages;
      }
      return total;
    }
  }

  private async dispatchAlerts(alerts: DutyAlert[]): Promise<void> {
    try {
      await this.scheduler?.sendDutyAlerts(alerts);
    } catch (error) {
      // Recorded as owed in the audit log: the every-minute sweep sends them.
      this.opts.log.error({ err: error, alerts: alerts.length }, 'could not queue emergency duty alerts yet');
    }
  }

  /** The sweep: re-sends every alert owed in the last day (a job already queued is not doubled). */
  async recoverDutyAlerts(councilId: string): Promise<number> {
    const owed = await owedDutyAlerts(this.db, councilId);
    if (owed.length > 0) await this.scheduler?.sendDutyAlerts(owed);
    return owed.length;
  }

  private async markFailed(councilId: string, id: string, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    this.opts.log.error({ err: error, councilId, eventId: id }, 'inbound event failed processing');
    await withCouncil(this.db, councilId, (tx) =>
      tx
        .updateTable('inbound_events')
        .set({ status: 'failed', error: message.slice(0, 2000), processed_at: new Date() })
        .where('id', '=', id)
        .where('status', '=', 'received')
        .execute(),
    );
  }
}
