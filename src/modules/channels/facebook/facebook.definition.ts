/**
 * How an officer connects a Facebook Page: the Page id, a long-lived Page access token and the
 * Meta app secret (which also verifies webhooks), plus the verify token chosen for webhooks.
 */
import type { ConnectorDefinition } from '../registry.ts';
import { isHttpUrl } from '../registry.ts';
import { FacebookConnector } from './facebook.connector.ts';

export const facebookDefinition: ConnectorDefinition = {
  kind: 'facebook',
  label: 'Facebook Page',
  howToConnect:
    'In Meta for Developers, give the council’s app the pages_manage_posts, pages_read_engagement and pages_messaging permissions, then paste the Page id, a long-lived Page access token and the app secret.',
  fields: [
    {
      name: 'pageId',
      label: 'Page id',
      isSecret: false,
      isRequired: true,
      check: (v) => (/^\d{5,20}$/.test(v) ? undefined : 'Enter the Page id, a number like 104512345678901'),
    },
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
    {
      name: 'verifyToken',
      label: 'Webhook verify token',
      hint: 'Any long random text; enter the same in Meta’s webhook settings',
      isSecret: true,
      isRequired: true,
    },
  ],
  create: ({ settings, credentials }) =>
    new FacebookConnector({
      pageId: settings.pageId ?? '',
      ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
      accessToken: credentials.accessToken ?? '',
      appSecret: credentials.appSecret ?? '',
      verifyToken: credentials.verifyToken ?? '',
    }),
};
