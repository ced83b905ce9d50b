/**
 * A real SMTP server on loopback (smtp-server) that keeps every message it accepts, parsed
 * with mailparser, for assertions; and answers the next transaction with a fault on demand:
 * 421 (throttled, at MAIL FROM), 451 (local error, after DATA), 535 (login refused, at AUTH)
 * or 550 (mailbox refused, at RCPT TO). Never used by the running product.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

export type SinkFault = 421 | 451 | 535 | 550;

export type SunkMessage = {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  parsed: ParsedMail;
  messageId: string | undefined;
};

export type SmtpSink = {
  host: string;
  port: number;
  user: string;
  pass: string;
  messages: SunkMessage[];
  injectFault(fault: SinkFault): void;
  byMessageId(id: string): SunkMessage | undefined;
  close(): Promise<void>;
};

const faultReplies: Record<SinkFault, string> = {
  421: '4.7.0 Too many messages from this account, try again in 30 seconds',
  451: '4.3.0 Local error in processing',
  535: '5.7.8 Authentication credentials invalid',
  550: '5.1.1 Mailbox unavailable',
};

const smtpError = (code: SinkFault) => Object.assign(new Error(faultReplies[code]), { responseCode: code });

export async function startSmtpSink(opts: { user?: string; pass?: string } = {}): Promise<SmtpSink> {
  const user = opts.user ?? 'council';
  const pass = opts.pass ?? 'sink-password';
  const messages: SunkMessage[] = [];
  let pending: SinkFault | undefined;
  const take = (at: SinkFault[]): SinkFault | undefined => {
    if (pending === undefined || !at.includes(pending)) return undefined;
    const f = pending;
    pending = undefined;
    return f;
  };

  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 20 * 1024 * 1024,
    onAuth(auth, _session, callback) {
      const f = take([535]);
      if (f) return callback(smtpError(f));
      if (auth.username !== user || auth.password !== pass) return callback(smtpError(535));
      callback(null, { user: auth.username });
    },
    onMailFrom(_address, _session, callback) {
      const f = take([421]);
      callback(f ? smtpError(f) : null);
    },
    onRcptTo(_address, _session, callback) {
      const f = take([550]);
      callback(f ? smtpError(f) : null);
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const f = take([451]);
        if (f) return callback(smtpError(f));
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
            messages.push({
              envelope: { from, to: session.envelope.rcptTo.map((r) => r.address) },
              raw,
              parsed,
              messageId: parsed.messageId,
            });
            callback();
          })
          .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    user,
    pass,
    messages,
    injectFault(fault) {
      pending = fault;
    },
    byMessageId: (id) => messages.find((m) => m.messageId === id),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
