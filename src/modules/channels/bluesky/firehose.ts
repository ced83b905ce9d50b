/**
 * Bluesky posts as they are written, the way feed generators read them: a repo-event stream
 * (`com.atproto.sync.subscribeRepos`) from a relay (wss://bsky.network) or a single PDS, read
 * with `@atproto/sync`'s Firehose. Every commit's signature is checked against its author's
 * DID document (IdResolver), so a relay cannot put words in a resident's mouth.
 *
 * Only creates of `app.bsky.feed.post` reach `onPost`, one at a time, in stream order. The
 * cursor (the stream's `seq`) is saved only after `onPost` has finished with an event, so a
 * restart resumes at or before the last post handled: nothing is lost, and the consumer must be
 * idempotent (the inbox is, on the post's at:// URI). When `onPost` fails (the database is
 * away) the stream is dropped and reopened from the saved cursor after a backoff, rather than
 * skipping on. A frame or commit that cannot be parsed or verified is logged and skipped:
 * there is no post to store.
 */
import { IdResolver, MemoryCache, getHandle } from '@atproto/identity';
import { Firehose, type Event } from '@atproto/sync';
import type { Logger } from '../../../logger.ts';
import { mapInboundPost, type InboundPost, type MapResult } from './bluesky.mapper.ts';

const postCollection = 'app.bsky.feed.post';

/**
 * MemoryCache never evicts, and a relay carries posts from millions of accounts: keep the
 * most recently cached DID documents only (a Map iterates in insertion order, oldest first).
 */
class BoundedDidCache extends MemoryCache {
  constructor(private readonly maxEntries: number) {
    super();
  }

  override async cacheDid(did: string, doc: Parameters<MemoryCache['cacheDid']>[1]): Promise<void> {
    this.cache.delete(did);
    await super.cacheDid(did, doc);
    if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
  }
}

/** A post as the stream delivered it: the record is the signed repo record, undecoded by us. */
export type StreamPost = { uri: string; cid: string; did: string; seq: number; record: unknown };

export type CursorStore = {
  load(service: string): Promise<number | undefined>;
  save(service: string, seq: number): Promise<void>;
};

export type PostStreamOptions = {
  /** The relay or PDS: wss://bsky.network, or a PDS's http(s) address (turned into ws(s)). */
  service: string;
  /** Where did:plc documents are read: https://plc.directory on the network. */
  plcUrl: string;
  cursors: CursorStore;
  onPost: (post: StreamPost) => Promise<void>;
  log: Logger;
  /**
   * Loopback and private addresses for the PLC directory (tests, a council's own network).
   * Without it identity look-ups use @atproto/identity's SSRF-protected fetch.
   */
  allowPrivateAddresses?: boolean;
  /** Save the cursor at least this often while nothing is handed over (default 2 s). */
  saveEveryMs?: number;
  /** Longest wait between reconnects (default 60 s). */
  maxBackoffMs?: number;
};

