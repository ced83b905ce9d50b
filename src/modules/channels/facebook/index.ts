export { FacebookConnector, facebookLimits, type FacebookConfig } from './facebook.connector.ts';
export { facebookReplyTarget, mapPageEnvelope, mapFeedChange } from './facebook.mapper.ts';
export { handleFacebookWebhook, type FacebookWebhookConfig } from './webhook.ts';
