/**
 * A webhook endpoint on loopback for tests: hands the raw body, headers and query to a
 * connector's handler exactly as received, answers as the product's route would (200 with
 * the challenge or "ok", 401 forged, 403 wrong verify token), and keeps every outcome.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChannelError, type WebhookRequest, type WebhookResult } from '../../src/modules/channels/index.ts';

export type Outcome = { status: number; result?: WebhookResult; error?: ChannelError };

export async function startReceiver(handle: (r: WebhookRequest) => Promise<WebhookResult>) {
  const outcomes: Outcome[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const request: WebhookRequest = {
        method: req.method ?? 'GET',
        headers: req.headers,
        query: Object.fromEntries(url.searchParams),
        rawBody: Buffer.concat(chunks),
      };
      handle(request).then(
        (result) => {
          outcomes.push({ status: 200, result });
          res
            .writeHead(200, { 'content-type': 'text/plain' })
            .end(result.kind === 'challenge' ? result.body : 'ok');
        },
        (error: unknown) => {
          const status = error instanceof ChannelError ? (error.status ?? 401) : 500;
          outcomes.push({ status, ...(error instanceof ChannelError ? { error } : {}) });
          res.writeHead(status).end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  return {
    url,
    outcomes,
    last: (): Outcome => outcomes.at(-1)!,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The smallest valid images, recognisable by their magic bytes. */
export const tinyPng = new Uint8Array(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
    'base64',
  ),
);
export const tinyJpeg = new Uint8Array([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
  0x00, 0x00, 0xff, 0xd9,
]);
