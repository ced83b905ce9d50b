/**
 * GOV.UK Notify connector (the official client, pointed at the contract server): the shared
 * contract by email, then SMS, templates, callbacks and Notify's own faults.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runContractSuite } from './contract-suite.ts';
import { startReceiver } from './webhook-receiver.ts';
import { NotifyContractServer } from '../peers/notify/server.ts';
import { NotifyConnector, type DeliveryReceipt } from '../../src/modules/channels/notify/index.ts';
import { ChannelError } from '../../src/modules/channels/index.ts';

const inboundBearerToken = 'inbound-bearer-token-9f2c41';
const deliveryBearerToken = 'delivery-bearer-token-77aa10';

async function startNotify() {
  const server = await new NotifyContractServer().start();
  const email = server.addTemplate({
    type: 'email',
    name: 'Townsquare email',
    subject: '((subject))',
    body: '((body))',
  });
  const sms = server.addTemplate({ type: 'sms', name: 'Townsquare SMS', body: '((body))' });
  const connector = new NotifyConnector({
    apiKey: server.apiKey,
    baseUrl: server.baseUrl,
    emailTemplateId: email.id,
    smsTemplateId: sms.id,
    inboundBearerToken,
    deliveryBearerToken,
    timeoutMs: 1000,
  });
  return { server, connector, email, sms };
}

runContractSuite({
  name: 'notify',
  async start() {
    const { server, connector } = await startNotify();
    return {
      connector,
      peer: {
        read: async (ref) => {
          const n = server.notifications.find((x) => x.id === ref.id);
          return n ? { text: n.body, altTexts: [] } : undefined;
        },
        countContaining: async (m) => server.notifications.filter((n) => n.body.includes(m)).length,
        injectFault: async (f) => server.injectFault(f),
        sendInbound: async (text) => server.receiveSms(text).id,
      },
      close: () => server.close(),
    };
  },
});

describe('notify: beyond the shared contract', () => {
  let env: Awaited<ReturnType<typeof startNotify>>;
  let inbound: Awaited<ReturnType<typeof startReceiver>>;
  let delivery: Awaited<ReturnType<typeof startReceiver>>;
  const receipts: DeliveryReceipt[] = [];
  before(async () => {
    env = await startNotify();
    inbound = await startReceiver((r) => env.connector.handleWebhook(r));
    delivery = await startReceiver(async (r) => {
      const out = await env.connector.handleDeliveryStatus(r);
      if ('receipt' in out) receipts.push(out.receipt);
      return {
        kind: 'events',
        batch: { items: [], cursor: undefined, malformed: 'malformed' in out ? [out.malformed] : [] },
      };
    });
    env.server.inboundCallback = { url: inbound.url, bearerToken: inboundBearerToken };
    env.server.deliveryCallback = { url: delivery.url, bearerToken: deliveryBearerToken };
  });
  after(async () => {
    await inbound.close();
    await delivery.close();
    await env.server.close();
  });

  it('sends an SMS from the template, with the idempotency key as reference', async () => {
    const p = await env.connector.publish({
      text: 'Your garden waste bin is due tomorrow',
      idempotencyKey: 'sms-1',
      to: '+44 7700 900982',
    });
    const n = env.server.notifications.find((x) => x.id === p.ref.id);
    assert.deepEqual(
      [n?.type, n?.to, n?.body, n?.reference],
      ['sms', '07700900982', 'Your garden waste bin is due tomorrow', 'sms-1'],
    );
    assert.equal(p.url, `${env.server.baseUrl}/v2/notifications/${p.ref.id}`);
  });

  it('fills the email template: subject and body personalisation', async () => {
    const p = await env.connector.publish({
      text: 'Your report has been closed.',
      subject: 'Report 4411',
      idempotencyKey: 'e-1',
      to: 'resident@example.test',
    });
    const n = env.server.notifications.find((x) => x.id === p.ref.id);
    assert.deepEqual(n?.personalisation, { subject: 'Report 4411', body: 'Your report has been closed.' });
  });

  it('refuses a bad number, a long SMS and an image before sending', () => {
    const c = env.connector;
    assert.match(
      c.check({ text: 'x', idempotencyKey: 'k', to: '01632 960 001' })[0]?.message ?? '',
      /UK mobile/,
    );
    assert.match(
      c.check({ text: 'x'.repeat(920), idempotencyKey: 'k', to: '07700900982' })[0]?.message ?? '',
      /2 over/,
    );
    assert.ok(
      c
        .check({
          text: 'x',
          subject: 's',
          idempotencyKey: 'k',
          to: 'a@b.example',
          media: [{ data: new Uint8Array(1), mimeType: 'image/png', altText: 'a' }],
        })
        .some((p) => p.field === 'media'),
    );
  });

  it('passes on Notify\'s "Missing personalisation" as rejected', async () => {
    const strict = env.server.addTemplate({
      type: 'email',
      name: 'Needs name',
      subject: 'Hello ((name))',
      body: '((body))',
    });
    const c = new NotifyConnector({
      apiKey: env.server.apiKey,
      baseUrl: env.server.baseUrl,
      emailTemplateId: strict.id,
      smsTemplateId: env.sms.id,
      inboundBearerToken,
      deliveryBearerToken,
    });
    await assert.rejects(
      c.publish({ text: 'Hi', subject: 'S', idempotencyKey: 'mp', to: 'a@b.example' }),
      (e: unknown) => {
        assert.ok(e instanceof ChannelError);
        assert.equal(e.kind, 'rejected');
        assert.equal(e.providerReason, 'Missing personalisation: name');
        return true;
      },
    );
  });

  it('classifies the daily limit, a bad key, a wrong clock and a timeout', async () => {
    const expect = async (fault: Parameters<NotifyContractServer['injectFault']>[0], kind: string) => {
      env.server.injectFault(fault);
      await assert.rejects(
        env.connector.publish({ text: 'x', idempotencyKey: fault, to: '07700900982' }),
        (e: unknown) => e instanceof ChannelError && e.kind === kind,
      );
    };
    env.server.injectFault('daily_limit');
    await assert.rejects(
      env.connector.publish({ text: 'x', idempotencyKey: 'dl', to: '07700900982' }),
      (e: unknown) => e instanceof ChannelError && (e.retryAfterSeconds ?? 0) > 60,
    );
    await expect('clock', 'auth_expired');
    await expect('unavailable_503', 'unavailable');
    await expect('timeout', 'unavailable');
    const forged = new NotifyConnector({
      apiKey: `${env.server.keyName}-${env.server.serviceId}-${crypto.randomUUID()}`,
      baseUrl: env.server.baseUrl,
      emailTemplateId: env.email.id,
      smsTemplateId: env.sms.id,
      inboundBearerToken,
      deliveryBearerToken,
    });
    await assert.rejects(
      forged.verifyCredentials(),
      (e: unknown) =>
        e instanceof ChannelError &&
        e.kind === 'auth_expired' &&
        e.providerReason === 'Invalid token: API key not found',
    );
  });

  it('verifies the key and both templates', async () => {
    assert.deepEqual(await env.connector.verifyCredentials(), {
      id: env.server.serviceId,
      handle: env.server.keyName,
    });
  });

  it('parses delivery receipts and refuses a wrong bearer token', async () => {
    const p = await env.connector.publish({
      text: 'Council tax reminder',
      idempotencyKey: 'd-1',
      to: '07700900982',
    });
    assert.equal((await env.server.sendDeliveryStatus(p.ref.id, 'permanent-failure')).status, 200);
    const r = receipts.at(-1);
    assert.deepEqual(
      [r?.notificationId, r?.reference, r?.status, r?.isPermanent],
      [p.ref.id, 'd-1', 'permanent-failure', true],
    );
    assert.equal((await env.server.sendDeliveryStatus(p.ref.id, 'delivered', 'guessed-token')).status, 401);
  });

  it('parses an inbound SMS callback, refuses a wrong bearer, keeps a malformed body raw', async () => {
    const text = env.server.receiveSms('Fly-tipping behind the Co-op on King St');
    assert.equal((await env.server.deliverInboundSms(text)).status, 200);
    const res = inbound.last().result;
    assert.ok(res?.kind === 'events');
    const [item] = res.batch.items;
    assert.deepEqual(
      [item?.externalId, item?.kind, item?.author.phone, item?.text, item?.isPrivate],
      [text.id, 'sms', '447700900456', text.content, true],
    );
    assert.equal((await env.server.deliverInboundSms(text, 'wrong')).status, 401);
    const bad = await fetch(inbound.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${inboundBearerToken}` },
      body: '{"id":',
    });
    assert.equal(bad.status, 200);
    const kept = inbound.last().result;
    assert.ok(kept?.kind === 'events' && kept.batch.malformed[0]?.raw === '{"id":');
  });
});
