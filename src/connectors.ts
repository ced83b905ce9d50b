/**
 * The connectors this deployment offers. Each network's definition lives beside its
 * connector. X is optional (its API is costly): it is offered only when
 * TOWNSQUARE_ENABLE_X is true, and nothing else depends on it.
 */
import {
  ConnectorRegistry,
  blueskyDefinition,
  emailDefinition,
  facebookDefinition,
  instagramDefinition,
  mastodonDefinition,
  notifyDefinition,
  xDefinition,
  type ConnectorDefinition,
} from './modules/channels/index.ts';

export function createConnectorRegistry(
  opts: { enableX: boolean; allowPrivateAddresses?: boolean },
  extra: readonly ConnectorDefinition[] = [],
): ConnectorRegistry {
  return new ConnectorRegistry(
    [
      blueskyDefinition,
      mastodonDefinition,
      facebookDefinition,
      instagramDefinition,
      ...(opts.enableX ? [xDefinition] : []),
      emailDefinition,
      notifyDefinition,
      ...extra,
    ],
    { allowPrivateAddresses: opts.allowPrivateAddresses },
  );
}
