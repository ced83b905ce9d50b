/**
 * Email out over SMTP with nodemailer. SMTP cannot be asked "did you already send this?", so
 * the Message-ID is derived from the idempotency key (`<{sha256}@{council domain}>`): a retry
 * carries the same id, and receivers (and the council's own archive) can recognise it. A
 * ledger of Message-IDs the server accepted (in memory by default; the outbox may pass a
 * durable one) lets `publish` and `findPublished` answer a repeat without sending again.
 */
import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type {
  AccountIdentity,
  CanFindPublished,
  CanReply,
  CanVerifyCredentials,
  ChannelConnector,
  ChannelLimits,
  ExternalRef,
  LimitProblem,
  PostInput,
  Published,
} from '../port.ts';
import { ChannelError } from '../channel-error.ts';
import { checkImages } from '../media-check.ts';
import { countGraphemes } from '../text.ts';
import { classifySmtpFailure } from './smtp-errors.ts';

export type EmailSettings = {
  host: string;
  port: number;
  /** Implicit TLS (port 465). Otherwise STARTTLS is used when the server offers it. */
  secure: boolean;
  /** Refuse to send without TLS (production). Tests on loopback turn it off. */
  requireTls?: boolean;
  /** The council's mail domain: the right-hand side of every Message-ID. */
  councilDomain: string;
  fromAddress: string;
  fromName?: string;
  replyTo?: string;
  timeoutMs?: number;
};

export type EmailCredentials = { user?: string; pass?: string };

/** Where sent Message-IDs are remembered; the outbox can pass a durable implementation. */
export interface SentLedger {
  get(messageId: string): Promise<Published | undefined>;
  record(messageId: string, published: Published): Promise<void>;
}

export function memoryLedger(): SentLedger {
  const sent = new Map<string, Published>();
  return {
    get: async (id) => sent.get(id),
    record: async (id, p) => void sent.set(id, p),
  };
}

const imageTypes = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

export const emailLimits: ChannelLimits = {
  maxTextLength: 50_000,
  maxMedia: 10,
  maxMediaBytes: 10 * 1024 * 1024,
  mediaTypes: imageTypes,
  maxAltTextLength: 1000,
  canThread: false,
};

/** A plain address check: enough to refuse typos before sending, not an RFC 5322 parser. */
const addressPattern =
  /^[^\s@<>(),;:"]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/iu;

export function messageIdFor(idempotencyKey: string, councilDomain: string): string {
  const hash = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40);
  return `<${hash}@${councilDomain}>`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/gu, (c) => `&#${c.charCodeAt(0)};`);

export class EmailConnector implements ChannelConnector, CanReply, CanVerifyCredentials, CanFindPublished {
  readonly kind = 'email' as const;
  readonly limits = emailLimits;
  readonly #settings: EmailSettings;
  readonly #transport: Transporter<SMTPTransport.SentMessageInfo>;
  readonly #ledger: SentLedger;
  readonly #user: string | undefined;

  constructor(settings: EmailSettings, credentials: EmailCredentials, opts: { ledger?: SentLedger } = {}) {
    this.#settings = settings;
    this.#ledger = opts.ledger ?? memoryLedger();
    this.#user = credentials.user;
    const timeout = settings.timeoutMs ?? 30_000;
    this.#transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      requireTLS: settings.requireTls ?? true,
      ignoreTLS: settings.requireTls === false,
      ...(credentials.user ? { auth: { user: credentials.user, pass: credentials.pass ?? '' } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      name: settings.councilDomain,
    });
  }

  check(input: PostInput): LimitProblem[] {
    const problems: LimitProblem[] = [];
    const length = countGraphemes(input.text);
    if (length > this.limits.maxTextLength) {
      problems.push({
        field: 'text',
        message: `The email is ${length - this.limits.maxTextLength} characters over the limit of ${this.limits.maxTextLength}.`,
      });
    }
    if (input.text.trim().length === 0)
      problems.push({ field: 'text', message: 'Enter the text of the email.' });
    if (!input.to) problems.push({ field: 'to', message: 'Enter the email address to send to.' });
    else if (!addressPattern.test(input.to))
      problems.push({
        field: 'to',
        message: `Enter an email address in the correct format, like name@example.com (got "${input.to}").`,
      });
    if (input.subject !== undefined && /[\r\n]/u.test(input.subject))
      problems.push({ field: 'subject', message: 'The subject must be on one line.' });
    if (input.subject !== undefined && input.subject.length > 900)
      problems.push({
        field: 'subject',
        message: `The subject is ${input.subject.length - 900} characters over the limit of 900.`,
      });
    const media = input.media ?? [];
    problems.push(
      ...checkImages(media, this.limits, {
        network: 'Email',
        container: 'an email',
        altTextLength: (alt) => alt.length,
      }),
    );
    return problems;
  }

