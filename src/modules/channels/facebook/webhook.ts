/**
 * The Facebook Page webhook endpoint's logic, free of any web framework: GET is the
 * verify-token handshake, POST must carry a valid `X-Hub-Signature-256` over the raw body.
 * A forged or altered body throws ChannelError 'rejected' (the route answers 401 and logs
 * it); an authentic body that cannot be understood is returned in `malformed`, raw, so it
 * is stored for inspection and never crashes the worker. An authentic delivery replayed
 * unchanged passes the signature (Meta signs no timestamp): the inbox's unique
 * (channel, external id) makes it harmless.
 */
import type { WebhookRequest, WebhookResult } from '../port.ts';
import { answerVerifyHandshake, parseEnvelope, verifyGraphSignature } from '../meta-graph.ts';
import { mapPageEnvelope } from './facebook.mapper.ts';

export type FacebookWebhookConfig = { appSecret: string; verifyToken: string; pageId: string };

export function handleFacebookWebhook(request: WebhookRequest, config: FacebookWebhookConfig): WebhookResult {
  if (request.method.toUpperCase() === 'GET') return answerVerifyHandshake(request, config.verifyToken);
  verifyGraphSignature(request, config.appSecret);
  const envelope = parseEnvelope(request.rawBody);
  if ('reason' in envelope)
    return { kind: 'events', batch: { items: [], cursor: undefined, malformed: [envelope] } };
  return { kind: 'events', batch: mapPageEnvelope(envelope, config.pageId) };
}
