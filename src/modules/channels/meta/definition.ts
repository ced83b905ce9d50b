/**
 * What an officer enters for either Meta network beyond its ids: where the Graph API is, the
 * Page access token and the app secret (which also signs webhooks), and the verify token
 * chosen for the webhook subscription; and how a stored account's values become a config.
 */
import type { ConnectorConfig, FieldDefinition } from '../registry.ts';
import { isHttpUrl } from '../registry.ts';
import type { MetaConfig } from './meta.connector.ts';

export const graphAccessFields: FieldDefinition[] = [
  {
    name: 'baseUrl',
    label: 'Graph API address',
    hint: 'Leave empty for https://graph.facebook.com',
    isSecret: false,
    isRequired: false,
    check: isHttpUrl,
    networkAddress: 'url',
  },
  { name: 'accessToken', label: 'Page access token', isSecret: true, isRequired: true },
  { name: 'appSecret', label: 'App secret', isSecret: true, isRequired: true },
];

export const verifyTokenField = (hint?: string): FieldDefinition => ({
  name: 'verifyToken',
  label: 'Webhook verify token',
  ...(hint ? { hint } : {}),
  isSecret: true,
  isRequired: true,
});

/** The shared part of a connector's config from a stored account (ids come from each network). */
export function graphAccessConfig({ settings, credentials }: ConnectorConfig): Omit<MetaConfig, 'pageId'> {
  return {
    ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
    accessToken: credentials.accessToken ?? '',
    appSecret: credentials.appSecret ?? '',
    verifyToken: credentials.verifyToken ?? '',
  };
}
