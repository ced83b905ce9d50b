/**
 * Graph API contract server (Facebook Pages + Instagram), built from Meta's published
 * reference: versioned paths (/v21.0/...), the Page token in `Authorization: Bearer` or
 * `access_token`, `appsecret_proof` checked when sent, Graph error bodies
 * `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`, the documented limits
 * (a post's message up to 63,206 characters; photos JPEG/PNG/GIF/BMP/TIFF up to 4 MB;
 * Instagram JPEG up to 8 MB, captions up to 2,200 characters and 30 hashtags), duplicate-post
 * rejection (code 506), and faults on demand. It also plays Meta's webhook sender: a
 * resident's comment, visitor post, Messenger message or Instagram comment is stored here
 * and delivered, signed with the app secret, to a URL. It is also Facebook Login as "Manually
 * Build a Login Flow" documents it: the Login dialog (auto-approving for the test user;
 * `decision=deny` or `denyNext()` refuses, answering with error_reason=user_denied), codes
 * that are single use, expire in ten minutes and must come back with the identical
 * redirect_uri, /oauth/access_token with the app secret (Graph error bodies and subcodes for
 * each failure), the fb_exchange_token swap for a long-lived token, and /me/accounts listing
 * the user's Pages with Page tokens and linked Instagram accounts (appsecret_proof required).
 * `/{page-id}/subscribed_apps` installs the app on a Page for webhook fields (with that
 * Page's token and the permissions each field needs); `deliver` refuses to send a webhook
 * for a Page or field not subscribed, as Meta sends none. A post's `shares` is left out
 * until someone shares it, as Graph does. Test-only; never used by the product.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, randomBytes } from 'node:crypto';
import { countIn, imageType, readBody, type Stored } from './store.ts';

export type GraphFault =
  | 'rate_limited'
  | 'rate_limited_429'
  | 'unavailable'
  | 'unavailable_500'
  | 'auth_expired'
  | 'blocked'
  | 'timeout';

export type GraphServerOptions = {
  pageId?: string;
  pageName?: string;
  igUserId?: string;
  igUsername?: string;
  accessToken?: string;
  appSecret?: string;
  appId?: string;
  /**
   * Fields the main Page is already subscribed to, as when a council made its own Meta app and
   * installed it on the Page in Meta's dashboard before pasting a token. Default: none.
   */
  subscribedFields?: string[];
};

/** Page webhook fields this server accepts in subscribed_fields, and the permission each needs. */
const pageFieldPermission: Record<string, string> = {
  feed: 'pages_manage_metadata',
  mention: 'pages_manage_metadata',
  messages: 'pages_messaging',
  messaging_postbacks: 'pages_messaging',
  message_deliveries: 'pages_messaging',
  message_reads: 'pages_messaging',
  message_echoes: 'pages_messaging',
};

const loginScopes = new Set([
  'public_profile',
  'email',
  'pages_show_list',
  'pages_read_engagement',
  'pages_manage_posts',
  'pages_manage_engagement',
  'pages_messaging',
  'pages_manage_metadata',
  'pages_read_user_content',
  'business_management',
  'instagram_basic',
  'instagram_content_publish',
  'instagram_manage_comments',
  'instagram_manage_messages',
]);

type GraphError = {
  status: number;
  code: number;
  message: string;
  subcode?: number;
  type?: string;
  transient?: boolean;
  headers?: Record<string, string>;
};
function fail(e: GraphError): never {
  throw e;
}
const isGraphError = (e: unknown): e is GraphError =>
  typeof e === 'object' && e !== null && 'code' in e && 'status' in e;
