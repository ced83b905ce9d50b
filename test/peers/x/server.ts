/**
 * An X API v2 contract server: the endpoints the X connector uses, built from docs.x.com
 * (POST/DELETE /2/tweets, GET /2/tweets/:id, GET /2/users/me, GET /2/users/:id/mentions and
 * /tweets, the v2 chunked media upload and media metadata). OAuth 2.0 user-context Bearer
 * token; errors as RFC 7807 problem details (`title`, `detail`, `type`, `status`); the
 * 280-unit weighted limit; duplicate-content 403; 429 with x-rate-limit-reset. Returned text
 * is as X returns it: links wrapped as t.co and `&`, `<`, `>` escaped. It is also X's OAuth
 * 2.0 server as docs.x.com describes the Authorization Code Flow with PKCE: /i/oauth2/authorize
 * (auto-approving for the test user; `decision=deny` in the query or `denyNext()` refuses),
 * codes valid 30 seconds, single use and bound to client, redirect URI and code challenge
 * (S256 or plain), POST /2/oauth2/token for a confidential client (HTTP Basic) with
 * authorization_code and refresh_token grants, two-hour access tokens and single-use refresh
 * tokens that rotate. Test-only.
 */
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Buffer } from 'node:buffer';
import { FaultQueue, HttpError, readBody, send } from '../rest-peer.ts';

export type XFault = 'rate_limited' | 'unavailable' | 'auth_expired' | 'timeout';

type XUser = { id: string; name: string; username: string };
type StoredMedia = {
  id: string;
  key: string;
  type: string;
  total: number;
  chunks: Buffer[];
  finalized: boolean;
  altText?: string;
};
type StoredTweet = {
  id: string;
  source: string;
  text: string;
  urls: { start: number; end: number; url: string; expanded_url: string; display_url: string }[];
  author: XUser;
  created_at: string;
  conversation_id: string;
  inReplyTo?: { id: string; userId: string };
  media: StoredMedia[];
  deleted: boolean;
  metrics: {
    retweet_count: number;
    reply_count: number;
    like_count: number;
    quote_count: number;
    impression_count: number;
  };
};

const urlRe = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gu;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** twitter-text v3 weighting: URLs 23, listed ranges 1, everything else (CJK, emoji) 2. */
export function weightedLength(text: string): number {
  const light = (cp: number) =>
    cp <= 4351 || (cp >= 8192 && cp <= 8205) || (cp >= 8208 && cp <= 8223) || (cp >= 8242 && cp <= 8247);
  let total = 0;
  for (const part of text.split(urlRe)) {
    for (const g of graphemes.segment(part)) {
      if (/\p{Extended_Pictographic}/u.test(g.segment)) total += 2;
      else for (const ch of g.segment) total += light(ch.codePointAt(0)!) ? 1 : 2;
    }
  }
  return total + [...text.matchAll(urlRe)].length * 23;
}

const problem = (status: number, title: string, detail: string, type = 'about:blank') => ({
  title,
  detail,
  type,
  status,
});
const invalid = (message: string) => ({
  errors: [{ message }],
  title: 'Invalid Request',
  detail: 'One or more parameters to your request was invalid.',
  type: 'https://api.twitter.com/2/problems/invalid-request',
});

export type XServer = {
  baseUrl: string;
  token: string;
  council: XUser;
  /** A copy of a live tweet: changing it changes nothing on the server (use setMetrics). */
  readTweet(id: string): (StoredTweet & { altTexts: string[] }) | undefined;
  /**
   * Test hook: sets a tweet's public_metrics as X would report them after residents like,
   * repost, reply, quote and view it (X has no API to do those as someone else here).
   * Counts cannot go below zero; an unknown or deleted tweet is an error.
   */
  setMetrics(id: string, metrics: Partial<StoredTweet['metrics']>): void;
  countContaining(text: string): number;
  injectFault(fault: XFault): void;
  expireToken(): void;
  /** A resident mentions the council; returns the tweet id. */
  residentMentions(text: string, opts?: { inReplyToId?: string }): string;
  /** GET /2/users/:id/mentions pages as the API serialises them (recorded payloads). */
  mentionPayloads(pageSize?: number): unknown[];
  requests: { method: string; path: string }[];
  /** The OAuth 2.0 client registered in the "developer portal": a confidential client. */
  oauthClient: { clientId: string; clientSecret: string };
  /** Adds a callback URL to the app's allow-list (X compares them exactly). */
  allowRedirectUri(uri: string): void;
  denyNext(): void;
  /** Every issued access token stops working now (as after its two hours). */
  expireAccessTokens(): void;
  /** Every refresh token is revoked (the user removed the app's access). */
  revokeRefreshTokens(): void;
  /** Access and refresh tokens issued so far. */
  issued(): { accessTokens: number; refreshTokens: number; refreshGrants: number };
  codeTtlMs: number;
  close(): Promise<void>;
};

