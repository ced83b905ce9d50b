/**
 * What the Facebook Page and Instagram connectors share: one Graph API client (plain fetch,
 * versioned paths, the Page token in the Authorization header so it never sits in a logged
 * URL, `appsecret_proof` when the app secret is known), the classification of Graph error
 * codes into ChannelError kinds, and the webhook checks Meta applies to both products
 * (the verify-token handshake and `X-Hub-Signature-256` over the raw body).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ChannelError, networkFailure, parseRetryAfter } from './channel-error.ts';
import type { InboundItem, MalformedInbound, WebhookRequest } from './port.ts';

export type GraphConfig = {
  /** Page (or Instagram-linked Page) access token. */
  accessToken: string;
  /** The Meta app secret: signs webhooks, and proves API calls come from the app. */
  appSecret: string;
  /** Default https://graph.facebook.com; tests point it at the contract server. */
  baseUrl?: string;
  /** Default v21.0. */
  apiVersion?: string;
  /** Per request; default 15 s. */
  timeoutMs?: number;
};

/** The Graph API's error body: `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`. */
export type GraphErrorBody = {
  error?: {
    message?: string;
    type?: string;
    code?: number;
    error_subcode?: number;
    is_transient?: boolean;
    fbtrace_id?: string;
  };
};

export type GraphParams = Record<string, string | number | boolean | undefined>;

const rateLimitCodes = new Set([4, 17, 32, 613, 80001, 80002, 80004, 80005, 80006, 80008]);
// 10 and 200-299 are missing permissions: only reconnecting the account with the right
// scopes fixes them, which is what auth_expired asks the owners to do.
const isPermissionCode = (code: number) => code === 10 || (code >= 200 && code <= 299);

/**
 * Graph codes first (they are what Meta documents), HTTP status second: a rate limit
 * arrives as HTTP 400 or 403 with code 4, so the status alone would call it "rejected".
 */
export function classifyGraphError(
  status: number,
  headers: { get(name: string): string | null },
  body: GraphErrorBody | undefined,
): ChannelError {
  const e = body?.error;
  const code = e?.code;
  const reason = e?.message ?? `HTTP ${status}`;
  const opts = { status, providerReason: reason };
  if (code === 190 || code === 102 || (code !== undefined && isPermissionCode(code)) || status === 401)
    return new ChannelError(
      'auth_expired',
      `The Facebook token no longer works; reconnect the account (${reason})`,
      opts,
    );
  if ((code !== undefined && rateLimitCodes.has(code)) || status === 429) {
    // Graph rarely sends Retry-After; its usage headers say how long until access returns.
    const usage = estimatedRegainMinutes(headers);
    const retryAfterSeconds = headers.get('retry-after')
      ? parseRetryAfter(headers.get('retry-after'))
      : usage
        ? usage * 60
        : code === 4 || code === 17
          ? 300
          : 60;
    return new ChannelError('rate_limited', `Facebook rate limit reached: ${reason}`, {
      ...opts,
      retryAfterSeconds,
    });
  }
  if (status >= 500 || code === 1 || code === 2 || e?.is_transient === true)
    return new ChannelError('unavailable', `Facebook is unavailable (${status}): ${reason}`, opts);
  if (code === 368)
    return new ChannelError(
      'rejected',
      `Facebook blocked this as abusive or against its policies: ${reason}`,
      opts,
    );
  if (code === 506)
    return new ChannelError('rejected', `Facebook refused a duplicate of a recent post: ${reason}`, opts);
  return new ChannelError('rejected', `Facebook refused the request: ${reason}`, opts);
}

function estimatedRegainMinutes(headers: { get(name: string): string | null }): number | undefined {
  const raw = headers.get('x-business-use-case-usage');
  if (!raw) return undefined;
  try {
    const usage = JSON.parse(raw) as Record<string, { estimated_time_to_regain_access?: number }[]>;
    const minutes = Object.values(usage)
      .flat()
      .map((u) => u.estimated_time_to_regain_access ?? 0);
    const max = Math.max(0, ...minutes);
    return max > 0 ? max : undefined;
  } catch {
    return undefined;
  }
}

/** A small Graph API client: JSON in, JSON out, every failure a ChannelError. */
export class GraphClient {
  readonly #config: Required<GraphConfig>;
  readonly #proof: string;

  constructor(config: GraphConfig) {
    this.#config = {
      baseUrl: 'https://graph.facebook.com',
      apiVersion: 'v21.0',
      timeoutMs: 15_000,
      ...config,
    };
    this.#proof = createHmac('sha256', config.appSecret).update(config.accessToken).digest('hex');
  }

  url(path: string, params: GraphParams = {}): string {
    const u = new URL(
      `${this.#config.baseUrl.replace(/\/$/, '')}/${this.#config.apiVersion}/${path.replace(/^\//, '')}`,
    );
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, String(v));
    u.searchParams.set('appsecret_proof', this.#proof);
    return u.toString();
  }

  get<T>(path: string, params: GraphParams = {}): Promise<T> {
    return this.#send<T>('GET', this.url(path, params));
  }

  /** Form-encoded, as the Graph API documents its POST parameters. */
  post<T>(path: string, params: GraphParams | FormData): Promise<T> {
    let body: URLSearchParams | FormData;
    if (params instanceof FormData) body = params;
    else {
      body = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v !== undefined) body.set(k, String(v));
    }
    return this.#send<T>('POST', this.url(path), body);
  }

  delete<T>(path: string): Promise<T> {
    return this.#send<T>('DELETE', this.url(path));
  }

  async #send<T>(method: string, url: string, body?: URLSearchParams | FormData): Promise<T> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.#config.accessToken}` },
        body: body ?? null,
        signal: AbortSignal.timeout(this.#config.timeoutMs),
      });
    } catch (error) {
      throw networkFailure(error);
    }
    const text = await response.text().catch(() => '');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok || (json as GraphErrorBody | undefined)?.error)
      throw classifyGraphError(response.status, response.headers, json as GraphErrorBody | undefined);
    if (json === undefined)
      throw new ChannelError('unavailable', `Facebook answered ${response.status} with no readable body`, {
        status: response.status,
      });
    return json as T;
  }
}

