/**
 * How an officer connects a Bluesky account: the service address, the handle and an app
 * password (Settings > Privacy and security > App passwords), never the account password.
 */
import type { ConnectorDefinition } from '../registry.ts';
import { isHttpUrl } from '../registry.ts';
import { BlueskyConnector } from './bluesky.connector.ts';

const handlePattern = /^(did:plc:[a-z2-7]{24}|([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,})$/i;

export const blueskyDefinition: ConnectorDefinition = {
  kind: 'bluesky',
  label: 'Bluesky',
  howToConnect:
    'Create an app password for the council’s Bluesky account under Settings, Privacy and security, App passwords, then enter the handle and that app password.',
  fields: [
    {
      name: 'service',
      label: 'Service address',
      hint: 'https://bsky.social unless the council runs its own server',
      isSecret: false,
      isRequired: true,
      check: isHttpUrl,
      networkAddress: 'url',
    },
    {
      name: 'identifier',
      label: 'Handle',
      hint: 'For example, valeofchelt.gov.uk',
      isSecret: false,
      isRequired: true,
      check: (v) =>
        handlePattern.test(v.replace(/^@/, '')) ? undefined : 'Enter a handle, like council.bsky.social',
    },
    {
      name: 'inbound',
      label: 'How to read mentions',
      hint: 'Leave empty on the Bluesky network. Enter pds-scan for a server without an AppView.',
      isSecret: false,
      isRequired: false,
      check: (v) =>
        v === 'pds-scan' || v === 'notifications'
          ? undefined
          : 'Enter pds-scan, notifications or leave it empty',
    },
    {
      // Read by the worker's hashtag listener (inbox/ingest/bluesky-tags.ts), not the connector.
      name: 'watchHashtags',
      label: 'Watch meeting hashtags',
      hint: 'Enter yes to take public posts carrying an open meeting’s hashtag as questions, even when they do not mention the council.',
      isSecret: false,
      isRequired: false,
      check: (v) => (v === 'yes' || v === 'no' ? undefined : 'Enter yes, no or leave it empty'),
    },
    { name: 'appPassword', label: 'App password', isSecret: true, isRequired: true },
  ],
  create: ({ settings, credentials }) =>
    new BlueskyConnector(
      {
        service: settings.service ?? '',
        identifier: (settings.identifier ?? '').replace(/^@/, ''),
        appPassword: credentials.appPassword ?? '',
      },
      { inbound: settings.inbound === 'pds-scan' ? 'pds-scan' : 'notifications' },
    ),
};
