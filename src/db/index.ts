/**
 * The database module: where PostgreSQL comes from (embedded or DATABASE_URL), the
 * connections, migrations and the council-scoped transaction helper.
 */
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createDatabases, type Databases } from './database.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { migrate } from './migrate.ts';

export { withCouncil, sql, createDatabases, type Db, type Tx, type Databases } from './database.ts';
export { migrate, listMigrations, MigrationError } from './migrate.ts';
export { isUuid } from './ids.ts';
export { startEmbeddedPostgres } from './embedded.ts';
export type { Database } from './schema.ts';

export type OpenDatabase = Databases & { shutdown: () => Promise<void> };

/**
 * Connects to DATABASE_URL, or starts the embedded server, then applies pending migrations.
 */
export async function openDatabase(
  config: Config,
  log: Logger,
  opts: { migrate?: boolean } = {},
): Promise<OpenDatabase> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log });
  const url = config.databaseUrl ?? embedded!.url;
  const dbs = createDatabases(url);
  try {
    if (opts.migrate !== false) {
      const applied = await migrate(dbs.systemPool);
      if (applied.length > 0) log.info({ applied }, 'database migrations applied');
    }
  } catch (error) {
    await dbs.close();
    await embedded?.stop();
    throw error;
  }
  return {
    ...dbs,
    shutdown: async () => {
      await dbs.close();
      await embedded?.stop();
    },
  };
}
