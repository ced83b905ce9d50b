/**
 * Which connector serves which network, and what an officer must enter to connect one. The
 * only place that knows every connector: the rest of Townsquare asks the registry, so an
 * optional network (X) can be left out of a deployment without touching anything else.
 */
import type { AccountIdentity, ChannelConnector, ChannelKind } from './port.ts';
import { canVerifyCredentials } from './port.ts';

export type ConnectorConfig = { settings: Record<string, string>; credentials: Record<string, string> };

export type FieldDefinition = {
  name: string;
  label: string;
  hint?: string;
  /** Secrets are sealed, never shown again, and rendered as password inputs. */
  isSecret: boolean;
  isRequired: boolean;
  /** Checks the value; returns the GOV.UK-style message when it is wrong. */
  check?: (value: string) => string | undefined;
};

export type ConnectorDefinition = {
  kind: ChannelKind;
  label: string;
  /** How the account is connected, in one sentence for the officer. */
  howToConnect: string;
  fields: FieldDefinition[];
  create(config: ConnectorConfig): ChannelConnector;
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

export class ConnectorRegistry {
  private readonly definitions = new Map<ChannelKind, ConnectorDefinition>();

  constructor(definitions: readonly ConnectorDefinition[]) {
    for (const d of definitions) this.definitions.set(d.kind, d);
  }

  list(): ConnectorDefinition[] {
    return [...this.definitions.values()];
  }

  definition(kind: ChannelKind): ConnectorDefinition | undefined {
    return this.definitions.get(kind);
  }

  create(kind: ChannelKind, config: ConnectorConfig): ChannelConnector {
    const d = this.definitions.get(kind);
    if (!d) throw new Error(`No connector for ${kind} in this deployment`);
    return d.create(config);
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
      const problem = f.check?.(value);
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
