/**
 * Meta's webhook checks, the same for a Facebook Page and an Instagram account: GET is the
 * verify-token handshake, POST must carry a valid `X-Hub-Signature-256` over the raw body.
 * A forged or altered body throws ChannelError 'rejected' (the route answers 401 and logs
 * it); an authentic body that cannot be understood is returned in `malformed`, raw, so it
 * is stored for inspection and never crashes the worker. An authentic delivery replayed
 * unchanged passes the signature (Meta signs no timestamp): the inbox's unique
 * (channel, external id) makes it harmless.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ChannelError } from '../channel-error.ts';
import type { InboundBatch, WebhookRequest, WebhookResult } from '../port.ts';
import { parseEnvelope, type GraphEnvelope } from './inbound.ts';

/** What checking a delivery needs: the app secret signs it, the verify token was ours. */
export type MetaWebhookSecrets = { appSecret: string; verifyToken: string };

/** Constant-time comparison of two strings of any length (the length itself is not secret). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function header(request: WebhookRequest, name: string): string | undefined {
  const v = request.headers[name.toLowerCase()] ?? request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `sha256=<hex HMAC-SHA256 of the raw body with the app secret>`, as Meta sends it. */
export function signGraphBody(appSecret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/**
 * Verifies `X-Hub-Signature-256` over the bytes exactly as received: re-serialised JSON
 * would differ (Meta escapes non-ASCII as \uXXXX), so the parsed body is never used.
 */
export function verifyGraphSignature(request: WebhookRequest, appSecret: string): void {
  const given = header(request, 'x-hub-signature-256');
  if (!given || !given.startsWith('sha256='))
    throw new ChannelError('rejected', 'Webhook without an X-Hub-Signature-256 header', { status: 401 });
  if (!safeEqual(given.toLowerCase(), signGraphBody(appSecret, request.rawBody)))
    throw new ChannelError('rejected', 'Webhook signature does not match its body: forged or altered', {
      status: 401,
    });
}

/**
 * The subscription handshake: Meta sends GET ?hub.mode=subscribe&hub.verify_token=...
 * &hub.challenge=... and expects the challenge echoed only when the token is ours.
 */
export function answerVerifyHandshake(
  request: WebhookRequest,
  verifyToken: string,
): { kind: 'challenge'; body: string } {
  const mode = request.query['hub.mode'];
  const token = request.query['hub.verify_token'] ?? '';
  const challenge = request.query['hub.challenge'];
  if (mode !== 'subscribe' || challenge === undefined || !safeEqual(token, verifyToken))
    throw new ChannelError('rejected', 'Webhook verification refused: wrong mode or verify token', {
      status: 403,
    });
  return { kind: 'challenge', body: challenge };
}

/**
 * One webhook delivery end to end, free of any web framework: the handshake or the
 * signature, then the envelope, which `map` (the network's own mapper) turns into items.
 */
export function handleMetaWebhook(
  request: WebhookRequest,
  secrets: MetaWebhookSecrets,
  map: (envelope: GraphEnvelope) => InboundBatch,
): WebhookResult {
  if (request.method.toUpperCase() === 'GET') return answerVerifyHandshake(request, secrets.verifyToken);
  verifyGraphSignature(request, secrets.appSecret);
  const envelope = parseEnvelope(request.rawBody);
  if ('reason' in envelope)
    return { kind: 'events', batch: { items: [], cursor: undefined, malformed: [envelope] } };
  return { kind: 'events', batch: map(envelope) };
}
