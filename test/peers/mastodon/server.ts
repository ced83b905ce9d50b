/**
 * A Mastodon contract server: the REST endpoints the Mastodon connector uses, built from
 * docs.joinmastodon.org (methods/statuses, methods/media, methods/notifications,
 * methods/accounts, entities/Status, entities/Error, api/rate-limits). It checks what it
 * receives as strictly as a Mastodon 4.x server would (Bearer token, the 500-character limit
 * counted as StatusLengthValidator counts, 4 attachments, 1500-character descriptions, file
 * types by content), and injects the provider's faults on demand. It is also the server's
 * OAuth provider as methods/apps and methods/oauth document it (Doorkeeper underneath): app
 * registration, /oauth/authorize (auto-approving for the test user; `decision=deny` in the
 * query or `denyNext()` refuses), authorization codes that are single use, expire after ten
 * minutes and are bound to the client, redirect URI and PKCE challenge, /oauth/token with
 * Doorkeeper's error bodies, and tokens limited to their granted scopes and bound to the
 * user who approved (`signInAsNext` approves as someone else). Residents favourite and boost
 * with their own token (`residentToken`) through POST /api/v1/statuses/:id/favourite and
 * /reblog (write:favourites, write:statuses), once per person, which is what moves
 * favourites_count and reblogs_count. Test-only: never used by the running product.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Buffer } from 'node:buffer';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { FaultQueue, header, HttpError, readBody, send } from '../rest-peer.ts';

export type MastodonFault = 'rate_limited' | 'unavailable' | 'auth_expired' | 'timeout';

export type MastoAccount = { id: string; username: string; acct: string; display_name: string; url: string };

type StoredMedia = {
  id: string;
  type: 'image';
  mimeType: string;
  description: string | null;
  statusId?: string;
};

type StoredStatus = {
  id: string;
  /** The source text as posted (what GET /api/v1/statuses/:id/source returns). */
  text: string;
  content: string;
  spoiler_text: string;
  visibility: 'public' | 'unlisted' | 'private' | 'direct';
  language: string | null;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  media: StoredMedia[];
  account: MastoAccount;
  mentions: MastoAccount[];
  created_at: string;
  favourites_count: number;
  reblogs_count: number;
  replies_count: number;
  deleted: boolean;
};

type StoredNotification = {
  id: string;
  type: 'mention';
  created_at: string;
  account: MastoAccount;
  statusId: string;
};

/** Mastodon's documented limits (instance configuration defaults). */
export const mastodonLimits = {
  maxChars: 500,
  urlChars: 23,
  maxMedia: 4,
  maxDescription: 1500,
  maxImageBytes: 16 * 1024 * 1024,
};

const imageTypes: Record<string, (b: Buffer) => boolean> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => b.subarray(0, 4).toString('latin1') === 'GIF8',
  'image/webp': (b) =>
    b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
};

const urlRe = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gu;
const mentionRe = /(^|[^\w/])@([a-z0-9_]+)(?:@([a-z0-9.-]+\.[a-z]{2,}))?/giu;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** StatusLengthValidator: spoiler text raw, plus the text with URLs as 23 and mentions local. */
export function mastodonLength(text: string, spoiler: string): number {
  const countable = text.replace(urlRe, 'x'.repeat(mastodonLimits.urlChars)).replace(mentionRe, '$1@$2');
  return [...graphemes.segment(spoiler + countable)].length;
}

const escapeHtml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/** Renders plain text as Mastodon's TextFormatter does: paragraphs, <br />, linkified URLs. */
function renderContent(text: string, origin: string): string {
  const linkify = (line: string) => {
    let out = '';
    let last = 0;
    for (const m of line.matchAll(urlRe)) {
      out += escapeHtml(line.slice(last, m.index));
      const url = m[0];
      const scheme = /^https?:\/\//u.exec(url)?.[0] ?? '';
      const rest = url.slice(scheme.length);
      const shown = rest.slice(0, 30);
      out +=
        `<a href="${escapeHtml(url)}" target="_blank" rel="nofollow noopener noreferrer" translate="no">` +
        `<span class="invisible">${escapeHtml(scheme)}</span><span class="${rest.length > 30 ? 'ellipsis' : ''}">${escapeHtml(shown)}</span>` +
        `<span class="invisible">${escapeHtml(rest.slice(30))}</span></a>`;
      last = m.index + url.length;
    }
    out += escapeHtml(line.slice(last));
    return out.replace(
      /(^|\s)@([a-z0-9_]+)(?:@[a-z0-9.-]+\.[a-z]{2,})?/giu,
      (_m, pre: string, user: string) => {
        return `${pre}<span class="h-card" translate="no"><a href="${origin}/@${user}" class="u-url mention">@<span>${user}</span></a></span>`;
      },
    );
  };
  return text
    .split(/\n{2,}/u)
    .map((p) => `<p>${p.split('\n').map(linkify).join('<br />')}</p>`)
    .join('');
}

