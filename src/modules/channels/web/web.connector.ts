/**
 * The council's own contact form and JSON API as inbound channels. The web has no outbound
 * meaning for the channel port (website news is the publishing module's job, and an answer
 * to a form goes out by email or SMS), so this is not a ChannelConnector: it is `WebInbound`,
 * a normaliser from an already-validated submission to an InboundItem.
 *
 * A double-submitted form or a retried API call must not make two items: the id is the
 * client's idempotency key when it sent one, otherwise a hash of the content and author in a
 * time window (a resident who sends the same words twice within the window meant it once).
 */
import { createHash } from 'node:crypto';
import type { InboundItem } from '../port.ts';

export type WebSubmission = {
  source: 'form' | 'api';
  text: string;
  subject?: string;
  name?: string;
  email?: string;
  phone?: string;
  /** From the `Idempotency-Key` header or a hidden form field. */
  idempotencyKey?: string;
  /** The page the form was on, or the API client's id. */
  origin?: string;
  /** When Townsquare received it. */
  receivedAt: Date;
};

export type WebInboundOptions = {
  /** Duplicate window for submissions without an idempotency key. Default 10 minutes. */
  windowMs?: number;
};

/** Printable ASCII, as the IETF Idempotency-Key draft expects; anything else is hashed. */
const keyPattern = /^[\x21-\x7e]{8,255}$/u;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class WebInbound {
  readonly kind = 'web' as const;
  readonly #windowMs: number;

  constructor(opts: WebInboundOptions = {}) {
    this.#windowMs = opts.windowMs ?? 10 * 60 * 1000;
  }

  /** The id a submission will have: redelivery and double submission give the same one. */
  externalIdOf(s: WebSubmission): string {
    if (s.idempotencyKey && keyPattern.test(s.idempotencyKey))
      return `web:${s.source}:key:${s.idempotencyKey}`;
    const window = Math.floor(s.receivedAt.getTime() / this.#windowMs);
    const content = [
      s.source,
      s.email?.trim().toLowerCase(),
      s.phone?.replace(/\s+/gu, ''),
      s.name?.trim(),
      s.subject?.trim(),
      s.text.trim(),
      String(window),
    ].join('\u0000');
    return `web:${s.source}:sha256:${sha256(content)}`;
  }

  /**
   * @example
   * const item = new WebInbound().normalise({ source: 'form', text: 'My bin was missed', email: 'a@example.com', receivedAt: new Date() });
   */
  normalise(s: WebSubmission): InboundItem {
    const email = s.email?.trim() || undefined;
    const phone = s.phone?.trim() || undefined;
    const name = s.name?.trim() || undefined;
    // A resident is known by email, else phone; an anonymous one by a hash of nothing personal.
    const authorId = email
      ? email.toLowerCase()
      : phone
        ? phone.replace(/\s+/gu, '')
        : `anonymous:${sha256(this.externalIdOf(s)).slice(0, 16)}`;
    const externalId = this.externalIdOf(s);
    return {
      externalId,
      kind: 'form',
      author: {
        id: authorId,
        ...(name ? { name } : {}),
        ...(email ? { email } : {}),
        ...(phone ? { phone } : {}),
      },
      text: s.text.replace(/\r\n?/gu, '\n').trim(),
      createdAt: s.receivedAt,
      threadId: externalId,
      isPrivate: true,
      ...(s.subject?.trim() ? { subject: s.subject.trim() } : {}),
      raw: { ...s, receivedAt: s.receivedAt.toISOString() },
    };
  }
}
