/**
 * Inbound email end to end: real mail sent with nodemailer to Townsquare's SMTP listener on
 * loopback, and a real Dovecot polled over IMAP. What is asserted is what the inbox would
 * store: the InboundItems, their threads, and the raw message.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import {
  startInboundSmtp,
  type InboundSmtpServer,
  type SmtpEnvelope,
} from '../../src/modules/channels/email/inbound-smtp.ts';
import { ImapPoller } from '../../src/modules/channels/email/imap-poller.ts';
import { parseEmail, rawEmailBytes, type RawEmail } from '../../src/modules/channels/email/parse-email.ts';
import { ChannelError, type InboundBatch } from '../../src/modules/channels/index.ts';
import { isDovecotInstalled, startDovecot, type DovecotPeer } from '../peers/dovecot.ts';

const inboundDomain = 'reply.borough.example.gov.uk';
const to = `contact@${inboundDomain}`;

describe('inbound SMTP listener', () => {
  let server: InboundSmtpServer;
  const stored: { batch: InboundBatch; envelope: SmtpEnvelope }[] = [];
  let failNext = 0;
  const maxBytes = 10 * 1024 * 1024;

  before(async () => {
    server = await startInboundSmtp({
      host: '127.0.0.1',
      port: 0,
      acceptDomains: [inboundDomain.toUpperCase()],
      maxBytes,
      onMessage: async (batch, envelope) => {
        if (failNext > 0) {
          failNext -= 1;
          throw new Error('database is down');
        }
        stored.push({ batch, envelope });
      },
    });
  });
  after(() => server.close());

  const transport = () =>
    nodemailer.createTransport({ host: server.host, port: server.port, secure: false, ignoreTLS: true });
  const send = async (mail: SendMailOptions) => {
    const t = transport();
    try {
      return await t.sendMail({ from: 'Ada Resident <ada@example.test>', to, ...mail });
    } finally {
      t.close();
    }
  };
  const last = () => {
    const s = stored.at(-1);
    assert.ok(s, 'something was stored');
    return s;
  };
  const lastItem = () => {
    const item = last().batch.items[0];
    assert.ok(item, 'an item');
    return item;
  };

  it('turns a message into an InboundItem, and a reply joins its thread', async () => {
    await send({
      subject: 'Pothole on Mill Lane',
      text: 'There is a deep pothole outside number 12.',
      messageId: '<first-1@example.test>',
    });
    const first = lastItem();
    assert.equal(first.externalId, '<first-1@example.test>');
    assert.equal(first.threadId, '<first-1@example.test>');
    assert.equal(first.kind, 'email');
    assert.equal(first.isPrivate, true);
    assert.deepEqual(first.author, {
      id: 'ada@example.test',
      email: 'ada@example.test',
      name: 'Ada Resident',
    });
    assert.equal(first.subject, 'Pothole on Mill Lane');
    assert.equal(first.text, 'There is a deep pothole outside number 12.');
    assert.deepEqual(last().envelope.rcptTo, [to]);

    // The council replied (its own Message-ID), and the resident answers that reply.
    await send({
      subject: 'Re: Pothole on Mill Lane',
      text: 'It is still there.',
      messageId: '<third-3@example.test>',
      inReplyTo: '<council-2@borough.example.gov.uk>',
      references: ['<first-1@example.test>', '<council-2@borough.example.gov.uk>'],
    });
    const reply = lastItem();
    assert.equal(reply.threadId, '<first-1@example.test>');
    assert.equal(reply.inReplyTo, '<council-2@borough.example.gov.uk>');
    const raw = reply.raw as RawEmail;
    assert.equal(raw.encoding, 'utf8');
    assert.match(raw.data, /It is still there\./u);
  });

  it('converts HTML-only mail to text', async () => {
    await send({
      subject: 'Streetlight',
      html: '<p>The light on <b>Elm Road</b> is out.</p><p>Thanks &amp; regards</p><script>alert(1)</script>',
    });
    const item = lastItem();
    assert.match(item.text, /The light on Elm Road is out\./u);
    assert.match(item.text, /Thanks & regards/u);
    assert.doesNotMatch(item.text, /<b>|<p>|alert/u);
  });

  it('takes a 1 MB message', async () => {
    const body = 'Planning objection. '.repeat(52_000);
    await send({ subject: 'Long objection', text: body });
    assert.equal(lastItem().text.length, body.trim().length);
  });

  it('keeps going through invalid encodings, keeping the raw bytes', async () => {
    const raw = Buffer.concat([
      Buffer.from(
        `From: bob@example.test\r\nTo: ${to}\r\nSubject: =?utf-8?B?broken!!base64?=\r\nMessage-ID: <bad-enc@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nBad bytes: `,
      ),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
      Buffer.from(' end of message\r\n'),
    ]);
    await send({ envelope: { from: 'bob@example.test', to }, raw });
    const item = lastItem();
    assert.equal(item.externalId, '<bad-enc@example.test>');
    assert.match(item.text, /Bad bytes: .* end of message/u);
    const kept = item.raw as RawEmail;
    assert.equal(kept.encoding, 'base64');
    assert.deepEqual(rawEmailBytes(kept), raw);
  });

  it('decodes a non-UTF-8 charset', async () => {
    const raw = Buffer.concat([
      Buffer.from(
        `From: =?iso-8859-1?Q?Ren=E9e?= <renee@example.test>\r\nTo: ${to}\r\nSubject: =?iso-8859-1?Q?Caf=E9_licence?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`,
      ),
      Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0xa3, 0x35, 0x20, 0x80, 0x31, 0x30]), // "Café £5 €10" in cp1252
      Buffer.from('\r\n'),
    ]);
    await send({ envelope: { from: 'renee@example.test', to }, raw });
    const item = lastItem();
    assert.equal(item.text, 'Café £5 €10');
    assert.equal(item.subject, 'Café licence');
    assert.equal(item.author.name, 'Renée');
    assert.match(
      item.externalId,
      /^<sha256-[0-9a-f]{64}@townsquare\.invalid>$/u,
      'no Message-ID: a hash of the raw message',
    );
  });

  it('lists an attachment', async () => {
    await send({
      subject: 'Photo',
      text: 'See attached.',
      attachments: [
        {
          filename: 'fly-tipping.pdf',
          content: Buffer.from('%PDF-1.4 test'),
          contentType: 'application/pdf',
        },
      ],
    });
    assert.deepEqual(lastItem().attachments, [{ mimeType: 'application/pdf', filename: 'fly-tipping.pdf' }]);
  });

  it('refuses mail for a domain it does not serve with 550', async () => {
    const before = stored.length;
    await assert.rejects(
      send({ to: 'someone@elsewhere.example', subject: 'relay?', text: 'x' }),
      (e: { responseCode?: number }) => e.responseCode === 550,
    );
    assert.equal(stored.length, before);
  });

  it('refuses a message over the size limit with 552', async () => {
    const before = stored.length;
    await assert.rejects(
      send({ subject: 'Huge', text: 'x'.repeat(maxBytes + 1024) }),
      (e: { responseCode?: number }) => e.responseCode === 552,
    );
    assert.equal(stored.length, before);
  });

  it('answers 451 when storing fails, and takes the message when the sender retries', async () => {
    const before = stored.length;
    failNext = 1;
    const mail = {
      subject: 'Council tax',
      text: 'Please call me back.',
      messageId: '<retry-1@example.test>',
    };
    await assert.rejects(send(mail), (e: { responseCode?: number }) => e.responseCode === 451);
    assert.equal(stored.length, before, 'nothing acknowledged before it is durable');
    const info = await send(mail);
    assert.match(info.response, /^250/u);
    assert.equal(lastItem().externalId, '<retry-1@example.test>');
    assert.equal(stored.length, before + 1);
  });

  it('stores a message with no sender as malformed, raw, without throwing', async () => {
    const raw = Buffer.from('Subject: who sent this?\r\n\r\nno from header\r\n');
    const result = await parseEmail(raw);
    assert.ok(result.malformed);
    assert.match(result.malformed.reason, /no sender/u);
    assert.deepEqual(rawEmailBytes(result.malformed.raw as RawEmail), raw);
  });
});

describe(
  'IMAP poller against a real Dovecot',
  {
    skip: isDovecotInstalled()
      ? false
      : 'dovecot is not installed (apt-get install dovecot-core dovecot-imapd)',
  },
  () => {
    let dovecot: DovecotPeer;
    let admin: ImapFlow;
    const mailbox = 'Forwarded';
    const message = (n: string, extra = '') =>
      `From: Resident ${n} <r${n}@example.test>\r\nTo: council@borough.example.gov.uk\r\nSubject: Report ${n}\r\nMessage-ID: <imap-${n}@example.test>\r\n${extra}Date: Sun, 30 Mar 2025 09:00:00 +0100\r\n\r\nBody of report ${n}\r\n`;

    before(async () => {
      dovecot = await startDovecot();
      admin = new ImapFlow({
        host: dovecot.host,
        port: dovecot.port,
        secure: false,
        auth: { user: dovecot.user, pass: dovecot.password },
        logger: false,
      });
      await admin.connect();
      await admin.mailboxCreate(mailbox);
    });
    after(async () => {
      await admin?.logout().catch(() => undefined);
      await dovecot?.stop();
    });

    const poller = (pass?: string) =>
      new ImapPoller(
        {
          host: dovecot.host,
          port: dovecot.port,
          secure: false,
          requireTls: false,
          mailbox,
          timeoutMs: 5000,
        },
        { user: dovecot.user, pass: pass ?? dovecot.password },
      );

    it('fetches appended messages once, advancing the cursor, without marking them read', async () => {
      const tag = randomBytes(3).toString('hex');
      await admin.append(mailbox, message(`${tag}a`));
      await admin.append(
        mailbox,
        message(
          `${tag}b`,
          `In-Reply-To: <imap-${tag}a@example.test>\r\nReferences: <imap-${tag}a@example.test>\r\n`,
        ),
      );
      const first = await poller().fetchInbound(undefined);
      assert.deepEqual(
        first.items.map((i) => i.externalId),
        [`<imap-${tag}a@example.test>`, `<imap-${tag}b@example.test>`],
      );
      assert.equal(first.items[1]?.threadId, `<imap-${tag}a@example.test>`);
      assert.equal(first.items[0]?.createdAt.toISOString(), '2025-03-30T08:00:00.000Z');
      assert.match(first.cursor ?? '', /^\d+:2$/u);

      const second = await poller().fetchInbound(first.cursor);
      assert.equal(second.items.length, 0);
      assert.equal(second.cursor, first.cursor);

      await admin.append(mailbox, message(`${tag}c`));
      const third = await poller().fetchInbound(second.cursor);
      assert.deepEqual(
        third.items.map((i) => i.externalId),
        [`<imap-${tag}c@example.test>`],
      );
      assert.match(third.cursor ?? '', /^\d+:3$/u);

      const lock = await admin.getMailboxLock(mailbox);
      try {
        const flags = [];
        for await (const m of admin.fetch('1:*', { flags: true }))
          flags.push(m.flags?.has('\\Seen') ?? false);
        assert.deepEqual(flags, [false, false, false], 'read-only polling leaves mail unread');
      } finally {
        lock.release();
      }
    });

    it('starts again from the first message when UIDVALIDITY changes', async () => {
      const before = await poller().fetchInbound(undefined);
      await admin.mailboxDelete(mailbox);
      await admin.mailboxCreate(mailbox);
      await admin.append(mailbox, message('after-reset'));
      const after = await poller().fetchInbound(before.cursor);
      assert.deepEqual(
        after.items.map((i) => i.externalId),
        ['<imap-after-reset@example.test>'],
      );
      assert.notEqual(after.cursor?.split(':')[0], before.cursor?.split(':')[0]);
      assert.match(after.cursor ?? '', /:1$/u);
    });

    it('classifies a refused login as auth_expired', async () => {
      await assert.rejects(
        poller('wrong-password').fetchInbound(undefined),
        (e: unknown) => e instanceof ChannelError && e.kind === 'auth_expired',
      );
    });
  },
);
