import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { httpRequest } from './http-client.ts';

describe('httpRequest', () => {
  let server: http.Server;
  let base: string;
  const seen: { method?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('latin1')));
      req.on('end', () => {
        seen.push({ method: req.method, headers: req.headers, body });
        if (req.url === '/trickle') {
          // A byte every 100 ms: never silent long enough for a silence timeout.
          res.writeHead(200, { 'content-type': 'application/json' });
          const timer = setInterval(() => res.write(' '), 100);
          res.on('close', () => clearInterval(timer));
          return;
        }
        if (req.url === '/big') {
          res.writeHead(200);
          res.end('x'.repeat(5000));
          return;
        }
        if (req.url === '/moved') {
          res.writeHead(302, { location: '/elsewhere' });
          res.end();
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json', 'x-ratelimit-remaining': '299' });
        res.end(JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends a JSON body and reads the status, headers and text', async () => {
    const res = await httpRequest(`${base}/api`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
      body: JSON.stringify({ status: 'Hello' }),
    });
    assert.equal(res.status, 201);
    assert.equal(res.ok, true);
    assert.equal(res.headers.get('X-RateLimit-Remaining'), '299');
    assert.equal(res.headers.get('missing'), null);
    assert.deepEqual(JSON.parse(res.text), { ok: true });
    assert.equal(seen.at(-1)?.body, '{"status":"Hello"}');
  });

  it('uploads form data as multipart, with the file name and type', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }), 'map.png');
    form.append('description', 'A map of the closure');
    await httpRequest(`${base}/media`, { method: 'POST', body: form });
    const last = seen.at(-1)!;
    assert.match(String(last.headers['content-type']), /^multipart\/form-data; boundary=/u);
    assert.match(last.body, /filename="map.png"/u);
    assert.match(last.body, /Content-Type: image\/png/u);
    assert.match(last.body, /A map of the closure/u);
  });

  it('gives up on a server that trickles its answer, at the deadline for the whole request', async () => {
    const started = Date.now();
    await assert.rejects(httpRequest(`${base}/trickle`, { method: 'GET', timeoutMs: 500 }), /500 ms/u);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  it('refuses a body larger than the limit rather than reading it', async () => {
    await assert.rejects(
      httpRequest(`${base}/big`, { method: 'GET', maxResponseBytes: 1000 }),
      /more than the 1000/u,
    );
  });

  it('does not follow a redirect (the bearer token stays with the host it was meant for)', async () => {
    const before = seen.length;
    const res = await httpRequest(`${base}/moved`, { method: 'GET', headers: { authorization: 'Bearer t' } });
    assert.equal(res.status, 302);
    assert.equal(res.ok, false);
    assert.equal(seen.length, before + 1, 'only the first request was made');
  });
});
