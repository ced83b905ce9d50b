/**
 * GOV.UK Notify connector (`notifications-node-client`): email and SMS from templates.
 *
 * Notify sends only what a template in the council's Notify account says, so the council
 * creates one email template and one SMS template once, and Townsquare fills them:
 *
 *   email template  subject: ((subject))   body: ((body))
 *   SMS template    body: ((body))
 *
 * `PostInput.to` chooses the route (an address with @ is email, anything else a UK mobile),
 * `subject` fills ((subject)), `text` fills ((body)) (names configurable), and the
 * idempotency key travels as Notify's `reference`, which reconciliation looks up.
 *
 * Supports: send email and SMS, reconciliation by reference, credential check (the key and
 * both templates), inbound SMS by polling and by callback, delivery receipts by callback.
 * Does not support: replies in a thread (Notify has none: answer a resident by publishing to
 * their number), delete or recall, metrics, attachments, letters, international numbers.
 *
 * The client makes its calls (JWT, paths, bodies) but sends them over the channels' shared
 * HTTP client (../http-client.ts) rather than its own axios: one keep-alive pool, bounded
 * response bodies, a timeout that also closes the socket, and no redirects followed with the
 * key's token.
 */
import { NotifyClient } from 'notifications-node-client';
import { httpRequest } from '../http-client.ts';
import type {
  AccountIdentity,
  CanFetchInbound,
  CanFindPublished,
  CanHandleWebhook,
  CanVerifyCredentials,
  ChannelConnector,
  ChannelLimits,
  InboundBatch,
  InboundItem,
  LimitProblem,
  MalformedInbound,
  PostInput,
  Published,
  WebhookRequest,
  WebhookResult,
} from '../port.ts';
import { ChannelError, networkFailure } from '../channel-error.ts';
import { header, safeEqual } from '../meta/index.ts';
import { mapDeliveryReceipt, mapInboundSms, parseJson, type DeliveryReceipt } from './notify.mapper.ts';

export type NotifyConfig = {
  /** `{name}-{service id}-{secret}`, as Notify shows it once. */
  apiKey: string;
  /** Default https://api.notifications.service.gov.uk. */
  baseUrl?: string;
  emailTemplateId: string;
  smsTemplateId: string;
  emailReplyToId?: string;
  smsSenderId?: string;
  /** Placeholder names in the templates; default `subject` and `body`. */
  fields?: { subject: string; body: string };
  /** The bearer token Notify sends with inbound SMS callbacks. */
  inboundBearerToken: string;
  /** The bearer token Notify sends with delivery receipts (often the same). */
  deliveryBearerToken: string;
  timeoutMs?: number;
};

/** Email: Notify refuses messages over 2 MB; the body is counted in UTF-8 bytes. */
export const notifyLimits: ChannelLimits = {
  maxTextLength: 2_000_000,
  maxMedia: 0,
  maxMediaBytes: 0,
  mediaTypes: [],
  maxAltTextLength: 0,
  canThread: false,
};
/** SMS: Notify's limit is 918 characters (six 153-character parts). */
export const notifySmsMaxLength = 918;

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@.]{2,}$/;
export const isUkMobile = (raw: string) =>
  /^07\d{9}$/.test(raw.replace(/[\s()\-.]/g, '').replace(/^(\+44|0044|44)/, '0'));

type NotifyErrorBody = { status_code?: number; errors?: { error?: string; message?: string }[] };
type AxiosLike = { response?: { status: number; data?: NotifyErrorBody } };

/** What the client passes its transport for each call: an axios request config. */
type NotifyCall = { method: string; url: string; headers?: Record<string, string>; data?: unknown };

/**
 * The transport the client's `setClient` takes in place of axios, with the part of axios's
 * contract it relies on: an object `data` goes as JSON, the answer comes back as `{ data }`
 * (JSON parsed, other text as it is), and an answer that is not 2xx rejects with `response`
 * (status and data), which classifyNotifyError reads. The connector uses only Notify's JSON
 * endpoints, never the PDF download that asks axios for an arraybuffer.
 */
export function notifyTransport(timeoutMs: number) {
  return async (call: NotifyCall) => {
    const hasBody = call.data !== undefined;
    const res = await httpRequest(call.url, {
      method: call.method.toUpperCase(),
      headers: {
        accept: 'application/json, text/plain, */*',
        ...call.headers,
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
      },
      ...(hasBody ? { body: JSON.stringify(call.data) } : {}),
      timeoutMs,
    });
    let data: unknown = res.text;
    try {
      data = res.text ? JSON.parse(res.text) : undefined;
    } catch {
      // Not JSON (a proxy's HTML page): kept as text, as axios does.
    }
    if (!res.ok)
      throw Object.assign(new Error(`Request failed with status code ${res.status}`), {
        response: { status: res.status, data, headers: res.headers },
      });
    return { data, status: res.status, headers: res.headers };
  };
}

