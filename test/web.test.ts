/**
 * The web layer as a resident, a browser and an integrator meet it: choosing the council,
 * error pages and problem+json, security headers, operational endpoints, OpenAPI and rate limits.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'cheerio';
import type { LightMyRequestResponse } from 'fastify';
import { Browser, startTestApp, type TestContext } from './support/app.ts';

const secret = 'internal detail that must stay in the log';

function isProblem(res: LightMyRequestResponse, status: number): void {
  assert.equal(res.statusCode, status);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.json<{ status: number; title: string; type: string }>();
  assert.equal(body.status, status);
  assert.equal(body.type, 'about:blank');
  assert.equal(typeof body.title, 'string');
}

function assertNoStackTrace(res: LightMyRequestResponse): void {
  assert.ok(!res.body.includes(secret), 'no error message');
  assert.ok(!/\bat .+\.(ts|js):\d+/.test(res.body), 'no stack frames');
  assert.ok(!res.body.includes('"stack"'), 'no stack property');
}

describe('web', () => {
  let ctx: TestContext;

  before(async () => {
    ctx = await startTestApp(
      {},
      {
        beforeReady: (app) => {
          // Test-only routes: one that fails unexpectedly, one that takes a JSON body.
          app.get('/test/boom', async () => {
            throw new Error(secret);
          });
          app.get('/api/v1/test/boom', async () => {
            throw new Error(secret);
          });
          app.post('/api/v1/test/echo', async (request) => ({ received: request.body }));
        },
      },
    );
    await ctx.services.councils.create({
      slug: 'demo',
      name: 'Default Demo Council',
      hostnames: ['demo.test'],
    });
    await ctx.services.councils.create({
      slug: 'web-b',
      name: 'Web B Borough Council',
      hostnames: ['b.test'],
    });
  });
  after(async () => ctx.close());

  const get = (url: string, host = 'b.test', headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: 'GET', url, headers: { host, ...headers } });

  describe('choosing the council', () => {
    it('answers an unknown council under /c/ with the GOV.UK 404 page', async () => {
      for (const url of ['/c/unknown/', '/c/unknown', '/c/unknown/staff/sign-in']) {
        const res = await get(url, 'localhost');
        assert.equal(res.statusCode, 404, url);
        assert.match(String(res.headers['content-type']), /^text\/html/);
        const $ = load(res.body);
        assert.equal($('h1').text().trim(), 'Page not found');
        assert.equal($('title').text().trim(), 'Page not found – Townsquare');
      }
      isProblem(await get('/c/unknown/api/v1/me', 'localhost'), 404);
    });

    it('serves a council under /c/{slug}/ and keeps the prefix in links and redirects', async () => {
      const res = await get('/c/web-b/', 'localhost');
      assert.equal(res.statusCode, 200);
      const $ = load(res.body);
      assert.equal($('.ts-header__name').text().trim(), 'Web B Borough Council');
      assert.equal($('.ts-header__link').attr('href'), '/c/web-b/');
      const footer = $('.govuk-footer__link')
        .toArray()
        .map((a) => $(a).attr('href'));
      assert.deepEqual(footer, ['/c/web-b/', '/c/web-b/accessibility', '/c/web-b/staff']);
      const staff = await get('/c/web-b/staff', 'localhost');
      assert.equal(staff.statusCode, 303);
      assert.equal(staff.headers.location, '/c/web-b/staff/sign-in?returnTo=%2Fstaff');
      const accessibility = await get('/c/web-b/accessibility?x=1', 'localhost');
      assert.equal(accessibility.statusCode, 200);
      assert.equal(load(accessibility.body)('.ts-header__name').text().trim(), 'Web B Borough Council');
    });

    it('chooses the council by host name, and falls back to the default council for an unknown host', async () => {
      assert.equal(
        load((await get('/', 'b.test')).body)('.ts-header__name')
          .text()
          .trim(),
        'Web B Borough Council',
      );
      assert.equal(
        load((await get('/', 'B.TEST:3000')).body)('.ts-header__name')
          .text()
          .trim(),
        'Web B Borough Council',
      );
      const res = await get('/', 'nowhere.example');
      assert.equal(res.statusCode, 200);
      const $ = load(res.body);
      assert.equal($('.ts-header__name').text().trim(), 'Default Demo Council');
      assert.equal($('.ts-header__link').attr('href'), '/');
    });

    it('answers an unknown page with the council-branded GOV.UK 404 page', async () => {
      const res = await get('/no/such/page');
      assert.equal(res.statusCode, 404);
      const $ = load(res.body);
      assert.equal($('h1').text().trim(), 'Page not found');
      assert.equal($('title').text().trim(), 'Page not found – Web B Borough Council');
    });
  });

  describe('errors', () => {
    it('answers malformed JSON to the API with 400 problem+json', async () => {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/v1/test/echo',
        headers: { host: 'b.test', 'content-type': 'application/json' },
        payload: '{"title": "unfinished',
      });
      isProblem(res, 400);
      assert.deepEqual(res.json(), {
        type: 'about:blank',
        title: 'Bad request',
        status: 400,
        detail: 'The request body is not valid JSON.',
      });
      assertNoStackTrace(res);
      const ok = await ctx.app.inject({
        method: 'POST',
        url: '/api/v1/test/echo',
        headers: { host: 'b.test', 'content-type': 'application/json' },
        payload: '{"title":"fine"}',
      });
      assert.deepEqual(ok.json(), { received: { title: 'fine' } });
    });

    it('answers an unknown API path with 404 problem+json', async () => {
      const res = await get('/api/v1/no-such-thing');
      isProblem(res, 404);
      assert.deepEqual(res.json(), { type: 'about:blank', title: 'Not found', status: 404 });
    });

    it('never puts a stack trace or error message in a response', async () => {
      const page = await get('/test/boom');
      assert.equal(page.statusCode, 500);
      const $ = load(page.body);
      assert.equal($('h1').text().trim(), 'Sorry, there is a problem with the service');
      assertNoStackTrace(page);
      const api = await get('/api/v1/test/boom');
      isProblem(api, 500);
      assert.deepEqual(api.json(), { type: 'about:blank', title: 'Internal server error', status: 500 });
      assertNoStackTrace(api);
      const json = await get('/test/boom', 'b.test', { accept: 'application/json' });
      isProblem(json, 500);
      assertNoStackTrace(json);
    });

    it('refuses a page form without its CSRF token with the GOV.UK 403 page', async () => {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/staff/sign-in',
        headers: { host: 'b.test', 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'email=x%40b.test&password=y',
      });
      assert.equal(res.statusCode, 403);
      assert.equal(load(res.body)('h1').text().trim(), 'You do not have permission to view this page');
    });
  });

  describe('security headers', () => {
    it('sends a nonce-based CSP whose nonces match the page, and the other helmet headers', async () => {
      const res = await get('/');
      const csp = String(res.headers['content-security-policy']);
      const directives = new Map(
        csp.split(';').map((d) => {
          const [name, ...values] = d.trim().split(/\s+/);
          return [name!, values] as const;
        }),
      );
      assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
      assert.deepEqual(directives.get('object-src'), ["'none'"]);
      assert.deepEqual(directives.get('default-src'), ["'self'"]);
      const scriptNonce = /^'nonce-([^']+)'$/.exec(
        directives.get('script-src')?.find((v) => v.startsWith("'nonce-")) ?? '',
      )?.[1];
      const styleNonce = /^'nonce-([^']+)'$/.exec(
        directives.get('style-src')?.find((v) => v.startsWith("'nonce-")) ?? '',
      )?.[1];
      assert.ok(scriptNonce && styleNonce, csp);
      assert.ok(!csp.includes('unsafe-inline'));
      const $ = load(res.body);
      const scripts = $('script');
      assert.ok(scripts.length > 0);
      scripts.each((_i, el) => assert.equal($(el).attr('nonce'), scriptNonce));
      $('style').each((_i, el) => assert.equal($(el).attr('nonce'), styleNonce));
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      assert.equal(res.headers['x-powered-by'], undefined);
      const next = await get('/');
      assert.notEqual(
        String(next.headers['content-security-policy']),
        csp,
        'a fresh nonce on every response',
      );
    });

    it('marks the session cookie HttpOnly and SameSite', async () => {
      await ctx.services.accounts.createUser(
        { councilId: (await ctx.services.councils.findBySlug('web-b'))!.id, userId: null, label: 'test' },
        { email: 'admin@b.test', name: 'Admin B', role: 'admin', password: 'correct horse battery staple' },
      );
      const res = await new Browser(ctx.app, 'b.test').signIn('admin@b.test');
      const cookie = res.cookies.find((c) => c.name === 'ts_session');
      assert.ok(cookie);
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
      assert.equal(cookie.path, '/');
    });
  });

  describe('operations', () => {
    it('answers /healthz and /readyz', async () => {
      const health = await get('/healthz', 'nowhere.example');
      assert.equal(health.statusCode, 200);
      assert.deepEqual(health.json(), { status: 'ok' });
      const ready = await get('/readyz', 'nowhere.example');
      assert.equal(ready.statusCode, 200);
      assert.deepEqual(ready.json(), { status: 'ready' });
    });

    it('serves Prometheus metrics with request durations by route', async () => {
      await get('/healthz');
      const res = await get('/metrics');
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      assert.match(res.body, /^# TYPE townsquare_http_request_duration_seconds histogram$/m);
      assert.match(
        res.body,
        /^townsquare_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} [1-9]\d*$/m,
      );
      assert.match(res.body, /^townsquare_process_resident_memory_bytes \d+/m);
    });

    it('publishes an OpenAPI 3.1 document listing /api/v1/me', async () => {
      const res = await get('/api/v1/openapi.json');
      assert.equal(res.statusCode, 200);
      const doc = res.json<{
        openapi: string;
        paths: Record<string, unknown>;
        components: { securitySchemes: object };
      }>();
      assert.equal(doc.openapi, '3.1.0');
      assert.ok(doc.paths['/api/v1/me'], Object.keys(doc.paths).join(', '));
      assert.ok(!('/api/v1/openapi.json' in doc.paths));
      assert.deepEqual(doc.components.securitySchemes, {
        bearer: { type: 'http', scheme: 'bearer', description: 'Personal API token' },
      });
    });
  });

  it('limits sign-in to 10 posts a minute from one address, with the GOV.UK 429 page', async () => {
    const browser = new Browser(ctx.app, 'b.test');
    for (let i = 1; i <= 10; i++) {
      const res = await browser.post('/staff/sign-in', { email: 'nobody@b.test', password: 'wrong' });
      assert.equal(res.statusCode, 403, `post ${i} is refused for its missing CSRF token, not its rate`);
    }
    const limited = await browser.post('/staff/sign-in', { email: 'nobody@b.test', password: 'wrong' });
    assert.equal(limited.statusCode, 429);
    assert.equal(load(limited.body)('h1').text().trim(), 'Sorry, you have made too many requests');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    // The page itself is not limited, and another address is not affected.
    assert.equal((await browser.get('/staff/sign-in')).statusCode, 200);
    const other = await new Browser(ctx.app, 'b.test').post('/staff/sign-in', {});
    assert.equal(other.statusCode, 403);
  });
});
