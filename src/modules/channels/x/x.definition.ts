/**
 * How an officer connects an X account, for the connector registry. X is optional: a
 * deployment that leaves this definition out of its registry never loads the X connector.
 */
import type { ConnectorDefinition } from '../registry.ts';
import { isHttpUrl } from '../registry.ts';
import { createXConnector } from './x.connector.ts';

export const xDefinition: ConnectorDefinition = {
  kind: 'x',
  label: 'X (Twitter)',
  howToConnect:
    'Authorise Townsquare’s X app for the council’s account (OAuth 2.0 with tweet.read, tweet.write, users.read and media.write), then paste the user access token here.',
  fields: [
    { name: 'accessToken', label: 'User access token', isSecret: true, isRequired: true },
    {
      name: 'apiBaseUrl',
      label: 'API address',
      hint: 'Leave empty for https://api.x.com',
      isSecret: false,
      isRequired: false,
      check: isHttpUrl,
      networkAddress: 'url',
    },
  ],
  create: ({ settings, credentials }) =>
    createXConnector({
      accessToken: credentials.accessToken ?? '',
      ...(settings.apiBaseUrl ? { apiBaseUrl: settings.apiBaseUrl } : {}),
    }),
};
