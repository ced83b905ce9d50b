/**
 * GOV.UK Notify contract server, from Notify's published API documentation: the /v2 paths
 * the official client calls, JWT bearer auth (HS256 signed with the API key's secret, `iss`
 * the service id, `iat` within 30 seconds), template and personalisation checks, UK mobile
 * and email validation, 918-character SMS and 2 MB email limits, Notify's error bodies
 * `{"status_code", "errors":[{"error","message"}]}`, and faults on demand. It also plays
 * Notify's callbacks: delivery receipts and inbound SMS POSTed to configured URLs with the
 * service's bearer token. Test-only; never used by the product.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export type NotifyFault =
  'rate_limited' | 'daily_limit' | 'unavailable' | 'unavailable_503' | 'auth_expired' | 'clock' | 'timeout';
export type Template = {
  id: string;
  type: 'email' | 'sms';
  name: string;
  subject?: string;
  body: string;
  version: number;
};
export type StoredNotification = {
  id: string;
  type: 'email' | 'sms';
  to: string;
  templateId: string;
  personalisation: Record<string, string>;
  reference: string | undefined;
  subject: string | undefined;
  body: string;
  status: string;
  createdAt: string;
};
export type ReceivedText = {
  id: string;
  user_number: string;
  notify_number: string;
  created_at: string;
  service_id: string;
  content: string;
};
type Callback = { url: string; bearerToken: string };

class NotifyError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Notify's UK mobile rule: 07 followed by 9 digits, after removing spaces, brackets, dashes and +44/0044/44. */
export function normaliseUkMobile(raw: string): string | undefined {
  const digits = raw.replace(/[\s()\-.]/g, '');
  if (/[^\d+]/.test(digits)) return undefined;
  const local = digits.replace(/^(\+44|0044|44)/, '0');
  return /^07\d{9}$/.test(local) ? local : undefined;
}

function fill(text: string, personalisation: Record<string, string>): string {
  return text.replace(/\(\(([^)]+)\)\)/g, (_, name: string) => personalisation[name.trim()] ?? '');
}

export class NotifyContractServer {
  readonly serviceId = randomUUID();
  readonly secret = randomUUID();
  readonly keyName = 'townsquare_live';
  readonly templates = new Map<string, Template>();
  readonly notifications: StoredNotification[] = [];
  readonly receivedTexts: ReceivedText[] = [];
  /** Every callback body sent, for replay in benchmarks. */
  readonly sentCallbacks: { url: string; body: string }[] = [];
  readonly inboundNumber = '07700900123';
  deliveryCallback: Callback | undefined;
  inboundCallback: Callback | undefined;
  baseUrl = '';
  #faults: NotifyFault[] = [];
  #server: http.Server | undefined;
  #held = new Set<http.ServerResponse>();

  /** The key as Notify shows it once: `{name}-{service id}-{secret}`. */
  get apiKey(): string {
    return `${this.keyName}-${this.serviceId}-${this.secret}`;
  }

  addTemplate(t: Omit<Template, 'id' | 'version'> & { id?: string }): Template {
    const template = { id: t.id ?? randomUUID(), version: 1, ...t };
    this.templates.set(template.id, template);
    return template;
  }

  injectFault(fault: NotifyFault): void {
    this.#faults.push(fault);
  }

