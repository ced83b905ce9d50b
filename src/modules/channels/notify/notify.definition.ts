/**
 * How an officer connects GOV.UK Notify: a live API key and the ids of the two templates
 * (email with ((subject)) and ((body)), SMS with ((body))), plus the callback bearer tokens.
 */
import type { ConnectorDefinition } from '../registry.ts';
import { isHttpUrl } from '../registry.ts';
import { NotifyConnector } from './notify.connector.ts';

const uuid = (v: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)
    ? undefined
    : 'Enter the template id, like 6b1f1d5c-...';

export const notifyDefinition: ConnectorDefinition = {
  kind: 'notify',
  label: 'GOV.UK Notify (email and SMS)',
  howToConnect:
    'In GOV.UK Notify, create an email template with ((subject)) and ((body)) and a text message template with ((body)), then paste their ids and a live API key.',
  fields: [
    { name: 'emailTemplateId', label: 'Email template id', isSecret: false, isRequired: true, check: uuid },
    {
      name: 'smsTemplateId',
      label: 'Text message template id',
      isSecret: false,
      isRequired: true,
      check: uuid,
    },
    {
      name: 'baseUrl',
      label: 'Notify API address',
      hint: 'Leave empty for GOV.UK Notify',
      isSecret: false,
      isRequired: false,
      check: isHttpUrl,
      networkAddress: 'url',
    },
    { name: 'apiKey', label: 'API key', isSecret: true, isRequired: true },
    {
      name: 'callbackToken',
      label: 'Callback bearer token',
      hint: 'The token you give Notify for delivery receipts and received text messages',
      isSecret: true,
      isRequired: true,
    },
  ],
  create: ({ settings, credentials }) =>
    new NotifyConnector({
      apiKey: credentials.apiKey ?? '',
      ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
      emailTemplateId: settings.emailTemplateId ?? '',
      smsTemplateId: settings.smsTemplateId ?? '',
      inboundBearerToken: credentials.callbackToken ?? '',
      deliveryBearerToken: credentials.callbackToken ?? '',
    }),
};
