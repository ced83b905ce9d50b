/**
 * Inbound mail for councils that forward a mailbox rather than point mail at Townsquare:
 * polls it over IMAP (imapflow) read-only, so the council's own client still sees the mail
 * as unread. The cursor is `UIDVALIDITY:lastUID` (RFC 3501 2.3.1.1): UIDs only grow within
 * one UIDVALIDITY, and when the server changes it every UID is void, so the poller starts
 * again from the first message; items keep their Message-ID, so the inbox drops repeats.
 */
import { ImapFlow } from 'imapflow';
import { ChannelError } from '../channel-error.ts';
import type { CanFetchInbound, InboundBatch, InboundItem, MalformedInbound } from '../port.ts';
import { parseEmail } from './parse-email.ts';

export type ImapSettings = {
  host: string;
  port: number;
  /** Implicit TLS (993). Otherwise STARTTLS when offered, required unless `requireTls` is false. */
  secure: boolean;
  requireTls?: boolean;
  /** Default INBOX. */
  mailbox?: string;
  /** At most this many messages per fetch; the cursor lets the next fetch go on. Default 200. */
  maxPerFetch?: number;
  timeoutMs?: number;
};

export type ImapCredentials = { user: string; pass: string };

export function parseImapCursor(
  cursor: string | undefined,
): { uidValidity: bigint; lastUid: number } | undefined {
  const m = cursor ? /^(\d+):(\d+)$/u.exec(cursor) : null;
  return m ? { uidValidity: BigInt(m[1] ?? '0'), lastUid: Number(m[2]) } : undefined;
}

type ImapFailure = Error & {
  authenticationFailed?: boolean;
  code?: string;
  responseStatus?: string;
  responseText?: string;
};

function classifyImapFailure(error: unknown): ChannelError {
  if (error instanceof ChannelError) return error;
  const e = (error instanceof Error ? error : new Error(String(error))) as ImapFailure;
  const reason = e.responseText ?? e.message;
  if (e.authenticationFailed)
    return new ChannelError('auth_expired', `The mailbox refused the login: ${reason}`, {
      providerReason: reason,
      cause: error,
    });
  if (e.responseStatus === 'NO' && /\[(NONEXISTENT|TRYCREATE)\]/u.test(e.message + reason)) {
    return new ChannelError('rejected', `The mailbox does not exist: ${reason}`, {
      providerReason: reason,
      cause: error,
    });
  }
  return new ChannelError('unavailable', `Could not read the mailbox: ${reason}`, {
    providerReason: reason,
    cause: error,
  });
}

export class ImapPoller implements CanFetchInbound {
  readonly #settings: ImapSettings;
  readonly #credentials: ImapCredentials;

  constructor(settings: ImapSettings, credentials: ImapCredentials) {
    this.#settings = settings;
    this.#credentials = credentials;
  }

  async fetchInbound(cursor: string | undefined): Promise<InboundBatch> {
    const s = this.#settings;
    const timeout = s.timeoutMs ?? 30_000;
    const client = new ImapFlow({
      host: s.host,
      port: s.port,
      secure: s.secure,
      doSTARTTLS: s.secure ? undefined : s.requireTls === false ? undefined : true,
      auth: { user: this.#credentials.user, pass: this.#credentials.pass },
      logger: false,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
    // imapflow emits socket errors as events; without a listener they would crash the worker.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await this.#fetchSince(client, parseImapCursor(cursor));
    } catch (error) {
      throw classifyImapFailure(error);
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  async #fetchSince(
    client: ImapFlow,
    since: { uidValidity: bigint; lastUid: number } | undefined,
  ): Promise<InboundBatch> {
    const mailbox = await client.mailboxOpen(this.#settings.mailbox ?? 'INBOX', { readOnly: true });
    const uidValidity = mailbox.uidValidity;
    const lastUid = since && since.uidValidity === uidValidity ? since.lastUid : 0;
    const items: InboundItem[] = [];
    const malformed: MalformedInbound[] = [];
    if (mailbox.exists === 0 || mailbox.uidNext <= lastUid + 1)
      return { items, malformed, cursor: `${uidValidity}:${lastUid}` };

    // `n:*` always matches the newest message even when its UID is below n (RFC 3501 6.4.8).
    const found = await client.search({ uid: `${lastUid + 1}:*` }, { uid: true });
    const uids = (found || [])
      .filter((u) => u > lastUid)
      .sort((a, b) => a - b)
      .slice(0, this.#settings.maxPerFetch ?? 200);
    if (uids.length === 0) return { items, malformed, cursor: `${uidValidity}:${lastUid}` };

    const mailboxPath = mailbox.path;
    for await (const message of client.fetch(
      uids.join(','),
      { uid: true, source: true, internalDate: true },
      { uid: true },
    )) {
      if (!message.source) {
        malformed.push({
          raw: { imap: { mailbox: mailboxPath, uid: message.uid } },
          reason: 'The server returned no message body.',
        });
        continue;
      }
      const receivedAt = message.internalDate instanceof Date ? message.internalDate : undefined;
      const parsed = await parseEmail(message.source, {
        ...(receivedAt ? { receivedAt } : {}),
        via: { imap: { mailbox: mailboxPath, uidValidity: String(uidValidity), uid: message.uid } },
      });
      if (parsed.item) items.push(parsed.item);
      else malformed.push(parsed.malformed);
    }
    return { items, malformed, cursor: `${uidValidity}:${uids.at(-1) ?? lastUid}` };
  }
}
