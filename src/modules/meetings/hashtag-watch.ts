/**
 * The hashtags the council's open meetings take questions under, for the inbox's Bluesky
 * hashtag listener (its `HashtagWatch` port, inbox/ingest/bluesky-tags.ts), and the signal
 * that a meeting's hashtag or keyword changed, for every cache of them in every process.
 *
 * The listener asks for every streamed post, so the tags are cached per council. A change made
 * through `changed` (the meetings service calls it after saving a meeting) is announced with
 * PostgreSQL NOTIFY; each process LISTENs on one connection of its own and drops that
 * council's tags at once, here and in whatever subscribed (the inbox filter's cache). The
 * 30-second refresh stays underneath: it is what catches up when the listening connection has
 * dropped (changes announced meanwhile are not queued for us), and what notices changes no one
 * announces (a ModernGov import cancelling or moving a meeting, a meeting closing with time).
 */
import pg from 'pg';
import { sql, withCouncil, type Db } from '../../db/index.ts';
import type { Logger } from '../../logger.ts';
import type { HashtagWatch } from '../inbox/index.ts';
import { openMeetings } from './inbox-questions.ts';

/** The NOTIFY channel; the payload is the council's id. */
export const tagsChannel = 'townsquare_meeting_tags';

export type MeetingTagWatchOptions = {
  /** The council-scoped connection, for reading open meetings. */
  db: Db;
  /** The server to LISTEN on (its own connection, as townsquare_app). */
  url: string;
  log: Logger;
  clock?: () => Date;
  /** How long cached tags are trusted without a signal (default 30 s). */
  refreshMs?: number;
  /** The first wait before listening again after the connection drops (default 1 s, doubling to 30 s). */
  reconnectMs?: number;
};

type Entry = { at: number; tags: ReadonlySet<string> };

/**
 * One process's view of the councils' meeting tags, kept current across processes.
 * @example
 * const tags = new MeetingTagWatch({ db, url, log });
 * await tags.start();
 * tags.onChange((councilId) => tapCache.forget(councilId));
 * await tags.changed(councilId); // after saving a meeting: every process reloads
 */
export class MeetingTagWatch implements HashtagWatch {
  private readonly cache = new Map<string, Entry>();
  // Bumped when a council's tags are dropped, so a load that started before the change
  // cannot store what it read after the change was announced.
  private readonly generation = new Map<string, number>();
  private readonly listeners = new Set<(councilId: string) => void>();
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private isStopped = false;

  constructor(private readonly opts: MeetingTagWatchOptions) {}

  /** True while this process hears every announced change. */
  get isListening(): boolean {
    return this.client !== undefined;
  }

  /** The tags (lower case, without `#`) of the council's open meetings. */
  async hashtagsFor(councilId: string): Promise<ReadonlySet<string>> {
    const hit = this.cache.get(councilId);
    if (hit && Date.now() - hit.at < (this.opts.refreshMs ?? 30_000)) return hit.tags;
    const generation = this.generation.get(councilId) ?? 0;
    const now = this.opts.clock?.() ?? new Date();
    const meetings = await withCouncil(this.opts.db, councilId, (tx) => openMeetings(tx, now));
    // A post after the deadline is still taken: filing refuses it and tells the asker why.
    const tags = new Set(meetings.flatMap((m) => (m.hashtag ? [m.hashtag.toLowerCase()] : [])));
    if ((this.generation.get(councilId) ?? 0) === generation)
      this.cache.set(councilId, { at: Date.now(), tags });
    return tags;
  }

  /** Calls `listener` whenever a council's tags change, in this process or any other. */
  onChange(listener: (councilId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A meeting's tags changed (call after the change has committed): this process forgets them
   * now, and every other listening process when the notification reaches it.
   */
  async changed(councilId: string): Promise<void> {
    this.forget(councilId);
    await sql`SELECT pg_notify(${tagsChannel}, ${councilId})`.execute(this.opts.db);
  }

  /** Opens the listening connection; on failure keeps trying in the background. */
  async start(): Promise<void> {
    this.isStopped = false;
    try {
      await this.listen();
    } catch (error) {
      if (this.isStopped) return;
      this.opts.log.warn({ err: error }, 'cannot listen for meeting tag changes yet; refreshing every 30 s');
      this.scheduleReconnect();
    }
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private forget(councilId: string): void {
    this.cache.delete(councilId);
    this.generation.set(councilId, (this.generation.get(councilId) ?? 0) + 1);
    for (const listener of this.listeners) listener(councilId);
  }

  private async listen(): Promise<void> {
    // As townsquare_app, like every application connection: LISTEN needs no more.
    const client = new pg.Client({ connectionString: this.opts.url, options: '-c role=townsquare_app' });
    client.on('notification', (msg) => {
      if (msg.channel === tagsChannel && msg.payload) this.forget(msg.payload);
    });
    let isLost = false;
    const lost = (error?: Error) => {
      if (isLost) return;
      isLost = true;
      if (this.client === client) this.client = undefined;
      if (this.isStopped) return;
      this.opts.log.warn({ err: error }, 'stopped listening for meeting tag changes; refreshing every 30 s');
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${tagsChannel}`);
    } catch (error) {
      isLost = true;
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.isStopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    // Whatever was announced while nobody listened was missed: read everything afresh.
    for (const councilId of [...this.cache.keys()]) this.forget(councilId);
  }

  private scheduleReconnect(): void {
    if (this.isStopped || this.retry) return;
    const first = this.opts.reconnectMs ?? 1000;
    const wait = Math.min(first * 2 ** this.failures, 30_000);
    this.failures += 1;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.listen().catch(() => this.scheduleReconnect());
    }, wait);
    this.retry.unref();
  }
}