/** Notify's documented errors: 403 AuthError, 429 RateLimitError/TooManyRequestsError, 400 refusals, 5xx. */
export function classifyNotifyError(error: unknown, now = new Date()): ChannelError {
  if (error instanceof ChannelError) return error;
  const response = (error as AxiosLike | undefined)?.response;
  if (!response) return networkFailure(error);
  const first = response.data?.errors?.[0];
  const reason = response.data?.errors?.map((e) => e.message).join('; ') || `HTTP ${response.status}`;
  const opts = { status: response.status, providerReason: reason };
  if (response.status === 401 || response.status === 403)
    return new ChannelError('auth_expired', `GOV.UK Notify refused the API key: ${reason}`, opts);
  if (response.status === 429) {
    // The daily limit resets at midnight; UTC midnight is never earlier than UK midnight.
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    const retryAfterSeconds =
      first?.error === 'TooManyRequestsError' ? Math.ceil((midnight - now.getTime()) / 1000) : 60;
    return new ChannelError('rate_limited', `GOV.UK Notify rate limit: ${reason}`, {
      ...opts,
      retryAfterSeconds,
    });
  }
  if (response.status >= 500)
    return new ChannelError('unavailable', `GOV.UK Notify is unavailable (${response.status})`, opts);
  return new ChannelError('rejected', `GOV.UK Notify refused the message: ${reason}`, opts);
}

