/**
 * X over API v2 with `twitter-api-v2`: posts (threads when the text is over 280 weighted
 * units), images with alt text, replies, inbound mentions, delete, metrics, credentials.
 * Optional per council (its API is costly): nothing imports this file but the channels
 * registry, which loads it only when a council has an X account.
 *
 * X has no idempotency header. Two things stand in for it: X refuses a tweet whose text
 * duplicates a recent one of the account (403), and `findPublished` looks for the parts of
 * the post among the account's recent tweets. Publishing a part that X calls a duplicate
 * looks for the earlier tweet made since the intent was recorded and carries on from it, so
 * a thread interrupted by a crash resumes rather than failing or posting twice.
 */
import http from 'node:http';
import {
  ApiPartialResponseError,
  ApiRequestError,
  ApiResponseError,
  TwitterApi,
  TwitterApiv2,
  type EUploadMimeType,
  type ITwitterApiClientPlugin,
} from 'twitter-api-v2';
import type {
  AccountIdentity,
  CanDelete,
  CanFetchInbound,
  CanFindPublished,
  CanReadMetrics,
  CanReply,
  CanUploadMedia,
  CanVerifyCredentials,
  ChannelConnector,
  ChannelLimits,
  ExternalRef,
  InboundBatch,
  LimitProblem,
  MediaInput,
  PostInput,
  PostMetrics,
  Published,
} from '../port.ts';
import { ChannelError, classifyHttpFailure, networkFailure } from '../channel-error.ts';
import { checkImages } from '../media-check.ts';
import { countX, splitForThread } from '../text.ts';
import { mapMentionPage, tweetText } from './x.mapper.ts';

export type XConfig = {
  /** OAuth 2.0 user-context access token (scopes tweet.read tweet.write users.read media.write). */
  accessToken: string;
  /** https://api.x.com by default; a contract server in tests. */
  apiBaseUrl?: string;
  timeoutMs?: number;
  maxPages?: number;
  /** When the access token stops working (X gives two hours); renewed a minute before. */
  expiresAt?: Date;
  /**
   * Renews the access token with the stored refresh token (OAuth 2.0 offline.access). Called
   * before a call when the token has expired, and once after a 401; throws ChannelError
   * auth_expired when X will not renew it (the account is then flagged by the caller's hook).
   */
  refresh?: () => Promise<{ accessToken: string; expiresAt?: Date }>;
};

const limit = 280;
/** How far before the recorded intent an earlier tweet may be and still count as ours. */
const clockSkewMs = 5 * 60_000;

/** twitter-api-v2 fixes its base URL in a protected field; this is the one place it is set. */
class XApi extends TwitterApiv2 {
  constructor(token: string, baseUrl: string, timeoutMs: number) {
    const timeout: ITwitterApiClientPlugin = {
      onBeforeRequest(args) {
        args.requestOptions.timeout = timeoutMs;
      },
    };
    // The library sends with https.request; a plain-HTTP base (a loopback contract server)
    // needs an http.Agent, which makes Node accept the http: protocol.
    super(
      new TwitterApi(token, {
        plugins: [timeout],
        ...(baseUrl.startsWith('http:') ? { httpAgent: new http.Agent({ keepAlive: true }) } : {}),
      }),
    );
    this.setPrefix(`${baseUrl.replace(/\/+$/u, '')}/2/`);
  }
}

/** Builds the connector; nothing is sent until a method is called. */
export function createXConnector(config: XConfig): XConnector {
  return new XConnector(config);
}

type TweetData = { id: string; text: string; created_at?: string; entities?: unknown };

