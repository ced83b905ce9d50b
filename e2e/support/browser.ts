/**
 * A whole Townsquare listening on a free loopback port, in this process, with the demo
 * council seeded, and Debian's Chromium driven by playwright-core.
 *
 * Journeys run in a normal browser context, so the app's Content Security Policy is enforced
 * and any violation (an inline script or style without the nonce, a script from elsewhere)
 * fails the test. Only axe scans use `bypassCSP`, because injecting axe-core is itself an
 * inline script.
 */
import type { AddressInfo } from 'node:net';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Locator,
  type Page,
} from 'playwright-core';
import { seedDemo, demoAdminEmail } from '../../src/demo/seed.ts';
import { startTestApp, type TestContext } from '../../test/support/app.ts';

export { demoAdminEmail };

/** Every demo staff account gets this password (TOWNSQUARE_DEMO_PASSWORD). */
export const demoPassword = 'e2e demo password, long enough';

/** A demo user without the users.manage permission, for the 403 page. */
export const demoAgentEmail = 'tom.agent@demo.townsquare.test';

/** Debian's package; CI installs it with apt (see .ci/run). */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export type E2e = {
  baseUrl: string;
  app: TestContext;
  browser: Browser;
  /** A context with CSP enforced and watched: for journeys. */
  journey: (options?: BrowserContextOptions) => Promise<WatchedContext>;
  /** A context with CSP bypassed so axe-core can be injected: for scans only. */
  scan: () => Promise<WatchedContext>;
  close: () => Promise<void>;
};

/**
 * Starts the app (fresh test database, demo council) and Chromium; `env` adds configuration.
 * @example const e2e = await startE2e(); const { page } = await e2e.journey();
 */
export async function startE2e(env: Record<string, string> = {}): Promise<E2e> {
  const app = await startTestApp({ TOWNSQUARE_DEMO_PASSWORD: demoPassword, ...env });
  let browser: Browser | undefined;
  try {
    await seedDemo(app.services);
    // 127.0.0.1 is no council's host name, so requests fall back to the default (demo) council.
    await app.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.app.server.address() as AddressInfo;
    const baseUrl = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    const launched = browser;
    const contexts: WatchedContext[] = [];
    const open = async (options: BrowserContextOptions, isCspEnforced: boolean) => {
      const watched = await watchContext(
        await launched.newContext({ baseURL: baseUrl, ...options }),
        isCspEnforced,
      );
      contexts.push(watched);
      return watched;
    };
    return {
      baseUrl,
      app,
      browser: launched,
      journey: (options = {}) => open({ ...options, bypassCSP: false }, true),
      scan: () => open({ bypassCSP: true }, false),
      close: async () => {
        await Promise.allSettled(contexts.map((c) => c.context.close()));
        await launched.close();
        await app.close();
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await app.close();
    throw error;
  }
}

export type WatchedContext = {
  context: BrowserContext;
  page: Page;
  /** CSP violations, uncaught page errors and failed page assets seen so far. */
  problems: string[];
  /** Throws, listing them, if anything went wrong since the last call. */
  assertClean: () => void;
};

async function watchContext(context: BrowserContext, isCspEnforced: boolean): Promise<WatchedContext> {
  const problems: string[] = [];
  context.on('console', (message) => {
    // Chromium reports a blocked script, style or image only as a console error.
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      problems.push(`CSP violation on ${message.page()?.url() ?? '?'}: ${message.text()}`);
    }
  });
  context.on('weberror', (error) =>
    problems.push(`Uncaught error on ${error.page()?.url() ?? '?'}: ${error.error().message}`),
  );
  context.on('response', (response) => {
    const request = response.request();
    // A document may answer 4xx on purpose (an error page, a form with errors); its assets may not.
    if (response.status() >= 400 && request.resourceType() !== 'document') {
      problems.push(`${response.status()} for ${request.resourceType()} ${response.url()}`);
    }
  });
  context.on('requestfailed', (request) => {
    // ERR_ABORTED is Chromium dropping a request the page no longer needs (it navigated on,
    // or the server already answered with an error status, reported above): not a fault.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(
      `Request failed: ${request.resourceType()} ${request.url()} (${request.failure()?.errorText ?? '?'})`,
    );
  });
  const page = await context.newPage();
  return {
    context,
    page,
    problems,
    assertClean: () => {
      const found = problems.splice(0);
      if (found.length > 0) {
        const what = isCspEnforced
          ? 'The browser reported problems'
          : 'The browser reported problems (CSP bypassed)';
        throw new Error(`${what}:\n  ${found.join('\n  ')}`);
      }
    },
  };
}

/**
 * Clicks something that submits a form or follows a link, and waits for the next page to load.
 * Works with and without JavaScript, and when the server answers the POST with a page (a
 * form with errors) rather than a redirect.
 */
export async function clickAndLoad(page: Page, target: Locator): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() });
  await target.click();
  await navigated;
  await page.waitForLoadState('load');
}

/** Opens a page and waits for it to load; returns the document's HTTP status. */
export async function visit(page: Page, path: string): Promise<number> {
  const response = await page.goto(path, { waitUntil: 'load' });
  if (!response) throw new Error(`No response for ${path}`);
  return response.status();
}

/** Signs in through the real form, as a person would. */
export async function signIn(page: Page, email: string, password = demoPassword): Promise<void> {
  if (!new URL(page.url(), 'http://x').pathname.endsWith('/staff/sign-in'))
    await visit(page, '/staff/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await clickAndLoad(page, page.getByRole('button', { name: 'Sign in' }));
}

/** The page's path and query, without the origin. */
export function pathOf(page: Page): string {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
}
