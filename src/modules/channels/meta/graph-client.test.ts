import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ChannelError } from '../channel-error.ts';
import { GraphClient } from './graph-client.ts';

type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

/** A loopback server that records each request and answers with `answer`. */
async function server(answer: (req: Seen, res: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  const s = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(r);
      answer(r, res);
    });
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return {
    seen,
    url,
    close: () => {
      s.closeAllConnections();
      return new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

describe('Graph client over the shared HTTP client', () => {
  let elsewhere: Awaited<ReturnType<typeof server>>;
  let graph: Awaited<ReturnType<typeof server>>;
  const client = () =>
    new GraphClient({ accessToken: 'page-token', appSecret: 'secret', baseUrl: graph.url });

  before(async () => {
    elsewhere = await server((_req, res) => res.writeHead(200).end('{"id":"stolen"}'));
    graph = await server((req, res) => {
      if (req.url.startsWith('/v21.0/moved'))
        return void res.writeHead(302, { location: `${elsewhere.url}/collect` }).end();
      if (req.url.startsWith('/v21.0/slow')) return; // never answers
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"1"}');
    });
  });
  after(async () => {
    await graph.close();
    await elsewhere.close();
  });

  it('does not follow a redirect, so the Page token never reaches another host', async () => {
    await assert.rejects(
      client().get('moved'),
      (e: unknown) => e instanceof ChannelError && e.kind === 'rejected' && e.status === 302,
    );
    assert.equal(elsewhere.seen.length, 0);
  });

  it('posts parameters form-encoded with the token in the header, never in the URL', async () => {
    assert.deepEqual(await client().post('123/feed', { message: 'Bins on Tuesday', link: undefined }), {
      id: '1',
    });
    const last = graph.seen.at(-1)!;
    assert.equal(last.headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8');
    assert.equal(last.headers.authorization, 'Bearer page-token');
    assert.equal(last.body, 'message=Bins+on+Tuesday');
    assert.doesNotMatch(last.url, /page-token/);
    assert.match(last.url, /appsecret_proof=[0-9a-f]{64}/);
  });

  it('sends FormData as multipart with the file', async () => {
    const form = new FormData();
    form.set('source', new Blob([Buffer.from('PNGDATA')], { type: 'image/png' }), 'bins.png');
    await client().post('123/photos', form);
    const last = graph.seen.at(-1)!;
    assert.match(last.headers['content-type'] ?? '', /^multipart\/form-data; boundary=/);
    assert.match(last.body, /filename="bins\.png"[\s\S]*PNGDATA/);
  });

  it('gives up on a server that does not answer within the timeout, as unavailable', async () => {
    const started = Date.now();
    const slow = new GraphClient({ accessToken: 't', appSecret: 's', baseUrl: graph.url, timeoutMs: 200 });
    await assert.rejects(
      slow.get('slow'),
      (e: unknown) => e instanceof ChannelError && e.kind === 'unavailable',
    );
    assert.ok(Date.now() - started < 5_000);
  });
});
