/**
 * Townsquare's own inbound mail server (the council's MX, or the target of a forwarding
 * rule). A message is acknowledged with 250 only after `onMessage` has resolved, which the
 * caller does once the batch is durably stored; if storing fails the sender is told 451 and
 * retries, as every MTA does, so nothing is acknowledged and then lost.
 *
 * Refuses mail for domains it does not serve at RCPT TO (550, so it is never an open relay),
 * mail for mailboxes `acceptRecipient` does not know (550 at RCPT TO, so the sender hears
 * of it rather than mail being accepted and kept nowhere), and messages over the size limit
 * (552). A message mailparser cannot understand is still
 * stored, raw, in `malformed`.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { InboundBatch } from '../port.ts';
import { parseEmail } from './parse-email.ts';

export type SmtpEnvelope = { mailFrom: string | undefined; rcptTo: string[]; remoteAddress: string };

export type InboundSmtpOptions = {
  /** Recipient domains accepted (case-insensitive), e.g. every council's inbound domain. */
  acceptDomains: readonly string[] | ((domain: string) => boolean);
  /**
   * Whether a mailbox at an accepted domain exists (the full address, as given). False answers
   * 550 at RCPT TO; a rejection (a lookup that failed) answers 451 and the sender retries.
   */
  acceptRecipient?: (address: string) => Promise<boolean>;
  /** Must resolve only once the batch is durably stored; a rejection makes the sender retry. */
  onMessage: (batch: InboundBatch, envelope: SmtpEnvelope) => Promise<void>;
  /** Largest message accepted, in bytes (advertised with SIZE). Default 10 MB. */
  maxBytes?: number;
  host?: string;
  port?: number;
  /** Name in the greeting and EHLO. */
  serverName?: string;
  /** PEM key and certificate to offer STARTTLS; without them STARTTLS is not advertised. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  maxClients?: number;
  /** Called for failures the sender cannot see (storage errors), for logging. */
  onError?: (error: unknown) => void;
};

export type InboundSmtpServer = { host: string; port: number; close(): Promise<void> };

const smtpReply = (responseCode: number, message: string) =>
  Object.assign(new Error(message), { responseCode });

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** Collects the DATA stream, keeping at most `maxBytes` (smtp-server flags the excess). */
function readData(
  stream: SMTPServerDataStream,
  maxBytes: number,
): Promise<{ bytes: Buffer; isTooBig: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBytes) chunks.push(c);
    });
    stream.once('error', reject);
    stream.once('end', () =>
      resolve({ bytes: Buffer.concat(chunks), isTooBig: stream.sizeExceeded || size > maxBytes }),
    );
  });
}

/**
 * Starts listening; resolves once the port is bound.
 *
 * @example
 * const server = await startInboundSmtp({ acceptDomains: ['reply.borough.gov.uk'], onMessage: (b) => inbox.store(b) });
 */
export async function startInboundSmtp(opts: InboundSmtpOptions): Promise<InboundSmtpServer> {
  const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
  const accepts =
    typeof opts.acceptDomains === 'function'
      ? opts.acceptDomains
      : (
          (list: string[]) => (d: string) =>
            list.includes(d)
        )(opts.acceptDomains.map((d) => d.toLowerCase()));

  const handleData = async (stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> => {
    const { bytes, isTooBig } = await readData(stream, maxBytes);
    if (isTooBig) throw smtpReply(552, `5.3.4 Message too big: the limit is ${maxBytes} bytes`);
    const envelope: SmtpEnvelope = {
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address || undefined : undefined,
      rcptTo: session.envelope.rcptTo.map((r) => r.address),
      remoteAddress: session.remoteAddress,
    };
    const receivedAt = new Date();
    const parsed = await parseEmail(bytes, {
      receivedAt,
      ...(envelope.mailFrom ? { fallbackFrom: envelope.mailFrom } : {}),
      via: { smtp: { ...envelope, receivedAt: receivedAt.toISOString() } },
    });
    const batch: InboundBatch = parsed.item
      ? { items: [parsed.item], cursor: undefined, malformed: [] }
      : { items: [], cursor: undefined, malformed: [parsed.malformed] };
    try {
      await opts.onMessage(batch, envelope);
    } catch (error) {
      opts.onError?.(error);
      throw smtpReply(451, '4.3.0 Could not store the message; please try again later');
    }
  };

  const server = new SMTPServer({
    name: opts.serverName ?? 'townsquare',
    banner: 'Townsquare inbound mail',
    size: maxBytes,
    authOptional: true,
    disabledCommands: opts.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    maxClients: opts.maxClients ?? 100,
    logger: false,
    onRcptTo(address, _session, callback) {
      const domain = domainOf(address.address);
      if (!accepts(domain)) return callback(smtpReply(550, `5.7.1 Mail for ${domain} is not accepted here`));
      if (!opts.acceptRecipient) return callback();
      opts.acceptRecipient(address.address).then(
        (isKnown) =>
          callback(isKnown ? undefined : smtpReply(550, `5.1.1 ${address.address}: no such mailbox here`)),
        (error: unknown) => {
          opts.onError?.(error);
          callback(smtpReply(451, '4.3.0 Could not check the recipient; please try again later'));
        },
      );
    },
    onData(stream, session, callback) {
      handleData(stream, session).then(
        () => callback(),
        (error: unknown) => {
          if (!(error instanceof Error && 'responseCode' in error)) opts.onError?.(error);
          callback(
            error instanceof Error && 'responseCode' in error
              ? error
              : smtpReply(451, '4.3.0 Temporary failure; please try again later'),
          );
        },
      );
    },
  });
  server.on('error', (error) => opts.onError?.(error));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 25, opts.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.server.address() as AddressInfo;
  return {
    host: address.address,
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
