/**
 * Each test file gets its own fresh database on the test server (TEST_PG_URL, set by
 * scripts/run-tests.ts: the embedded server, or TEST_DATABASE_URL on the second pass), with
 * every migration applied. Databases are dropped when the file's tests end.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabases, migrate, type Databases } from '../../src/db/index.ts';

export function testServerUrl(): string {
  const url = process.env.TEST_PG_URL;
  if (!url) throw new Error('TEST_PG_URL is not set: run tests with `npm test`');
  return url;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export type TestDatabase = Databases & { name: string; drop: () => Promise<void> };

export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = testServerUrl();
  const name = `ts_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const dbs = createDatabases(withDatabase(admin, name));
  await migrate(dbs.systemPool);
  return {
    ...dbs,
    name,
    drop: async () => {
      await dbs.close();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
