/**
 * The Graph API client the Facebook Page and Instagram connectors share: the channels'
 * shared HTTP client (undici's `request` on one keep-alive pool, see ../http-client.ts),
 * versioned paths, the Page token in the Authorization header so it never sits in a logged
 * URL, `appsecret_proof` on every call, and Graph error codes classified into ChannelError
 * kinds (both products answer with the same error body and codes). A redirect is not
 * followed (it would carry the Page token to wherever it points): it is classified like any
 * other answer that is not 2xx.
 */
import { createHmac } from 'node:crypto';
import { ChannelError, networkFailure, parseRetryAfter } from '../channel-error.ts';
import { httpRequest, type HttpResponse } from '../http-client.ts';

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

/** What a Graph POST that creates something answers. */
export type GraphId = { id: string };

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
    const headers: Record<string, string> = { authorization: `Bearer ${this.#config.accessToken}` };
    // The content type fetch gave a URLSearchParams body; multipart sets its own boundary.
    if (body instanceof URLSearchParams)
      headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    let response: HttpResponse;
    try {
      response = await httpRequest(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: body instanceof URLSearchParams ? body.toString() : body }),
        timeoutMs: this.#config.timeoutMs,
      });
    } catch (error) {
      throw networkFailure(error);
    }
    const text = response.text;
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
