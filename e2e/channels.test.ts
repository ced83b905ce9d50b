/**
 * Issue 3's OAuth flows in Chromium with the Content Security Policy enforced: the demo admin
 * connects Mastodon, X and a Facebook Page by signing in at each network's contract server
 * (the network's authorize page approves for its test user and redirects back), and sees each
 * account working on the channels page. Each new page (the sign-in form, the Mastodon continue
 * page, the Page chooser, the failure page) passes axe.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { GraphContractServer } from '../test/peers/graph/server.ts';
import type { MastodonServer } from '../test/peers/mastodon/server.ts';
import type { XServer } from '../test/peers/x/server.ts';
import { startOAuthPeers, type OAuthPeers } from '../test/support/oauth-peers.ts';
import { describeViolations, scanWithAxe } from './support/axe.ts';
import {
  clickAndLoad,
  demoAdminEmail,
  pathOf,
  signIn,
  startE2e,
  visit,
  type E2e,
  type WatchedContext,
} from './support/browser.ts';

describe('channels: connecting Mastodon, X and Facebook by signing in', () => {
  let e2e: E2e;
  let peers: OAuthPeers;
  let mastodon: MastodonServer;
  let x: XServer;
  let graph: GraphContractServer;
  let admin: WatchedContext;

  before(async () => {
    peers = await startOAuthPeers();
    ({ mastodon, x, graph } = peers);
    e2e = await startE2e(peers.env);
    peers.allowCallbacksTo(e2e.baseUrl);
    admin = await e2e.journey();
    await signIn(admin.page, demoAdminEmail);
  });
  after(async () => {
    await Promise.allSettled([e2e?.close(), peers?.close()]);
  });

  async function startSignIn(page: Page, kind: string, label: string, name: string) {
    await visit(page, `/staff/channels/connect?kind=${kind}`);
    await page.getByLabel('Name in Townsquare').first().fill(name);
    if (kind === 'mastodon') await page.locator('#instanceUrl').fill(mastodon.baseUrl);
    await clickAndLoad(page, page.getByRole('button', { name: `Sign in to ${label}` }));
  }

  async function expectConnected(page: Page, name: string) {
    assert.equal(pathOf(page), '/staff/channels?done=connected');
    const row = page.locator('tr', { hasText: name });
    assert.match(await row.innerText(), /Working/);
  }

  it('connects Mastodon: app registered, continue page, sign-in at the server, back to Working', async () => {
    const { page } = admin;
    await startSignIn(page, 'mastodon', 'Mastodon', 'Council Mastodon');
    assert.match(await page.title(), /^Continue to your Mastodon server – /);
    await clickAndLoad(page, page.getByRole('button', { name: /Continue to 127\.0\.0\.1/ }));
    await expectConnected(page, 'Council Mastodon');
    assert.equal(mastodon.apps().length, 1);
    admin.assertClean();
  });

  it('connects X through its OAuth 2.0 PKCE sign-in', async () => {
    const { page } = admin;
    await startSignIn(page, 'x', 'X (Twitter)', 'Council X');
    await expectConnected(page, 'Council X');
    assert.equal(x.issued().refreshTokens, 1);
    admin.assertClean();
  });

  it('connects a Facebook Page through Facebook Login, choosing the Page', async () => {
    const { page } = admin;
    await startSignIn(page, 'facebook', 'Facebook Page', 'Council Facebook');
    assert.match(await page.title(), /^Choose the Facebook Page – /);
    await page.getByLabel(graph.pageName).check();
    await clickAndLoad(page, page.getByRole('button', { name: 'Connect' }));
    await expectConnected(page, 'Council Facebook');
    assert.deepEqual([...(graph.subscriptions.get(graph.pageId) ?? [])].sort(), ['feed', 'messages']);
    admin.assertClean();
  });

  it('says plainly when Facebook will not send a connected Page’s comments and messages', async () => {
    const { page } = admin;
    graph.declineNext(['pages_manage_metadata']);
    await startSignIn(page, 'facebook', 'Facebook Page', 'Council Facebook, no webhooks');
    await page.getByLabel(graph.pageName).check();
    await clickAndLoad(page, page.getByRole('button', { name: 'Connect' }));
    assert.equal(pathOf(page), '/staff/channels?done=connected_without_webhooks');
    assert.match(
      await page.locator('.govuk-warning-text').first().innerText(),
      /would not send its comments and messages/,
    );
    const row = page.locator('tr', { hasText: 'Council Facebook, no webhooks' });
    assert.match(await row.innerText(), /Facebook refused to send this Page’s comments and messages/);
    admin.assertClean();
  });

  it('tells the officer plainly when they refuse at the network, and connects nothing', async () => {
    const { page } = admin;
    const before = await page.locator('tbody tr').count();
    graph.denyNext();
    await startSignIn(page, 'facebook', 'Facebook Page', 'Refused Page');
    assert.match(await page.title(), /^Error: The account was not connected – /);
    assert.match(await page.locator('.govuk-error-summary').innerText(), /You chose not to allow/);
    await visit(page, '/staff/channels');
    assert.equal(await page.locator('tbody tr').count(), before);
    admin.assertClean();
  });

  it('passes axe on each new page', async () => {
    const scan = await e2e.scan();
    const { page } = scan;
    await signIn(page, demoAdminEmail);
    const check = async (what: string) => {
      const findings = await scanWithAxe(page);
      assert.equal(findings.failing.length, 0, `${what}:\n  ${describeViolations(findings.failing)}`);
    };
    await visit(page, '/staff/channels/connect?kind=mastodon');
    await check('connect Mastodon');
    await clickAndLoad(page, page.getByRole('button', { name: 'Sign in to Mastodon' }));
    assert.match(await page.title(), /^Error: /);
    await check('connect Mastodon, with errors');
    await startSignIn(page, 'mastodon', 'Mastodon', 'Scan');
    await check('continue to Mastodon');
    await startSignIn(page, 'instagram', 'Instagram', 'Council Instagram');
    assert.match(await page.title(), /^Choose the Instagram account – /);
    await check('choose the Instagram account');
    await clickAndLoad(page, page.getByRole('button', { name: 'Connect' }));
    assert.match(await page.title(), /^Error: Choose the Instagram account – /);
    await check('choose the Instagram account, with errors');
    graph.denyNext();
    await startSignIn(page, 'facebook', 'Facebook Page', 'Refused');
    await check('sign-in refused');
  });
});