const xScopes = new Set([
  'tweet.read',
  'tweet.write',
  'tweet.moderate.write',
  'users.read',
  'follows.read',
  'follows.write',
  'offline.access',
  'space.read',
  'mute.read',
  'mute.write',
  'like.read',
  'like.write',
  'list.read',
  'list.write',
  'block.read',
  'block.write',
  'bookmark.read',
  'bookmark.write',
  'media.write',
  'dm.read',
  'dm.write',
]);

export async function startXServer(opts: { token?: string } = {}): Promise<XServer> {
  const token = opts.token ?? 'x-oauth2-user-token-0123456789';
  let tokenValid = true;
  const oauthClient = {
    clientId: randomBytes(16).toString('base64url'),
    clientSecret: randomBytes(32).toString('base64url'),
  };
  const redirectUris = new Set<string>();
  const codes = new Map<
    string,
    {
      redirectUri: string;
      scopes: string[];
      challenge: string;
      method: string;
      expiresAt: number;
      used: boolean;
    }
  >();
  const accessTokens = new Map<string, { expiresAt: number; scopes: string[] }>();
  const refreshTokens = new Map<string, { scopes: string[]; used: boolean }>();
  let refreshGrants = 0;
  let denyNext = false;

  /** X's consent page, answered at once by the test user. */
  const authorize = (url: URL, res: http.ServerResponse) => {
    const q = url.searchParams;
    const page = () => {
      // X shows this page, and never redirects, for a bad client or callback.
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        "<!doctype html><title>X</title><p>Something went wrong. You weren't able to give access to the App. Go back and try logging in again.</p>",
      );
    };
    const redirectUri = q.get('redirect_uri') ?? '';
    if (q.get('client_id') !== oauthClient.clientId || !redirectUris.has(redirectUri)) return page();
    const back = (params: Record<string, string>) => {
      const target = new URL(redirectUri);
      for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
      res.writeHead(302, { location: target.toString() });
      res.end();
    };
    const state = q.get('state');
    const challenge = q.get('code_challenge');
    const method = (q.get('code_challenge_method') ?? '').toLowerCase();
    const scopes = (q.get('scope') ?? '').split(/\s+/u).filter(Boolean);
    if (q.get('response_type') !== 'code' || !state || !challenge || !['s256', 'plain'].includes(method))
      return page();
    if (scopes.length === 0 || scopes.some((sc) => !xScopes.has(sc))) return page();
    if (denyNext || q.get('decision') === 'deny') {
      denyNext = false;
      return back({ error: 'access_denied', state });
    }
    const code = randomBytes(48).toString('base64url');
    codes.set(code, {
      redirectUri,
      scopes,
      challenge,
      method,
      expiresAt: Date.now() + api.codeTtlMs,
      used: false,
    });
    return back({ state, code });
  };

  const issueTokens = (scopes: string[]) => {
    const access = randomBytes(48).toString('base64url');
    accessTokens.set(access, { expiresAt: Date.now() + 7200_000, scopes });
    const refresh = scopes.includes('offline.access') ? randomBytes(48).toString('base64url') : undefined;
    if (refresh) refreshTokens.set(refresh, { scopes, used: false });
    return {
      token_type: 'bearer',
      expires_in: 7200,
      access_token: access,
      scope: scopes.join(' '),
      ...(refresh ? { refresh_token: refresh } : {}),
    };
  };

  const tokenEndpoint = (req: http.IncomingMessage, body: Buffer): { status: number; body: unknown } => {
    const invalid = (what: string) => ({
      status: 400,
      body: { error: 'invalid_request', error_description: `Value passed for the ${what} was invalid.` },
    });
    // Documented as form-encoded; X also takes JSON, which twitter-api-v2 sends (its body-type
    // detection for /2/oauth2 never matches). Anything else has no readable grant_type.
    const type = req.headers['content-type'] ?? '';
    let params: URLSearchParams;
    if (type.startsWith('application/x-www-form-urlencoded'))
      params = new URLSearchParams(body.toString('utf8'));
    else if (type.startsWith('application/json')) {
      try {
        const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        params = new URLSearchParams(
          Object.entries(json).flatMap(([k, v]) =>
            typeof v === 'string' ? [[k, v] as [string, string]] : [],
          ),
        );
      } catch {
        params = new URLSearchParams();
      }
    } else params = new URLSearchParams();
    if (!params.get('grant_type'))
      return {
        status: 400,
        body: { error: 'invalid_request', error_description: 'Missing required parameter [grant_type].' },
      };
    // A confidential client authenticates with HTTP Basic (client id and secret).
    const basic = /^Basic (.+)$/u.exec(req.headers.authorization ?? '');
    const [id, secret] = basic ? Buffer.from(basic[1]!, 'base64').toString().split(':') : [];
    if (id !== oauthClient.clientId || secret !== oauthClient.clientSecret)
      return {
        status: 401,
        body: { error: 'unauthorized_client', error_description: 'Missing valid authorization header' },
      };
    const grant = params.get('grant_type');
    if (grant === 'authorization_code') {
      const code = codes.get(params.get('code') ?? '');
      if (!code || code.used || code.expiresAt < Date.now()) return invalid('authorization code');
      code.used = true;
      if (params.get('redirect_uri') !== code.redirectUri) return invalid('redirect uri');
      const verifier = params.get('code_verifier') ?? '';
      const derived =
        code.method === 's256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (!verifier || derived !== code.challenge) return invalid('code verifier');
      return { status: 200, body: issueTokens(code.scopes) };
    }
    if (grant === 'refresh_token') {
      const stored = refreshTokens.get(params.get('refresh_token') ?? '');
      if (!stored || stored.used) return invalid('token');
      // Refresh tokens are single use: each grant returns a new one.
      stored.used = true;
      refreshGrants += 1;
      return { status: 200, body: issueTokens(stored.scopes) };
    }
    return {
      status: 400,
      body: { error: 'unsupported_grant_type', error_description: 'Grant type is not supported.' },
    };
  };
  const faults = new FaultQueue<XFault>();
  const tweets = new Map<string, StoredTweet>();
  const media = new Map<string, StoredMedia>();
  const requests: XServer['requests'] = [];
  let seq = 1_800_000_000_000_000_000n;
  const nextId = () => (seq += 1n).toString();
  const council: XUser = {
    id: '1500000000000000001',
    name: 'Townsquare Council',
    username: 'townsquarecouncil',
  };
  const resident: XUser = { id: '1500000000000000002', name: 'A Resident', username: 'aresident' };
  const users = new Map([council, resident].map((u) => [u.id, u]));

  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

  const createTweet = (
    author: XUser,
    source: string,
    extra: { inReplyTo?: string; media?: StoredMedia[] } = {},
  ): StoredTweet => {
    const id = nextId();
    const urls: StoredTweet['urls'] = [];
    let text = '';
    let last = 0;
    for (const m of source.matchAll(urlRe)) {
      text += escape(source.slice(last, m.index));
      const short = `https://t.co/${Buffer.from(m[0]).toString('base64url').slice(-10)}`;
      urls.push({
        start: [...text].length,
        end: [...text].length + short.length,
        url: short,
        expanded_url: m[0],
        display_url: m[0].replace(/^https?:\/\//u, '').slice(0, 26),
      });
      text += short;
      last = m.index + m[0].length;
    }
    text += escape(source.slice(last));
    // X appends a link to the media to the text of a tweet that carries it.
    if (extra.media?.length) text += ` https://t.co/${id.slice(-10)}`;
    const parent = extra.inReplyTo ? tweets.get(extra.inReplyTo) : undefined;
    if (parent) parent.metrics.reply_count += 1;
    const t: StoredTweet = {
      id,
      source,
      text,
      urls,
      author,
      created_at: new Date().toISOString(),
      conversation_id: parent?.conversation_id ?? id,
      ...(parent ? { inReplyTo: { id: parent.id, userId: parent.author.id } } : {}),
      media: extra.media ?? [],
      deleted: false,
      metrics: { retweet_count: 0, reply_count: 0, like_count: 0, quote_count: 0, impression_count: 0 },
    };
    tweets.set(id, t);
    return t;
  };

  const tweetFields = (t: StoredTweet, fields: Set<string>) => ({
    id: t.id,
    text: t.text,
    edit_history_tweet_ids: [t.id],
    ...(fields.has('author_id') ? { author_id: t.author.id } : {}),
    ...(fields.has('created_at') ? { created_at: t.created_at } : {}),
    ...(fields.has('conversation_id') ? { conversation_id: t.conversation_id } : {}),
    ...(fields.has('in_reply_to_user_id') && t.inReplyTo ? { in_reply_to_user_id: t.inReplyTo.userId } : {}),
    ...(fields.has('referenced_tweets') && t.inReplyTo
      ? { referenced_tweets: [{ type: 'replied_to', id: t.inReplyTo.id }] }
      : {}),
    ...(fields.has('public_metrics') ? { public_metrics: t.metrics } : {}),
    ...(fields.has('attachments') && t.media.length
      ? { attachments: { media_keys: t.media.map((m) => m.key) } }
      : {}),
    ...(fields.has('entities') && t.urls.length ? { entities: { urls: t.urls } } : {}),
  });

  /** `data` plus `includes` as expansions ask, the way every v2 lookup answers. */
  const expand = (list: StoredTweet[], url: URL) => {
    const fields = new Set((url.searchParams.get('tweet.fields') ?? '').split(',').filter(Boolean));
    const expansions = new Set((url.searchParams.get('expansions') ?? '').split(',').filter(Boolean));
    const includes: Record<string, unknown[]> = {};
    if (expansions.has('author_id'))
      includes.users = [...new Map(list.map((t) => [t.author.id, t.author])).values()];
    if (expansions.has('attachments.media_keys')) {
      const all = list.flatMap((t) => t.media);
      if (all.length)
        includes.media = all.map((m) => ({
          media_key: m.key,
          type: 'photo',
          ...(m.altText ? { alt_text: m.altText } : {}),
        }));
    }
    return {
      data: list.map((t) => tweetFields(t, fields)),
      ...(Object.keys(includes).length ? { includes } : {}),
    };
  };

  function postTweet(body: Record<string, unknown>) {
    const allowed = new Set([
      'text',
      'reply',
      'media',
      'quote_tweet_id',
      'reply_settings',
      'for_super_followers_only',
      'poll',
      'direct_message_deep_link',
      'geo',
      'nullcast',
    ]);
    for (const k of Object.keys(body))
      if (!allowed.has(k))
        throw new HttpError(
          400,
          invalid(`$.${k}: is not defined in the schema and the schema does not allow additional properties`),
        );
    const text = typeof body.text === 'string' ? body.text : '';
    const mediaIds = ((body.media as { media_ids?: unknown } | undefined)?.media_ids ?? []) as unknown[];
    if (!Array.isArray(mediaIds) || mediaIds.length > 4)
      throw new HttpError(400, invalid('$.media.media_ids: there must be a maximum of 4 items in the array'));
    if (!text && mediaIds.length === 0)
      throw new HttpError(400, invalid('$.text: must not be empty when media is not present'));
    // The API answers over-long text with a 400 problem; the connector must never get here.
    if (weightedLength(text) > 280)
      throw new HttpError(
        400,
        invalid(
          'Your Tweet text is too long. For more information on how X determines text length see https://github.com/twitter/twitter-text.',
        ),
      );
    const attached = mediaIds.map((id) => media.get(String(id)));
    if (attached.some((m) => !m || !m.finalized))
      throw new HttpError(400, invalid('Your media IDs are invalid.'));
    const replyTo = (body.reply as { in_reply_to_tweet_id?: unknown } | undefined)?.in_reply_to_tweet_id;
    if (
      replyTo !== undefined &&
      (typeof replyTo !== 'string' || !tweets.get(replyTo) || tweets.get(replyTo)!.deleted)
    )
      throw new HttpError(
        403,
        problem(403, 'Forbidden', 'You attempted to reply to a Tweet that is deleted or not visible to you.'),
      );
    const dayAgo = Date.now() - 86_400_000;
    const dup = [...tweets.values()].some(
      (t) =>
        !t.deleted && t.author.id === council.id && t.source === text && Date.parse(t.created_at) > dayAgo,
    );
    if (dup)
      throw new HttpError(
        403,
        problem(403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.'),
      );
    const t = createTweet(council, text, {
      ...(typeof replyTo === 'string' ? { inReplyTo: replyTo } : {}),
      media: attached as StoredMedia[],
    });
    return { data: { id: t.id, text: t.text, edit_history_tweet_ids: [t.id] } };
  }

  function timeline(list: StoredTweet[], url: URL) {
    const max = Math.min(Math.max(Number(url.searchParams.get('max_results') ?? 10) || 10, 5), 100);
    const since = url.searchParams.get('since_id');
    const token = url.searchParams.get('pagination_token');
    let rows = list
      .filter((t) => !t.deleted && (!since || BigInt(t.id) > BigInt(since)))
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? 1 : -1));
    if (token) rows = rows.filter((t) => BigInt(t.id) < BigInt(Buffer.from(token, 'base64url').toString()));
    const page = rows.slice(0, max);
    if (page.length === 0) return { meta: { result_count: 0 } };
    const more = rows.length > max;
    return {
      ...expand(page, url),
      meta: {
        result_count: page.length,
        newest_id: page[0]!.id,
        oldest_id: page.at(-1)!.id,
        ...(more ? { next_token: Buffer.from(page.at(-1)!.id).toString('base64url') } : {}),
      },
    };
  }

  async function upload(req: http.IncomingMessage, url: URL, body: Buffer) {
    const p = url.pathname;
    if (p === '/2/media/upload/initialize') {
      const b = JSON.parse(body.toString('utf8')) as {
        media_type?: string;
        total_bytes?: number;
        media_category?: string;
      };
      if (!b.media_type || !['image/jpeg', 'image/png', 'image/gif', 'image/webp'].includes(b.media_type))
        throw new HttpError(400, invalid('$.media_type: does not have a value in the enumeration'));
      if (typeof b.total_bytes !== 'number' || b.total_bytes > 5 * 1024 * 1024)
        throw new HttpError(400, invalid('$.total_bytes: image must be 5 MB or less'));
      const id = nextId();
      media.set(id, {
        id,
        key: `3_${id}`,
        type: b.media_type,
        total: b.total_bytes,
        chunks: [],
        finalized: false,
      });
      return { data: { id, media_key: `3_${id}`, expires_after_secs: 86_400 } };
    }
    const m = /^\/2\/media\/upload\/([^/]+)\/(append|finalize)$/u.exec(p);
    const item = m ? media.get(m[1]!) : undefined;
    if (m && item && m[2] === 'append') {
      const form = parseMultipart(body, String(req.headers['content-type']));
      const chunk = form.get('media');
      if (!chunk) throw new HttpError(400, invalid('$.media: is missing but it is required'));
      item.chunks[Number(form.get('segment_index')?.toString() ?? 0)] = chunk;
      return { data: { expires_at: Math.floor(Date.now() / 1000) + 86_400 } };
    }
    if (m && item && m[2] === 'finalize') {
      const bytes = Buffer.concat(item.chunks);
      if (bytes.length !== item.total)
        throw new HttpError(400, invalid('Segments do not add up to provided total file size.'));
      const png = bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
      if ((item.type === 'image/png' && !png) || (item.type === 'image/jpeg' && !jpeg))
        throw new HttpError(400, invalid('InvalidMedia: the file is not the declared type'));
      item.finalized = true;
      return { data: { id: item.id, media_key: item.key, size: bytes.length, expires_after_secs: 86_400 } };
    }
    if (p === '/2/media/metadata') {
      const b = JSON.parse(body.toString('utf8')) as {
        id?: string;
        metadata?: { alt_text?: { text?: string } };
      };
      const target = b.id ? media.get(b.id) : undefined;
      const alt = b.metadata?.alt_text?.text;
      if (!target) throw new HttpError(400, invalid('$.id: media not found'));
      if (typeof alt !== 'string' || [...alt].length > 1000)
        throw new HttpError(400, invalid('$.metadata.alt_text.text: must be at most 1000 characters'));
      target.altText = alt;
      return { data: { id: target.id, associated_metadata: { alt_text: { text: alt } } } };
    }
    return undefined;
  }

  async function route(
    req: http.IncomingMessage,
    url: URL,
    body: Buffer,
  ): Promise<{ status: number; body: unknown }> {
    const p = url.pathname;
    const m = req.method ?? 'GET';
    if (m === 'POST' && p === '/2/tweets') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new HttpError(400, invalid('Request body is not valid JSON'));
      }
      return { status: 201, body: postTweet(parsed as Record<string, unknown>) };
    }
    if (m === 'POST' && p.startsWith('/2/media/')) {
      const r = await upload(req, url, body);
      if (r) return { status: 200, body: r };
    }
    if (m === 'GET' && p === '/2/users/me') return { status: 200, body: { data: council } };
    const userList = /^\/2\/users\/([^/]+)\/(mentions|tweets)$/u.exec(p);
    if (m === 'GET' && userList) {
      const user = users.get(userList[1]!);
      if (!user)
        throw new HttpError(
          404,
          problem(
            404,
            'Not Found Error',
            `Could not find user with id: [${userList[1]}].`,
            'https://api.twitter.com/2/problems/resource-not-found',
          ),
        );
      const all = [...tweets.values()];
      const list =
        userList[2] === 'tweets'
          ? all.filter((t) => t.author.id === user.id)
          : all.filter((t) => t.author.id !== user.id && t.source.includes(`@${user.username}`));
      return { status: 200, body: timeline(list, url) };
    }
    const one = /^\/2\/tweets\/([^/]+)$/u.exec(p);
    if (one) {
      const t = tweets.get(one[1]!);
      if (m === 'DELETE') {
        if (t && t.author.id !== council.id)
          throw new HttpError(403, problem(403, 'Forbidden', 'You are not authorized to delete this Tweet.'));
        if (t) t.deleted = true;
        return { status: 200, body: { data: { deleted: Boolean(t) } } };
      }
      if (m === 'GET') {
        // A missing tweet is a 200 with an `errors` array, not a 404.
        if (!t || t.deleted)
          return {
            status: 200,
            body: {
              errors: [
                {
                  value: one[1],
                  detail: `Could not find tweet with id: [${one[1]}].`,
                  title: 'Not Found Error',
                  resource_type: 'tweet',
                  parameter: 'id',
                  resource_id: one[1],
                  type: 'https://api.twitter.com/2/problems/resource-not-found',
                },
              ],
            },
          };
        const r = expand([t], url);
        return {
          status: 200,
          body: { data: r.data[0], ...('includes' in r ? { includes: r.includes } : {}) },
        };
      }
    }
    throw new HttpError(404, {
      errors: [{ message: 'The requested resource could not be found.' }],
      title: 'Not Found Error',
      detail: 'Sorry, that page does not exist.',
      type: 'about:blank',
      status: 404,
    });
  }

  const rateHeaders = (remaining: number) => ({
    'x-rate-limit-limit': '100',
    'x-rate-limit-remaining': String(remaining),
    'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + 900),
  });

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(req);
      if (url.pathname === '/__control/fault') {
        api.injectFault((JSON.parse(body.toString('utf8')) as { fault: XFault }).fault);
        return send(res, 204, undefined);
      }
      if (req.method === 'GET' && url.pathname === '/i/oauth2/authorize') return authorize(url, res);
      requests.push({ method: req.method ?? 'GET', path: url.pathname });
      const fault = faults.take(res);
      if (fault === 'timeout') return;
      if (fault === 'rate_limited')
        return send(res, 429, problem(429, 'Too Many Requests', 'Too Many Requests'), rateHeaders(0));
      if (fault === 'unavailable')
        return send(res, 503, problem(503, 'Service Unavailable', 'Service Unavailable'));
      if (req.method === 'POST' && url.pathname === '/2/oauth2/token') {
        const r = tokenEndpoint(req, body);
        return send(res, r.status, r.body);
      }
      const bearer = /^Bearer (.+)$/u.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const issuedToken = accessTokens.get(bearer);
      const isLive = bearer === token || (issuedToken !== undefined && issuedToken.expiresAt > Date.now());
      if (fault === 'auth_expired' || !tokenValid || !isLive)
        return send(res, 401, problem(401, 'Unauthorized', 'Unauthorized'));
      try {
        const r = await route(req, url, body);
        return send(res, r.status, r.body, rateHeaders(99));
      } catch (error) {
        if (error instanceof HttpError) return send(res, error.status, error.body, rateHeaders(99));
        return send(res, 500, problem(500, 'Internal Server Error', String(error)));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const api: XServer = {
    baseUrl,
    token,
    council,
    readTweet(id) {
      const t = tweets.get(id);
      return t && !t.deleted
        ? structuredClone({ ...t, altTexts: t.media.map((m) => m.altText ?? '') })
        : undefined;
    },
    setMetrics(id, metrics) {
      const t = tweets.get(id);
      if (!t || t.deleted) throw new Error(`no tweet ${id}`);
      for (const [k, v] of Object.entries(metrics))
        if (!Number.isInteger(v) || (v as number) < 0)
          throw new Error(`${k} must be a whole number, 0 or more`);
      Object.assign(t.metrics, metrics);
    },
    countContaining: (text) =>
      [...tweets.values()].filter((t) => !t.deleted && t.author.id === council.id && t.source.includes(text))
        .length,
    injectFault: (fault) => faults.inject(fault),
    expireToken: () => void (tokenValid = false),
    oauthClient,
    allowRedirectUri: (uri) => void redirectUris.add(uri),
    denyNext: () => void (denyNext = true),
    expireAccessTokens: () => {
      for (const t of accessTokens.values()) t.expiresAt = 0;
    },
    revokeRefreshTokens: () => {
      for (const t of refreshTokens.values()) t.used = true;
    },
    issued: () => ({ accessTokens: accessTokens.size, refreshTokens: refreshTokens.size, refreshGrants }),
    codeTtlMs: 30_000,
    residentMentions(text, o = {}) {
      const source = text.includes(`@${council.username}`) ? text : `@${council.username} ${text}`;
      return createTweet(resident, source, o.inReplyToId ? { inReplyTo: o.inReplyToId } : {}).id;
    },
    mentionPayloads(pageSize = 100) {
      const url = new URL(`${baseUrl}/2/users/${council.id}/mentions`);
      url.searchParams.set('max_results', String(pageSize));
      url.searchParams.set(
        'tweet.fields',
        'created_at,author_id,conversation_id,referenced_tweets,entities,attachments',
      );
      url.searchParams.set('expansions', 'author_id,attachments.media_keys');
      const pages: unknown[] = [];
      for (;;) {
        const page = timeline(
          [...tweets.values()].filter((t) => t.author.id !== council.id),
          url,
        ) as { meta: { next_token?: string } };
        pages.push(page);
        if (!page.meta.next_token) return pages;
        url.searchParams.set('pagination_token', page.meta.next_token);
      }
    },
    requests,
    async close() {
      await faults.close(server);
    },
  };
  return api;
}

/**
 * multipart/form-data parts as raw bytes. twitter-api-v2 sends the media chunk without a
 * filename, which WHATWG FormData would decode as UTF-8 text and corrupt, as X does not.
 */
function parseMultipart(body: Buffer, contentType: string): Map<string, Buffer> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/iu.exec(contentType);
  const parts = new Map<string, Buffer>();
  if (!boundary) throw new HttpError(400, invalid('Expected multipart/form-data'));
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length + 2;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const part = body.subarray(start, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const name = /name="([^"]+)"/u.exec(part.subarray(0, split).toString('utf8'))?.[1];
    if (name && split !== -1) parts.set(name, part.subarray(split + 4));
    at = next;
  }
  return parts;
}