export type MastodonServer = {
  baseUrl: string;
  token: string;
  council: MastoAccount;
  /** The status as the server holds it, or undefined when missing or deleted. */
  readStatus(id: string): (StoredStatus & { altTexts: string[] }) | undefined;
  /** Non-deleted statuses of the council account whose source text contains `text`. */
  countContaining(text: string): number;
  /** The next request (any endpoint) fails this way, once. */
  injectFault(fault: MastodonFault): void;
  /** Revokes the token for good: every later request gets 401. */
  expireToken(): void;
  /** A resident mentions the council (visibility direct makes it a DM); returns status and notification ids. */
  residentWrites(
    text: string,
    opts?: { visibility?: 'public' | 'direct'; html?: string; inReplyToId?: string; spoiler?: string },
  ): {
    statusId: string;
    notificationId: string;
  };
  /** Every notification as the API serialises it, newest first (recorded payloads for benches). */
  notificationPayloads(): unknown[];
  requests: { method: string; path: string; idempotencyKey?: string }[];
  /** Apps registered with POST /api/v1/apps. */
  apps(): { clientId: string; name: string; redirectUris: string[]; scopes: string[] }[];
  /** Tokens issued by /oauth/token with their scopes. */
  issuedTokens(): { token: string; scopes: string[] }[];
  /** The next /oauth/authorize is refused by the "user", as if they pressed Deny. */
  denyNext(): void;
  /**
   * The next /oauth/authorize is approved by a different user of the server (someone signed
   * in to another account in that browser): the token issued for its code is theirs.
   */
  signInAsNext(username: string): void;
  /** A resident's own user token (scopes read write follow), to favourite and boost as they would. */
  residentToken: string;
  /** How long an authorization code lives (Doorkeeper's default is 10 minutes). */
  codeTtlMs: number;
  close(): Promise<void>;
};

type OAuthApp = {
  id: string;
  clientId: string;
  secret: string;
  name: string;
  redirectUris: string[];
  scopes: string[];
};
type OAuthCode = {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  challenge?: string;
  method?: string;
  expiresAt: number;
  used: boolean;
  user: MastoAccount;
};

/** Mastodon's scopes (methods/oauth, api/oauth-scopes); `read` and `write` include their children. */
const knownScopes = new Set([
  'read',
  'write',
  'follow',
  'push',
  'profile',
  'admin:read',
  'admin:write',
  ...[
    'accounts',
    'blocks',
    'bookmarks',
    'favourites',
    'filters',
    'follows',
    'lists',
    'mutes',
    'notifications',
    'search',
    'statuses',
  ].map((s) => `read:${s}`),
  ...[
    'accounts',
    'blocks',
    'bookmarks',
    'conversations',
    'favourites',
    'filters',
    'follows',
    'lists',
    'media',
    'mutes',
    'notifications',
    'reports',
    'statuses',
  ].map((s) => `write:${s}`),
]);
const covers = (granted: string[], needed: string) =>
  granted.includes(needed) ||
  granted.includes(needed.split(':')[0]!) ||
  (needed === 'read:accounts' && granted.includes('profile'));

const oauthErrors = {
  invalid_client:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_grant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  access_denied: 'The resource owner or authorization server denied the request.',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
  unsupported_response_type: 'The authorization server does not support this response type.',
  invalid_redirect_uri: "The requested redirect uri is malformed or doesn't match client redirect URI.",
  invalid_request:
    'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
};