export class XConnector
  implements
    ChannelConnector,
    CanReply,
    CanFetchInbound,
    CanDelete,
    CanVerifyCredentials,
    CanReadMetrics,
    CanFindPublished,
    CanUploadMedia
{
  readonly kind = 'x' as const;
  readonly limits: ChannelLimits = {
    maxTextLength: limit,
    maxMedia: 4,
    maxMediaBytes: 5 * 1024 * 1024,
    mediaTypes: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'],
    maxAltTextLength: 1000,
    canThread: true,
  };
  private api: XApi;
  private expiresAt: Date | undefined;
  private refreshing: Promise<void> | undefined;
  private me: Promise<AccountIdentity> | undefined;

  constructor(private readonly config: XConfig) {
    this.api = this.client(config.accessToken);
    this.expiresAt = config.expiresAt;
  }

  private client(token: string): XApi {
    return new XApi(token, this.config.apiBaseUrl ?? 'https://api.x.com', this.config.timeoutMs ?? 15_000);
  }

  /** One renewal at a time per connector; later callers wait for the same one. */
  private renew(): Promise<void> {
    const refresh = this.config.refresh;
    if (!refresh) return Promise.resolve();
    this.refreshing ??= refresh()
      .then(({ accessToken, expiresAt }) => {
        this.api = this.client(accessToken);
        this.expiresAt = expiresAt;
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  check(input: PostInput): LimitProblem[] {
    const problems: LimitProblem[] = [];
    const media = input.media ?? [];
    if (input.text.trim() === '' && media.length === 0)
      problems.push({ field: 'text', message: 'Enter the text of the post.' });
    problems.push(
      ...checkImages(media, this.limits, {
        network: 'X',
        altTextLength: (alt) => [...alt.trim()].length,
      }),
    );
    return problems;
  }

  publish(input: PostInput): Promise<Published> {
    return this.postThread(input, undefined);
  }

  reply(target: ExternalRef, input: PostInput, opts: { isPrivate?: boolean } = {}): Promise<Published> {
    // Direct messages need the X DM API (a different access tier); refuse rather than
    // answer in public what was asked for in private.
    if (opts.isPrivate)
      return Promise.reject(
        new ChannelError(
          'rejected',
          'Private replies are not available on X; reply publicly or by another channel.',
        ),
      );
    return this.postThread(input, target.id);
  }

  async uploadMedia(media: MediaInput): Promise<ExternalRef> {
    const id = await this.x(() =>
      this.api.uploadMedia(Buffer.from(media.data), { media_type: media.mimeType as EUploadMimeType }),
    );
    await this.x(() => this.api.createMediaMetadata(id, { alt_text: { text: media.altText } }));
    return { id };
  }

  async fetchInbound(cursor: string | undefined): Promise<InboundBatch> {
    const me = await this.verifyCredentials();
    const batch: InboundBatch = { items: [], cursor, malformed: [] };
    let token: string | undefined;
    for (let page = 0; page < (this.config.maxPages ?? 5); page += 1) {
      const query: Record<string, string> = {
        max_results: '100',
        'tweet.fields': 'created_at,author_id,conversation_id,referenced_tweets,entities,attachments',
        expansions: 'author_id,attachments.media_keys',
        'user.fields': 'username,name',
        'media.fields': 'alt_text,url,type',
      };
      if (cursor) query.since_id = cursor;
      if (token) query.pagination_token = token;
      const body = await this.x(() =>
        this.api.get<{ meta?: { newest_id?: string; next_token?: string } }>(
          `users/${me.id}/mentions`,
          query,
        ),
      );
      const { items, malformed } = mapMentionPage(body);
      batch.items.push(...items);
      batch.malformed.push(...malformed);
      // Pages run newest to oldest: the first page's newest id is the next cursor.
      if (page === 0 && body.meta?.newest_id) batch.cursor = body.meta.newest_id;
      token = body.meta?.next_token;
      if (!token || !cursor) break;
    }
    batch.items.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    return batch;
  }

  async delete(ref: ExternalRef): Promise<void> {
    const ids = ref.meta?.threadIds?.split(',') ?? [ref.id];
    // Last part first, so a half-finished delete never leaves replies without their root.
    for (const id of ids.reverse()) await this.x(() => this.api.deleteTweet(id));
  }

  async readMetrics(ref: ExternalRef): Promise<PostMetrics> {
    const res = await this.x(() => this.api.singleTweet(ref.id, { 'tweet.fields': ['public_metrics'] }));
    const m = res.data?.public_metrics;
    if (!m)
      throw new ChannelError('rejected', `X has no tweet ${ref.id}`, {
        providerReason: res.errors?.[0]?.detail ?? 'not found',
      });
    return {
      likes: m.like_count,
      reposts: m.retweet_count,
      replies: m.reply_count,
      quotes: m.quote_count,
      ...(m.impression_count !== undefined ? { views: m.impression_count } : {}),
    };
  }

  verifyCredentials(): Promise<AccountIdentity> {
    this.me ??= this.x(() => this.api.me()).then(({ data }) => ({
      id: data.id,
      handle: `@${data.username}`,
      displayName: data.name,
      url: `https://x.com/${data.username}`,
    }));
    this.me.catch(() => (this.me = undefined));
    return this.me;
  }

  async findPublished(input: PostInput): Promise<Published | undefined> {
    const parts = splitForThread(input.text, limit, countX);
    const ids: string[] = [];
    for (const part of parts) {
      const found = await this.findRecent(part, input.intendedAt);
      // Only a whole post counts as published; a partial thread is resumed by publish().
      if (!found) return undefined;
      ids.push(found);
    }
    return this.published(ids);
  }

  private async postThread(input: PostInput, replyTo: string | undefined): Promise<Published> {
    const problems = this.check(input);
    if (problems.length)
      throw new ChannelError('rejected', problems.map((p) => p.message).join(' '), {
        providerReason: 'checked before sending',
      });
    const mediaIds: string[] = [];
    for (const m of input.media ?? []) mediaIds.push((await this.uploadMedia(m)).id);
    const ids: string[] = [];
    let previous = replyTo;
    for (const [i, text] of splitForThread(input.text, limit, countX).entries()) {
      const body: Record<string, unknown> = { text };
      if (previous) body.reply = { in_reply_to_tweet_id: previous };
      if (i === 0 && mediaIds.length) body.media = { media_ids: mediaIds };
      previous = await this.createOrFind(body, text, input.intendedAt);
      ids.push(previous);
    }
    return this.published(ids);
  }

  private async createOrFind(
    body: Record<string, unknown>,
    text: string,
    intendedAt: Date | undefined,
  ): Promise<string> {
    try {
      const res = await this.x(() => this.api.post<{ data: { id: string } }>('tweets', body), true);
      return res.data.id;
    } catch (error) {
      if (!isDuplicate(error)) throw classify(error);
      const earlier = await this.findRecent(text, intendedAt);
      if (earlier) return earlier;
      throw new ChannelError('rejected', 'X refused this as a duplicate of an earlier post by the account.', {
        status: 403,
        providerReason: reasonOf(error),
        cause: error,
      });
    }
  }

  /** The id of a recent tweet of the account with this text, made since the intent (or in the last day). */
  private async findRecent(text: string, intendedAt: Date | undefined): Promise<string | undefined> {
    const me = await this.verifyCredentials();
    const since = intendedAt ? intendedAt.getTime() - clockSkewMs : Date.now() - 86_400_000;
    const res = await this.x(() =>
      this.api.get<{ data?: TweetData[] }>(`users/${me.id}/tweets`, {
        max_results: '100',
        'tweet.fields': 'created_at,entities',
      }),
    );
    const wanted = comparable(text);
    return res.data?.find(
      (t) => comparable(tweetText(t)) === wanted && Date.parse(t.created_at ?? '') >= since,
    )?.id;
  }

  private published(ids: string[]): Published {
    const [first] = ids;
    if (!first) throw new ChannelError('rejected', 'Nothing to publish');
    return {
      ref: { id: first, ...(ids.length > 1 ? { meta: { threadIds: ids.join(',') } } : {}) },
      url: `https://x.com/i/web/status/${first}`,
      ...(ids.length > 1 ? { parts: ids.map((id) => ({ id })) } : {}),
    };
  }

  /**
   * Runs a call with a live token: renews first when the token has expired, and renews then
   * retries once when X answers 401 (a token revoked or expired early). `raw` leaves X's own
   * error unclassified for callers that read it (the duplicate-content refusal).
   */
  private async x<T>(call: () => Promise<T>, raw = false): Promise<T> {
    if (this.config.refresh && this.expiresAt && this.expiresAt.getTime() - 60_000 < Date.now())
      await this.renew();
    try {
      return await call();
    } catch (error) {
      if (this.config.refresh && error instanceof ApiResponseError && error.code === 401) {
        await this.renew();
        try {
          return await call();
        } catch (again) {
          throw raw ? again : classify(again);
        }
      }
      throw raw ? error : classify(error);
    }
  }
}

/** Compared without links (X rewrites them as t.co) and with spaces collapsed. */
const comparable = (text: string) =>
  text
    .replace(/https?:\/\/\S+/gu, '')
    .replace(/\s+/gu, ' ')
    .trim();

function reasonOf(error: ApiResponseError): string {
  const data = error.data as {
    detail?: unknown;
    title?: unknown;
    errors?: { message?: unknown; detail?: unknown }[];
  };
  const first = data.errors?.[0];
  const detail = [first?.message, first?.detail, data.detail, data.title].find(
    (v): v is string => typeof v === 'string',
  );
  return detail ?? `HTTP ${error.code}`;
}

/** X v2 gives the duplicate refusal no code of its own; its detail text is the only sign. */
function isDuplicate(error: unknown): error is ApiResponseError {
  return (
    error instanceof ApiResponseError && error.code === 403 && /duplicate content/iu.test(reasonOf(error))
  );
}

function classify(error: unknown): ChannelError {
  if (error instanceof ChannelError) return error;
  if (error instanceof ApiResponseError) {
    const reason = reasonOf(error);
    if (error.code === 429) {
      const reset = error.rateLimit?.reset;
      const seconds = reset
        ? Math.ceil(reset - Date.now() / 1000)
        : Number(error.headers['retry-after'] ?? 60);
      return new ChannelError('rate_limited', `Rate limited by X: ${reason}`, {
        status: 429,
        providerReason: reason,
        retryAfterSeconds: Math.max(1, seconds || 60),
      });
    }
    const headers = { get: (name: string) => String(error.headers[name] ?? '') || null };
    return classifyHttpFailure(error.code, headers, reason);
  }
  if (error instanceof ApiRequestError) return networkFailure(error.requestError);
  if (error instanceof ApiPartialResponseError) return networkFailure(error.responseError);
  return networkFailure(error);
}
