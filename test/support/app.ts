/**
 * A whole Townsquare (services and Fastify app, no open port) on a fresh test database, and
 * helpers to act as a browser would: keep cookies, carry the CSRF token, sign in.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { load } from 'cheerio';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createContainer, type Services } from '../../src/container.ts';
import { createLogger } from '../../src/logger.ts';
import type { Actor, StaffUser } from '../../src/modules/accounts/index.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export const testPassword = 'correct horse battery staple';

export type TestContext = {
  services: Services;
  app: FastifyInstance;
  db: TestDatabase;
  close: () => Promise<void>;
};

export type TestAppOptions = {
  /** Runs after buildApp and before app.ready(): the place to register test-only routes. */
  beforeReady?: (app: FastifyInstance) => void | Promise<void>;
};

export async function startTestApp(
  env: Record<string, string> = {},
  opts: TestAppOptions = {},
): Promise<TestContext> {
  const db = await createTestDatabase();
  const config = loadConfig({
    TOWNSQUARE_SECRET_KEY: 'a'.repeat(64),
    TOWNSQUARE_DATA_DIR: '.tmp/test-data',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TOWNSQUARE_SECURE_COOKIES: 'false',
    // The channel peers run on loopback; production refuses such addresses.
    TOWNSQUARE_ALLOW_PRIVATE_CHANNEL_ADDRESSES: 'true',
    ...env,
  });
  const log = createLogger(config.logLevel);
  const services = await createContainer(config, log, { ...db, shutdown: async () => db.drop() });
  const app = await buildApp(services);
  await opts.beforeReady?.(app);
  await app.ready();
  return {
    services,
    app,
    db,
    close: async () => {
      await app.close();
      await services.close();
    },
  };
}

/** Creates a council with one user of each given role; every user's password is testPassword. */
export async function createCouncilWithStaff(
  services: Services,
  slug: string,
  staff: { email: string; role: string; name?: string }[] = [{ email: `admin@${slug}.test`, role: 'admin' }],
): Promise<{ councilId: string; users: StaffUser[] }> {
  const council = await services.councils.create({
    slug,
    name: `${slug} Council`,
    hostnames: [`${slug}.test`],
  });
  const actor: Actor = { councilId: council.id, userId: null, label: 'test' };
  const users: StaffUser[] = [];
  for (const s of staff) {
    users.push(
      await services.accounts.createUser(actor, { name: s.name ?? s.email, password: testPassword, ...s }),
    );
  }
  return { councilId: council.id, users };
}

let browserCount = 0;

/**
 * A cookie-keeping client for app.inject, like a browser on one host. Each browser has its own
 * client address (unless given one), as real browsers would, so per-IP rate limits such as
 * sign-in's count each browser separately.
 */
export class Browser {
  private cookies = new Map<string, string>();
  constructor(
    private readonly app: FastifyInstance,
    private readonly host: string,
    readonly remoteAddress = `10.0.${Math.floor(++browserCount / 250) % 250}.${(browserCount % 250) + 1}`,
  ) {}

  private remember(res: LightMyRequestResponse): void {
    for (const c of res.cookies) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      method: 'GET',
      url,
      remoteAddress: this.remoteAddress,
      headers: { host: this.host, cookie: this.cookieHeader() },
    });
    this.remember(res);
    return res;
  }

  /** Posts a form the way the page would: fetching the page first for its CSRF token. */
  async submit(
    pageUrl: string,
    fields: Record<string, string>,
    action = pageUrl,
  ): Promise<LightMyRequestResponse> {
    const page = await this.get(pageUrl);
    const token = load(page.body)('input[name="_csrf"]').first().attr('value') ?? '';
    return this.post(action, { _csrf: token, ...fields });
  }

  async post(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      method: 'POST',
      url,
      remoteAddress: this.remoteAddress,
      headers: {
        host: this.host,
        cookie: this.cookieHeader(),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams(fields).toString(),
    });
    this.remember(res);
    return res;
  }

  async signIn(email: string, password = testPassword): Promise<LightMyRequestResponse> {
    return this.submit('/staff/sign-in', { email, password });
  }
}
