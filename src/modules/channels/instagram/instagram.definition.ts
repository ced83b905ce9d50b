/**
 * How an officer connects an Instagram professional account linked to the council's Page
 * (Facebook Login in the staff console, or pasted ids and token). Instagram fetches images
 * from a public address itself: a stored account's connector gets `hostImage` from the
 * accounts service, which puts the image on the council's public site.
 */
import { ChannelError } from '../channel-error.ts';
import type { ConnectorDefinition } from '../registry.ts';
import { isHttpUrl } from '../registry.ts';
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
    { name: 'verifyToken', label: 'Webhook verify token', isSecret: true, isRequired: true },
  ],
  create: ({ settings, credentials }, services) =>
    new InstagramConnector({
      igUserId: settings.igUserId ?? '',
      pageId: settings.pageId ?? '',
      ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
      accessToken: credentials.accessToken ?? '',
      appSecret: credentials.appSecret ?? '',
      verifyToken: credentials.verifyToken ?? '',
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
