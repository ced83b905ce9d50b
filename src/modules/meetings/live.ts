/**
 * The live wall's plumbing. A change to a meeting's questions or polls is appended to
 * `meeting_events` and announced with PostgreSQL NOTIFY in the transaction that made it, so
 * nothing is announced that did not commit. Each web process LISTENs on one connection,
 * loads each new event once, turns it into one SSE frame and writes that same string to
 * every viewer of the meeting. The event's id is the SSE id: a viewer that reconnects with
 * Last-Event-ID is replayed from the table what it missed.
 *
 * Writers take a per-meeting advisory lock before taking an id, so within a meeting ids
 * commit in order and a replay "after id N" never skips a late commit.
 */
import pg from 'pg';
import { sql, withCouncil, type Db, type Tx } from '../../db/index.ts';

export const liveChannel = 'townsquare_meetings';

export type MeetingEventKind = 'question' | 'poll' | 'received';
export const publicKinds: readonly MeetingEventKind[] = ['question', 'poll'];

type Notice = { councilId: string; meetingId: string; id: string };

/** Appends an event and announces it; call inside the transaction that made the change. */
export async function appendEvent(
  tx: Tx,
  councilId: string,
  meetingId: string,
  kind: MeetingEventKind,
  data: object,
): Promise<string> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${meetingId}, 6))`.execute(tx);
  const row = await tx
    .insertInto('meeting_events')
    .values({ council_id: councilId, meeting_id: meetingId, kind, data: JSON.stringify(data) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const notice: Notice = { councilId, meetingId, id: String(row.id) };
  await sql`SELECT pg_notify(${liveChannel}, ${JSON.stringify(notice)})`.execute(tx);
  return String(row.id);
}

/**
 * One SSE frame, exactly as sent.
 * @example sseFrame('7', 'question', '{"id":"q1"}') // 'id: 7\nevent: question\ndata: {"id":"q1"}\n\n'
 */
export function sseFrame(id: string, kind: string, json: string): string {
  // JSON.stringify escapes line breaks inside strings, so the data is always one line.
  return `id: ${id}\nevent: ${kind}\ndata: ${json}\n\n`;
}

/** `data` is the JSON text exactly as stored and sent. */
export type StoredEvent = { id: string; kind: MeetingEventKind; data: string };

/** Events of a meeting after an id, oldest first. */
export async function eventsAfter(
  tx: Tx,
  meetingId: string,
  afterId: string,
  kinds: readonly MeetingEventKind[],
  limit = 1000,
): Promise<StoredEvent[]> {
  const rows = await tx
    .selectFrom('meeting_events')
    .select(['id', 'kind', 'data'])
    .where('meeting_id', '=', meetingId)
    .where('id', '>', afterId)
    .where('kind', 'in', kinds)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: String(r.id), kind: r.kind as MeetingEventKind, data: r.data }));
}

export async function latestEventId(tx: Tx, meetingId: string): Promise<string> {
  const row = await tx
    .selectFrom('meeting_events')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('meeting_id', '=', meetingId)
    .executeTakeFirst();
  return row?.id ? String(row.id) : '0';
}

/** One open SSE response. */
export type Viewer = {
  kinds: readonly MeetingEventKind[];
  /** Frames with an id at or below this were already sent (by replay or live). */
  lastId: bigint;
  /** `id` is the frame's event id; undefined for a keep-alive comment. */
  write: (frame: Buffer, id: bigint | undefined) => void;
  end: () => void;
};

export class MeetingLiveHub {
  private client: pg.Client | undefined;
  private starting: Promise<void> | undefined;
  private readonly viewers = new Map<string, Set<Viewer>>();
  private readonly pending = new Map<string, Notice[]>();
  private isFlushScheduled = false;
  // Flushes run one after another: a later batch finishing first would raise viewers' lastId
  // past an earlier batch's events, which would then be skipped.
  private flushing: Promise<void> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | undefined;
  private isStopping = false;

  constructor(
    private readonly url: string,
    private readonly db: Db,
  ) {}

  /** Starts listening once; later calls wait for the same start. */
  ensureStarted(): Promise<void> {
    this.starting ??= this.start().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private async start(): Promise<void> {
    this.isStopping = false;
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (msg) => {
      if (msg.channel !== liveChannel || !msg.payload) return;
      try {
        const notice = JSON.parse(msg.payload) as Notice;
        if (!this.viewers.has(notice.meetingId)) return;
        const list = this.pending.get(notice.meetingId) ?? [];
        list.push(notice);
        this.pending.set(notice.meetingId, list);
        this.scheduleFlush();
      } catch {
        // Not ours to understand; ignore.
      }
    });
    // Events in a gap while reconnecting are not lost: every viewer is closed, and browsers
    // reconnect with Last-Event-ID and are replayed from the table.
    client.on('error', () => {
      if (this.isStopping) return;
      this.client = undefined;
      this.starting = undefined;
      for (const set of this.viewers.values()) for (const v of set) v.end();
      this.viewers.clear();
    });
    await client.connect();
    await client.query(`LISTEN ${liveChannel}`);
    this.client = client;
    this.heartbeat = setInterval(() => this.broadcastAll(': keep-alive\n\n'), 20_000);
    this.heartbeat.unref();
  }

  private scheduleFlush(): void {
    if (this.isFlushScheduled) return;
    this.isFlushScheduled = true;
    setImmediate(() => {
      this.flushing = this.flushing.then(() => {
        this.isFlushScheduled = false;
        return this.flush();
      });
    });
  }

  /** Loads every announced event in one query per meeting and writes each frame to its viewers. */
  private async flush(): Promise<void> {
    const batches = [...this.pending.entries()];
    this.pending.clear();
    for (const [meetingId, notices] of batches) {
      const councilId = notices[0]!.councilId;
      const ids = notices.map((n) => n.id);
      let rows: StoredEvent[];
      try {
        rows = await withCouncil(this.db, councilId, async (tx) =>
          (
            await tx
              .selectFrom('meeting_events')
              .select(['id', 'kind', 'data'])
              .where('meeting_id', '=', meetingId)
              .where('id', 'in', ids)
              .orderBy('id')
              .execute()
          ).map((r) => ({ id: String(r.id), kind: r.kind as MeetingEventKind, data: r.data })),
        );
      } catch {
        // The database is away: close the viewers so that they reconnect and replay.
        for (const v of this.viewers.get(meetingId) ?? []) v.end();
        continue;
      }
      for (const event of rows) this.deliver(meetingId, event);
    }
  }

  private deliver(meetingId: string, event: StoredEvent): void {
    const set = this.viewers.get(meetingId);
    if (!set) return;
    // Encoded once: ten thousand viewers share one buffer rather than ten thousand strings.
    const frame = Buffer.from(sseFrame(event.id, event.kind, event.data));
    const id = BigInt(event.id);
    for (const viewer of set) {
      if (id <= viewer.lastId || !viewer.kinds.includes(event.kind)) continue;
      viewer.lastId = id;
      viewer.write(frame, id);
    }
  }

  private broadcastAll(text: string): void {
    const bytes = Buffer.from(text);
    for (const set of this.viewers.values()) for (const v of set) v.write(bytes, undefined);
  }

  subscribe(meetingId: string, viewer: Viewer): () => void {
    let set = this.viewers.get(meetingId);
    if (!set) this.viewers.set(meetingId, (set = new Set()));
    set.add(viewer);
    return () => {
      set.delete(viewer);
      if (set.size === 0 && this.viewers.get(meetingId) === set) this.viewers.delete(meetingId);
    };
  }

  viewerCount(meetingId: string): number {
    return this.viewers.get(meetingId)?.size ?? 0;
  }

  async stop(): Promise<void> {
    this.isStopping = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const set of this.viewers.values()) for (const v of set) v.end();
    this.viewers.clear();
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
    this.starting = undefined;
  }
}
