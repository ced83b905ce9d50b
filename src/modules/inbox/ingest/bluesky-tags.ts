/**
 * Bluesky posts that carry a watched hashtag but do not mention the council (a resident posting
 * "#ValeCouncil" under a meeting) reach the inbox through a repo-event stream, as feed
 * generators read Bluesky: the connector's polling only sees mentions and replies.
 *
 * A council opts in per Bluesky account (setting `watchHashtags` = yes). One stream serves
 * every opted-in account in the deployment (TOWNSQUARE_BLUESKY_STREAM_URL: the relay, or a
 * PDS), opened only while some account watches. Which tags: the `HashtagWatch` port, which the
 * meetings module fills with its open meetings' hashtags (the inbox does not know meetings).
 *
 * A matching post is ingested as the same Bluesky item the connector makes of a mention, under
 * the same account and at:// URI, so a post that both mentions the council and carries the tag
 * is one event whichever source stores it first, and a stream replayed after a restart doubles
 * nothing. The stream's cursor is saved (on the owner connection: it is not one council's)
 * only after the ingest that covers it has committed.
 */
import { sql, withCouncil, type Db } from '../../../db/index.ts';
import type { Logger } from '../../../logger.ts';
import {
  BlueskyPostStream,
  carriesTag,
  mapStreamPost,
  type CursorStore,
  type InboundBatch,
  type StreamPost,
} from '../../channels/index.ts';
import type { IngestService } from './ingest.service.ts';

/** The tags (lower case, without `#`) a council is listening for now. */
export interface HashtagWatch {
  hashtagsFor(councilId: string): Promise<ReadonlySet<string>>;
}

/** A council's Bluesky account that watches hashtags. */
type Watcher = { councilId: string; accountId: string; councilDid: string };

export type BlueskyTagOptions = {
  /** The council-scoped connection (channel accounts, ingest). */
  db: Db;
  /** The owner connection: the stream cursor only. */
  system: Db;
  ingest: IngestService;
  watch: HashtagWatch;
  councilIds: () => Promise<string[]>;
  streamUrl: string;
  plcUrl: string;
  allowPrivateAddresses?: boolean;
  log: Logger;
  /** How often the opted-in accounts are reread (default 30 s). */
  refreshMs?: number;
};

/** The cursor table, bluesky_stream_cursors (migration 0015). */
export function streamCursors(system: Db): CursorStore {
  return {
    async load(service) {
      const row = await system
        .selectFrom('bluesky_stream_cursors')
        .select('seq')
        .where('service', '=', service)
        .executeTakeFirst();
      return row ? Number(row.seq) : undefined;
    },
    async save(service, seq) {
      await system
        .insertInto('bluesky_stream_cursors')
        .values({ service, seq })
        .onConflict((oc) => oc.column('service').doUpdateSet({ seq, updated_at: sql`now()` }))
        .execute();
    },
  };
}

export class BlueskyTagListener {
  private stream: BlueskyPostStream | undefined;
  private watchers: Watcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly opts: BlueskyTagOptions) {}

  /** Reads the opted-in accounts, opens the stream if any, and rereads them every 30 s. */
  async start(): Promise<void> {
    // A database hiccup at start must not stop the worker: the next refresh tries again.
    await this.refresh().catch((error: unknown) =>
      this.opts.log.warn({ err: error }, 'could not read the accounts watching Bluesky hashtags yet'),
    );
    this.timer = setInterval(() => {
      this.refreshing ??= this.refresh()
        .catch((error: unknown) =>
          this.opts.log.warn({ err: error }, 'could not reread the accounts watching Bluesky hashtags'),
        )
        .finally(() => (this.refreshing = undefined));
    }, this.opts.refreshMs ?? 30_000);
    this.timer.unref();
  }

  /** Closes the stream, saving its cursor. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.refreshing;
    const stream = this.stream;
    this.stream = undefined;
    await stream?.stop();
  }

  private async refresh(): Promise<void> {
    const watchers: Watcher[] = [];
    for (const councilId of await this.opts.councilIds()) {
      const rows = await withCouncil(this.opts.db, councilId, (tx) =>
        tx
          .selectFrom('channel_accounts')
          .select(['id', 'external_id', 'settings'])
          .where('kind', '=', 'bluesky')
          .where('status', '=', 'active')
          .execute(),
      );
      for (const r of rows) {
        const settings = (r.settings ?? {}) as Record<string, unknown>;
        if (settings.watchHashtags === 'yes' && r.external_id)
          watchers.push({ councilId, accountId: r.id, councilDid: r.external_id });
      }
    }
    this.watchers = watchers;
    if (watchers.length > 0 && !this.stream) {
      this.stream = new BlueskyPostStream({
        service: this.opts.streamUrl,
        plcUrl: this.opts.plcUrl,
        allowPrivateAddresses: this.opts.allowPrivateAddresses,
        cursors: streamCursors(this.opts.system),
        onPost: (post) => this.onPost(post),
        log: this.opts.log,
      });
      await this.stream.start();
      this.opts.log.info(
        { service: this.opts.streamUrl, accounts: watchers.length },
        'watching Bluesky hashtags',
      );
    } else if (watchers.length === 0 && this.stream) {
      const stream = this.stream;
      this.stream = undefined;
      await stream.stop();
    }
  }

  /** Throws when a matching post could not be stored: the stream then replays from its cursor. */
  private async onPost(post: StreamPost): Promise<void> {
    let handle: string | undefined | null = null;
    for (const w of this.watchers) {
      if (post.did === w.councilDid) continue;
      if (!carriesTag(post.record, await this.opts.watch.hashtagsFor(w.councilId))) continue;
      if (handle === null) handle = await this.stream?.handleOf(post.did);
      const mapped = mapStreamPost(post, handle, w.councilDid);
      if (!mapped) continue;
      const batch: InboundBatch = { items: [], cursor: undefined, malformed: [] };
      if ('item' in mapped) batch.items.push(mapped.item);
      else batch.malformed.push(mapped.malformed);
      await this.opts.ingest.ingest(w.councilId, { kind: 'bluesky', accountId: w.accountId }, batch);
    }
  }
}