  async start(): Promise<this> {
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const r of this.#held) r.destroy();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      this.#authenticate(req.headers.authorization);
      const fault = this.#faults.shift();
      if (fault === 'timeout') {
        this.#held.add(res);
        return;
      }
      if (fault) this.#throwFault(fault);
      const url = new URL(req.url ?? '/', this.baseUrl);
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      if (raw) {
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          throw new NotifyError(400, 'BadRequestError', 'Invalid JSON supplied in POST data');
        }
      }
      const [status, result] = this.#route(req.method ?? 'GET', url, body);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    } catch (error) {
      const e =
        error instanceof NotifyError ? error : new NotifyError(500, 'Exception', 'Internal server error');
      res
        .writeHead(e.status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status_code: e.status, errors: [{ error: e.error, message: e.message }] }));
    }
  }

  #throwFault(fault: Exclude<NotifyFault, 'timeout'>): never {
    switch (fault) {
      case 'rate_limited':
        throw new NotifyError(
          429,
          'RateLimitError',
          'Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds',
        );
      case 'daily_limit':
        throw new NotifyError(429, 'TooManyRequestsError', 'Exceeded send limits (250000) for today');
      case 'unavailable':
        throw new NotifyError(500, 'Exception', 'Internal server error');
      case 'unavailable_503':
        throw new NotifyError(503, 'Exception', 'Service unavailable');
      case 'auth_expired':
        throw new NotifyError(403, 'AuthError', 'Invalid token: API key revoked');
      case 'clock':
        throw new NotifyError(
          403,
          'AuthError',
          'Error: Your system clock must be accurate to within 30 seconds',
        );
    }
  }

  /** HS256 JWT: header and signature checked, `iss` is the service, `iat` within 30 s. */
  #authenticate(authorization: string | undefined): void {
    if (!authorization?.startsWith('Bearer '))
      throw new NotifyError(401, 'AuthError', 'Unauthorized: authentication token must be provided');
    const [h, p, s] = authorization.slice(7).split('.');
    if (!h || !p || !s)
      throw new NotifyError(403, 'AuthError', 'Invalid token: signature, api token is not valid');
    let header: { alg?: string; typ?: string };
    let payload: { iss?: string; iat?: number };
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
      payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as typeof payload;
    } catch {
      throw new NotifyError(403, 'AuthError', 'Invalid token: signature, api token is not valid');
    }
    if (header.alg !== 'HS256')
      throw new NotifyError(403, 'AuthError', 'Invalid token: algorithm used is not HS256');
    if (payload.iss !== this.serviceId)
      throw new NotifyError(403, 'AuthError', 'Invalid token: service not found');
    const expected = createHmac('sha256', this.secret).update(`${h}.${p}`).digest();
    const given = Buffer.from(s, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new NotifyError(403, 'AuthError', 'Invalid token: API key not found');
    if (typeof payload.iat !== 'number' || Math.abs(Date.now() / 1000 - payload.iat) > 30)
      throw new NotifyError(
        403,
        'AuthError',
        'Error: Your system clock must be accurate to within 30 seconds',
      );
  }

  #route(method: string, url: URL, body: Record<string, unknown>): [number, unknown] {
    const path = url.pathname;
    if (method === 'POST' && (path === '/v2/notifications/email' || path === '/v2/notifications/sms'))
      return [201, this.#send(path.endsWith('email') ? 'email' : 'sms', body)];
    let m = /^\/v2\/notifications\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) {
      if (!uuid.test(m[1]!))
        throw new NotifyError(400, 'ValidationError', 'notification_id is not a valid UUID');
      const n = this.notifications.find((x) => x.id === m![1]);
      if (!n) throw new NotifyError(404, 'NoResultFound', 'No result found');
      return [200, this.#view(n)];
    }
    if (method === 'GET' && path === '/v2/notifications') {
      const reference = url.searchParams.get('reference');
      const type = url.searchParams.get('template_type');
      const list = this.notifications
        .filter((n) => (!reference || n.reference === reference) && (!type || n.type === type))
        .reverse();
      return [
        200,
        { notifications: list.map((n) => this.#view(n)), links: { current: `${this.baseUrl}${path}` } },
      ];
    }
    m = /^\/v2\/template\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) {
      const t = this.templates.get(m[1]!);
      if (!t) throw new NotifyError(404, 'NoResultFound', 'No result found');
      return [
        200,
        {
          id: t.id,
          name: t.name,
          type: t.type,
          version: t.version,
          body: t.body,
          subject: t.subject ?? null,
          created_at: new Date(0).toISOString(),
          updated_at: null,
          created_by: 'council@example.gov.uk',
        },
      ];
    }
    if (method === 'GET' && path === '/v2/received-text-messages') {
      const older = url.searchParams.get('older_than');
      const all = [...this.receivedTexts].reverse();
      const from = older ? all.findIndex((t) => t.id === older) + 1 : 0;
      const page = all.slice(from, from + 250);
      const next =
        page.length === 250 ? { next: `${this.baseUrl}${path}?older_than=${page.at(-1)!.id}` } : {};
      return [200, { received_text_messages: page, links: { current: `${this.baseUrl}${path}`, ...next } }];
    }
    throw new NotifyError(404, 'NoResultFound', 'The requested URL was not found on the server.');
  }

  #send(type: 'email' | 'sms', body: Record<string, unknown>): unknown {
    const templateId = body.template_id;
    if (typeof templateId !== 'string' || !uuid.test(templateId))
      throw new NotifyError(400, 'ValidationError', 'template_id is not a valid UUID');
    const template = this.templates.get(templateId);
    if (!template) throw new NotifyError(400, 'BadRequestError', 'Template not found');
    if (template.type !== type)
      throw new NotifyError(
        400,
        'BadRequestError',
        `${template.type} template is not suitable for ${type} notification`,
      );
    let to: string;
    if (type === 'email') {
      const email = body.email_address;
      if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@.]{2,}$/.test(email))
        throw new NotifyError(400, 'ValidationError', 'email_address Not a valid email address');
      to = email;
    } else {
      const phone = typeof body.phone_number === 'string' ? normaliseUkMobile(body.phone_number) : undefined;
      if (!phone) throw new NotifyError(400, 'ValidationError', 'phone_number Not a UK mobile number');
      to = phone;
    }
    const personalisation = (body.personalisation ?? {}) as Record<string, unknown>;
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(personalisation)) values[k] = String(v);
    const needed = [...`${template.subject ?? ''} ${template.body}`.matchAll(/\(\(([^)]+)\)\)/g)].map((x) =>
      x[1]!.trim(),
    );
    const missing = [...new Set(needed)].filter((n) => !(n in values));
    if (missing.length > 0)
      throw new NotifyError(400, 'BadRequestError', `Missing personalisation: ${missing.join(', ')}`);
    const reference = typeof body.reference === 'string' ? body.reference : undefined;
    const content = fill(template.body, values);
    const subject = template.subject ? fill(template.subject, values) : undefined;
    if (type === 'sms' && content.length > 918)
      throw new NotifyError(
        400,
        'BadRequestError',
        `Text messages cannot be longer than 918 characters. Your message is ${content.length} characters long.`,
      );
    if (type === 'email' && Buffer.byteLength(content) > 2_000_000)
      throw new NotifyError(
        400,
        'BadRequestError',
        `Your message is too long. Emails cannot be longer than 2000000 bytes. Your message is ${Buffer.byteLength(content)} bytes.`,
      );
    const n: StoredNotification = {
      id: randomUUID(),
      type,
      to,
      templateId,
      personalisation: values,
      reference,
      subject,
      body: content,
      status: 'created',
      createdAt: new Date().toISOString(),
    };
    this.notifications.push(n);
    const tref = {
      id: template.id,
      version: template.version,
      uri: `${this.baseUrl}/services/${this.serviceId}/templates/${template.id}`,
    };
    return {
      id: n.id,
      reference: reference ?? null,
      content:
        type === 'email'
          ? { body: content, subject, from_email: 'kirkby.council@notifications.service.gov.uk' }
          : { body: content, from_number: 'KIRKBY' },
      uri: `${this.baseUrl}/v2/notifications/${n.id}`,
      template: tref,
    };
  }

  #view(n: StoredNotification): unknown {
    return {
      id: n.id,
      reference: n.reference ?? null,
      type: n.type,
      status: n.status,
      template: { id: n.templateId, version: 1, uri: '' },
      body: n.body,
      subject: n.subject ?? null,
      created_at: n.createdAt,
      ...(n.type === 'email' ? { email_address: n.to } : { phone_number: n.to }),
    };
  }

  async #callback(cb: Callback | undefined, body: unknown, bearer?: string): Promise<Response> {
    if (!cb) throw new Error('no callback configured');
    const raw = JSON.stringify(body);
    this.sentCallbacks.push({ url: cb.url, body: raw });
    return fetch(cb.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer ?? cb.bearerToken}` },
      body: raw,
    });
  }

  /** Notify's delivery receipt for a stored notification; `bearer` overrides the token (to forge). */
  async sendDeliveryStatus(
    id: string,
    status: 'delivered' | 'permanent-failure' | 'temporary-failure' | 'technical-failure',
    bearer?: string,
  ): Promise<Response> {
    const n = this.notifications.find((x) => x.id === id);
    if (!n) throw new Error(`no notification ${id}`);
    n.status = status;
    const now = new Date().toISOString();
    return this.#callback(
      this.deliveryCallback,
      {
        id: n.id,
        reference: n.reference ?? null,
        to: n.to,
        status,
        created_at: n.createdAt,
        completed_at: now,
        sent_at: now,
        notification_type: n.type,
        template_id: n.templateId,
        template_version: 1,
      },
      bearer,
    );
  }

  /** A resident texts the council's inbound number: stored (for polling) and, with a callback, POSTed. */
  receiveSms(message: string, from = '447700900456'): ReceivedText {
    const text: ReceivedText = {
      id: randomUUID(),
      user_number: from,
      notify_number: this.inboundNumber,
      created_at: new Date().toISOString(),
      service_id: this.serviceId,
      content: message,
    };
    this.receivedTexts.push(text);
    return text;
  }

  async deliverInboundSms(text: ReceivedText, bearer?: string): Promise<Response> {
    return this.#callback(
      this.inboundCallback,
      {
        id: text.id,
        source_number: text.user_number,
        destination_number: text.notify_number,
        message: text.content,
        date_received: text.created_at,
      },
      bearer,
    );
  }
}
