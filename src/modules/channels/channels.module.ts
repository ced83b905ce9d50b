/**
 * Builds the channels module for the composition root: the accounts service (with what its
 * connectors need from the database: the email sent-ledger, public image hosting, OAuth token
 * renewal), the OAuth sign-in service for the staff console, and the module's jobs.
 */
import type { Db } from '../../db/index.ts';
import type { AnyJobDefinition } from '../../jobs/index.ts';
import { ChannelAccountsService } from './accounts.service.ts';
import type { CredentialBox } from './credentials.ts';
import { ChannelOAuthService, type OAuthSetup } from './oauth/oauth.service.ts';
import { XOAuth } from './oauth/x.oauth.ts';
import { PublicMedia } from './public-media.ts';
import { purgePublicMediaJob } from './public-media.jobs.ts';
import type { ConnectorRegistry } from './registry.ts';

export type Channels = {
  accounts: ChannelAccountsService;
  oauth: ChannelOAuthService;
  publicMedia: PublicMedia;
  /** Deletes public image copies no network needs any more. */
  definitions: AnyJobDefinition[];
};

export function createChannels(deps: {
  db: Db;
  box: CredentialBox;
  registry: ConnectorRegistry;
  oauth: OAuthSetup;
  /** The council's public site, e.g. https://www.kirkby.gov.uk; undefined when it has none. */
  councilOrigin: (councilId: string) => Promise<string | undefined>;
  /** Every council, for the jobs; without it (a second instance in a test) there are none. */
  councilIds?: () => Promise<string[]>;
}): Channels {
  const publicMedia = new PublicMedia(deps.db, deps.councilOrigin);
  const x = deps.oauth.x ? new XOAuth(deps.oauth.x) : undefined;
  const accounts = new ChannelAccountsService(deps.db, deps.box, deps.registry, {
    publicMedia,
    ...(x ? { refreshers: { x: (c) => x.refresh(c) } } : {}),
  });
  return {
    accounts,
    oauth: new ChannelOAuthService(deps.db, accounts, deps.registry, deps.oauth),
    publicMedia,
    definitions: deps.councilIds
      ? [purgePublicMediaJob(publicMedia, deps.councilIds) as AnyJobDefinition]
      : [],
  };
}
