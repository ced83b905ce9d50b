/**
 * Migrations apply once, in order, and refuse a file changed after it ran; src/db/schema.ts
 * (the Kysely types, written by hand) matches the real tables; and every council-owned table
 * is guarded by row-level security.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import ts from 'typescript';
import {
  createDatabases,
  listMigrations,
  migrate,
  MigrationError,
  sql,
  withCouncil,
  type Databases,
} from '../src/db/index.ts';
import { createTestDatabase, testServerUrl, type TestDatabase } from './support/database.ts';

const migrationsDir = path.resolve('src/db/migrations');

/** An empty database on the test server, with no migrations applied. */
async function emptyDatabase(): Promise<Databases & { drop: () => Promise<void> }> {
  const name = `ts_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  const dbs = createDatabases(url.toString());
  return {
    ...dbs,
    drop: async () => {
      await dbs.close();
      const c = new pg.Client({ connectionString: testServerUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A copy of the migrations folder that a test may change. */
async function copyOfMigrations(): Promise<string> {
  const dir = path.resolve('.tmp', `migrations-${randomBytes(4).toString('hex')}`);
  await fs.cp(migrationsDir, dir, { recursive: true });
  return dir;
}

type DeclaredColumn = { name: string; isNullable: boolean; isGenerated: boolean };

/** Tables and columns as src/db/schema.ts declares them, read with the TypeScript parser. */
async function declaredSchema(): Promise<Map<string, DeclaredColumn[]>> {
  const file = path.resolve('src/db/schema.ts');
  const source = ts.createSourceFile(file, await fs.readFile(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
  });
  const database = interfaces.get('Database');
  assert.ok(database, 'schema.ts declares interface Database');
  const tables = new Map<string, DeclaredColumn[]>();
  for (const member of database.members) {
    assert.ok(ts.isPropertySignature(member) && member.type, 'Database members are properties');
    const tableName = member.name.getText(source);
    const typeName = member.type.getText(source);
    const table = interfaces.get(typeName);
    assert.ok(table, `schema.ts declares interface ${typeName} for table ${tableName}`);
    tables.set(
      tableName,
      table.members.map((m) => {
        assert.ok(ts.isPropertySignature(m) && m.type, `${typeName} members are properties`);
        const text = m.type.getText(source);
        return {
          name: m.name.getText(source),
          isNullable: /\|\s*null\b/.test(text),
          isGenerated: /^Generated</.test(text),
        };
      }),
    );
  }
  return tables;
}

describe('migrations', () => {
  let db: Databases & { drop: () => Promise<void> };
  const dirs: string[] = [];

  before(async () => {
    db = await emptyDatabase();
  });
  after(async () => {
    await db.drop();
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  it('apply every file once, in order, even when two processes start together', async () => {
    const files = await listMigrations();
    assert.ok(files.length > 0);
    assert.deepEqual(
      files.map((f) => f.version),
      [...files.map((f) => f.version)].sort(),
    );
    const [one, two] = await Promise.all([migrate(db.systemPool), migrate(db.systemPool)]);
    assert.deepEqual(
      [...one!, ...two!].sort(),
      files.map((f) => f.version),
    );
    const { rows } = await sql<{ version: string; name: string; checksum: string }>`
      SELECT version, name, checksum FROM schema_migrations ORDER BY version`.execute(db.system);
    assert.deepEqual(
      rows,
      files.map((f) => ({ version: f.version, name: f.name, checksum: f.checksum })),
    );
  });

  it('are idempotent: a second run applies nothing', async () => {
    assert.deepEqual(await migrate(db.systemPool), []);
    assert.deepEqual(await migrate(db.systemPool), []);
  });

  it('refuse a migration changed after it was applied', async () => {
    const dir = await copyOfMigrations();
    dirs.push(dir);
    const [first] = await listMigrations(dir);
    assert.ok(first);
    await fs.appendFile(path.join(dir, `${first.version}_${first.name}.sql`), '\n-- edited afterwards\n');
    await assert.rejects(migrate(db.systemPool, dir), (error: unknown) => {
      assert.ok(error instanceof MigrationError);
      assert.equal(error.kind, 'migration');
      assert.equal(error.message, `Migration ${first.version}_${first.name} changed after it was applied`);
      return true;
    });
  });

  it('apply a new file once, and roll back a failing one whole', async () => {
    const dir = await copyOfMigrations();
    dirs.push(dir);
    await fs.writeFile(path.join(dir, '9990_test_extra.sql'), 'CREATE TABLE test_extra (id int);\n');
    assert.deepEqual(await migrate(db.systemPool, dir), ['9990']);
    assert.deepEqual(await migrate(db.systemPool, dir), []);
    await fs.writeFile(
      path.join(dir, '9991_test_broken.sql'),
      'CREATE TABLE test_half_done (id int);\nSELECT * FROM no_such_table;\n',
    );
    await assert.rejects(migrate(db.systemPool, dir), (error: unknown) => {
      assert.ok(error instanceof MigrationError);
      assert.equal(
        error.message,
        'Migration 9991_test_broken failed: relation "no_such_table" does not exist',
      );
      return true;
    });
    const { rows } = await sql<{ t: string | null; v: string | null }>`
      SELECT to_regclass('public.test_half_done')::text AS t,
             (SELECT version FROM schema_migrations WHERE version = '9991') AS v`.execute(db.system);
    assert.deepEqual(rows, [{ t: null, v: null }]);
  });
});

describe('schema', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => db.drop());

  it('src/db/schema.ts declares exactly the columns each table has', async () => {
    const declared = await declaredSchema();
    assert.ok(declared.size > 0);
    const { rows } = await sql<{
      table_name: string;
      column_name: string;
      is_nullable: string;
      has_default: boolean;
    }>`
      SELECT table_name, column_name, is_nullable,
             (column_default IS NOT NULL OR is_identity = 'YES' OR is_generated = 'ALWAYS') AS has_default
      FROM information_schema.columns WHERE table_schema = 'public'`.execute(db.system);
    for (const [table, columns] of declared) {
      const real = rows.filter((r) => r.table_name === table);
      assert.ok(real.length > 0, `table ${table} exists`);
      assert.deepEqual(
        columns.map((c) => c.name).sort(),
        real.map((r) => r.column_name).sort(),
        `columns of ${table}`,
      );
      for (const c of columns) {
        const r = real.find((x) => x.column_name === c.name)!;
        assert.equal(
          c.isNullable,
          r.is_nullable === 'YES',
          `${table}.${c.name}: schema.ts and SQL agree on NULL`,
        );
        if (c.isGenerated)
          assert.ok(r.has_default, `${table}.${c.name} is Generated<> so it needs a default`);
      }
    }
  });

  it('guards every table with a council_id column by row-level security, for reads and writes', async () => {
    const { rows } = await sql<{ table_name: string; rls: boolean; forced: boolean; policies: string[] }>`
      SELECT c.table_name, k.relrowsecurity AS rls, k.relforcerowsecurity AS forced,
             array(SELECT p.polname || ':' || p.polcmd::text || ':' || (p.polqual IS NOT NULL) || ':' ||
                   (p.polwithcheck IS NOT NULL OR p.polcmd = 'r')
                   FROM pg_policy p WHERE p.polrelid = k.oid ORDER BY 1) AS policies
      FROM information_schema.columns c
      JOIN pg_class k ON k.relname = c.table_name AND k.relnamespace = 'public'::regnamespace
      WHERE c.table_schema = 'public' AND c.column_name = 'council_id' AND k.relkind = 'r'`.execute(
      db.system,
    );
    assert.ok(rows.some((r) => r.table_name === 'users'));
    for (const r of rows) {
      assert.equal(r.rls, true, `${r.table_name} has row-level security enabled`);
      assert.ok(r.policies.length > 0, `${r.table_name} has a policy`);
      assert.ok(
        r.policies.every((p) => p.endsWith(':true:true')),
        `${r.table_name}'s policies have USING and WITH CHECK: ${r.policies.join(', ')}`,
      );
    }
  });
});

