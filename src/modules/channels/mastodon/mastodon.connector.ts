/**
 * Mastodon over its REST API (docs.joinmastodon.org/methods) through the shared HTTP client. Statuses with
 * content warnings and visibility, images with descriptions, replies (public, or direct for
 * a private answer), inbound mentions and direct messages from notifications, delete,
 * metrics, credentials.
 *
 * Idempotency: every status is posted with `Idempotency-Key: <idempotencyKey>`; Mastodon
 * keeps the key for an hour and answers a repeat with the original status, so a retry within
 * the hour cannot make a second post. Beyond the hour `findPublished` looks through the
 * account's recent statuses for the same text and content warning (Mastodon has no hidden
 * per-status metadata to carry the key, and a visible marker would be printed to residents).
 */
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
  InboundItem,
  LimitProblem,
  MalformedInbound,
  MediaInput,
  PostInput,
  PostMetrics,
  Published,
} from '../port.ts';
import { ChannelError, classifyHttpFailure, networkFailure, parseRetryAfter } from '../channel-error.ts';
import { httpRequest, type HttpResponse } from '../http-client.ts';
import { checkImages } from '../media-check.ts';
import { countGraphemes, countMastodon } from '../text.ts';
import { htmlToText, isMalformed, mapNotification } from './mastodon.mapper.ts';

export type MastodonConfig = {
  /** The instance, e.g. https://mastodon.social. */
  baseUrl: string;
  accessToken: string;
  /** Per request; a request that takes longer is `unavailable`. */
  timeoutMs?: number;
  /** Inbound pages fetched per poll (80 notifications each). */
  maxPages?: number;
};

type Json = Record<string, unknown>;
type MastoStatus = {
  id: string;
  url?: string | null;
  uri: string;
  content: string;
  spoiler_text: string;
  created_at: string;
  account: { id: string; acct: string };
};

const visibilityOf = {
  public: 'public',
  unlisted: 'unlisted',
  followers: 'private',
  direct: 'direct',
} as const;
const limit = 500;

/** Builds the connector; nothing is sent until a method is called. */
export function createMastodonConnector(config: MastodonConfig): MastodonConnector {
  return new MastodonConnector(config);
}

