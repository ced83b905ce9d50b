/**
 * The composition root: database -> services -> jobs. Entry points build one container and
 * close it on shutdown; tests build one against a test database.
 */
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { openDatabase, type OpenDatabase } from './db/index.ts';
import { JobQueue, type AnyJobDefinition } from './jobs/index.ts';
import { AccountsService } from './modules/accounts/index.ts';
import { CouncilsService } from './modules/councils/index.ts';
import { ChannelAccountsService, CredentialBox, type ConnectorRegistry } from './modules/channels/index.ts';
import { createConnectorRegistry } from './connectors.ts';
import { housekeepingJobs } from './housekeeping.ts';
import { loadSecretKeys } from './secrets.ts';

export type Services = {
  config: Config;
  log: Logger;
  db: OpenDatabase;
  secretKeys: readonly Buffer[];
  councils: CouncilsService;
  accounts: AccountsService;
  connectors: ConnectorRegistry;
  channelAccounts: ChannelAccountsService;
  jobs: JobQueue;
  close: () => Promise<void>;
};

export async function createContainer(config: Config, log: Logger, db?: OpenDatabase): Promise<Services> {
  const database = db ?? (await openDatabase(config, log));
  const secretKeys = await loadSecretKeys(config, log);
  const councils = new CouncilsService(database.app, database.system);
  const accounts = new AccountsService(database.app, { sessionHours: config.sessionHours });
  const connectors = createConnectorRegistry({ enableX: config.enableX });
  const channelAccounts = new ChannelAccountsService(database.app, new CredentialBox(secretKeys), connectors);
  const definitions: AnyJobDefinition[] = [...housekeepingJobs({ councils, accounts })];
  const jobs = new JobQueue({ url: database.url, log, definitions });
  return {
    config,
    log,
    db: database,
    secretKeys,
    councils,
    accounts,
    connectors,
    channelAccounts,
    jobs,
    close: async () => {
      await jobs.stop();
      await database.shutdown();
    },
  };
}