/** `https://pds.example` -> `wss://pds.example`: the stream is a WebSocket. */
export function streamAddress(service: string): string {
  return service.replace(/^http(s?):\/\//i, 'ws$1://').replace(/\/+$/, '');
}

export class BlueskyPostStream {
  readonly service: string;
  private readonly resolver: IdResolver;
  private firehose: Firehose | undefined;
  /** The last seq fully handled, not yet saved when ahead of `savedSeq`. */
  private handledSeq: number | undefined;
  private savedSeq: number | undefined;
  private savedAt = 0;
  private failures = 0;
  /** Set while a failed stream is torn down, so its remaining events are not handled. */
  private generation = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private isStopped = true;
  private readonly handles = new Map<string, string | undefined>();

  constructor(private readonly opts: PostStreamOptions) {
    this.service = streamAddress(opts.service);
    this.resolver = new IdResolver({
      plcUrl: opts.plcUrl,
      // DID documents change rarely; a commit that fails verification forces a refresh anyway.
      didCache: new BoundedDidCache(50_000),
      ...(opts.allowPrivateAddresses ? { fetch: globalThis.fetch } : {}),
    });
  }

  /** Opens the stream (from the saved cursor, or live when there is none) and returns. */
  async start(): Promise<void> {
    if (!this.isStopped) return;
    this.isStopped = false;
    this.open();
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    this.generation += 1;
    clearTimeout(this.restartTimer);
    const firehose = this.firehose;
    this.firehose = undefined;
    await firehose?.destroy();
    await this.flush().catch((error: unknown) =>
      this.opts.log.warn({ err: error, service: this.service }, 'could not save the stream cursor'),
    );
  }

  /** The author's handle from their DID document, for display (cached; undefined if unknown). */
  async handleOf(did: string): Promise<string | undefined> {
    if (this.handles.has(did)) return this.handles.get(did);
    const doc = await this.resolver.did.resolve(did).catch(() => null);
    const handle = doc ? getHandle(doc) : undefined;
    if (this.handles.size > 10_000) this.handles.clear();
    this.handles.set(did, handle);
    return handle;
  }

  private open(): void {
    const generation = this.generation;
    const firehose = new Firehose({
      service: this.service,
      idResolver: this.resolver,
      filterCollections: [postCollection],
      excludeIdentity: true,
      excludeAccount: true,
      excludeSync: true,
      maxReconnectSeconds: Math.ceil((this.opts.maxBackoffMs ?? 60_000) / 1000),
      // On a reconnect, resume after what was handled here, not what was last saved.
      getCursor: async () => this.handledSeq ?? (this.savedSeq = await this.opts.cursors.load(this.service)),
      handleEvent: (evt) => this.handle(evt, generation),
      onError: (error) =>
        // A malformed frame, a commit whose signature does not verify, a dropped connection:
        // logged, never thrown into the worker.
        this.opts.log.warn(
          { err: error, service: this.service },
          'Bluesky stream: event skipped or reconnecting',
        ),
    });
    this.firehose = firehose;
    void firehose.start().catch((error: unknown) => this.fail(error, generation));
  }

  private async handle(evt: Event, generation: number): Promise<void> {
    if (generation !== this.generation) return;
    try {
      if (evt.event === 'create' && evt.collection === postCollection)
        await this.opts.onPost({
          uri: evt.uri.toString(),
          cid: evt.cid.toString(),
          did: evt.did,
          seq: evt.seq,
          record: evt.record,
        });
      this.handledSeq = evt.seq;
      this.failures = 0;
      if (Date.now() - this.savedAt >= (this.opts.saveEveryMs ?? 2000)) await this.flush();
    } catch (error) {
      this.fail(error, generation);
    }
  }

  /** Saves the handled cursor (after the consumer committed what it covers). */
  async flush(): Promise<void> {
    const seq = this.handledSeq;
    if (seq === undefined || seq === this.savedSeq) return;
    await this.opts.cursors.save(this.service, seq);
    this.savedSeq = seq;
    this.savedAt = Date.now();
  }

  /** Drops the stream and reopens it from the saved cursor after an exponential backoff. */
  private fail(error: unknown, generation: number): void {
    if (generation !== this.generation || this.isStopped) return;
    this.generation += 1;
    this.failures += 1;
    // Reread from the store: events after the saved cursor are handled again (idempotently).
    this.handledSeq = undefined;
    const delay = Math.min(this.opts.maxBackoffMs ?? 60_000, 500 * 2 ** Math.min(this.failures, 10));
    this.opts.log.error(
      { err: error, service: this.service, retryInMs: delay },
      'Bluesky stream: a post could not be handled; reopening from the saved cursor',
    );
    const firehose = this.firehose;
    this.firehose = undefined;
    void firehose?.destroy().catch(() => undefined);
    this.restartTimer = setTimeout(() => {
      if (!this.isStopped) this.open();
    }, delay);
    this.restartTimer.unref();
  }
}

/**
 * Whether a post carries one of `tags` (lower case, without `#`): as a tag facet, or written in
 * the text as `#tag` (clients that do not make facets). Never throws on a malformed record.
 */
export function carriesTag(record: unknown, tags: ReadonlySet<string>): boolean {
  if (tags.size === 0 || typeof record !== 'object' || record === null) return false;
  const r = record as { text?: unknown; facets?: unknown; tags?: unknown };
  if (Array.isArray(r.facets))
    for (const facet of r.facets as unknown[]) {
      const features = (facet as { features?: unknown } | null)?.features;
      if (!Array.isArray(features)) continue;
      for (const f of features as unknown[]) {
        const ft = f as { $type?: unknown; tag?: unknown } | null;
        if (ft?.$type === 'app.bsky.richtext.facet#tag' && typeof ft.tag === 'string')
          if (tags.has(ft.tag.replace(/^#/, '').toLowerCase())) return true;
      }
    }
  // Outline tags (the record's own `tags` field) are hashtags the app shows under the post.
  if (Array.isArray(r.tags) && r.tags.some((t) => typeof t === 'string' && tags.has(t.toLowerCase())))
    return true;
  if (typeof r.text !== 'string') return false;
  for (const m of r.text.matchAll(/(?<![\p{L}\p{N}_&#])#([\p{L}\p{N}_]+)/gu))
    if (tags.has(m[1]!.toLowerCase())) return true;
  return false;
}

/**
 * A streamed post carrying a watched tag, as the same InboundItem the connector makes of a
 * mention (id: the at:// URI), so a post that both mentions the council and carries the tag is
 * one inbox event, whichever source stores it first.
 */
export function mapStreamPost(post: StreamPost, handle: string | undefined, councilDid: string): MapResult {
  const inbound: InboundPost = {
    uri: post.uri,
    cid: post.cid,
    value: post.record,
    author: { did: post.did, ...(handle ? { handle } : {}) },
  };
  return mapInboundPost(inbound, councilDid, undefined, true);
}
