export * from './port.ts';
export { ChannelError, classifyHttpFailure, networkFailure, parseRetryAfter, type ChannelErrorKind } from './channel-error.ts';
export { CredentialBox } from './credentials.ts';
export { countGraphemes, countMastodon, countX, countUtf8Bytes, findUrls, splitForThread } from './text.ts';
export { ChannelAccountsService, ChannelAccountError, describeFailure, type ChannelAccount } from './accounts.service.ts';
export { ConnectorRegistry, isHttpUrl, type ConnectorDefinition, type ConnectorConfig, type FieldDefinition } from './registry.ts';
export { registerChannelRoutes } from './channels.routes.ts';
export { channelPaths } from './channels.paths.ts';