export class MastodonConnector
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
  readonly kind = 'mastodon' as const;
  readonly limits: ChannelLimits = {
    maxTextLength: limit,
    maxMedia: 4,
    maxMediaBytes: 16 * 1024 * 1024,
    mediaTypes: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'],
    maxAltTextLength: 1500,
    canThread: false,
  };
  /** The budget from the last response's X-RateLimit-* headers, for the account's health. */
  rateLimit: { limit: number; remaining: number; resetAt: Date } | undefined;
  private readonly base: string;
  private me: Promise<AccountIdentity> | undefined;

  constructor(private readonly config: MastodonConfig) {
    this.base = config.baseUrl.replace(/\/+$/u, '');
  }

  check(input: PostInput): LimitProblem[] {
    const problems: LimitProblem[] = [];
    // Mastodon counts the content warning and the text together (StatusLengthValidator).
    const length = countMastodon(input.text) + countGraphemes(input.contentWarning ?? '');
    if (length > limit)
      problems.push({
        field: 'text',
        message: `The post is ${length - limit} characters over Mastodon's limit of ${limit} (it has ${length}; each link counts as 23, the content warning counts too).`,
      });
    const media = input.media ?? [];
    if (input.text.trim() === '' && media.length === 0)
      problems.push({ field: 'text', message: 'Enter the text of the post.' });
    problems.push(
      ...checkImages(media, this.limits, {
        network: 'Mastodon',
        altTextLength: (alt) => [...alt].length,
      }),
    );
    return problems;
  }

  async publish(input: PostInput): Promise<Published> {
    return this.postStatus(input, {});
  }

  async reply(target: ExternalRef, input: PostInput, opts: { isPrivate?: boolean } = {}): Promise<Published> {
    const parent = (await this.call(
      'GET',
      `/api/v1/statuses/${encodeURIComponent(target.id)}`,
    )) as MastoStatus;
    const me = await this.verifyCredentials();
    // A direct status reaches only the accounts it mentions, and a public reply notifies its
    // author only by mention: address the author unless the council answers itself.
    const acct = parent.account.acct;
    const addressed =
      parent.account.id === me.id || input.text.includes(`@${acct}`) ? input.text : `@${acct} ${input.text}`;
    const visibility = opts.isPrivate ? 'direct' : (input.visibility ?? 'public');
    return this.postStatus({ ...input, text: addressed, visibility }, { in_reply_to_id: target.id });
  }

  async uploadMedia(media: MediaInput): Promise<ExternalRef> {
    const form = new FormData();
    form.append(
      'file',
      new Blob([media.data], { type: media.mimeType }),
      media.filename ?? `image.${media.mimeType.split('/')[1] ?? 'bin'}`,
    );
    form.append('description', media.altText);
    const attachment = (await this.call('POST', '/api/v2/media', { form })) as { id: string };
    return { id: attachment.id };
  }

  async fetchInbound(cursor: string | undefined): Promise<InboundBatch> {
    const items: InboundItem[] = [];
    const malformed: MalformedInbound[] = [];
    let newest = cursor;
    // min_id pages upward from the cursor without gaps (since_id would jump to the newest
    // page and skip what lies between); the first poll takes only the newest page.
    for (let page = 0; page < (this.config.maxPages ?? 5); page += 1) {
      const query = new URLSearchParams({ 'types[]': 'mention', limit: '80' });
      if (newest) query.set('min_id', newest);
      const rows = (await this.call('GET', `/api/v1/notifications?${query}`)) as unknown[];
      if (!Array.isArray(rows) || rows.length === 0) break;
      for (const raw of rows) {
        const mapped = mapNotification(raw);
        if (isMalformed(mapped)) malformed.push(mapped);
        else items.push(mapped);
        const id = (raw as Json | null)?.id;
        // Mastodon ids are numeric strings; anything else must not move the cursor, nor throw
        // from BigInt and stall every later poll of the account.
        if (typeof id === 'string' && /^\d+$/u.test(id) && (!newest || BigInt(id) > BigInt(newest)))
          newest = id;
      }
      if (!cursor || rows.length < 80) break;
    }
    items.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    return { items, cursor: newest, malformed };
  }

  async delete(ref: ExternalRef): Promise<void> {
    try {
      await this.call('DELETE', `/api/v1/statuses/${encodeURIComponent(ref.id)}`);
    } catch (error) {
      // Already gone is the state asked for; anything else is a real failure.
      if (error instanceof ChannelError && error.status === 404) return;
      throw error;
    }
  }

  async readMetrics(ref: ExternalRef): Promise<PostMetrics> {
    const s = (await this.call('GET', `/api/v1/statuses/${encodeURIComponent(ref.id)}`)) as Json;
    const n = (v: unknown) => (typeof v === 'number' ? v : 0);
    return {
      likes: n(s.favourites_count),
      reposts: n(s.reblogs_count),
      replies: n(s.replies_count),
      ...(typeof s.quotes_count === 'number' ? { quotes: s.quotes_count } : {}),
    };
  }

  verifyCredentials(): Promise<AccountIdentity> {
    this.me ??= (async () => {
      const a = (await this.call('GET', '/api/v1/accounts/verify_credentials')) as {
        id: string;
        username: string;
        display_name?: string;
        url?: string;
      };
      const host = new URL(a.url ?? this.base).host;
      return {
        id: a.id,
        handle: `@${a.username}@${host}`,
        ...(a.display_name ? { displayName: a.display_name } : {}),
        ...(a.url ? { url: a.url } : {}),
      };
    })();
    // A failed lookup is not cached: the next call asks again.
    this.me.catch(() => (this.me = undefined));
    return this.me;
  }

  async findPublished(input: PostInput): Promise<Published | undefined> {
    const me = await this.verifyCredentials();
    const rows = (await this.call(
      'GET',
      `/api/v1/accounts/${encodeURIComponent(me.id)}/statuses?limit=40&exclude_reblogs=true`,
    )) as MastoStatus[];
    // `reply` puts "@author " before the text, so leading mentions are not compared; a reply
    // must also answer the same status, or the same words said to two residents would match.
    const bare = (text: string) => comparable(text).replace(/^(@[\w.@-]+\s+)+/u, '');
    const wanted = bare(input.text);
    const since = input.intendedAt ? input.intendedAt.getTime() - 5 * 60_000 : Number.NEGATIVE_INFINITY;
    const found = (rows as (MastoStatus & { in_reply_to_id?: string | null })[]).find(
      (s) =>
        bare(htmlToText(s.content)) === wanted &&
        s.spoiler_text === (input.contentWarning ?? '') &&
        Date.parse(s.created_at) >= since &&
        (input.inReplyTo === undefined || s.in_reply_to_id === input.inReplyTo),
    );
    return found ? { ref: { id: found.id }, url: found.url ?? found.uri } : undefined;
  }

  private async postStatus(input: PostInput, extra: Json): Promise<Published> {
    const problems = this.check(input);
    if (problems.length)
      throw new ChannelError('rejected', problems.map((p) => p.message).join(' '), {
        providerReason: 'checked before sending',
      });
    const mediaIds: string[] = [];
    for (const m of input.media ?? []) mediaIds.push((await this.uploadMedia(m)).id);
    const body: Json = {
      status: input.text,
      visibility: visibilityOf[input.visibility ?? 'public'],
      ...extra,
    };
    if (mediaIds.length) body.media_ids = mediaIds;
    if (input.contentWarning) body.spoiler_text = input.contentWarning;
    const s = (await this.call('POST', '/api/v1/statuses', {
      json: body,
      idempotencyKey: input.idempotencyKey,
    })) as MastoStatus;
    return { ref: { id: s.id }, url: s.url ?? s.uri };
  }

  private async call(
    method: string,
    path: string,
    opts: { json?: Json; form?: FormData; idempotencyKey?: string } = {},
  ): Promise<unknown> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.config.accessToken}`,
      accept: 'application/json',
    };
    if (opts.json) headers['content-type'] = 'application/json';
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    let res: HttpResponse;
    try {
      res = await httpRequest(this.base + path, {
        method,
        headers,
        ...(opts.json ? { body: JSON.stringify(opts.json) } : opts.form ? { body: opts.form } : {}),
        timeoutMs: this.config.timeoutMs ?? 15_000,
      });
    } catch (error) {
      throw networkFailure(error);
    }
    this.noteRateLimit(res.headers);
    const text = res.text;
    if (!res.ok) throw this.classify(res, text);
    try {
      return text ? (JSON.parse(text) as unknown) : undefined;
    } catch (error) {
      throw new ChannelError('unavailable', 'Mastodon answered with something other than JSON', {
        status: res.status,
        cause: error,
      });
    }
  }

  private classify(res: HttpResponse, text: string): ChannelError {
    let reason = `HTTP ${res.status}`;
    try {
      const body = JSON.parse(text) as { error?: unknown; error_description?: unknown };
      if (typeof body.error === 'string')
        reason =
          typeof body.error_description === 'string'
            ? `${body.error}: ${body.error_description}`
            : body.error;
    } catch {
      // An HTML error page from the proxy in front of Mastodon: the status says enough.
    }
    if (res.status === 429) {
      // Mastodon sends X-RateLimit-Reset (an ISO time) rather than Retry-After.
      const reset = res.headers.get('retry-after') ?? res.headers.get('x-ratelimit-reset');
      return new ChannelError('rate_limited', `Rate limited by Mastodon: ${reason}`, {
        status: 429,
        providerReason: reason,
        retryAfterSeconds: Math.max(1, parseRetryAfter(reset)),
      });
    }
    return classifyHttpFailure(res.status, res.headers, reason);
  }

  private noteRateLimit(headers: HttpResponse['headers']) {
    const lim = Number(headers.get('x-ratelimit-limit'));
    const remaining = Number(headers.get('x-ratelimit-remaining'));
    const reset = Date.parse(headers.get('x-ratelimit-reset') ?? '');
    if (Number.isFinite(lim) && lim > 0 && Number.isFinite(remaining) && !Number.isNaN(reset))
      this.rateLimit = { limit: lim, remaining, resetAt: new Date(reset) };
  }
}

/** Text as Mastodon renders it back: remote mentions shown by local part, spaces collapsed. */
function comparable(text: string): string {
  return text
    .replace(/(^|\s)(@[a-z0-9_]+)@[a-z0-9.-]+\.[a-z]{2,}/giu, '$1$2')
    .replace(/\s+/gu, ' ')
    .trim();
}
