/**
 * How an officer connects an Instagram professional account linked to the council's Page
 * (Facebook Login in the staff console, or pasted ids and token). Instagram fetches images
 * from a public address itself: a stored account's connector gets `hostImage` from the
 * accounts service, which puts the image on the council's public site.
 */
import { ChannelError } from '../channel-error.ts';
import type { ConnectorDefinition } from '../registry.ts';
import { graphAccessConfig, graphAccessFields, verifyTokenField } from '../meta/index.ts';
import { InstagramConnector } from './instagram.connector.ts';

export const instagramDefinition: ConnectorDefinition = {
  kind: 'instagram',
  label: 'Instagram',
  howToConnect:
    'Link the council’s Instagram professional account to its Facebook Page, then paste the Instagram user id, the Page id, a Page access token with instagram_content_publish, and the app secret.',
  fields: [
    {
      name: 'igUserId',
      label: 'Instagram user id',
      isSecret: false,
      isRequired: true,
      check: (v) => (/^\d{5,25}$/.test(v) ? undefined : 'Enter the Instagram user id, a number'),
    },
    {
      name: 'pageId',
      label: 'Linked Page id',
      isSecret: false,
      isRequired: true,
      check: (v) => (/^\d{5,20}$/.test(v) ? undefined : 'Enter the Page id, a number'),
    },
    ...graphAccessFields,
    verifyTokenField(),
  ],
  create: (config, services) =>
    new InstagramConnector({
      igUserId: config.settings.igUserId ?? '',
      pageId: config.settings.pageId ?? '',
      ...graphAccessConfig(config),
      hostImage:
        services?.hostImage ??
        (async () => {
          throw new ChannelError(
            'rejected',
            'Images for Instagram need a public address; this account has none to give',
          );
        }),
    }),
};
