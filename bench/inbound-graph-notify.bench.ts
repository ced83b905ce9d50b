/**
 * Inbound normalisation throughput of the Facebook Page webhook (X-Hub-Signature-256
 * verified over the raw body, then mapped to InboundItems) and the GOV.UK Notify inbound-SMS
 * callback (bearer token checked, then mapped), over 10,000 payloads each built by the
 * contract servers, beside a same-run baseline: JSON.parse of the very same bodies.
 */
import { createHmac } from 'node:crypto';
import { handleFacebookWebhook } from '../src/modules/channels/facebook/index.ts';
import { NotifyConnector } from '../src/modules/channels/notify/index.ts';
import type { WebhookRequest } from '../src/modules/channels/index.ts';
import { GraphContractServer } from '../test/peers/graph/server.ts';
import { NotifyContractServer } from '../test/peers/notify/server.ts';
import { round, type Measurement } from './support.ts';

const count = 10_000;

export const about = `Items per second over ${count} recorded payloads per provider (a third each of Page comments,
visitor posts and Messenger messages for Facebook; inbound SMS for Notify), best of 3 passes, in
process. Baseline: JSON.parse of the same raw bodies, same run.`;

function perSecond(bodies: readonly unknown[], work: (b: never) => unknown): number {
  let best = Infinity;
  for (let pass = 0; pass < 3; pass += 1) {
    const start = process.hrtime.bigint();
    for (const b of bodies) work(b as never);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return bodies.length / best;
}

export default async function (): Promise<Measurement[]> {
  const graph = new GraphContractServer();
  const post = `${graph.pageId}_1`;
  graph.objects.set(post, {
    id: post,
    type: 'post',
    text: 'Bin day',
    altTexts: [],
    createdAt: Date.now(),
    likes: 0,
    replies: 0,
    shares: 0,
    deleted: false,
  });
  const fbRequests: WebhookRequest[] = [];
  for (let i = 0; i < count; i += 1) {
    const payload =
      i % 3 === 0
        ? graph.residentComment(post, `The bin on Elm Row was missed again (${i})`)
        : i % 3 === 1
          ? graph.visitorPost(`Streetlight out by number ${i}`)
          : graph.messengerMessage(`Can I book a bulky collection? ${i}`, `71000000${i}`);
    const raw = Buffer.from(JSON.stringify(payload));
    const signature = `sha256=${createHmac('sha256', graph.appSecret).update(raw).digest('hex')}`;
    fbRequests.push({
      method: 'POST',
      headers: { 'x-hub-signature-256': signature },
      query: {},
      rawBody: raw,
    });
  }
  const fbConfig = { appSecret: graph.appSecret, verifyToken: 'v', pageId: graph.pageId };
  let fbItems = 0;
  const fb = perSecond(fbRequests, (r: WebhookRequest) => {
    const out = handleFacebookWebhook(r, fbConfig);
    if (out.kind === 'events') fbItems += out.batch.items.length;
  });
  if (fbItems !== count * 3)
    throw new Error(`Facebook mapper produced ${fbItems} items, expected ${count * 3}`);
  const fbParse = perSecond(fbRequests, (r: WebhookRequest) => JSON.parse(r.rawBody.toString('utf8')));

  const notify = new NotifyContractServer();
  const bearer = 'inbound-bearer-token-bench';
  const connector = new NotifyConnector({
    apiKey: notify.apiKey,
    baseUrl: 'http://127.0.0.1:9',
    emailTemplateId: 'e',
    smsTemplateId: 's',
    inboundBearerToken: bearer,
    deliveryBearerToken: bearer,
  });
  const smsRequests: WebhookRequest[] = [];
  for (let i = 0; i < count; i += 1) {
    const t = notify.receiveSms(
      `Fly-tipping behind the shops on King St (${i})`,
      `4477009${String(i).padStart(5, '0')}`,
    );
    const body = {
      id: t.id,
      source_number: t.user_number,
      destination_number: t.notify_number,
      message: t.content,
      date_received: t.created_at,
    };
    smsRequests.push({
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}` },
      query: {},
      rawBody: Buffer.from(JSON.stringify(body)),
    });
  }
  // handleWebhook is async by the port; time the awaited loop so the promise cost is counted.
  let best = Infinity;
  for (let pass = 0; pass < 3; pass += 1) {
    const start = process.hrtime.bigint();
    for (const r of smsRequests) {
      const out = await connector.handleWebhook(r);
      if (out.kind !== 'events' || out.batch.items.length !== 1) throw new Error('inbound SMS not mapped');
    }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  const sms = count / best;
  const smsParse = perSecond(smsRequests, (r: WebhookRequest) => JSON.parse(r.rawBody.toString('utf8')));

  return [
    { name: 'facebook_webhook_verified_mapped', value: round(fb), unit: 'items/s' },
    { name: 'facebook_webhook_json_parse_baseline', value: round(fbParse), unit: 'items/s' },
    { name: 'facebook_webhook_vs_parse', value: round(fb / fbParse, 3), unit: 'ratio' },
    { name: 'notify_inbound_sms_checked_mapped', value: round(sms), unit: 'items/s' },
    { name: 'notify_inbound_sms_json_parse_baseline', value: round(smsParse), unit: 'items/s' },
    { name: 'notify_inbound_sms_vs_parse', value: round(sms / smsParse, 3), unit: 'ratio' },
  ];
}
