export * from './port.ts';
export {
  ChannelError,
  classifyHttpFailure,
  networkFailure,
  parseRetryAfter,
  type ChannelErrorKind,
} from './channel-error.ts';
export { CredentialBox } from './credentials.ts';
export { countGraphemes, countMastodon, countX, countUtf8Bytes, findUrls, splitForThread } from './text.ts';
export {
  ChannelAccountsService,
  ChannelAccountError,
  describeFailure,
  type ChannelAccount,
} from './accounts.service.ts';
export {
  ConnectorRegistry,
  isHttpUrl,
  type ConnectorDefinition,
  type ConnectorConfig,
  type ConnectorServices,
  type FieldDefinition,
} from './registry.ts';
export { registerChannelRoutes } from './channels.routes.ts';
export { createChannels, type Channels } from './channels.module.ts';
export { ChannelOAuthService, type OAuthSetup } from './oauth/oauth.service.ts';
export { PublicMedia, publicMediaPath, type PublicMediaFile } from './public-media.ts';
export { databaseLedger } from './email/sent-ledger.ts';
export { channelPaths } from './channels.paths.ts';
export { BlueskyConnector } from './bluesky/bluesky.connector.ts';
export {
  BlueskyPostStream,
  carriesTag,
  mapStreamPost,
  type StreamPost,
  type CursorStore,
} from './bluesky/firehose.ts';
export { MastodonConnector } from './mastodon/mastodon.connector.ts';
export * from './facebook/index.ts';
export * from './instagram/index.ts';
export * from './notify/index.ts';
export { EmailConnector, type EmailSettings, type SentLedger } from './email/email.connector.ts';
export { startInboundSmtp } from './email/inbound-smtp.ts';
export { ImapPoller } from './email/imap-poller.ts';
export { WebInbound } from './web/web.connector.ts';
export * from './feeds/feeds.ts';
export { blueskyDefinition } from './bluesky/bluesky.definition.ts';
export { mastodonDefinition } from './mastodon/mastodon.definition.ts';
export { facebookDefinition } from './facebook/facebook.definition.ts';
export { instagramDefinition } from './instagram/instagram.definition.ts';
export { notifyDefinition } from './notify/notify.definition.ts';
export { emailDefinition } from './email/email.definition.ts';
export { xDefinition } from './x/x.definition.ts';
