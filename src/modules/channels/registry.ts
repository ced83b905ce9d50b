/**
 * Which connector serves which network, and what an officer must enter to connect one. The
 * only place that knows every connector: the rest of Townsquare asks the registry, so an
 * optional network (X) can be left out of a deployment without touching anything else.
 */
import type { AccountIdentity, ChannelConnector, ChannelKind, MediaInput, Published } from './port.ts';
import { canVerifyCredentials } from './port.ts';

export type ConnectorConfig = { settings: Record<string, string>; credentials: Record<string, string> };

/**
 * What a stored account's connector may use beyond its own settings, bound by the accounts
 * service to that council and account. Absent while credentials are only being checked.
 */
export type ConnectorServices = {
  /** Durable record of what an email server accepted (reconciliation after a crash). */
  sentLedger?: {
    get(messageId: string): Promise<Published | undefined>;
    record(messageId: string, published: Published): Promise<void>;
  };
  /** Puts an image at a public address a network can fetch (Instagram's image_url). */
  hostImage?: (media: MediaInput) => Promise<string>;
  /**
   * Renews an OAuth access token with the stored refresh token, saving the result; returns
   * the credentials to use now. Throws ChannelError auth_expired (and flags the account) when
   * the network will not renew it.
   */
  refreshCredentials?: (current: Record<string, string>) => Promise<Record<string, string>>;
};

export type FieldDefinition = {
  name: string;
  label: string;
  hint?: string;
  /** Secrets are sealed, never shown again, and rendered as password inputs. */
  isSecret: boolean;
  isRequired: boolean;
  /** Checks the value; returns the GOV.UK-style message when it is wrong. */
  check?: (value: string) => string | undefined;
  /**
   * The value is an address Townsquare will connect to (a service URL, a mail server). Such
   * fields must name a public HTTPS service (or a public host), so an officer cannot point the
   * server at the deployment's own network (SSRF), unless the deployment allows it.
   */
  networkAddress?: 'url' | 'host';
};

export type ConnectorDefinition = {
  kind: ChannelKind;
  label: string;
  /** How the account is connected, in one sentence for the officer. */
  howToConnect: string;
  fields: FieldDefinition[];
  create(config: ConnectorConfig, services?: ConnectorServices): ChannelConnector;
};

export const isHttpUrl = (v: string) => {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:'
      ? undefined
      : 'Enter a web address starting with https://';
  } catch {
    return 'Enter a web address, like https://bsky.social';
  }
};

/** Literal addresses of this machine or a private network, refused as channel addresses. */
export function isPrivateHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h.endsWith('.internal'))
    return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      a >= 224
    );
  }
  if (h.includes(':'))
    return h === '::' || h === '::1' || /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || h.startsWith('::ffff:');
  return false;
}

export function publicAddressProblem(kind: 'url' | 'host', value: string): string | undefined {
  if (kind === 'host')
    return isPrivateHost(value)
      ? 'Enter the address of a server on the internet, not a private one'
      : undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Enter a web address, like https://bsky.social';
  }
  if (url.protocol !== 'https:') return 'Enter a web address starting with https://';
  if (isPrivateHost(url.hostname)) return 'Enter the address of a service on the internet, not a private one';
  return undefined;
}

export class ConnectorRegistry {
  private readonly definitions = new Map<ChannelKind, ConnectorDefinition>();
  private readonly allowPrivateAddresses: boolean;

  /**
   * `allowPrivateAddresses` lets channel addresses be plain http or on a private network:
   * for tests against local peers and for councils running their own services in-house.
   */
  constructor(definitions: readonly ConnectorDefinition[], opts: { allowPrivateAddresses?: boolean } = {}) {
    for (const d of definitions) this.definitions.set(d.kind, d);
    this.allowPrivateAddresses = opts.allowPrivateAddresses ?? false;
  }

  list(): ConnectorDefinition[] {
    return [...this.definitions.values()];
  }

  definition(kind: ChannelKind): ConnectorDefinition | undefined {
    return this.definitions.get(kind);
  }

  create(kind: ChannelKind, config: ConnectorConfig, services?: ConnectorServices): ChannelConnector {
    const d = this.definitions.get(kind);
    if (!d) throw new Error(`No connector for ${kind} in this deployment`);
    return d.create(config, services);
  }

  /** Refuses an address Townsquare would connect to unless it is public (or the deployment allows private ones). */
  addressProblem(kind: 'url' | 'host', value: string): string | undefined {
    if (this.allowPrivateAddresses) return kind === 'url' ? isHttpUrl(value) : undefined;
    return publicAddressProblem(kind, value);
  }

  /** Field errors for a connect form, keyed by field name. */
  validateSettings(
    kind: ChannelKind,
    settings: Record<string, string>,
    credentials: Record<string, string>,
  ): Partial<Record<string, string>> {
    const d = this.definitions.get(kind);
    if (!d) return { kind: 'This network is not available in this deployment' };
    const errors: Partial<Record<string, string>> = {};
    for (const f of d.fields) {
      const value = (f.isSecret ? credentials[f.name] : settings[f.name])?.trim() ?? '';
      if (!value) {
        if (f.isRequired) errors[f.name] = `Enter the ${f.label.toLowerCase()}`;
        continue;
      }
      const problem =
        f.check?.(value) ??
        (f.networkAddress && !this.allowPrivateAddresses
          ? publicAddressProblem(f.networkAddress, value)
          : undefined);
      if (problem) errors[f.name] = problem;
    }
    return errors;
  }

  /** Signs in with the credentials and says who the account is; throws ChannelError if it cannot. */
  async verify(kind: ChannelKind, config: ConnectorConfig): Promise<AccountIdentity> {
    const connector = this.create(kind, config);
    if (!canVerifyCredentials(connector)) {
      return { id: config.settings.address ?? kind, handle: config.settings.address ?? kind };
    }
    return connector.verifyCredentials();
  }
}