describe('withCouncil', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => db.drop());

  const setting = (tx: Parameters<Parameters<typeof withCouncil>[2]>[0]) =>
    sql<{ v: string | null }>`SELECT current_setting('app.council_id', true) AS v`.execute(tx);

  it('binds the council with BEGIN in one round trip, for that transaction only', async () => {
    const councilId = randomUUID();
    const sent: string[] = [];
    // Count what reaches the server: BEGIN and the binding go as one query.
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
      if (text) sent.push(text);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      const seen = await withCouncil(db.app, councilId, async (tx) => {
        const inside = (await setting(tx)).rows[0]?.v;
        // A transaction opened inside the callback is an ordinary one, without the binding.
        const nested = await db.system.transaction().execute(async (t) => (await setting(t)).rows[0]?.v);
        return { inside, nested };
      });
      assert.equal(seen.inside, councilId);
      assert.ok(!seen.nested, 'a nested transaction is not bound to the council');
    } finally {
      pg.Client.prototype.query = original;
    }
    const begins = sent.filter((t) => /^\s*begin/iu.test(t));
    assert.equal(begins.length, 2);
    assert.match(begins[0]!, new RegExp(`set_config\\('app.council_id', '${councilId}', true\\)`, 'u'));
    assert.ok(!sent.some((t) => t.startsWith('SELECT set_config')), 'no separate binding query');
    // The setting is local to the transaction: the pooled connection forgets it.
    const after = await db.app.transaction().execute(async (t) => (await setting(t)).rows[0]?.v);
    assert.ok(!after);
  });

  it('leaves no aborted transaction on the connection when the binding fails after BEGIN', async () => {
    const one = createDatabases(db.url, { appPoolSize: 1 });
    const original = pg.Client.prototype.query;
    let isFailing = true;
    // The binding statement fails once, after BEGIN has run (as a cancelled statement would).
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      if (isFailing && typeof args[0] === 'string' && args[0].startsWith('BEGIN; SELECT set_config')) {
        isFailing = false;
        args[0] = 'BEGIN; SELECT 1/0';
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      const councilId = randomUUID();
      await assert.rejects(
        withCouncil(one.app, councilId, async () => 'never'),
        /division by zero/u,
      );
      // The pool's only connection is usable at once by the next caller.
      const seen = await withCouncil(one.app, councilId, (tx) =>
        sql<{ v: string }>`SELECT current_setting('app.council_id', true) AS v`.execute(tx),
      );
      assert.equal(seen.rows[0]?.v, councilId);
    } finally {
      pg.Client.prototype.query = original;
      await one.close();
    }
  });

  it('never writes a council id that is not a UUID into SQL text', async () => {
    const hostile = `x', true); DROP TABLE councils; --`;
    await assert.rejects(
      withCouncil(db.app, hostile, (tx) => tx.selectFrom('users').select('id').execute()),
      /invalid input syntax for type uuid/u,
    );
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM councils`.execute(db.system);
    assert.ok(rows.length === 1, 'councils is still there');
  });
});
