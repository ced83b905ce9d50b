/**
 * How an officer connects a Mastodon account: the instance address and an access token made
 * under Preferences > Development (scopes read write), for the connector registry.
 */
import type { ConnectorDefinition } from '../registry.ts';
import { isHttpUrl } from '../registry.ts';
import { createMastodonConnector } from './mastodon.connector.ts';

export const mastodonDefinition: ConnectorDefinition = {
  kind: 'mastodon',
  label: 'Mastodon',
  howToConnect:
    'Create an application under Preferences, Development on the council’s Mastodon server, then paste its access token here.',
  fields: [
    {
      name: 'baseUrl',
      label: 'Server address',
      hint: 'For example, https://social.example.gov.uk',
      isSecret: false,
      isRequired: true,
      check: isHttpUrl,
      networkAddress: 'url',
    },
    { name: 'accessToken', label: 'Access token', isSecret: true, isRequired: true },
  ],
  create: ({ settings, credentials }) =>
    createMastodonConnector({ baseUrl: settings.baseUrl ?? '', accessToken: credentials.accessToken ?? '' }),
};
