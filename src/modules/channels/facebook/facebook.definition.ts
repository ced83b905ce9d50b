/**
 * How an officer connects a Facebook Page: the Page id, a long-lived Page access token and the
 * Meta app secret (which also verifies webhooks), plus the verify token chosen for webhooks.
 */
import type { ConnectorDefinition } from '../registry.ts';
import { graphAccessConfig, graphAccessFields, verifyTokenField } from '../meta/index.ts';
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
    ...graphAccessFields,
    verifyTokenField('Any long random text; enter the same in Meta’s webhook settings'),
  ],
  create: (config) =>
    new FacebookConnector({ pageId: config.settings.pageId ?? '', ...graphAccessConfig(config) }),
};