export class NotifyConnector
  implements ChannelConnector, CanFindPublished, CanVerifyCredentials, CanFetchInbound, CanHandleWebhook
{
  readonly kind = 'notify' as const;
  readonly limits = notifyLimits;
  readonly #client: NotifyClient;
  readonly #config: NotifyConfig;
  readonly #fields: { subject: string; body: string };

  constructor(config: NotifyConfig) {
    this.#config = config;
    this.#fields = config.fields ?? { subject: 'subject', body: 'body' };
    this.#client = new NotifyClient(
      config.baseUrl ?? 'https://api.notifications.service.gov.uk',
      config.apiKey,
    );
    // Its declared type is an axios instance, but the client only ever calls it (config in,
    // response out), which is all notifyTransport is.
    this.#client.setClient(
      notifyTransport(config.timeoutMs ?? 15_000) as unknown as Parameters<NotifyClient['setClient']>[0],
    );
  }

  async #call<T>(work: () => Promise<{ data: T }>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(networkFailure(new Error('GOV.UK Notify did not answer in time'))),
        this.#config.timeoutMs ?? 15_000,
      );
    });
    try {
      return (await Promise.race([work(), timeout])).data;
    } catch (error) {
      throw classifyNotifyError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  check(input: PostInput): LimitProblem[] {
    const problems: LimitProblem[] = [];
    const to = input.to?.trim() ?? '';
    const isEmail = to.includes('@');
    if (!to)
      problems.push({ field: 'to', message: 'Enter an email address or a UK mobile number to send to' });
    else if (isEmail && !emailPattern.test(to))
      problems.push({
        field: 'to',
        message: 'Enter an email address in the correct format, like name@example.com',
      });
    else if (!isEmail && !isUkMobile(to))
      problems.push({ field: 'to', message: 'Enter a UK mobile number, like 07700 900 982' });
    if (input.text.trim() === '') problems.push({ field: 'text', message: 'The message is empty' });
    if (isEmail) {
      if (!input.subject?.trim()) problems.push({ field: 'subject', message: 'An email needs a subject' });
      const bytes = Buffer.byteLength(input.text);
      if (bytes > this.limits.maxTextLength)
        problems.push({
          field: 'text',
          message: `Emails can be at most ${this.limits.maxTextLength} bytes; this is ${bytes - this.limits.maxTextLength} over`,
        });
    } else if (input.text.length > notifySmsMaxLength)
      problems.push({
        field: 'text',
        message: `Text messages can be at most ${notifySmsMaxLength} characters; this is ${input.text.length - notifySmsMaxLength} over`,
      });
    if (input.media?.length)
      problems.push({
        field: 'media',
        message: `GOV.UK Notify messages cannot carry images; remove ${input.media.length}`,
      });
    return problems;
  }

  async publish(input: PostInput): Promise<Published> {
    const problems = this.check(input);
    if (problems.length > 0) throw new ChannelError('rejected', problems.map((p) => p.message).join('; '));
    const to = input.to!.trim();
    const reference = input.idempotencyKey;
    const sent = to.includes('@')
      ? await this.#call(() =>
          this.#client.sendEmail(this.#config.emailTemplateId, to, {
            personalisation: { [this.#fields.subject]: input.subject ?? '', [this.#fields.body]: input.text },
            reference,
            ...(this.#config.emailReplyToId ? { emailReplyToId: this.#config.emailReplyToId } : {}),
          }),
        )
      : await this.#call(() =>
          this.#client.sendSms(this.#config.smsTemplateId, to, {
            personalisation: { [this.#fields.body]: input.text },
            reference,
            ...(this.#config.smsSenderId ? { smsSenderId: this.#config.smsSenderId } : {}),
          }),
        );
    return { ref: { id: sent.id, meta: { reference } }, url: sent.uri };
  }

  /** Notify keeps our `reference` (the idempotency key) on every notification for 7 days. */
  async findPublished(input: PostInput): Promise<Published | undefined> {
    const list = await this.#call(() =>
      this.#client.getNotifications(undefined, undefined, input.idempotencyKey),
    );
    const found = (list as { notifications?: { id: string }[] }).notifications?.[0];
    const base = (this.#config.baseUrl ?? 'https://api.notifications.service.gov.uk').replace(/\/$/, '');
    return found
      ? {
          ref: { id: found.id, meta: { reference: input.idempotencyKey } },
          url: `${base}/v2/notifications/${found.id}`,
        }
      : undefined;
  }

  /** Notify has no "who am I": reading both templates proves the key and the configuration. */
  async verifyCredentials(): Promise<AccountIdentity> {
    for (const id of [this.#config.emailTemplateId, this.#config.smsTemplateId])
      await this.#call(() => this.#client.getTemplateById(id));
    const key = this.#config.apiKey;
    return { id: key.slice(-73, -37), handle: key.slice(0, -74) || 'GOV.UK Notify' };
  }

  /**
   * Received texts come newest first, paged by `older_than`; the cursor is the newest id
   * seen, and paging stops on reaching it (at most 20 pages a call).
   */
  async fetchInbound(cursor: string | undefined): Promise<InboundBatch> {
    const items: InboundItem[] = [];
    const malformed: MalformedInbound[] = [];
    let olderThan: string | undefined;
    let newest: string | undefined;
    for (let page = 0; page < 20; page += 1) {
      const data = await this.#call(() => this.#client.getReceivedTexts(olderThan));
      const texts = data.received_text_messages;
      let reachedCursor = false;
      for (const t of texts) {
        if (t.id === cursor) {
          reachedCursor = true;
          break;
        }
        newest ??= t.id;
        const mapped = mapInboundSms({
          id: t.id,
          source_number: t.user_number,
          destination_number: t.notify_number,
          message: t.content,
          date_received: t.created_at,
        });
        if ('externalId' in mapped) items.push({ ...mapped, raw: t });
        else malformed.push({ raw: t, reason: mapped.reason });
      }
      if (reachedCursor || !data.links.next || texts.length === 0) break;
      olderThan = texts.at(-1)!.id;
    }
    return { items: items.reverse(), cursor: newest ?? cursor, malformed };
  }

  #checkBearer(request: WebhookRequest, token: string): void {
    const given = header(request, 'authorization') ?? '';
    if (!safeEqual(given, `Bearer ${token}`))
      throw new ChannelError('rejected', 'Notify callback with a missing or wrong bearer token', {
        status: 401,
      });
  }

  /** The inbound SMS callback URL. */
  async handleWebhook(request: WebhookRequest): Promise<WebhookResult> {
    this.#checkBearer(request, this.#config.inboundBearerToken);
    const parsed = parseJson(request.rawBody);
    if (!parsed.ok)
      return { kind: 'events', batch: { items: [], cursor: undefined, malformed: [parsed.malformed] } };
    const mapped = mapInboundSms(parsed.value);
    return {
      kind: 'events',
      batch:
        'externalId' in mapped
          ? { items: [mapped], cursor: undefined, malformed: [] }
          : { items: [], cursor: undefined, malformed: [mapped] },
    };
  }

  /** The delivery-receipt callback URL: a receipt, or the body kept raw when it is not one. */
  async handleDeliveryStatus(
    request: WebhookRequest,
  ): Promise<{ receipt: DeliveryReceipt } | { malformed: MalformedInbound }> {
    this.#checkBearer(request, this.#config.deliveryBearerToken);
    const parsed = parseJson(request.rawBody);
    if (!parsed.ok) return { malformed: parsed.malformed };
    const mapped = mapDeliveryReceipt(parsed.value);
    return 'notificationId' in mapped ? { receipt: mapped } : { malformed: mapped };
  }
}
