/**
 * Graph API contract server (Facebook Pages + Instagram), built from Meta's published
 * reference: versioned paths (/v21.0/...), the Page token in `Authorization: Bearer` or
 * `access_token`, `appsecret_proof` checked when sent, Graph error bodies
 * `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`, the documented limits
 * (a post's message up to 63,206 characters; photos JPEG/PNG/GIF/BMP/TIFF up to 4 MB;
 * Instagram JPEG up to 8 MB, captions up to 2,200 characters and 30 hashtags), duplicate-post
 * rejection (code 506), and faults on demand. It also plays Meta's webhook sender: a
 * resident's comment, visitor post, Messenger message or Instagram comment is stored here
 * and delivered, signed with the app secret, to a URL. Test-only; never used by the product.
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
};

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
    return Object.fromEntries([['id', view.id], ...wanted.map((f) => [f, view[f]])]);
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
      shares: { count: o.shares },
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

  /** Signs and POSTs a body to `url` as Meta does; `tamper` alters the body after signing. */
  async deliver(
    url: string,
    payload: unknown,
    opts: { tamper?: (raw: string) => string; signature?: string } = {},
  ): Promise<Response> {
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
