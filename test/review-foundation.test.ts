/**
 * Review fixes in the foundation: request logs keep no query values (webhook verify tokens,
 * email addresses), a malformed id in a staff URL is a 404 rather than a 500, and the council
 * cache cannot be grown without limit through the Host header.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createContainer, type Services } from '../src/container.ts';
import { redactPaths } from '../src/logger.ts';
import { Browser, createCouncilWithStaff } from './support/app.ts';
import { createTestDatabase } from './support/database.ts';

describe('review: foundation', () => {
  const lines: string[] = [];
  let services: Services;
  let app: FastifyInstance;

  before(async () => {
    const db = await createTestDatabase();
    const config = loadConfig({
      TOWNSQUARE_SECRET_KEY: 'b'.repeat(64),
      TOWNSQUARE_DATA_DIR: '.tmp/test-data',
      TOWNSQUARE_SECURE_COOKIES: 'false',
    });
    const log = pino(
      { level: 'info', redact: { paths: redactPaths, censor: '[redacted]' } },
      { write: (line: string) => void lines.push(line) },
    );
    services = await createContainer(config, log, { ...db, shutdown: async () => db.drop() });
    app = await buildApp(services);
    await app.ready();
    await createCouncilWithStaff(services, 'riverside');
  });
  after(async () => {
    await app.close();
    await services.close();
  });

  it('logs the path and parameter names of a request, never the values', async () => {
    await app.inject({
      url: '/webhooks/facebook/3f0c2a4e-8d55-4a4b-9d0e-2f6b1c7a9e10?hub.mode=subscribe&hub.verify_token=verify-secret-123&hub.challenge=42',
      headers: { host: 'riverside.test' },
    });
    const browser = new Browser(app, 'riverside.test');
    await browser.signIn('admin@riverside.test');
    await browser.get('/staff/audit?actor=jane.resident%40example.com');
    const log = lines.join('');
    assert.doesNotMatch(log, /verify-secret-123/);
    assert.doesNotMatch(log, /jane\.resident/);
    assert.match(
      log,
      /"url":"\/webhooks\/facebook\/3f0c2a4e-8d55-4a4b-9d0e-2f6b1c7a9e10\?hub\.mode&hub\.verify_token&hub\.challenge"/,
    );
    assert.match(log, /"url":"\/staff\/audit\?actor"/);
  });

  it('answers 404, not 500, for a user or token id that is not a uuid', async () => {
    const browser = new Browser(app, 'riverside.test');
    await browser.signIn('admin@riverside.test');
    const user = await browser.submit('/staff/users', { action: 'disable' }, '/staff/users/not-a-uuid');
    assert.equal(user.statusCode, 404);
    const token = await browser.submit('/staff/account/tokens', {}, '/staff/account/tokens/x/revoke');
    assert.equal(token.statusCode, 404);
    const channel = await browser.get('/staff/channels/------------------------------------');
    assert.equal(channel.statusCode, 404);
  });

  it('keeps at most a thousand host names in the council cache', async () => {
    for (let i = 0; i < 1_200; i += 1) await services.councils.findByHost(`made-up-${i}.example`);
    assert.ok(services.councils['cache'].size <= 1_000, `cache holds ${services.councils['cache'].size}`);
    assert.ok(await services.councils.findBySlug('riverside'));
  });
});
