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
    'Sign in to X as the council and allow Townsquare to post and read mentions. Or paste an OAuth 2.0 user access token (tweet.read, tweet.write, users.read, media.write).',
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
  create: ({ settings, credentials }, services) => {
    let current = credentials;
    const refresh = services?.refreshCredentials;
    return createXConnector({
      accessToken: credentials.accessToken ?? '',
      ...(settings.apiBaseUrl ? { apiBaseUrl: settings.apiBaseUrl } : {}),
      // Accounts connected through OAuth carry a refresh token; pasted tokens do not renew.
      ...(credentials.refreshToken && refresh
        ? {
            ...(credentials.expiresAt ? { expiresAt: new Date(credentials.expiresAt) } : {}),
            refresh: async () => {
              current = await refresh(current);
              return {
                accessToken: current.accessToken ?? '',
                ...(current.expiresAt ? { expiresAt: new Date(current.expiresAt) } : {}),
              };
            },
          }
        : {}),
    });
  },
};
