/**
 * Web throughput under load (autocannon on loopback, in its own process): a signed-in staff
 * page and a JSON API route of the real Townsquare app, each as a ratio to a bare Fastify 5
 * route rendering the same layout and page content with the same Nunjucks and govuk-frontend
 * templates, without database, session, cookies, CSRF or helmet.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { load } from 'cheerio';
import { z } from 'zod';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createContainer, type Services } from '../src/container.ts';
import { startEmbeddedPostgres } from '../src/db/index.ts';
import { demoAdminEmail, seedDemo } from '../src/demo/seed.ts';
import { createLogger } from '../src/logger.ts';
import type { Actor } from '../src/modules/accounts/index.ts';
import { moduleCatalogue } from '../src/web/catalogue.ts';
import { staffNavigation } from '../src/web/navigation.ts';
import { createViews } from '../src/web/views.ts';
import {
  demoPassword,
  freePort,
  makeTempDir,
  median,
  removeDir,
  round,
  type Measurement,
} from './support.ts';

const connections = 10;
const rounds = 3;
const roundSeconds = 4;
const warmupSeconds = 2;

export const about = `autocannon with ${connections} connections on loopback, in a child process so it does not share the
server's event loop. After a ${warmupSeconds} s warm-up of each target, the three targets take turns for
${rounds} rounds of ${roundSeconds} s (bare, staff, JSON, bare, staff, ...), so that load from anything else on
the machine falls on all three alike; each figure is the median over the rounds of autocannon's mean
req/s, p50 and p99 latency (ms). The Townsquare app is the real
buildApp (helmet with CSP nonces, CSRF, council lookup, session or token check in PostgreSQL under
row-level security, pg-boss worker running) on an embedded PostgreSQL, LOG_LEVEL silent. The staff
page is GET /staff with the session cookie from signing in through the form; the JSON route is
GET /api/v1/me with a bearer token. The baseline is a bare Fastify 5 app in the same process
rendering the same dashboard template with the same content and no database, session or plugins.
Target: web_staff_vs_bare >= 0.5. On a small machine the load generator, Node and PostgreSQL
compete for the same cores, so compare ratios, not absolute figures, across machines.`;

const resultSchema = z.object({
  requests: z.object({ average: z.number(), total: z.number() }),
  latency: z.object({ p50: z.number(), p99: z.number() }),
  errors: z.number(),
  timeouts: z.number(),
  non2xx: z.number(),
});
type LoadResult = z.infer<typeof resultSchema>;

const autocannonCli = createRequire(import.meta.url).resolve('autocannon');

/** Runs the autocannon CLI in a child process and returns its JSON summary. */
function autocannon(url: string, headers: Record<string, string>, seconds: number): Promise<LoadResult> {
  const args = [autocannonCli, '-j', '-c', String(connections), '-d', String(seconds)];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}:${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}: ${err}`));
      try {
        resolve(resultSchema.parse(JSON.parse(out)));
      } catch (error) {
        reject(new Error(`unreadable autocannon output: ${String(error)}\n${out.slice(0, 500)}`));
      }
    });
  });
}

function check(label: string, result: LoadResult): LoadResult {
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${label}: ${result.non2xx} non-2xx responses, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return result;
}

type Target = { url: string; headers: Record<string, string> };
type Summary = { rps: number; p50: number; p99: number };

/** Warms every target up, then measures them in turns; the median of each over the rounds. */
async function measureInTurns<K extends string>(targets: Record<K, Target>): Promise<Record<K, Summary>> {
  const keys = Object.keys(targets) as K[];
  const runs = new Map<K, LoadResult[]>(keys.map((k) => [k, []]));
  for (const k of keys) check(k, await autocannon(targets[k].url, targets[k].headers, warmupSeconds));
  for (let round = 0; round < rounds; round++) {
    for (const k of keys)
      runs.get(k)!.push(check(k, await autocannon(targets[k].url, targets[k].headers, roundSeconds)));
  }
  const out = {} as Record<K, Summary>;
  for (const k of keys) {
    const r = runs.get(k)!;
    out[k] = {
      rps: median(r.map((x) => x.requests.average)),
      p50: median(r.map((x) => x.latency.p50)),
      p99: median(r.map((x) => x.latency.p99)),
    };
  }
  return out;
}

function origin(app: FastifyInstance): string {
  const address = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

/** Cookie pairs from Set-Cookie headers, merged into a jar. */
function keepCookies(jar: Map<string, string>, response: Response): void {
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(';')[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
}

const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

/** Signs in through the form like a browser: GET the page for its CSRF token, POST it back. */
async function signIn(base: string): Promise<string> {
  const jar = new Map<string, string>();
  const page = await fetch(`${base}/staff/sign-in`);
  keepCookies(jar, page);
  const token = load(await page.text())('input[name="_csrf"]')
    .first()
    .attr('value');
  if (!token) throw new Error('the sign-in page has no CSRF token');
  const response = await fetch(`${base}/staff/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
    body: new URLSearchParams({ _csrf: token, email: demoAdminEmail, password: demoPassword }).toString(),
  });
  keepCookies(jar, response);
  if (response.status !== 303 || !jar.has('ts_session')) {
    throw new Error(`signing in failed: ${response.status} ${(await response.text()).slice(0, 300)}`);
  }
  return cookieHeader(jar);
}

