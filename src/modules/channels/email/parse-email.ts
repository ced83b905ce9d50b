/**
 * One raw RFC 5322 message in, one InboundItem (or one MalformedInbound) out. Shared by the
 * inbound SMTP listener, the IMAP poller and the benchmark, so every way mail reaches
 * Townsquare threads and identifies it the same way.
 */
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { InboundItem, MalformedInbound } from '../port.ts';

/**
 * The message exactly as received, as JSON-safe text: UTF-8 when the bytes are valid UTF-8
 * (nearly all mail, which is 7-bit), otherwise base64 so no byte of an 8-bit legacy charset
 * is lost (and no NUL reaches a jsonb column).
 */
export type RawEmail = {
  format: 'rfc822';
  encoding: 'utf8' | 'base64';
  data: string;
  /** How it reached Townsquare: the SMTP envelope, or the IMAP mailbox and UID. */
  via?: Record<string, unknown>;
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function rawEmail(bytes: Buffer, via?: Record<string, unknown>): RawEmail {
  let data: string | undefined;
  try {
    data = bytes.includes(0) ? undefined : utf8.decode(bytes);
  } catch {
    data = undefined;
  }
  const base =
    data === undefined
      ? { format: 'rfc822' as const, encoding: 'base64' as const, data: bytes.toString('base64') }
      : { format: 'rfc822' as const, encoding: 'utf8' as const, data };
  return via ? { ...base, via } : base;
}

export function rawEmailBytes(raw: RawEmail): Buffer {
  return Buffer.from(raw.data, raw.encoding === 'utf8' ? 'utf8' : 'base64');
}

/** `<id@host>` as written in headers; mailparser already keeps the angle brackets. */
const normaliseId = (id: string): string => {
  const trimmed = id.trim();
  return trimmed.startsWith('<') ? trimmed : `<${trimmed}>`;
};

function referencesOf(parsed: ParsedMail): string[] {
  const refs = parsed.references;
  if (refs === undefined) return [];
  const list = Array.isArray(refs) ? refs : refs.split(/\s+/u);
  return list.filter((r) => r.trim().length > 0).map(normaliseId);
}

function firstAddress(from: AddressObject | AddressObject[] | undefined): {
  address?: string;
  name?: string;
} {
  const list = Array.isArray(from) ? from : from ? [from] : [];
  for (const group of list) {
    for (const a of group.value) {
      if (a.address) return { address: a.address, ...(a.name ? { name: a.name } : {}) };
    }
  }
  return {};
}

/**
 * The thread is named by its root: the first References entry (RFC 5322 3.6.4 keeps the
 * root first), else the parent from In-Reply-To, else the message itself starts a thread.
 */
export function threadIdOf(
  messageId: string,
  references: readonly string[],
  inReplyTo: string | undefined,
): string {
  return references[0] ?? inReplyTo ?? messageId;
}

export type ParseOptions = {
  /** When the message has no usable Date header. */
  receivedAt?: Date;
  /** Sender to use when From is missing (the SMTP envelope's MAIL FROM). */
  fallbackFrom?: string;
  via?: Record<string, unknown>;
};

export type ParseResult =
  { item: InboundItem; malformed?: undefined } | { item?: undefined; malformed: MalformedInbound };

/** A Date header more than a day ahead is a wrong clock or a lie; the arrival time is truer. */
const maxClockSkewMs = 24 * 60 * 60 * 1000;

/**
 * Parses one message. Never throws: a message that cannot be understood comes back as
 * `malformed` with the raw bytes kept as text.
 *
 * @example
 * const { item, malformed } = await parseEmail(Buffer.from(rawMessage));
 */
export async function parseEmail(bytes: Buffer, opts: ParseOptions = {}): Promise<ParseResult> {
  const raw = rawEmail(bytes, opts.via);
  const receivedAt = opts.receivedAt ?? new Date();
  let parsed: ParsedMail;
  try {
    // Attachments are listed but their content is not needed here: the raw message keeps it.
    parsed = await simpleParser(bytes, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  } catch (error) {
    return {
      malformed: {
        raw,
        reason: `The message could not be parsed: ${error instanceof Error ? error.message : String(error)}`,
      },
    };
  }
  const sender = firstAddress(parsed.from);
  const address = sender.address ?? opts.fallbackFrom;
  if (!address)
    return {
      malformed: {
        raw,
        reason: 'The message has no sender address (no From header and no envelope sender).',
      },
    };

  const messageId = parsed.messageId
    ? normaliseId(parsed.messageId)
    : `<sha256-${createHash('sha256').update(bytes).digest('hex')}@townsquare.invalid>`;
  const references = referencesOf(parsed);
  const inReplyTo = parsed.inReplyTo
    ? normaliseId(parsed.inReplyTo.split(/\s+/u)[0] ?? parsed.inReplyTo)
    : references.at(-1);
  const date =
    parsed.date &&
    !Number.isNaN(parsed.date.getTime()) &&
    parsed.date.getTime() - receivedAt.getTime() < maxClockSkewMs
      ? parsed.date
      : receivedAt;
  // mailparser derives `text` from the HTML part when a message has no plain-text part.
  const text = (parsed.text ?? '').replace(/\r\n/gu, '\n').trim();

  const item: InboundItem = {
    externalId: messageId,
    kind: 'email',
    author: { id: address.toLowerCase(), email: address, ...(sender.name ? { name: sender.name } : {}) },
    text,
    createdAt: date,
    threadId: threadIdOf(messageId, references, inReplyTo),
    ...(inReplyTo ? { inReplyTo } : {}),
    isPrivate: true,
    ...(parsed.subject ? { subject: parsed.subject } : {}),
    ...(parsed.attachments.length > 0
      ? {
          attachments: parsed.attachments.map((a) => ({
            mimeType: a.contentType,
            ...(a.filename ? { filename: a.filename } : {}),
          })),
        }
      : {}),
    raw,
  };
  return { item };
}
