/**
 * Connections. Two Kysely instances share one server:
 * - `app`: every connection switches to the role townsquare_app, which row-level security
 *   binds to the council named by `withCouncil`. Request handlers and jobs use this.
 * - `system`: the connecting (owner) role, for migrations and the few cross-council reads
 *   (finding a council by host name, housekeeping jobs).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  PostgresDriver,
  sql,
  type DatabaseConnection,
  type PostgresDialectConfig,
  type Transaction,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import { isUuid } from './ids.ts';
import type { Database } from './schema.ts';

// Return bigint ids (audit events) as strings and keep timestamps as Date.
pg.types.setTypeParser(20, (v) => v);

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export type Databases = {
  app: Db;
  system: Db;
  appPool: pg.Pool;
  systemPool: pg.Pool;
  url: string;
  close: () => Promise<void>;
};

export function createDatabases(url: string, opts: { appPoolSize?: number } = {}): Databases {
  const systemPool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000 });
  // The role is a start-up parameter, not a later SET ROLE: a connection that cannot take
  // it fails to open, so no query can ever run with the owner's rights by mistake.
  const appPool = new pg.Pool({
    connectionString: url,
    options: '-c role=townsquare_app',
    max: opts.appPoolSize ?? 10,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
  });
  // Errors on idle clients (the server restarting) must not crash the process; the pool
  // replaces the client and /readyz reports the outage.
  appPool.on('error', () => undefined);
  systemPool.on('error', () => undefined);
  // A client that is checked out (mid-transaction) when the server goes away emits 'error'
  // itself, and the pool listens only while the client is idle: without this listener that
  // event is an uncaught exception that ends the process. The query in flight still rejects,
  // and the request answers 503.
  for (const pool of [appPool, systemPool])
    pool.on('connect', (client) => client.on('error', () => undefined));
  const app = new Kysely<Database>({ dialect: new CouncilBindingDialect({ pool: appPool }) });
  const system = new Kysely<Database>({ dialect: new CouncilBindingDialect({ pool: systemPool }) });
  return {
    app,
    system,
    appPool,
    systemPool,
    url,
    close: async () => {
      await app.destroy();
      await system.destroy();
    },
  };
}

/**
 * Runs `fn` in a transaction bound to one council: row-level security then shows and
 * accepts only that council's rows.
 * @example await withCouncil(db.app, councilId, (tx) => tx.selectFrom('users').selectAll().execute())
 */
export async function withCouncil<T>(db: Db, councilId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  // A council id that is not a UUID is bound as a parameter (and then refused by the policies'
  // ::uuid cast), never written into SQL text.
  const pending = { councilId, isBound: false, isEligible: isUuid(councilId) };
  return councilToBind.run(pending, () =>
    db.transaction().execute(async (tx) => {
      if (!pending.isBound) await sql`SELECT set_config('app.council_id', ${councilId}, true)`.execute(tx);
      return fn(tx);
    }),
  );
}

/** The council `withCouncil` is about to open a transaction for; taken by that BEGIN only. */
const councilToBind = new AsyncLocalStorage<{ councilId: string; isBound: boolean; isEligible: boolean }>();

/**
 * BEGIN and the council binding in one round trip (a simple-protocol query of two statements)
 * instead of two: every request and job runs at least one council transaction, and on a busy
 * minute of publishing each round trip is a wake-up of the server and of this process. The
 * id is a validated UUID, so writing it into the SQL text is safe. A transaction begun inside
 * the callback (the binding is already taken) is an ordinary BEGIN.
 */
class CouncilBindingDriver extends PostgresDriver {
  override async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    const pending = councilToBind.getStore();
    if (!pending || pending.isBound || !pending.isEligible || settings.isolationLevel || settings.accessMode)
      return super.beginTransaction(connection, settings);
    pending.isBound = true;
    try {
      await connection.executeQuery(
        CompiledQuery.raw(`BEGIN; SELECT set_config('app.council_id', '${pending.councilId}', true)`),
      );
    } catch (error) {
      // BEGIN may have run and the binding failed (a cancelled statement, a timeout): Kysely
      // rolls back only a transaction that began, so end this one here, or the pooled
      // connection would answer "current transaction is aborted" to its next user.
      await connection.executeQuery(CompiledQuery.raw('ROLLBACK')).catch(() => undefined);
      throw error;
    }
  }
}

class CouncilBindingDialect extends PostgresDialect {
  constructor(private readonly settings: PostgresDialectConfig) {
    super(settings);
  }

  override createDriver(): PostgresDriver {
    return new CouncilBindingDriver(this.settings);
  }
}

export { sql };