/** The bare baseline: the staff dashboard's template and content, rendered by a plain Fastify route. */
async function buildBareApp(services: Services): Promise<FastifyInstance> {
  const council = await services.councils.findBySlug('demo');
  if (!council) throw new Error('no demo council');
  const staff = await services.accounts.findUserByEmail(council.id, demoAdminEmail);
  if (!staff) throw new Error('no demo admin');
  const views = createViews({ isDevelopment: false });
  const nonce = randomBytes(16).toString('hex');
  const context = {
    council,
    staff,
    isStaffArea: true,
    csrfToken: randomBytes(40).toString('base64url'),
    cspNonce: nonce,
    styleNonce: nonce,
    footerAttribution: '',
    url: (p: string) => p,
    currentPath: '/staff',
    ...staffNavigation(staff, '', '/staff'),
    pageTitle: 'Staff console',
    modules: moduleCatalogue.staff,
  };
  const app = Fastify({ logger: false });
  app.get('/staff', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(views.render('accounts/views/dashboard.njk', context)),
  );
  return app;
}

async function bodyOf(url: string, headers: Record<string, string>): Promise<string> {
  const response = await fetch(url, { headers, redirect: 'manual' });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${body.slice(0, 300)}`);
  return body;
}

export default async function web(): Promise<Measurement[]> {
  const dir = await makeTempDir('web');
  const log = createLogger('silent');
  let pg: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  let services: Services | undefined;
  let app: FastifyInstance | undefined;
  let bare: FastifyInstance | undefined;
  try {
    pg = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), log });
    const config = loadConfig({
      DATABASE_URL: pg.url,
      TOWNSQUARE_DATA_DIR: dir,
      TOWNSQUARE_SECRET_KEY: randomBytes(32).toString('hex'),
      TOWNSQUARE_DEMO_PASSWORD: demoPassword,
      LOG_LEVEL: 'silent',
    });
    // As `npm start` (src/runtime.ts) wires it: seed, jobs with a worker, then the web app.
    services = await createContainer(config, log);
    await seedDemo(services);
    await services.jobs.start({ work: true });
    app = await buildApp(services);
    await app.listen({ port: 0, host: '127.0.0.1' });
    bare = await buildBareApp(services);
    await bare.listen({ port: 0, host: '127.0.0.1' });

    const base = origin(app);
    const cookie = await signIn(base);
    const council = await services.councils.findBySlug('demo');
    const admin = council && (await services.accounts.findUserByEmail(council.id, demoAdminEmail));
    if (!council || !admin) throw new Error('no demo council or admin');
    const actor: Actor = { councilId: council.id, userId: admin.id, label: `bench as ${admin.email}` };
    const { token } = await services.accounts.createApiToken(actor, 'Benchmark');

    const targets: Record<'bare' | 'staff' | 'json', Target> = {
      bare: { url: `${origin(bare)}/staff`, headers: {} },
      staff: { url: `${base}/staff`, headers: { cookie } },
      json: { url: `${base}/api/v1/me`, headers: { authorization: `Bearer ${token}` } },
    };
    // Each target must answer what we think it answers before we time it.
    const bareBody = await bodyOf(targets.bare.url, targets.bare.headers);
    const staffBody = await bodyOf(targets.staff.url, targets.staff.headers);
    const jsonBody = await bodyOf(targets.json.url, targets.json.headers);
    for (const [label, body] of [
      ['bare', bareBody],
      ['staff', staffBody],
    ] as const) {
      if (!body.includes('Signed in as Alex Morgan'))
        throw new Error(`${label} page is not the signed-in dashboard`);
    }
    if ((JSON.parse(jsonBody) as { email?: unknown }).email !== demoAdminEmail)
      throw new Error('/api/v1/me is wrong');

    const results = await measureInTurns(targets);
    const figures = (name: string, r: Summary): Measurement[] => [
      { name: `web_${name}_rps`, value: round(r.rps), unit: 'req/s' },
      { name: `web_${name}_p50`, value: r.p50, unit: 'ms' },
      { name: `web_${name}_p99`, value: r.p99, unit: 'ms' },
    ];
    return [
      ...figures('bare_page', results.bare),
      ...figures('staff_page', results.staff),
      ...figures('api_me', results.json),
      { name: 'web_staff_vs_bare', value: round(results.staff.rps / results.bare.rps, 2), unit: 'ratio' },
      { name: 'web_api_me_vs_bare', value: round(results.json.rps / results.bare.rps, 2), unit: 'ratio' },
      { name: 'web_bare_page_bytes', value: Buffer.byteLength(bareBody), unit: 'bytes' },
      { name: 'web_staff_page_bytes', value: Buffer.byteLength(staffBody), unit: 'bytes' },
    ];
  } finally {
    await bare?.close();
    await app?.close();
    await services?.close();
    await pg?.stop();
    await removeDir(dir);
  }
}