/** The scope each endpoint needs (methods/*: "OAuth: User token + scope"). */
function scopeFor(method: string, path: string): string | undefined {
  if (method === 'POST' && path === '/api/v1/statuses') return 'write:statuses';
  if (method === 'POST' && path === '/api/v2/media') return 'write:media';
  if (method === 'GET' && path === '/api/v1/accounts/verify_credentials') return 'read:accounts';
  if (method === 'GET' && path === '/api/v1/notifications') return 'read:notifications';
  if (method === 'POST' && /^\/api\/v1\/statuses\/[^/]+\/(un)?favourite$/.test(path))
    return 'write:favourites';
  if (method === 'POST' && /^\/api\/v1\/statuses\/[^/]+\/(un)?reblog$/.test(path)) return 'write:statuses';
  if (method === 'DELETE' && path.startsWith('/api/v1/statuses/')) return 'write:statuses';
  if (method === 'GET' && /^\/api\/v1\/(statuses|accounts)\//.test(path)) return 'read:statuses';
  return undefined;
}

/** Starts the server on 127.0.0.1 with a random port. */
export async function startMastodonServer(opts: { token?: string } = {}): Promise<MastodonServer> {
  const token = opts.token ?? 'masto-test-token-0123456789';
  let tokenValid = true;
  const oauthApps = new Map<string, OAuthApp>();
  const codes = new Map<string, OAuthCode>();
  const issued = new Map<string, string[]>();
  let denyNext = false;
  let nextUser: MastoAccount | undefined;
  /** Whose each user token is; the council's own configured token is the council's. */
  const tokenUsers = new Map<string, MastoAccount>();
  const residentToken = randomBytes(32).toString('base64url');
  issued.set(residentToken, ['read', 'write', 'follow']);
  /** Who has favourited each status, and each user's boost of a status (a status of its own). */
  const favouritedBy = new Map<string, Set<string>>();
  const reblogs = new Map<string, Map<string, string>>();
  const faults = new FaultQueue<MastodonFault>();
  const statuses = new Map<string, StoredStatus>();
  const media = new Map<string, StoredMedia>();
  const notifications: StoredNotification[] = [];
  const idempotency = new Map<string, { statusId: string; at: number }>();
  const requests: MastodonServer['requests'] = [];
  let seq = 110_000_000_000_000_000n;
  const nextId = () => (seq += 1n).toString();
  let origin = 'http://127.0.0.1';

  const account = (id: string, username: string, display: string): MastoAccount => ({
    id,
    username,
    acct: username,
    display_name: display,
    url: `${origin}/@${username}`,
  });
  let council = account('1', 'townsquarecouncil', 'Townsquare Council');
  let resident = { ...account('2', 'resident', 'A Resident'), acct: 'resident@social.example' };

  const serialiseStatus = (s: StoredStatus) => ({
    id: s.id,
    created_at: s.created_at,
    in_reply_to_id: s.in_reply_to_id,
    in_reply_to_account_id: s.in_reply_to_account_id,
    sensitive: s.spoiler_text.length > 0,
    spoiler_text: s.spoiler_text,
    visibility: s.visibility,
    language: s.language,
    uri: `${origin}/users/${s.account.username}/statuses/${s.id}`,
    url: `${origin}/@${s.account.username}/${s.id}`,
    replies_count: s.replies_count,
    reblogs_count: s.reblogs_count,
    favourites_count: s.favourites_count,
    edited_at: null,
    content: s.content,
    reblog: null,
    application: { name: 'Townsquare', website: null },
    account: {
      ...s.account,
      locked: false,
      bot: false,
      note: '',
      avatar: `${origin}/avatars/original/missing.png`,
    },
    media_attachments: s.media.map((m) => ({
      id: m.id,
      type: m.type,
      url: `${origin}/system/media_attachments/files/${m.id}/original/file`,
      preview_url: `${origin}/system/media_attachments/files/${m.id}/small/file`,
      remote_url: null,
      description: m.description,
      blurhash: 'UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}',
    })),
    mentions: s.mentions.map((a) => ({ id: a.id, username: a.username, acct: a.acct, url: a.url })),
    tags: [],
    emojis: [],
    card: null,
    poll: null,
  });

  const serialiseNotification = (n: StoredNotification) => {
    const s = statuses.get(n.statusId);
    return {
      id: n.id,
      type: n.type,
      created_at: n.created_at,
      account: n.account,
      status: s ? serialiseStatus(s) : null,
    };
  };

  const rateHeaders = (remaining: number): Record<string, string> => ({
    'x-ratelimit-limit': '300',
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': new Date(Date.now() + 5 * 60_000).toISOString(),
  });

  const createStatus = (by: MastoAccount, fields: Partial<StoredStatus> & { text: string }): StoredStatus => {
    const parent = fields.in_reply_to_id ? statuses.get(fields.in_reply_to_id) : undefined;
    if (parent) parent.replies_count += 1;
    const mentions = [...fields.text.matchAll(mentionRe)].map((m) =>
      m[2] === council.username ? council : resident,
    );
    const s: StoredStatus = {
      id: nextId(),
      content: renderContent(fields.text, origin),
      spoiler_text: '',
      visibility: 'public',
      language: 'en',
      in_reply_to_id: null,
      in_reply_to_account_id: parent?.account.id ?? null,
      media: [],
      account: by,
      mentions,
      created_at: new Date().toISOString(),
      favourites_count: 0,
      reblogs_count: 0,
      replies_count: 0,
      deleted: false,
      ...fields,
    };
    statuses.set(s.id, s);
    return s;
  };

  async function postStatus(req: http.IncomingMessage, body: Buffer): Promise<unknown> {
    const params = parseParams(req, body);
    const key = header(req, 'idempotency-key');
    if (key) {
      const seen = idempotency.get(`${council.id}-${key}`);
      // Mastodon keeps idempotency keys for an hour and answers with the original status.
      if (seen && Date.now() - seen.at < 3_600_000) return serialiseStatus(statuses.get(seen.statusId)!);
    }
    const text = str(params.status) ?? '';
    const spoiler = str(params.spoiler_text) ?? '';
    const mediaIds = list(params.media_ids ?? params['media_ids[]']);
    const visibility = str(params.visibility) ?? 'public';
    if (!['public', 'unlisted', 'private', 'direct'].includes(visibility))
      throw new HttpError(422, { error: 'Validation failed: Visibility is not included in the list' });
    if (text.trim() === '' && mediaIds.length === 0)
      throw new HttpError(422, { error: "Validation failed: Text can't be blank" });
    if (mastodonLength(text, spoiler) > mastodonLimits.maxChars)
      throw new HttpError(422, {
        error: `Validation failed: Text character limit of ${mastodonLimits.maxChars} exceeded`,
      });
    if (mediaIds.length > mastodonLimits.maxMedia)
      throw new HttpError(422, { error: 'Cannot attach more than 4 files' });
    const attached = mediaIds.map((id) => media.get(id));
    if (attached.some((m) => !m || m.statusId))
      throw new HttpError(422, { error: 'Validation failed: Media attachments are invalid' });
    const inReplyTo = str(params.in_reply_to_id);
    if (inReplyTo && (!statuses.has(inReplyTo) || statuses.get(inReplyTo)!.deleted))
      throw new HttpError(404, { error: 'Record not found' });
    const s = createStatus(council, {
      text,
      spoiler_text: spoiler,
      visibility: visibility as StoredStatus['visibility'],
      language: str(params.language) ?? null,
      in_reply_to_id: inReplyTo ?? null,
      media: attached as StoredMedia[],
    });
    for (const m of s.media) m.statusId = s.id;
    if (key) idempotency.set(`${council.id}-${key}`, { statusId: s.id, at: Date.now() });
    return serialiseStatus(s);
  }

  async function postMedia(req: http.IncomingMessage, body: Buffer): Promise<unknown> {
    const type = header(req, 'content-type') ?? '';
    if (!type.startsWith('multipart/form-data'))
      throw new HttpError(422, { error: 'Validation failed: File is missing' });
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    const file = form.get('file');
    if (!(file instanceof Blob))
      throw new HttpError(422, { error: "Validation failed: File can't be blank" });
    const bytes = Buffer.from(await file.arrayBuffer());
    const description = form.get('description');
    if (typeof description === 'string' && [...description].length > mastodonLimits.maxDescription)
      throw new HttpError(422, {
        error: 'Validation failed: Description is too long (maximum is 1500 characters)',
      });
    const detected = Object.entries(imageTypes).find(([, test]) => test(bytes))?.[0];
    if (!detected || (file.type && file.type !== detected))
      throw new HttpError(422, { error: 'Validation failed: File content type is invalid, File is invalid' });
    if (bytes.length > mastodonLimits.maxImageBytes)
      throw new HttpError(422, { error: 'Validation failed: File file size must be less than 16 MB' });
    const m: StoredMedia = {
      id: nextId(),
      type: 'image',
      mimeType: detected,
      description: typeof description === 'string' ? description : null,
    };
    media.set(m.id, m);
    return {
      id: m.id,
      type: 'image',
      url: `${origin}/system/media_attachments/files/${m.id}/original/file`,
      preview_url: `${origin}/system/media_attachments/files/${m.id}/small/file`,
      remote_url: null,
      description: m.description,
      blurhash: null,
    };
  }

  function listNotifications(url: URL): { body: unknown; link?: string } {
    const types = url.searchParams.getAll('types[]');
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 40) || 40, 80);
    const since = url.searchParams.get('since_id');
    const min = url.searchParams.get('min_id');
    const max = url.searchParams.get('max_id');
    let rows = notifications.filter(
      (n) => (types.length === 0 || types.includes(n.type)) && statuses.get(n.statusId)?.deleted === false,
    );
    if (max) rows = rows.filter((n) => BigInt(n.id) < BigInt(max));
    const floor = min ?? since;
    if (floor) rows = rows.filter((n) => BigInt(n.id) > BigInt(floor));
    // Newest first; min_id pages upward from the cursor, since_id takes the newest page.
    rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    const page = (min ? rows.slice(0, limit) : rows.slice(-limit)).reverse();
    const first = page[0];
    const last = page.at(-1);
    const link =
      first && last
        ? `<${origin}/api/v1/notifications?max_id=${last.id}>; rel="next", <${origin}/api/v1/notifications?min_id=${first.id}>; rel="prev"`
        : undefined;
    return { body: page.map(serialiseNotification), ...(link ? { link } : {}) };
  }

  function registerApp(req: http.IncomingMessage, body: Buffer): unknown {
    const params = parseParams(req, body);
    const name = str(params.client_name)?.trim();
    if (!name) throw new HttpError(422, { error: "Validation failed: Application name can't be blank" });
    const rawUris = params.redirect_uris ?? params['redirect_uris[]'];
    const redirectUris = (
      Array.isArray(rawUris) ? rawUris.map(String) : (str(rawUris) ?? '').split(/\s+/u)
    ).filter(Boolean);
    if (redirectUris.length === 0)
      throw new HttpError(422, { error: "Validation failed: Redirect URI can't be blank" });
    for (const uri of redirectUris) {
      let ok = uri === 'urn:ietf:wg:oauth:2.0:oob';
      try {
        const u = new URL(uri);
        ok ||= Boolean(u.protocol && u.host) && !u.hash;
      } catch {
        // not absolute
      }
      if (!ok)
        throw new HttpError(422, { error: 'Validation failed: Redirect URI must be an absolute URI.' });
    }
    const scopes = (str(params.scopes) ?? 'read').split(/\s+/u).filter(Boolean);
    if (scopes.some((sc) => !knownScopes.has(sc)))
      throw new HttpError(422, { error: 'Validation failed: Scopes are invalid' });
    const app: OAuthApp = {
      id: nextId(),
      clientId: randomBytes(32).toString('base64url'),
      secret: randomBytes(32).toString('base64url'),
      name,
      redirectUris,
      scopes,
    };
    oauthApps.set(app.clientId, app);
    return {
      id: app.id,
      name,
      website: str(params.website) ?? null,
      scopes,
      redirect_uri: redirectUris.join('\n'),
      redirect_uris: redirectUris,
      client_id: app.clientId,
      client_secret: app.secret,
      client_secret_expires_at: 0,
      vapid_key: 'BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M=',
    };
  }

  /** Doorkeeper's authorize endpoint, with the user's consent given (or refused) at once. */
  function authorize(url: URL, res: http.ServerResponse) {
    const q = url.searchParams;
    const app = oauthApps.get(q.get('client_id') ?? '');
    const page = (status: number, error: keyof typeof oauthErrors) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><title>An error has occurred</title><h1>An error has occurred</h1><p>${oauthErrors[error]}</p>`,
      );
    };
    // Never redirect to an address the client did not register: show the error here instead.
    if (!app) return page(401, 'invalid_client');
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!app.redirectUris.includes(redirectUri)) return page(400, 'invalid_redirect_uri');
    const back = (params: Record<string, string>) => {
      const target = new URL(redirectUri);
      for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
      const state = q.get('state');
      if (state !== null) target.searchParams.set('state', state);
      res.writeHead(302, { location: target.toString() });
      res.end();
    };
    const fail = (error: keyof typeof oauthErrors) => back({ error, error_description: oauthErrors[error] });
    if (q.get('response_type') !== 'code') return fail('unsupported_response_type');
    const scopes = (q.get('scope') ?? 'read').split(/\s+/u).filter(Boolean);
    if (scopes.some((sc) => !app.scopes.includes(sc))) return fail('invalid_scope');
    const challenge = q.get('code_challenge') ?? undefined;
    const method = q.get('code_challenge_method') ?? (challenge ? 'plain' : undefined);
    if (challenge && method !== 'S256' && method !== 'plain') return fail('invalid_request');
    if (denyNext || q.get('decision') === 'deny') {
      denyNext = false;
      return fail('access_denied');
    }
    const code = randomBytes(32).toString('base64url');
    const user = nextUser ?? council;
    nextUser = undefined;
    codes.set(code, {
      user,
      clientId: app.clientId,
      redirectUri,
      scopes,
      ...(challenge ? { challenge, method } : {}),
      expiresAt: Date.now() + api.codeTtlMs,
      used: false,
    });
    return back({ code });
  }

  function issueToken(req: http.IncomingMessage, body: Buffer): { status: number; body: unknown } {
    const params = parseParams(req, body);
    const basic = /^Basic (.+)$/u.exec(header(req, 'authorization') ?? '');
    const [basicId, basicSecret] = basic ? Buffer.from(basic[1]!, 'base64').toString().split(':') : [];
    const clientId = basicId ?? str(params.client_id) ?? '';
    const secret = basicSecret ?? str(params.client_secret) ?? '';
    const app = oauthApps.get(clientId);
    const same = (a: string, b: string) =>
      a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
    const error = (status: number, e: keyof typeof oauthErrors) => ({
      status,
      body: { error: e, error_description: oauthErrors[e] },
    });
    if (!app || !same(app.secret, secret)) return error(401, 'invalid_client');
    if (str(params.grant_type) !== 'authorization_code') return error(400, 'unsupported_grant_type');
    const code = codes.get(str(params.code) ?? '');
    if (!code || code.used || code.expiresAt < Date.now() || code.clientId !== app.clientId)
      return error(400, 'invalid_grant');
    if (code.redirectUri !== str(params.redirect_uri)) return error(400, 'invalid_grant');
    if (code.challenge) {
      const verifier = str(params.code_verifier) ?? '';
      const derived =
        code.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (!verifier || derived !== code.challenge) return error(400, 'invalid_grant');
    }
    code.used = true;
    const accessToken = randomBytes(32).toString('base64url');
    issued.set(accessToken, code.scopes);
    tokenUsers.set(accessToken, code.user);
    return {
      status: 200,
      body: {
        access_token: accessToken,
        token_type: 'Bearer',
        scope: code.scopes.join(' '),
        created_at: Math.floor(Date.now() / 1000),
      },
    };
  }

  /**
   * POST /api/v1/statuses/:id/favourite and /reblog (methods/statuses): once per user (doing
   * it again changes nothing and answers the same), only on statuses the user can see, and
   * never a boost of a private or direct status. The favourite answers with the status; the
   * boost with the new reblog status wrapping it.
   */
  function engage(viewer: MastoAccount, s: StoredStatus, action: string): unknown {
    const visible =
      s.account.id === viewer.id ||
      s.visibility === 'public' ||
      s.visibility === 'unlisted' ||
      s.mentions.some((a) => a.id === viewer.id);
    if (!visible) throw new HttpError(404, { error: 'Record not found' });
    const fans = favouritedBy.get(s.id) ?? new Set<string>();
    favouritedBy.set(s.id, fans);
    const boosts = reblogs.get(s.id) ?? new Map<string, string>();
    reblogs.set(s.id, boosts);
    if (action === 'favourite') fans.add(viewer.id);
    if (action === 'unfavourite') fans.delete(viewer.id);
    // StatusPolicy#reblog?: never a direct status, and a private one only by its author.
    if (
      action === 'reblog' &&
      (s.visibility === 'direct' || (s.visibility === 'private' && s.account.id !== viewer.id))
    )
      throw new HttpError(403, { error: 'This action is not allowed' });
    if (action === 'reblog' && !boosts.has(viewer.id)) boosts.set(viewer.id, nextId());
    const boostId = boosts.get(viewer.id);
    if (action === 'unreblog') boosts.delete(viewer.id);
    s.favourites_count = fans.size;
    s.reblogs_count = boosts.size;
    const view = {
      ...serialiseStatus(s),
      favourited: fans.has(viewer.id),
      reblogged: boosts.has(viewer.id),
    };
    if (action !== 'reblog') return view;
    return {
      ...serialiseStatus(s),
      id: boostId,
      content: '',
      account: {
        ...viewer,
        locked: false,
        bot: false,
        note: '',
        avatar: `${origin}/avatars/original/missing.png`,
      },
      uri: `${origin}/users/${viewer.username}/statuses/${boostId}/activity`,
      url: `${origin}/users/${viewer.username}/statuses/${boostId}/activity`,
      media_attachments: [],
      mentions: [],
      favourites_count: 0,
      reblogs_count: 0,
      replies_count: 0,
      reblogged: true,
      reblog: view,
    };
  }

  async function route(
    req: http.IncomingMessage,
    url: URL,
    body: Buffer,
    viewer: MastoAccount,
  ): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const p = url.pathname;
    const m = req.method ?? 'GET';
    const engagement = /^\/api\/v1\/statuses\/([^/]+)\/(favourite|unfavourite|reblog|unreblog)$/u.exec(p);
    if (m === 'POST' && engagement) {
      const s = statuses.get(engagement[1]!);
      if (!s || s.deleted) throw new HttpError(404, { error: 'Record not found' });
      return { status: 200, body: engage(viewer, s, engagement[2]!) };
    }
    if (m === 'POST' && p === '/api/v1/statuses') return { status: 200, body: await postStatus(req, body) };
    if (m === 'POST' && p === '/api/v2/media') return { status: 200, body: await postMedia(req, body) };
    if (m === 'GET' && p === '/api/v1/accounts/verify_credentials')
      return {
        status: 200,
        body: {
          ...viewer,
          locked: false,
          bot: false,
          source: { privacy: 'public', sensitive: false, language: 'en', note: '' },
        },
      };
    if (m === 'GET' && p === '/api/v1/notifications') {
      const r = listNotifications(url);
      return { status: 200, body: r.body, ...(r.link ? { headers: { link: r.link } } : {}) };
    }
    const byAccount = /^\/api\/v1\/accounts\/([^/]+)\/statuses$/u.exec(p);
    if (m === 'GET' && byAccount) {
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 20) || 20, 40);
      const max = url.searchParams.get('max_id');
      const rows = [...statuses.values()]
        .filter((s) => s.account.id === byAccount[1] && !s.deleted && (!max || BigInt(s.id) < BigInt(max)))
        .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? 1 : -1))
        .slice(0, limit);
      return { status: 200, body: rows.map(serialiseStatus) };
    }
    const one = /^\/api\/v1\/statuses\/([^/]+)(\/source)?$/u.exec(p);
    if (one) {
      const s = statuses.get(one[1]!);
      if (!s || s.deleted) throw new HttpError(404, { error: 'Record not found' });
      if (m === 'GET' && one[2])
        return { status: 200, body: { id: s.id, text: s.text, spoiler_text: s.spoiler_text } };
      if (m === 'GET') return { status: 200, body: serialiseStatus(s) };
      if (m === 'DELETE') {
        if (s.account.id !== council.id) throw new HttpError(403, { error: 'This action is not allowed' });
        s.deleted = true;
        return { status: 200, body: { ...serialiseStatus(s), text: s.text } };
      }
    }
    throw new HttpError(404, { error: 'Record not found' });
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      const body = await readBody(req);
      if (url.pathname.startsWith('/__control/')) return control(url, body, res);
      if (req.method === 'GET' && url.pathname === '/oauth/authorize') return authorize(url, res);
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        ...(header(req, 'idempotency-key') ? { idempotencyKey: header(req, 'idempotency-key')! } : {}),
      });
      const fault = faults.take(res);
      if (fault === 'timeout') return;
      if (fault === 'rate_limited') return send(res, 429, { error: 'Too many requests' }, rateHeaders(0));
      if (fault === 'unavailable') {
        // Mastodon sits behind nginx: a 503 arrives as HTML, not JSON.
        res.writeHead(503, { 'content-type': 'text/html' });
        return res.end('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>');
      }
      try {
        if (req.method === 'POST' && url.pathname === '/api/v1/apps')
          return send(res, 200, registerApp(req, body));
        if (req.method === 'POST' && url.pathname === '/oauth/token') {
          const r = issueToken(req, body);
          return send(res, r.status, r.body, { 'cache-control': 'no-store' });
        }
      } catch (error) {
        if (error instanceof HttpError) return send(res, error.status, error.body);
        throw error;
      }
      const auth = header(req, 'authorization');
      const bearer = /^Bearer (.+)$/u.exec(auth ?? '')?.[1] ?? '';
      const grantedScopes = bearer === token ? undefined : issued.get(bearer);
      if (fault === 'auth_expired' || !tokenValid || (bearer !== token && !grantedScopes)) {
        return send(
          res,
          401,
          { error: 'The access token is invalid' },
          { 'www-authenticate': 'Bearer realm="Doorkeeper", error="invalid_token"' },
        );
      }
      const needed = scopeFor(req.method ?? 'GET', url.pathname);
      if (grantedScopes && needed && !covers(grantedScopes, needed))
        return send(res, 403, { error: 'This action is outside the authorized scopes' });
      try {
        const viewer =
          bearer === token
            ? council
            : bearer === residentToken
              ? resident
              : (tokenUsers.get(bearer) ?? council);
        const r = await route(req, url, body, viewer);
        return send(res, r.status, r.body, { ...rateHeaders(299), ...r.headers });
      } catch (error) {
        if (error instanceof HttpError) return send(res, error.status, error.body, rateHeaders(299));
        return send(res, 500, { error: 'We’re sorry, but something went wrong on our end.' });
      }
    })();
  });

  function control(url: URL, body: Buffer, res: http.ServerResponse) {
    const input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, string>) : {};
    if (url.pathname === '/__control/fault') api.injectFault(input.fault as MastodonFault);
    else if (url.pathname === '/__control/inbound')
      return send(res, 200, api.residentWrites(input.text ?? '', input));
    else if (url.pathname === '/__control/expire-token') api.expireToken();
    else return send(res, 404, { error: 'Record not found' });
    return send(res, 204, undefined);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  council = account('1', 'townsquarecouncil', 'Townsquare Council');
  resident = {
    ...account('2', 'resident', 'A Resident'),
    acct: 'resident@social.example',
    url: 'https://social.example/@resident',
  };

  const api: MastodonServer = {
    baseUrl: origin,
    token,
    council,
    readStatus(id) {
      const s = statuses.get(id);
      return s && !s.deleted ? { ...s, altTexts: s.media.map((m) => m.description ?? '') } : undefined;
    },
    countContaining: (text) =>
      [...statuses.values()].filter((s) => !s.deleted && s.account.id === council.id && s.text.includes(text))
        .length,
    injectFault: (fault) => faults.inject(fault),
    expireToken: () => void (tokenValid = false),
    residentWrites(text, o = {}) {
      const body = text.includes(`@${council.username}`) ? text : `@${council.username} ${text}`;
      const s = createStatus(resident, {
        text: body,
        visibility: o.visibility ?? 'public',
        in_reply_to_id: o.inReplyToId ?? null,
        spoiler_text: o.spoiler ?? '',
        ...(o.html ? { content: o.html } : {}),
      });
      const n: StoredNotification = {
        id: nextId(),
        type: 'mention',
        created_at: s.created_at,
        account: resident,
        statusId: s.id,
      };
      notifications.push(n);
      return { statusId: s.id, notificationId: n.id };
    },
    notificationPayloads: () => [...notifications].reverse().map(serialiseNotification),
    requests,
    apps: () =>
      [...oauthApps.values()].map((a) => ({
        clientId: a.clientId,
        name: a.name,
        redirectUris: a.redirectUris,
        scopes: a.scopes,
      })),
    issuedTokens: () => [...issued].map(([t, scopes]) => ({ token: t, scopes })),
    denyNext: () => void (denyNext = true),
    signInAsNext: (username) => void (nextUser = account(nextId(), username, username)),
    residentToken,
    codeTtlMs: 10 * 60_000,
    async close() {
      await faults.close(server);
    },
  };
  return api;
}

/** Mastodon accepts JSON or form-encoded parameters (arrays as `media_ids[]`). */
function parseParams(req: http.IncomingMessage, body: Buffer): Record<string, unknown> {
  const type = header(req, 'content-type') ?? '';
  if (type.startsWith('application/json')) {
    try {
      return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new HttpError(400, { error: 'Error while parsing request body' });
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) {
    if (k.endsWith('[]')) out[k] = [...list(out[k]), v];
    else out[k] = v;
  }
  return out;
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