function badParam(message: string, subcode?: number): never {
  return fail({ status: 400, code: 100, message: `(#100) ${message}`, ...(subcode ? { subcode } : {}) });
}
function noObject(id: string): never {
  return badParam(
    `Unsupported request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    33,
  );
}

/** The first level of a Graph `fields` list: "a,b.summary(x).limit(0),c{d}" -> a, b, c. */
function topFields(fields: string | null): string[] {
  if (!fields) return [];
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of fields) {
    if (ch === '{' || ch === '(') depth += 1;
    if (ch === '}' || ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((f) => f.split(/[.{(]/)[0]!.trim()).filter(Boolean);
}

export class GraphContractServer {
  readonly pageId: string;
  readonly pageName: string;
  readonly igUserId: string;
  readonly igUsername: string;
  readonly accessToken: string;
  readonly appSecret: string;
  readonly objects = new Map<string, Stored>();
  /** Every webhook body this server has signed and sent, for replay in benchmarks. */
  readonly sentWebhooks: { rawBody: string; signature: string }[] = [];
  readonly hosted = new Map<string, { data: Uint8Array; mimeType: string }>();
  readonly requests: { method: string; path: string }[] = [];
  readonly appId: string;
  /** "Valid OAuth Redirect URIs" with Strict Mode on: compared exactly. */
  readonly redirectUris = new Set<string>();
  /** A second Page the test user manages, without Instagram: the officer must choose. */
  readonly otherPage = {
    id: '100000000000002',
    name: 'Kirkby Libraries',
    accessToken: `EAAG${randomBytes(24).toString('hex')}`,
  };
  codeTtlMs = 10 * 60_000;
  /**
   * Page-level webhook subscriptions of this app (`POST /{page-id}/subscribed_apps`), by Page
   * id. Meta sends a Page's webhooks only when the Page has installed the app for that field
   * (the app-level subscription is taken as made, for every field, in the app's dashboard).
   */
  readonly subscriptions = new Map<string, Set<string>>();
  /** What the user granted when each Page token was handed out by /me/accounts. */
  readonly #pageTokenScopes = new Map<string, string[]>();
  #codes = new Map<string, { redirectUri: string; scopes: string[]; expiresAt: number; used: boolean }>();
  /** User access tokens: short-lived from a code, long-lived from fb_exchange_token. */
  readonly userTokens = new Map<string, { scopes: string[]; longLived: boolean }>();
  #denyNext = false;
  #faults: GraphFault[] = [];
  #seq = 1000;
  #server: http.Server | undefined;
  #held = new Set<http.ServerResponse>();
  baseUrl = '';

  constructor(opts: GraphServerOptions = {}) {
    this.pageId = opts.pageId ?? '100000000000001';
    this.pageName = opts.pageName ?? 'Kirkby Borough Council';
    this.igUserId = opts.igUserId ?? '17841400000000001';
    this.igUsername = opts.igUsername ?? 'kirkbycouncil';
    this.accessToken = opts.accessToken ?? `EAAG${randomBytes(24).toString('hex')}`;
    this.appSecret = opts.appSecret ?? randomBytes(16).toString('hex');
    this.appId = opts.appId ?? '246813579024681';
    this.managedPages = new Set([this.pageId, this.otherPage.id]);
    if (opts.subscribedFields?.length) this.subscriptions.set(this.pageId, new Set(opts.subscribedFields));
  }

  /**
   * /{page-id}/subscribed_apps with that Page's own token: POST installs the app on the Page
   * for `subscribed_fields` (replacing the list, as Meta does), GET lists it. Feed fields need
   * pages_manage_metadata and messaging fields pages_messaging, granted by the user who got
   * the Page token (a pasted token is taken to carry them all).
   */
  #subscribedApps(
    method: string,
    pageId: string,
    req: http.IncomingMessage,
    url: URL,
    body: Map<string, string | Blob>,
  ): unknown {
    const page = [
      { id: this.pageId, token: this.accessToken },
      { id: this.otherPage.id, token: this.otherPage.accessToken },
    ].find((p) => p.id === pageId);
    if (!page) return noObject(pageId);
    const auth = req.headers.authorization;
    const fromBody = body.get('access_token');
    const token = auth?.startsWith('Bearer ')
      ? auth.slice(7)
      : (url.searchParams.get('access_token') ?? (typeof fromBody === 'string' ? fromBody : undefined));
    if (!token)
      fail({ status: 400, code: 104, message: 'An access token is required to request this resource.' });
    if (this.userTokens.has(token!))
      fail({
        status: 400,
        code: 210,
        message: '(#210) A page access token is required to request this resource.',
      });
    if (token !== page.token)
      fail({ status: 400, code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
    const proof = url.searchParams.get('appsecret_proof') ?? body.get('appsecret_proof');
    if (
      typeof proof === 'string' &&
      proof !== createHmac('sha256', this.appSecret).update(token!).digest('hex')
    )
      fail({ status: 400, code: 100, message: 'Invalid appsecret_proof provided in the API argument' });
    if (method === 'GET') {
      const fields = [...(this.subscriptions.get(pageId) ?? [])];
      return {
        data: fields.length
          ? [
              {
                category: 'Business',
                link: 'https://townsquare.test/',
                name: 'Townsquare',
                id: this.appId,
                subscribed_fields: fields,
              },
            ]
          : [],
      };
    }
    if (method === 'DELETE') {
      this.subscriptions.delete(pageId);
      return { success: true };
    }
    if (method !== 'POST') return badParam(`Unsupported ${method.toLowerCase()} request.`);
    const raw = url.searchParams.get('subscribed_fields') ?? body.get('subscribed_fields');
    if (typeof raw !== 'string' || !raw.trim())
      return badParam('The parameter subscribed_fields is required.');
    const fields = raw.split(',').map((f) => f.trim());
    fields.forEach((f, i) => {
      if (!(f in pageFieldPermission))
        badParam(
          `Param subscribed_fields[${i}] must be one of {${Object.keys(pageFieldPermission).join(', ')}} - got "${f}".`,
        );
    });
    const granted = this.#pageTokenScopes.get(token!);
    for (const f of fields) {
      const needed = pageFieldPermission[f]!;
      if (granted && !granted.includes(needed))
        fail({
          status: 403,
          code: 200,
          message: `(#200) To subscribe to the ${f} field, one of these permissions is needed: ${needed}`,
        });
    }
    this.subscriptions.set(pageId, new Set(fields));
    return { success: true };
  }

  /**
   * Which Page installation and field a webhook body needs before Meta would send it: Page
   * changes by their field, Messenger events under `messages`; Instagram events go out when
   * the Page linked to the Instagram account has installed the app for any field.
   */
  wouldSend(payload: unknown): boolean {
    const body = payload as {
      object?: string;
      entry?: { id?: string; changes?: { field?: string }[]; messaging?: unknown[] }[];
    };
    return (body.entry ?? []).every((e) => {
      if (body.object === 'instagram')
        return e.id === this.igUserId && (this.subscriptions.get(this.pageId)?.size ?? 0) > 0;
      const fields = this.subscriptions.get(e.id ?? '');
      if (!fields) return false;
      if (e.messaging?.length && !fields.has('messages')) return false;
      return (e.changes ?? []).every((c) => fields.has(c.field ?? ''));
    });
  }

  denyNext(): void {
    this.#denyNext = true;
  }

  /** The test user unticks these permissions in the next Login dialog (Facebook lets them). */
  declineNext(scopes: string[]): void {
    this.#declineNext = scopes;
  }
  #declineNext: string[] = [];

  /**
   * The Pages the signed-in test user manages (both by default); narrowing it is signing in
   * as a different Facebook user.
   */
  managedPages = new Set<string>();

  /** The Login dialog (www.facebook.com/vXX.X/dialog/oauth), answered at once by the test user. */
  #dialog(url: URL, res: http.ServerResponse): void {
    const q = url.searchParams;
    const page = (text: string) => {
      res
        .writeHead(400, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><title>Error</title><p>${text}</p>`);
    };
    if (q.get('client_id') !== this.appId)
      return page('Invalid App ID: The provided app ID does not look like a valid app ID.');
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!this.redirectUris.has(redirectUri))
      return page(
        "URL blocked: This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings.",
      );
    const scopes = (q.get('scope') ?? '').split(/[,\s]+/u).filter(Boolean);
    const unknown = scopes.filter((sc) => !loginScopes.has(sc));
    if (unknown.length) return page(`Invalid Scopes: ${unknown.join(', ')}.`);
    const back = (params: Record<string, string>) => {
      const target = new URL(redirectUri);
      for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
      const state = q.get('state');
      if (state !== null) target.searchParams.set('state', state);
      res.writeHead(302, { location: target.toString() }).end();
    };
    if (this.#denyNext || q.get('decision') === 'deny') {
      this.#denyNext = false;
      return back({
        error_reason: 'user_denied',
        error: 'access_denied',
        error_description: 'Permissions error',
      });
    }
    const code = randomBytes(48).toString('base64url');
    const granted = scopes.filter((sc) => !this.#declineNext.includes(sc));
    this.#declineNext = [];
    this.#codes.set(code, {
      redirectUri,
      scopes: granted,
      expiresAt: Date.now() + this.codeTtlMs,
      used: false,
    });
    return back({ code });
  }

  /** GET /oauth/access_token: a code for a user token, or fb_exchange_token for a long-lived one. */
  #oauthAccessToken(url: URL): unknown {
    const q = url.searchParams;
    if (q.get('client_id') !== this.appId)
      fail({
        status: 400,
        code: 101,
        message: 'Error validating application. Cannot get application info due to a system error.',
      });
    if (q.get('client_secret') !== this.appSecret)
      fail({ status: 400, code: 1, message: 'Error validating client secret.' });
    const issue = (scopes: string[], longLived: boolean) => {
      const token = `EAAG${randomBytes(40).toString('hex')}`;
      this.userTokens.set(token, { scopes, longLived });
      return { access_token: token, token_type: 'bearer', expires_in: longLived ? 5183944 : 5400 };
    };
    if (q.get('grant_type') === 'fb_exchange_token') {
      const user = this.userTokens.get(q.get('fb_exchange_token') ?? '');
      if (!user)
        fail({ status: 400, code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
      return issue(user!.scopes, true);
    }
    const codeText = q.get('code') ?? '';
    const code = this.#codes.get(codeText);
    // The Login errors carry no "(#100)" prefix, unlike Graph parameter errors.
    const invalid = (message: string, subcode: number): never =>
      fail({ status: 400, code: 100, subcode, message });
    if (!code) invalid('Invalid verification code format.', 36007);
    if (code!.used) invalid('This authorization code has been used.', 36009);
    code!.used = true;
    if (code!.expiresAt < Date.now()) invalid('This authorization code has expired.', 36007);
    if (q.get('redirect_uri') !== code!.redirectUri)
      invalid(
        'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
        36008,
      );
    return issue(code!.scopes, false);
  }

  /** GET /me/accounts with a user token: the Pages the user manages. */
  #meAccounts(req: http.IncomingMessage, url: URL): unknown {
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : url.searchParams.get('access_token');
    const user = token ? this.userTokens.get(token) : undefined;
    if (!user)
      fail({ status: 400, code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
    const proof = url.searchParams.get('appsecret_proof');
    if (!proof)
      fail({
        status: 400,
        code: 100,
        type: 'GraphMethodException',
        message: 'API calls from the server require an appsecret_proof argument',
      });
    if (proof !== createHmac('sha256', this.appSecret).update(token!).digest('hex'))
      fail({ status: 400, code: 100, message: 'Invalid appsecret_proof provided in the API argument' });
    if (!user!.scopes.includes('pages_show_list'))
      fail({
        status: 403,
        code: 200,
        message: '(#200) Requires pages_show_list permission to manage the object',
      });
    const wanted = topFields(url.searchParams.get('fields'));
    const fields = wanted.length
      ? wanted
      : ['access_token', 'category', 'category_list', 'name', 'id', 'tasks'];
    const seeIg = user!.scopes.includes('instagram_basic');
    const pages = [
      {
        id: this.pageId,
        name: this.pageName,
        access_token: this.accessToken,
        ig: { id: this.igUserId, username: this.igUsername },
      },
      {
        id: this.otherPage.id,
        name: this.otherPage.name,
        access_token: this.otherPage.accessToken,
        ig: undefined,
      },
    ];
    const managed = pages.filter((p) => this.managedPages.has(p.id));
    for (const p of managed) this.#pageTokenScopes.set(p.access_token, user!.scopes);
    return {
      data: managed.map((p) => {
        const full: Record<string, unknown> = {
          id: p.id,
          name: p.name,
          access_token: p.access_token,
          category: 'Government organisation',
          category_list: [{ id: '2235', name: 'Government organisation' }],
          tasks: ['ADVERTISE', 'ANALYZE', 'CREATE_CONTENT', 'MESSAGING', 'MODERATE', 'MANAGE'],
          ...(p.ig && seeIg ? { instagram_business_account: p.ig } : {}),
        };
        return Object.fromEntries(fields.filter((f) => f in full).map((f) => [f, full[f]]));
      }),
      paging: { cursors: { before: 'QVFIUm', after: 'QVFIUn' } },
    };
  }

  async start(): Promise<this> {
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.#held) res.destroy();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /** The next API request fails this way (once). */
  injectFault(fault: GraphFault): void {
    this.#faults.push(fault);
  }

  nextId(): string {
    this.#seq += 1;
    return String(this.#seq);
  }

  /** Serves bytes at a public URL, as the council's site does for Instagram's image_url. */
  hostImage(data: Uint8Array, mimeType: string): string {
    const id = this.nextId();
    this.hosted.set(id, { data, mimeType });
    return `${this.baseUrl}/media/${id}`;
  }

  /** Live (not deleted) posts and media whose text contains `marker`. */
  countContaining(marker: string): number {
    return countIn(this.objects.values(), marker);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const hostedMatch = /^\/media\/(\d+)$/.exec(url.pathname);
    if (req.method === 'GET' && /^\/v\d+\.\d+\/dialog\/oauth$/.test(url.pathname))
      return this.#dialog(url, res);
    if (req.method === 'GET' && hostedMatch) {
      const img = this.hosted.get(hostedMatch[1]!);
      res
        .writeHead(img ? 200 : 404, { 'content-type': img?.mimeType ?? 'text/plain' })
        .end(img ? Buffer.from(img.data) : 'not found');
      return;
    }
    const fbtrace = randomBytes(8).toString('base64url');
    try {
      const m = /^\/v\d+\.\d+\/(.+)$/.exec(url.pathname);
      if (!m)
        fail({
          status: 400,
          code: 2500,
          message: 'Unknown path components: an API version such as /v21.0 is required',
        });
      const body = await readBody(req);
      this.requests.push({ method: req.method ?? 'GET', path: url.pathname });
      const loginPath = m![1]!;
      if (req.method === 'GET' && (loginPath === 'oauth/access_token' || loginPath === 'me/accounts')) {
        const fault = this.#faults.shift();
        if (fault === 'timeout') return void this.#held.add(res);
        if (fault) this.#throwFault(fault);
        const result = loginPath === 'me/accounts' ? this.#meAccounts(req, url) : this.#oauthAccessToken(url);
        res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(result));
        return;
      }
      const subscribed = /^(\d+)\/subscribed_apps$/.exec(loginPath);
      if (subscribed) {
        const fault = this.#faults.shift();
        if (fault === 'timeout') return void this.#held.add(res);
        if (fault) this.#throwFault(fault);
        const result = this.#subscribedApps(req.method ?? 'GET', subscribed[1]!, req, url, body);
        res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(result));
        return;
      }
      this.#authenticate(req, url, body);
      const fault = this.#faults.shift();
      if (fault === 'timeout') {
        this.#held.add(res);
        return;
      }
      if (fault) this.#throwFault(fault);
      const result = await this.#route(req.method ?? 'GET', m![1]!.split('/'), url, body);
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(result));
    } catch (error) {
      if (!isGraphError(error)) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            error: { message: String(error), type: 'GraphMethodException', code: 1, fbtrace_id: fbtrace },
          }),
        );
        return;
      }
      const errorBody = {
        error: {
          message: error.message,
          type: error.type ?? 'OAuthException',
          code: error.code,
          ...(error.subcode ? { error_subcode: error.subcode } : {}),
          ...(error.transient ? { is_transient: true } : {}),
          fbtrace_id: fbtrace,
        },
      };
      res
        .writeHead(error.status, { 'content-type': 'application/json; charset=UTF-8', ...error.headers })
        .end(JSON.stringify(errorBody));
    }
  }

  #throwFault(fault: Exclude<GraphFault, 'timeout'>): never {
    switch (fault) {
      case 'rate_limited':
        return fail({
          status: 400,
          code: 4,
          message: '(#4) Application request limit reached',
          transient: true,
        });
      case 'rate_limited_429':
        return fail({
          status: 429,
          code: 32,
          message: '(#32) Page request limit reached',
          headers: { 'retry-after': '120' },
        });
      case 'unavailable':
        return fail({ status: 503, code: 2, message: 'Service temporarily unavailable', transient: true });
      case 'unavailable_500':
        return fail({
          status: 500,
          code: 1,
          message: 'An unknown error occurred',
          type: 'GraphMethodException',
        });
      case 'auth_expired':
        return fail({
          status: 400,
          code: 190,
          subcode: 463,
          message: 'Error validating access token: Session has expired on Tuesday, 01-Apr-25 10:00:00 PDT.',
        });
      case 'blocked':
        return fail({
          status: 400,
          code: 368,
          message: 'The action attempted has been deemed abusive or is otherwise disallowed',
        });
    }
  }

  #authenticate(req: http.IncomingMessage, url: URL, body: Map<string, string | Blob>): void {
    const auth = req.headers.authorization;
    const fromBody = body.get('access_token');
    const token = auth?.startsWith('Bearer ')
      ? auth.slice(7)
      : (url.searchParams.get('access_token') ?? (typeof fromBody === 'string' ? fromBody : undefined));
    if (!token)
      fail({ status: 400, code: 104, message: 'An access token is required to request this resource.' });
    if (token !== this.accessToken)
      fail({ status: 400, code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
    const proof = url.searchParams.get('appsecret_proof') ?? body.get('appsecret_proof');
    if (
      proof !== null &&
      proof !== undefined &&
      proof !== createHmac('sha256', this.appSecret).update(token!).digest('hex')
    )
      fail({ status: 400, code: 100, message: 'Invalid appsecret_proof provided in the API argument' });
  }

  async #route(
    method: string,
    parts: string[],
    url: URL,
    body: Map<string, string | Blob>,
  ): Promise<unknown> {
    const [id, edge, ...rest] = parts;
    if (rest.length > 0 || !id) return fail({ status: 400, code: 2500, message: 'Unknown path components' });
    const text = (k: string) => {
      const v = body.get(k);
      return typeof v === 'string' ? v : undefined;
    };
    const key = `${method} ${edge ?? ''}`;
    const target = id === 'me' ? this.pageId : id;
    if (target === this.pageId) {
      if (key === 'GET ') return this.#fields({ id: this.pageId, name: this.pageName }, url);
      if (key === 'POST feed') return this.#createPost(text('message'), text('link'), body);
      if (key === 'GET feed') return this.#listFeed(url);
      if (key === 'POST photos') return this.#createPhoto(body);
      if (key === 'POST messages') return this.#sendMessage(text('recipient'), text('message'));
    }
    if (target === this.igUserId) {
      if (key === 'GET ')
        return this.#fields({ id: this.igUserId, username: this.igUsername, name: this.pageName }, url);
      if (key === 'POST media') return this.#createContainer(body);
      if (key === 'POST media_publish') return this.#publishContainer(text('creation_id'));
      if (key === 'GET media') return this.#listIgMedia(url);
    }
    const obj = this.objects.get(target);
    if (!obj || obj.deleted) return noObject(target);
    if (key === 'GET ') return this.#fields(this.#view(obj), url);
    if (key === 'DELETE ') {
      if (obj.type === 'ig_media' || obj.type === 'ig_container')
        return badParam('Unsupported delete request.');
      obj.deleted = true;
      return { success: true };
    }
    if (key === 'POST comments' && ['post', 'photo', 'comment', 'ig_media'].includes(obj.type))
      return this.#comment(obj, text('message'), text('attachment_id'));
    if (key === 'POST replies' && obj.type === 'ig_comment')
      return this.#comment(obj, text('message'), undefined);
    return badParam(`Unsupported ${method.toLowerCase()} request.`);
  }

  #fields(view: Record<string, unknown>, url: URL): Record<string, unknown> {
    const wanted = topFields(url.searchParams.get('fields'));
    if (wanted.length === 0) return { id: view.id, ...(view.name ? { name: view.name } : {}) };
    for (const f of wanted) if (!(f in view)) badParam(`Tried accessing nonexisting field (${f})`);
    // A known field with no value (like `shares` on an unshared post) is left out, as Graph does.
    return Object.fromEntries([
      ['id', view.id],
      ...wanted.filter((f) => view[f] !== undefined).map((f) => [f, view[f]]),
    ]);
  }

  #view(o: Stored): Record<string, unknown> {
    const summary = (n: number) => ({ data: [], summary: { total_count: n } });
    const created = new Date(o.createdAt).toISOString().replace(/\.\d{3}Z$/, '+0000');
    if (o.type === 'ig_media')
      return {
        id: o.id,
        caption: o.text,
        like_count: o.likes,
        comments_count: o.replies,
        permalink: `https://www.instagram.com/p/${o.id}/`,
        timestamp: created,
        media_type: o.mediaType,
        alt_text: o.altTexts[0],
      };
    return {
      id: o.id,
      message: o.text,
      created_time: created,
      permalink_url: `https://www.facebook.com/${o.id}`,
      from: { id: o.fromId ?? this.pageId, name: o.fromName ?? this.pageName },
      reactions: summary(o.likes),
      comments: summary(o.replies),
      // Graph leaves `shares` out of a post nobody has shared, rather than answering 0.
      shares: o.shares > 0 ? { count: o.shares } : undefined,
      ...(o.parentId ? { parent: { id: o.parentId } } : {}),
      alt_text_custom: o.altTexts[0],
    };
  }

  #store(o: Omit<Stored, 'createdAt' | 'likes' | 'replies' | 'shares' | 'deleted'>): Stored {
    const stored: Stored = { ...o, createdAt: Date.now(), likes: 0, replies: 0, shares: 0, deleted: false };
    this.objects.set(o.id, stored);
    return stored;
  }

  #createPost(
    message: string | undefined,
    link: string | undefined,
    body: Map<string, string | Blob>,
  ): { id: string } {
    const attached: string[] = [];
    for (const [k, v] of body) {
      if (!/^attached_media\[\d+\]$/.test(k) || typeof v !== 'string') continue;
      let fbid: unknown;
      try {
        fbid = (JSON.parse(v) as { media_fbid?: unknown }).media_fbid;
      } catch {
        badParam(`Param ${k} must be a JSON object`);
      }
      const photo = this.objects.get(String(fbid));
      if (!photo || photo.type !== 'photo' || photo.published)
        badParam(`attached_media: ${String(fbid)} is not an unpublished photo of this Page`);
      attached.push(String(fbid));
    }
    if (!message && !link && attached.length === 0)
      badParam('Invalid parameter: a post needs a message, link or attached_media');
    if (message && message.length > 63_206) badParam('Param message must be at most 63206 characters long');
    if (link && !/^https?:\/\//.test(link)) badParam('Param link must be a valid URL');
    if (
      message &&
      [...this.objects.values()].some(
        (o) => o.type === 'post' && !o.deleted && o.text === message && Date.now() - o.createdAt < 86_400_000,
      )
    )
      fail({ status: 400, code: 506, message: '(#506) Duplicate status message' });
    const altTexts = attached.map((a) => this.objects.get(a)!.altTexts[0] ?? '');
    for (const a of attached) this.objects.get(a)!.published = true;
    return {
      id: this.#store({
        id: `${this.pageId}_${this.nextId()}`,
        type: 'post',
        text: message ?? '',
        altTexts,
        link,
      }).id,
    };
  }

  #listFeed(url: URL): unknown {
    const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 25));
    const since = Number(url.searchParams.get('since') ?? 0) * 1000;
    const posts = [...this.objects.values()]
      .filter((o) => o.type === 'post' && !o.deleted && o.createdAt >= since)
      .sort((a, b) => b.createdAt - a.createdAt || (b.id > a.id ? 1 : -1))
      .slice(0, limit)
      .map((o) => this.#fields(this.#view(o), url));
    return { data: posts, paging: { cursors: { before: 'QVFI', after: 'QVFJ' } } };
  }

  async #createPhoto(body: Map<string, string | Blob>): Promise<unknown> {
    const source = body.get('source');
    const u = body.get('url');
    let bytes: Uint8Array;
    if (source instanceof Blob) bytes = new Uint8Array(await source.arrayBuffer());
    else if (typeof u === 'string') bytes = new Uint8Array(await (await fetch(u)).arrayBuffer());
    else return fail({ status: 400, code: 324, message: '(#324) Requires upload file' });
    const type = imageType(bytes);
    if (!type || type === 'image/webp')
      fail({ status: 400, code: 324, message: '(#324) Missing or invalid image file' });
    if (bytes.byteLength > 4 * 1024 * 1024) badParam('Photo file is too large: the maximum is 4 MB');
    const caption = body.get('caption') ?? body.get('message');
    const alt = body.get('alt_text_custom');
    const published = body.get('published') !== 'false';
    const photo = this.#store({
      id: this.nextId(),
      type: 'photo',
      text: typeof caption === 'string' ? caption : '',
      altTexts: [typeof alt === 'string' ? alt : ''],
      published,
    });
    if (!published) return { id: photo.id };
    const post = this.#store({
      id: `${this.pageId}_${this.nextId()}`,
      type: 'post',
      text: photo.text,
      altTexts: photo.altTexts,
    });
    return { id: photo.id, post_id: post.id };
  }

  #comment(parent: Stored, message: string | undefined, attachmentId: string | undefined): { id: string } {
    if (!message && !attachmentId) badParam('Missing message or attachment');
    if (message && message.length > 8000) badParam('Param message must be at most 8000 characters long');
    const photo = attachmentId ? this.objects.get(attachmentId) : undefined;
    if (attachmentId && photo?.type !== 'photo') badParam('Invalid attachment_id');
    parent.replies += 1;
    const type = parent.type.startsWith('ig_') ? 'ig_comment' : 'comment';
    return {
      id: this.#store({
        id: this.nextId(),
        type,
        text: message ?? '',
        altTexts: photo ? photo.altTexts : [],
        parentId: parent.id,
      }).id,
    };
  }

  #sendMessage(recipientJson: string | undefined, messageJson: string | undefined): unknown {
    let recipient: { id?: string; comment_id?: string } = {};
    let message: { text?: string } = {};
    try {
      recipient = JSON.parse(recipientJson ?? '') as typeof recipient;
      message = JSON.parse(messageJson ?? '') as typeof message;
    } catch {
      badParam('param recipient and message must be JSON objects');
    }
    if (!message.text) badParam('param message must be non-empty.');
    if (message.text!.length > 2000)
      badParam('Length of param message[text] must be less than or equal to 2000');
    let psid = recipient.id;
    if (recipient.comment_id) {
      const c = this.objects.get(recipient.comment_id);
      if (!c || c.deleted || (c.type !== 'comment' && c.type !== 'ig_comment') || c.privateReplied)
        fail({
          status: 400,
          code: 10900,
          message: 'Activity already replied to, or not a comment that can take a private reply',
        });
      c.privateReplied = true;
      psid = c.fromId;
    } else if (!psid || !this.#conversations.has(psid))
      fail({
        status: 400,
        code: 10,
        subcode: 2018278,
        message: '(#10) This message is sent outside of allowed window.',
      });
    const mid = `m_${randomBytes(12).toString('base64url')}`;
    this.#store({
      id: mid,
      type: 'message',
      text: message.text!,
      altTexts: [],
      parentId: recipient.comment_id ?? psid,
      fromId: this.pageId,
    });
    return { recipient_id: psid, message_id: mid };
  }

  #conversations = new Set<string>();

  async #createContainer(body: Map<string, string | Blob>): Promise<{ id: string }> {
    const get = (k: string) => {
      const v = body.get(k);
      return typeof v === 'string' ? v : undefined;
    };
    const caption = get('caption') ?? '';
    if (caption.length > 2200) badParam('The caption is too long: at most 2200 characters');
    if ((caption.match(/#[\p{L}\p{N}_]+/gu) ?? []).length > 30)
      badParam('The caption has more than 30 hashtags');
    if (get('media_type') === 'CAROUSEL') {
      const children = (get('children') ?? '').split(',').filter(Boolean);
      if (children.length < 2 || children.length > 10) badParam('A carousel takes 2 to 10 children');
      const kids = children.map((c) => this.objects.get(c));
      if (kids.some((k) => k?.type !== 'ig_container' || !k.isCarouselItem))
        badParam('children must be carousel item containers');
      return {
        id: this.#store({
          id: this.nextId(),
          type: 'ig_container',
          text: caption,
          altTexts: kids.map((k) => k!.altTexts[0] ?? ''),
          mediaType: 'CAROUSEL_ALBUM',
        }).id,
      };
    }
    const imageUrl = get('image_url');
    if (!imageUrl) return badParam('The parameter image_url is required');
    const response = await fetch(imageUrl).catch(() => undefined);
    if (!response?.ok)
      return fail({
        status: 400,
        code: 9004,
        subcode: 2207052,
        message: "Media download has failed. The media URI doesn't meet our requirements.",
      });
    // Instagram's fetcher goes by what the server says it sent as well as by the bytes.
    if (!(response.headers.get('content-type') ?? '').startsWith('image/'))
      fail({
        status: 400,
        code: 9004,
        subcode: 2207052,
        message: 'Only photo or video can be accepted as media type.',
      });
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (imageType(bytes) !== 'image/jpeg')
      fail({ status: 400, code: 9004, subcode: 2207026, message: 'Only JPEG images are supported' });
    if (bytes.byteLength > 8 * 1024 * 1024) badParam('The image is larger than 8 MB');
    const isCarouselItem = get('is_carousel_item') === 'true';
    return {
      id: this.#store({
        id: this.nextId(),
        type: 'ig_container',
        text: caption,
        altTexts: [get('alt_text') ?? ''],
        mediaType: 'IMAGE',
        isCarouselItem,
      }).id,
    };
  }

  #publishContainer(creationId: string | undefined): { id: string } {
    const c = creationId ? this.objects.get(creationId) : undefined;
    if (!c || c.type !== 'ig_container' || c.isCarouselItem)
      return badParam('The parameter creation_id is required and must be a container');
    if (c.published)
      fail({ status: 400, code: 9007, subcode: 2207027, message: 'The media has already been published' });
    c.published = true;
    return {
      id: this.#store({
        id: this.nextId(),
        type: 'ig_media',
        text: c.text,
        altTexts: c.altTexts,
        mediaType: c.mediaType,
      }).id,
    };
  }

  #listIgMedia(url: URL): unknown {
    const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 25));
    const media = [...this.objects.values()]
      .filter((o) => o.type === 'ig_media' && !o.deleted)
      .sort((a, b) => b.createdAt - a.createdAt || (b.id > a.id ? 1 : -1))
      .slice(0, limit)
      .map((o) => this.#fields(this.#view(o), url));
    return { data: media, paging: { cursors: { before: 'QVFI', after: 'QVFJ' } } };
  }

  // ---- Meta as webhook sender -------------------------------------------------------------

  /**
   * Signs and POSTs a body to `url` as Meta does; `tamper` alters the body after signing.
   * Meta sends nothing for a Page that has not installed the app for the event's field, so
   * neither does this: it throws instead, for the test to see.
   */
  async deliver(
    url: string,
    payload: unknown,
    opts: { tamper?: (raw: string) => string; signature?: string } = {},
  ): Promise<Response> {
    if (!this.wouldSend(payload))
      throw new Error('Meta would not send this webhook: the Page has not subscribed the app to its field');
    const raw = JSON.stringify(payload);
    const signature =
      opts.signature ?? `sha256=${createHmac('sha256', this.appSecret).update(raw).digest('hex')}`;
    this.sentWebhooks.push({ rawBody: raw, signature });
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      body: opts.tamper ? opts.tamper(raw) : raw,
    });
  }

  #entry(id: string, body: Record<string, unknown>) {
    return { id, time: Math.floor(Date.now() / 1000), ...body };
  }

  /** A resident comments on a Page post (or replies to a comment): stored, and the feed change. */
  residentComment(
    postId: string,
    message: string,
    from = { id: '6100000000000042', name: 'Sam Resident' },
    parentId?: string,
  ): unknown {
    const post = this.objects.get(postId);
    if (!post) throw new Error(`no post ${postId}`);
    post.replies += 1;
    const comment = this.#store({
      id: `${postId.split('_')[1] ?? postId}_${this.nextId()}`,
      type: 'comment',
      text: message,
      altTexts: [],
      parentId: parentId ?? postId,
      fromId: from.id,
      fromName: from.name,
    });
    const value = {
      from,
      post: { id: postId, status_type: 'mobile_status_update' },
      message,
      post_id: postId,
      comment_id: comment.id,
      parent_id: parentId ?? postId,
      created_time: Math.floor(comment.createdAt / 1000),
      item: 'comment',
      verb: 'add',
    };
    return { object: 'page', entry: [this.#entry(this.pageId, { changes: [{ field: 'feed', value }] })] };
  }

  /** A resident writes on the Page's timeline. */
  visitorPost(message: string, from = { id: '6100000000000043', name: 'Alex Visitor' }): unknown {
    const post = this.#store({
      id: `${this.pageId}_${this.nextId()}`,
      type: 'post',
      text: message,
      altTexts: [],
      fromId: from.id,
      fromName: from.name,
      isVisitor: true,
    });
    const value = {
      from,
      message,
      post_id: post.id,
      created_time: Math.floor(post.createdAt / 1000),
      item: 'status',
      verb: 'add',
      published: 1,
    };
    return { object: 'page', entry: [this.#entry(this.pageId, { changes: [{ field: 'feed', value }] })] };
  }

  /** A resident messages the Page on Messenger (opening the 24-hour reply window). */
  messengerMessage(text: string, psid = '7100000000000044'): unknown {
    this.#conversations.add(psid);
    const mid = `m_${randomBytes(12).toString('base64url')}`;
    this.#store({ id: mid, type: 'message', text, altTexts: [], fromId: psid });
    const event = {
      sender: { id: psid },
      recipient: { id: this.pageId },
      timestamp: Date.now(),
      message: { mid, text },
    };
    return { object: 'page', entry: [this.#entry(this.pageId, { messaging: [event] })] };
  }

  /** A resident comments on the council's Instagram media. */
  instagramComment(
    mediaId: string,
    text: string,
    from = { id: '17841400000000099', username: 'kirkby_resident' },
  ): unknown {
    const media = this.objects.get(mediaId);
    if (!media) throw new Error(`no media ${mediaId}`);
    media.replies += 1;
    const c = this.#store({
      id: this.nextId(),
      type: 'ig_comment',
      text,
      altTexts: [],
      parentId: mediaId,
      fromId: from.id,
      fromName: from.username,
    });
    const value = { from, media: { id: mediaId, media_product_type: 'FEED' }, id: c.id, text };
    return {
      object: 'instagram',
      entry: [this.#entry(this.igUserId, { changes: [{ field: 'comments', value }] })],
    };
  }
}
