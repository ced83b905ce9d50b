/**
 * The connectors this deployment offers. Each network's definition lives beside its
 * connector; X is optional (its API is costly) and nothing depends on it being here.
 */
import { ConnectorRegistry, type ConnectorDefinition } from './modules/channels/index.ts';

export function createConnectorRegistry(extra: readonly ConnectorDefinition[] = []): ConnectorRegistry {
  return new ConnectorRegistry([...extra]);
}
