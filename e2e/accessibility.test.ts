/**
 * Every page in e2e/support/pages.ts, in each of its states, scanned by axe-core in Chromium
 * against WCAG 2.2 AA. Any serious or critical violation fails; lesser ones are reported as
 * test diagnostics so they stay visible.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeViolations, scanWithAxe } from './support/axe.ts';
import {
  demoAdminEmail,
  demoAgentEmail,
  signIn,
  startE2e,
  visit,
  type E2e,
  type WatchedContext,
} from './support/browser.ts';
import { scannedPages, type Viewer } from './support/pages.ts';

describe('accessibility of every page (axe-core, WCAG 2.2 AA)', () => {
  let e2e: E2e;
  const viewers = new Map<Viewer, WatchedContext>();

  before(async () => {
    e2e = await startE2e();
    // One signed-in context per viewer, reused page after page.
    const accounts: [Viewer, string | undefined][] = [
      ['anonymous', undefined],
      ['admin', demoAdminEmail],
      ['agent', demoAgentEmail],
    ];
    for (const [viewer, email] of accounts) {
      const watched = await e2e.scan();
      if (email) {
        await signIn(watched.page, email);
        assert.equal(new URL(watched.page.url()).pathname, '/staff', `${viewer} could not sign in`);
      }
      viewers.set(viewer, watched);
    }
  });
  after(async () => e2e?.close());

  for (const target of scannedPages) {
    it(`${target.name} (${target.path}, ${target.viewer})`, async (t) => {
      const watched = viewers.get(target.viewer)!;
      const { page } = watched;
      assert.equal(await visit(page, target.path), target.status, 'HTTP status of the page');
      await target.then?.(page);
      assert.match(await page.title(), target.title);

      const findings = await scanWithAxe(page);
      if (findings.other.length > 0)
        t.diagnostic(`lesser axe findings:\n  ${describeViolations(findings.other)}`);
      assert.ok(findings.passes > 0, 'axe ran no checks');
      assert.equal(
        findings.failing.length,
        0,
        `serious or critical accessibility violations on ${target.name}:\n  ${describeViolations(findings.failing)}`,
      );
      watched.assertClean();
    });
  }

  it('the scan itself fails a page with a known violation', async () => {
    // Guards the guard: a scan that silently checks nothing would pass every page above.
    const { page } = viewers.get('anonymous')!;
    await visit(page, '/');
    // A string, not a function: this project type-checks without the DOM library.
    await page.evaluate(
      `document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="/public/favicon.svg">')`,
    );
    const findings = await scanWithAxe(page);
    assert.deepEqual(
      findings.failing.map((v) => v.id),
      ['image-alt'],
    );
  });
});
