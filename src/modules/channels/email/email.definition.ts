/**
 * How an officer connects the council's outgoing mail: an SMTP relay and the From address.
 */
import type { ConnectorDefinition } from '../registry.ts';
import { EmailConnector } from './email.connector.ts';

const emailAddress = (v: string) =>
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? undefined : 'Enter an email address, like contact@council.gov.uk';

export const emailDefinition: ConnectorDefinition = {
  kind: 'email',
  label: 'Email (SMTP)',
  howToConnect:
    'Enter the council’s mail relay and the address replies should come from. Townsquare receives email on its own address.',
  fields: [
    {
      name: 'host',
      networkAddress: 'host',
      label: 'SMTP server',
      isSecret: false,
      isRequired: true,
      check: (v) => (/^[a-z0-9.-]+$/i.test(v) ? undefined : 'Enter a server name, like smtp.council.gov.uk'),
    },
    {
      name: 'port',
      label: 'Port',
      hint: '587 for STARTTLS, 465 for TLS',
      isSecret: false,
      isRequired: true,
      check: (v) => (/^\d{2,5}$/.test(v) && Number(v) <= 65535 ? undefined : 'Enter a port number, like 587'),
    },
    { name: 'address', label: 'From address', isSecret: false, isRequired: true, check: emailAddress },
    {
      name: 'fromName',
      label: 'From name',
      hint: 'For example, Vale of Chelt Borough Council',
      isSecret: false,
      isRequired: false,
    },
    {
      name: 'requireTls',
      label: 'Require TLS',
      hint: 'yes (recommended) or no for a relay on this machine',
      isSecret: false,
      isRequired: false,
      check: (v) => (v === 'yes' || v === 'no' ? undefined : 'Enter yes or no'),
    },
    { name: 'user', label: 'User name', isSecret: false, isRequired: false },
    { name: 'pass', label: 'Password', isSecret: true, isRequired: false },
  ],
  create: ({ settings, credentials }, services) => {
    const address = settings.address ?? '';
    return new EmailConnector(
      {
        host: settings.host ?? '',
        port: Number(settings.port ?? 587),
        secure: settings.port === '465',
        requireTls: settings.requireTls !== 'no',
        councilDomain: address.split('@')[1] ?? 'localhost',
        fromAddress: address,
        ...(settings.fromName ? { fromName: settings.fromName } : {}),
      },
      {
        ...(settings.user ? { user: settings.user } : {}),
        ...(credentials.pass ? { pass: credentials.pass } : {}),
      },
      // A stored account remembers what its server accepted in the database (crash-safe);
      // checking credentials sends nothing, so it needs no ledger.
      services?.sentLedger ? { ledger: services.sentLedger } : {},
    );
  },
};