/** Constant-time comparison of two strings of any length (the length itself is not secret). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function header(request: WebhookRequest, name: string): string | undefined {
  const v = request.headers[name.toLowerCase()] ?? request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `sha256=<hex HMAC-SHA256 of the raw body with the app secret>`, as Meta sends it. */
export function signGraphBody(appSecret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/**
 * Verifies `X-Hub-Signature-256` over the bytes exactly as received: re-serialised JSON
 * would differ (Meta escapes non-ASCII as \uXXXX), so the parsed body is never used.
 */
export function verifyGraphSignature(request: WebhookRequest, appSecret: string): void {
  const given = header(request, 'x-hub-signature-256');
  if (!given || !given.startsWith('sha256='))
    throw new ChannelError('rejected', 'Webhook without an X-Hub-Signature-256 header', { status: 401 });
  if (!safeEqual(given.toLowerCase(), signGraphBody(appSecret, request.rawBody)))
    throw new ChannelError('rejected', 'Webhook signature does not match its body: forged or altered', {
      status: 401,
    });
}

/**
 * The subscription handshake: Meta sends GET ?hub.mode=subscribe&hub.verify_token=...
 * &hub.challenge=... and expects the challenge echoed only when the token is ours.
 */
export function answerVerifyHandshake(
  request: WebhookRequest,
  verifyToken: string,
): { kind: 'challenge'; body: string } {
  const mode = request.query['hub.mode'];
  const token = request.query['hub.verify_token'] ?? '';
  const challenge = request.query['hub.challenge'];
  if (mode !== 'subscribe' || challenge === undefined || !safeEqual(token, verifyToken))
    throw new ChannelError('rejected', 'Webhook verification refused: wrong mode or verify token', {
      status: 403,
    });
  return { kind: 'challenge', body: challenge };
}

/** Meta's webhook envelope, as far as both products share it. */
export type GraphEnvelope = { object: string; entry: GraphEntry[] };
export type GraphEntry = {
  id: string;
  time: number;
  changes?: { field: string; value: unknown }[];
  messaging?: unknown[];
};

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined;

/** Graph timestamps are Unix seconds, Messenger's are milliseconds, some are ISO strings. */
export function graphTime(v: unknown, fallback: number): Date {
  if (typeof v === 'number') return new Date(v > 1e12 ? v : v * 1000);
  if (typeof v === 'string') {
    const d = new Date(/^\d+$/.test(v) ? Number(v) * 1000 : v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return new Date(fallback * 1000);
}

/** Parses the raw body; anything but `{object, entry: [...]}` is returned as a reason. */
export function parseEnvelope(rawBody: Buffer): GraphEnvelope | { reason: string; raw: unknown } {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { reason: 'Body is not JSON', raw: rawBody.toString('utf8') };
  }
  if (!isRecord(json) || typeof json.object !== 'string' || !Array.isArray(json.entry))
    return { reason: 'Not a Graph webhook envelope', raw: json };
  return json as GraphEnvelope;
}

/**
 * A Messenger or Instagram messaging event (`entry[].messaging[]`): a resident's message
 * becomes a private item; echoes of our own messages, delivery and read receipts are not
 * inbound items and are skipped (returned as undefined). Anything else is malformed.
 */
export function mapMessagingEvent(
  event: unknown,
  entryTime: number,
): InboundItem | MalformedInbound | undefined {
  if (!isRecord(event)) return { raw: event, reason: 'Messaging event is not an object' };
  if (event.delivery !== undefined || event.read !== undefined || event.reaction !== undefined)
    return undefined;
  const message = event.message;
  if (!isRecord(message)) return { raw: event, reason: 'Messaging event without a message' };
  if (message.is_echo === true) return undefined;
  const sender = isRecord(event.sender) ? str(event.sender.id) : undefined;
  const mid = str(message.mid);
  if (!sender || !mid) return { raw: event, reason: 'Message without sender.id or message.mid' };
  const attachments = Array.isArray(message.attachments)
    ? message.attachments.filter(isRecord).map((a) => {
        const url = isRecord(a.payload) ? str(a.payload.url) : undefined;
        return { ...(url ? { url } : {}), ...(str(a.type) ? { mimeType: `${str(a.type)}/*` } : {}) };
      })
    : [];
  return {
    externalId: mid,
    kind: 'direct_message',
    author: { id: sender },
    text: str(message.text) ?? '',
    createdAt: graphTime(event.timestamp, entryTime),
    threadId: sender,
    isPrivate: true,
    ...(attachments.length > 0 ? { attachments } : {}),
    raw: event,
  };
}

export const isMalformed = (v: InboundItem | MalformedInbound): v is MalformedInbound =>
  'reason' in v && !('externalId' in v);
