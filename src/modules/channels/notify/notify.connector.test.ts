import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ChannelError } from '../channel-error.ts';
import { NotifyConnector } from './notify.connector.ts';

/** A loopback server; `answer` gets the request and its body once it has all arrived. */
async function server(answer: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void) {
  const seen: { url: string; headers: http.IncomingHttpHeaders }[] = [];
  const closed: string[] = [];
  const s = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      answer(req, Buffer.concat(chunks).toString(), res);
    });
    // Closed before an answer was sent: the client hung up.
    res.on('close', () => {
      if (!res.writableFinished) closed.push(req.url ?? '');
    });
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    seen,
    closed,
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    close: () => {
      s.closeAllConnections();
      return new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

describe('GOV.UK Notify over the shared HTTP client', () => {
  let elsewhere: Awaited<ReturnType<typeof server>>;
  let notify: Awaited<ReturnType<typeof server>>;
  let behaviour: 'ok' | 'redirect' | 'proxy-page' | 'hang' = 'ok';
  const connector = (timeoutMs = 2000) =>
    new NotifyConnector({
      apiKey: `townsquare-${randomUUID()}-${randomUUID()}`,
      baseUrl: notify.url,
      emailTemplateId: randomUUID(),
      smsTemplateId: randomUUID(),
      inboundBearerToken: 'in',
      deliveryBearerToken: 'out',
      timeoutMs,
    });
  const sms = (key: string) => ({
    text: 'Your bin will be collected',
    idempotencyKey: key,
    to: '07700900982',
  });

  before(async () => {
    elsewhere = await server((_req, _body, res) => res.writeHead(201).end('{"id":"stolen"}'));
    notify = await server((_req, body, res) => {
      if (behaviour === 'redirect')
        return void res.writeHead(307, { location: `${elsewhere.url}/v2/notifications/sms` }).end();
      if (behaviour === 'proxy-page')
        return void res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
      if (behaviour === 'hang') return;
      const sent = JSON.parse(body) as { reference: string };
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: sent.reference, uri: `${notify.url}/v2/notifications/${sent.reference}` }));
    });
  });
  after(async () => {
    await notify.close();
    await elsewhere.close();
  });

  it('sends the JSON body with the client’s own signed token and reads the JSON answer', async () => {
    behaviour = 'ok';
    const published = await connector().publish(sms('ref-1'));
    assert.equal(published.ref.id, 'ref-1');
    const last = notify.seen.at(-1)!;
    assert.equal(last.url, '/v2/notifications/sms');
    assert.equal(last.headers['content-type'], 'application/json');
    assert.match(last.headers.authorization ?? '', /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    assert.match(last.headers['user-agent'] ?? '', /^NOTIFY-API-NODE-CLIENT\//);
  });

  it('does not follow a redirect with the token: it is refused, and nothing reaches the other host', async () => {
    behaviour = 'redirect';
    await assert.rejects(
      connector().publish(sms('ref-2')),
      (e: unknown) => e instanceof ChannelError && e.kind === 'rejected' && e.status === 307,
    );
    assert.equal(elsewhere.seen.length, 0);
  });

  it('classifies a proxy’s HTML error page by its status', async () => {
    behaviour = 'proxy-page';
    await assert.rejects(
      connector().publish(sms('ref-3')),
      (e: unknown) => e instanceof ChannelError && e.kind === 'unavailable' && e.status === 502,
    );
  });

  it('gives up after the timeout and closes the connection rather than leaving it open', async () => {
    behaviour = 'hang';
    await assert.rejects(
      connector(300).publish(sms('ref-4')),
      (e: unknown) => e instanceof ChannelError && e.kind === 'unavailable',
    );
    const deadline = Date.now() + 5_000;
    while (!notify.closed.includes('/v2/notifications/sms') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(notify.closed.includes('/v2/notifications/sms'), 'the held request was closed');
  });
});
