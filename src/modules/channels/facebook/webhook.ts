/**
 * The Facebook Page webhook endpoint's logic, free of any web framework: Meta's handshake
 * and signature checks (`../meta/webhook.ts`), then the Page's own envelope mapper.
 */
import type { WebhookRequest, WebhookResult } from '../port.ts';
import { handleMetaWebhook, type MetaWebhookSecrets } from '../meta/index.ts';
import { mapPageEnvelope } from './facebook.mapper.ts';

export type FacebookWebhookConfig = MetaWebhookSecrets & { pageId: string };

export function handleFacebookWebhook(request: WebhookRequest, config: FacebookWebhookConfig): WebhookResult {
  return handleMetaWebhook(request, config, (envelope) => mapPageEnvelope(envelope, config.pageId));
}
