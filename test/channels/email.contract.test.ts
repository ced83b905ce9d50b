/**
 * The shared channel contract for outbound email, against a real SMTP server on loopback.
 * Inbound email is not polled through this connector (it arrives at the SMTP listener or
 * through the IMAP poller), so the suite's inbound test is skipped by its type guard.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EmailConnector, messageIdFor } from '../../src/modules/channels/email/email.connector.ts';
import { ChannelError } from '../../src/modules/channels/index.ts';
import { startSmtpSink, type SinkFault } from '../peers/smtp-sink.ts';
import { runContractSuite, type Fault } from './contract-suite.ts';

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const faultCodes: Record<Fault, SinkFault> = { rate_limited: 421, unavailable: 451, auth_expired: 535 };
const councilDomain = 'mail.borough.example.gov.uk';

async function wired() {
  const sink = await startSmtpSink();
  const connector = new EmailConnector(
    {
      host: sink.host,
      port: sink.port,
      secure: false,
      requireTls: false,
      councilDomain,
      fromAddress: 'hello@borough.example.gov.uk',
      fromName: 'Borough Council',
      timeoutMs: 5000,
    },
    { user: sink.user, pass: sink.pass },
  );
  return { sink, connector };
}

runContractSuite({
  name: 'email',
  image: { data: png, mimeType: 'image/png' },
  async start() {
    const { sink, connector } = await wired();
    return {
      connector,
      peer: {
        async read(ref) {
          const m = sink.byMessageId(ref.id);
          if (!m) return undefined;
          const html = typeof m.parsed.html === 'string' ? m.parsed.html : '';
          const altTexts = [...html.matchAll(/<img [^>]*alt="([^"]*)"/gu)].map((x) => x[1] ?? '');
          return {
            text: m.parsed.text ?? '',
            altTexts,
            ...(m.parsed.inReplyTo ? { inReplyTo: m.parsed.inReplyTo } : {}),
          };
        },
        countContaining: async (marker) =>
          sink.messages.filter((m) => (m.parsed.text ?? '').includes(marker)).length,
        injectFault: async (fault) => sink.injectFault(faultCodes[fault]),
      },
      async close() {
        connector.close();
        await sink.close();
      },
    };
  },
});

describe('email connector, beyond the contract', () => {
  it('derives the Message-ID from the idempotency key and threads a reply with References', async () => {
    const { sink, connector } = await wired();
    try {
      const first = await connector.publish({
        text: 'Your report was received.',
        idempotencyKey: 'case-1',
        to: 'resident@example.test',
        subject: 'Missed bin',
      });
      assert.equal(first.ref.id, messageIdFor('case-1', councilDomain));
      assert.match(first.ref.id, /^<[0-9a-f]{40}@mail\.borough\.example\.gov\.uk>$/u);
      const second = await connector.reply(first.ref, {
        text: 'It was collected today.',
        idempotencyKey: 'case-1-r',
        to: 'resident@example.test',
      });
      const third = await connector.reply(second.ref, {
        text: 'Case closed.',
        idempotencyKey: 'case-1-r2',
        to: 'resident@example.test',
      });
      const held = sink.byMessageId(third.ref.id);
      assert.equal(held?.parsed.subject, 'Re: Missed bin');
      assert.equal(held?.parsed.inReplyTo, second.ref.id);
      assert.deepEqual(held?.parsed.references, [first.ref.id, second.ref.id]);
    } finally {
      connector.close();
      await sink.close();
    }
  });

  it('classifies a refused recipient as rejected and a dead server as unavailable', async () => {
    const { sink, connector } = await wired();
    sink.injectFault(550);
    await assert.rejects(
      connector.publish({ text: 'x', idempotencyKey: 'k-550', to: 'nobody@example.test', subject: 's' }),
      (e: unknown) => e instanceof ChannelError && e.kind === 'rejected' && e.status === 550,
    );
    connector.close();
    await sink.close();
    const dead = new EmailConnector(
      {
        host: '127.0.0.1',
        port: sink.port,
        secure: false,
        requireTls: false,
        councilDomain,
        fromAddress: 'a@b.test',
        timeoutMs: 2000,
      },
      {},
    );
    await assert.rejects(
      dead.publish({ text: 'x', idempotencyKey: 'k-dead', to: 'r@example.test', subject: 's' }),
      (e: unknown) => e instanceof ChannelError && e.kind === 'unavailable',
    );
    await assert.rejects(
      dead.verifyCredentials(),
      (e: unknown) => e instanceof ChannelError && e.kind === 'unavailable',
    );
    dead.close();
  });

  it('refuses a bad address and a multi-line subject before sending', () => {
    const c = new EmailConnector(
      { host: '127.0.0.1', port: 1, secure: false, councilDomain, fromAddress: 'a@b.test' },
      {},
    );
    const problems = c.check({
      text: 'hi',
      idempotencyKey: 'k',
      to: 'not an address',
      subject: 'a\r\nBcc: x@y.test',
    });
    assert.deepEqual(problems.map((p) => p.field).sort(), ['subject', 'to']);
    c.close();
  });
});
