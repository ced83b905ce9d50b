/**
 * When the database goes away the service says so (503, /readyz failing) instead of crashing
 * or leaking errors, and it recovers by itself when the database comes back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { load } from 'cheerio';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createContainer, type Services } from '../src/container.ts';
import { createDatabases, migrate, startEmbeddedPostgres, type Databases } from '../src/db/index.ts';
import { createLogger } from '../src/logger.ts';
import { Browser, createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';
import { testServerUrl } from './support/database.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what} within ${timeoutMs} ms`);
}

function assertUnavailablePage(res: LightMyRequestResponse, what: string): void {
  assert.equal(res.statusCode, 503, what);
  assert.match(String(res.headers['content-type']), /^text\/html/, what);
  assert.equal(res.headers['retry-after'], '10', what);
  assert.equal(load(res.body)('h1').text().trim(), 'Sorry, the service is unavailable', what);
}

// Runs its own embedded server, not the test server: the TEST_DATABASE_URL pass would repeat it.
const isExternalPass =
  process.env.TEST_DATABASE_URL !== undefined && process.env.TEST_PG_URL === process.env.TEST_DATABASE_URL;

describe(
  'the database stops and starts again',
  { skip: isExternalPass && 'proved in the embedded pass' },
  () => {
    const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
    const dataDir = path.resolve('.tmp', `resilience-${randomBytes(4).toString('hex')}`);
    let port: number;
    let stopServer: () => Promise<void>;
    let dbs: Databases;
    let services: Services;
    let app: FastifyInstance;
    let browser: Browser;
    let token: string;

    before(async () => {
      port = await freePort();
      const server = await startEmbeddedPostgres({ dataDir, port, log });
      stopServer = server.stop;
      dbs = createDatabases(server.url);
      await migrate(dbs.systemPool);
      const config = loadConfig({
        DATABASE_URL: server.url,
        TOWNSQUARE_SECRET_KEY: 'b'.repeat(64),
        TOWNSQUARE_SECURE_COOKIES: 'false',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      });
      services = await createContainer(config, log, { ...dbs, shutdown: async () => dbs.close() });
      app = await buildApp(services);
      await app.ready();
      const { councilId, users } = await createCouncilWithStaff(services, 'steady');
      token = (
        await services.accounts.createApiToken({ councilId, userId: users[0]!.id, label: 'test' }, 'probe')
      ).token;
      browser = new Browser(app, 'steady.test');
      assert.equal((await browser.signIn('admin@steady.test')).statusCode, 303);
    });

    after(async () => {
      await app?.close();
      await services?.close();
      await stopServer?.();
      await fs.rm(dataDir, { recursive: true, force: true });
    });

    it('is ready while the database is up', async () => {
      assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
      assert.equal((await browser.get('/staff')).statusCode, 200);
    });

    it('fails /readyz and answers 503 pages and problems while it is down, and keeps running', async () => {
      await stopServer();
      const ready = await app.inject({ url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.deepEqual(ready.json(), { status: 'unavailable', reason: 'database unreachable' });
      assert.equal(ready.headers['retry-after'], '5');

      assertUnavailablePage(await browser.get('/staff'), 'a signed-in staff page');
      assertUnavailablePage(await browser.get('/staff/users'), 'a second staff page');
      // A host never seen before needs the database to find its council.
      assertUnavailablePage(
        await app.inject({ url: '/', headers: { host: 'new-host.example' } }),
        'a public page',
      );

      const api = await app.inject({
        url: '/api/v1/me',
        headers: { host: 'steady.test', authorization: `Bearer ${token}` },
      });
      assert.equal(api.statusCode, 503);
      assert.match(String(api.headers['content-type']), /^application\/problem\+json/);
      assert.equal(api.headers['retry-after'], '10');
      assert.deepEqual(api.json(), {
        type: 'about:blank',
        title: 'Service unavailable',
        status: 503,
        detail: 'The database cannot be reached. Try again in a few seconds.',
      });
      assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'the process itself is up');
    });

    it('recovers by itself when the database returns on the same data', async () => {
      const server = await startEmbeddedPostgres({ dataDir, port, log });
      stopServer = server.stop;
      const ms = await waitFor(
        '/readyz answers 200',
        async () => (await app.inject({ url: '/readyz' })).statusCode === 200,
        5_000,
      );
      assert.ok(ms < 5_000);
      // The same session cookie and token work: nothing was lost, nothing restarted.
      const page = await browser.get('/staff');
      assert.equal(page.statusCode, 200);
      assert.equal(load(page.body)('h1').text().trim(), 'Staff console');
      const api = await app.inject({
        url: '/api/v1/me',
        headers: { host: 'steady.test', authorization: `Bearer ${token}` },
      });
      assert.equal(api.statusCode, 200);
    });
  },
);

describe("the app's connections are cut", () => {
  let ctx: TestContext;
  let browser: Browser;

  before(async () => {
    ctx = await startTestApp();
    await createCouncilWithStaff(ctx.services, 'cut');
    browser = new Browser(ctx.app, 'cut.test');
    assert.equal((await browser.signIn('admin@cut.test')).statusCode, 303);
  });
  after(async () => ctx.close());

  it('answers 200 or 503, never 500, and is back at once', async () => {
    // Fill the pool with open connections, then have the server end them all.
    await Promise.all(Array.from({ length: 8 }, () => browser.get('/staff')));
    const admin = new pg.Client({ connectionString: testServerUrl() });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: number }>(
        'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [ctx.db.name],
      );
      assert.ok(rows[0]!.n > 0, 'some connections were cut');
    } finally {
      await admin.end();
    }
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await browser.get('/staff')).statusCode);
    assert.ok(
      statuses.every((s) => s === 200 || s === 503),
      statuses.join(' '),
    );
    assert.equal(statuses.at(-1), 200);
    assert.equal((await ctx.app.inject({ url: '/readyz' })).statusCode, 200);
  });
});