  publish(input: PostInput): Promise<Published> {
    return this.#send(input, undefined);
  }

  /** Email replies are always private; `opts.isPrivate` changes nothing. */
  reply(target: ExternalRef, input: PostInput): Promise<Published> {
    return this.#send(input, target);
  }

  async findPublished(input: PostInput): Promise<Published | undefined> {
    return this.#ledger.get(messageIdFor(input.idempotencyKey, this.#settings.councilDomain));
  }

  async verifyCredentials(): Promise<AccountIdentity> {
    try {
      await this.#transport.verify();
    } catch (error) {
      throw classifySmtpFailure(error);
    }
    const address = this.#settings.fromAddress;
    return {
      id: this.#user ?? address,
      handle: address,
      ...(this.#settings.fromName ? { displayName: this.#settings.fromName } : {}),
      url: `mailto:${address}`,
    };
  }

  close(): void {
    this.#transport.close();
  }

  async #send(input: PostInput, parent: ExternalRef | undefined): Promise<Published> {
    const problems = this.check(input);
    if (problems.length > 0) throw new ChannelError('rejected', problems.map((p) => p.message).join(' '));
    const to = input.to ?? '';
    const messageId = messageIdFor(input.idempotencyKey, this.#settings.councilDomain);
    const already = await this.#ledger.get(messageId);
    if (already) return already;

    // RFC 5322 3.6.4: References is the parent's References plus the parent's own id.
    const references = parent
      ? [...(parent.meta?.references?.split(' ').filter(Boolean) ?? []), parent.id]
      : [];
    const parentSubject = parent?.meta?.subject;
    const subject =
      input.subject ??
      (parentSubject ? (/^re:/iu.test(parentSubject) ? parentSubject : `Re: ${parentSubject}`) : '');
    const media = input.media ?? [];
    // Images travel inline in an HTML alternative so their text alternatives reach the reader.
    const html =
      media.length > 0
        ? `<div style="white-space:pre-wrap">${escapeHtml(input.text)}</div>` +
          media
            .map(
              (m, i) =>
                `<p><img src="cid:image${i}@${this.#settings.councilDomain}" alt="${escapeHtml(m.altText)}"></p>`,
            )
            .join('')
        : undefined;

    let info: SMTPTransport.SentMessageInfo;
    try {
      info = await this.#transport.sendMail({
        from: this.#settings.fromName
          ? { name: this.#settings.fromName, address: this.#settings.fromAddress }
          : this.#settings.fromAddress,
        to,
        ...((input.replyToAddress ?? this.#settings.replyTo)
          ? { replyTo: input.replyToAddress ?? this.#settings.replyTo }
          : {}),
        subject,
        text: input.text,
        ...(html ? { html } : {}),
        messageId,
        ...(input.intendedAt ? { date: input.intendedAt } : {}),
        ...(parent ? { inReplyTo: parent.id, references } : {}),
        attachments: media.map((m, i) => ({
          content: Buffer.from(m.data),
          contentType: m.mimeType,
          cid: `image${i}@${this.#settings.councilDomain}`,
          ...(m.filename ? { filename: m.filename } : {}),
        })),
      });
    } catch (error) {
      throw classifySmtpFailure(error);
    }
    // nodemailer resolves when the server answered 250 to DATA; anything refused is an error.
    if (info.accepted.length === 0)
      throw new ChannelError('rejected', `The recipient was refused: ${info.response}`, {
        providerReason: info.response,
      });
    const meta: Record<string, string> = { subject };
    if (references.length > 0) meta.references = references.join(' ');
    const published: Published = { ref: { id: messageId, meta }, url: `mailto:${encodeURIComponent(to)}` };
    await this.#ledger.record(messageId, published);
    return published;
  }
}
