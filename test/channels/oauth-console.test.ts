/**
 * Connecting accounts by OAuth from the staff console, against the contract servers' OAuth
 * endpoints: Mastodon (app registered once per council and server, PKCE, narrow scopes), X
 * (PKCE S256, offline.access, refresh when the access token expires, the account flagged when
 * renewal is refused) and Facebook Login for a Page and an Instagram account. Every failure
 * (refused consent, a bad, foreign or replayed state, an expired code, a failing token
 * endpoint, a wrong client secret, a wrong PKCE verifier) shows a GOV.UK error page and
 * stores nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'cheerio';
import { Browser, createCouncilWithStaff, startTestApp, type TestContext } from '../support/app.ts';
import { startOAuthPeers, type OAuthPeers } from '../support/oauth-peers.ts';
import type { MastodonServer } from '../peers/mastodon/server.ts';
import type { XServer } from '../peers/x/server.ts';
import type { GraphContractServer } from '../peers/graph/server.ts';
import { ChannelError, ChannelOAuthService } from '../../src/modules/channels/index.ts';
import { createConnectorRegistry } from '../../src/connectors.ts';

const host = 'harbour.test';
const origin = `http://${host}`;

describe('staff console: connecting accounts by OAuth', () => {
  let ctx: TestContext;
  let peers: OAuthPeers;
  let mastodon: MastodonServer;
  let x: XServer;
  let graph: GraphContractServer;
  let browser: Browser;
  let councilId = '';
  /** Where the Graph server sends webhooks: it only counts them (the inbox tests read them). */
  let sink: http.Server;
  let sinkUrl = '';
  let sinkHits = 0;

  before(async () => {
    peers = await startOAuthPeers();
    ({ mastodon, x, graph } = peers);
    ctx = await startTestApp(peers.env);
    peers.allowCallbacksTo(origin);
    ({ councilId } = await createCouncilWithStaff(ctx.services, 'harbour', [
      { email: 'admin@harbour.test', role: 'admin' },
      { email: 'comms@harbour.test', role: 'comms' },
    ]));
    browser = new Browser(ctx.app, host);
    await browser.signIn('admin@harbour.test');
    sink = http.createServer((req, res) => {
      sinkHits += 1;
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/`;
  });
  after(async () => {
    sink?.close();
    await Promise.all([ctx?.close(), peers?.close()]);
  });

  /** Flags an account as a failed call with an expired token would. */
  const flag = (accountId: string) =>
    ctx.services.channelAccounts.recordOutcome(councilId, accountId, {
      error: new ChannelError('auth_expired', 'The access token is invalid'),
    });

  /** Signs in again from the account's page; returns where the provider sends the officer. */
  async function startReconnect(kind: string, accountId: string): Promise<string> {
    const res = await browser.submit(
      `/staff/channels/${accountId}`,
      { kind, accountId },
      '/staff/channels/oauth/start',
    );
    if (kind === 'mastodon') {
      assert.equal(res.statusCode, 200, load(res.body)('.govuk-error-summary').text());
      return load(res.body)('a.govuk-button--start').attr('href')!;
    }
    assert.equal(res.statusCode, 303, load(res.body)('.govuk-error-summary').text());
    return res.headers.location as string;
  }

  const accounts = () => ctx.services.channelAccounts.list(councilId);
  const accountCount = async () =>
    (await ctx.db.system.selectFrom('channel_accounts').select('id').execute()).length;

  /** Starts a sign-in from the connect page; returns the provider URL the officer is sent to. */
  async function start(kind: string, fields: Record<string, string>, as = browser): Promise<string> {
    const res = await as.submit(
      `/staff/channels/connect?kind=${kind}`,
      { kind, ...fields },
      '/staff/channels/oauth/start',
    );
    if (kind === 'mastodon') {
      assert.equal(res.statusCode, 200, load(res.body)('.govuk-error-summary').text());
      const link = load(res.body)('a.govuk-button--start').attr('href');
      assert.ok(link, 'the continue page links to the server');
      return link;
    }
    assert.equal(res.statusCode, 303, load(res.body)('.govuk-error-summary').text());
    return res.headers.location as string;
  }

  /** What the provider's authorize page does for the test user: its redirect back to us. */
  async function authorize(url: string, decision?: 'deny'): Promise<string> {
    const target = new URL(url);
    if (decision) target.searchParams.set('decision', decision);
    const res = await fetch(target, { redirect: 'manual' });
    assert.equal(res.status, 302, await res.text());
    const back = new URL(res.headers.get('location')!);
    assert.equal(back.origin, origin, 'the provider sends the officer back to the council');
    return back.pathname + back.search;
  }

  const errorText = (body: string) => load(body)('.govuk-error-summary').text();

  /** The audit log's actions on one entity. */
  const auditActionsOn = async (entityId: string) =>
    (
      await ctx.db.system
        .selectFrom('audit_events')
        .select('action')
        .where('entity_id', '=', entityId)
        .execute()
    ).map((a) => a.action);

  describe('Mastodon', () => {
    it('registers the app once, signs in with narrow scopes and PKCE, and stores the account with its health', async () => {
      const url = await start('mastodon', {
        accountName: 'Council Mastodon',
        instanceUrl: `${mastodon.baseUrl}/about`,
      });
      const q = new URL(url).searchParams;
      assert.equal(new URL(url).origin, mastodon.baseUrl);
      assert.equal(
        q.get('scope'),
        'read:accounts read:notifications read:statuses write:statuses write:media',
      );
      assert.equal(q.get('code_challenge_method'), 'S256');
      assert.equal(q.get('redirect_uri'), `${origin}/staff/channels/oauth/mastodon/callback`);
      const res = await browser.get(await authorize(url));
      assert.equal(res.statusCode, 303, errorText(res.body));
      assert.equal(res.headers.location, '/staff/channels?done=connected');
      const list = load((await browser.get('/staff/channels')).body);
      const row = list('tr').filter((_, el) => list(el).text().includes('Council Mastodon'));
      assert.match(row.text(), /townsquarecouncil/);
      assert.match(row.text(), /Working/);
      assert.equal(mastodon.apps().length, 1);
      const [issued] = mastodon.issuedTokens();
      assert.ok(issued);
      // The stored token is the issued one, sealed, and its narrow scopes are enough to work.
      const stored = await ctx.db.system
        .selectFrom('channel_accounts')
        .select('credentials')
        .where('name', '=', 'Council Mastodon')
        .executeTakeFirstOrThrow();
      assert.ok(!stored.credentials.includes(issued.token));
      const app = await ctx.db.system.selectFrom('channel_oauth_apps').selectAll().executeTakeFirstOrThrow();
      assert.match(app.client_secret, /^v1\./);
      assert.ok(!mastodon.apps().some((a) => app.client_secret.includes(a.clientId)));
      const account = (await accounts()).find((a) => a.name === 'Council Mastodon')!;
      const { connector } = await ctx.services.channelAccounts.connectorFor(councilId, account.id);
      const published = await connector.publish({
        text: 'Bin collections move to Tuesday',
        idempotencyKey: 'oauth-m-1',
      });
      assert.equal(mastodon.readStatus(published.ref.id)?.text, 'Bin collections move to Tuesday');
      const audit = await ctx.db.system
        .selectFrom('audit_events')
        .select('action')
        .where('action', 'in', ['channel_oauth_app.registered', 'channel_account.connected'])
        .execute();
      assert.deepEqual(audit.map((a) => a.action).sort(), [
        'channel_account.connected',
        'channel_oauth_app.registered',
      ]);
    });

    it('reuses the registration for the next sign-in on the same server', async () => {
      const url = await start('mastodon', {
        accountName: 'Council Mastodon 2',
        instanceUrl: mastodon.baseUrl,
      });
      assert.equal((await browser.get(await authorize(url))).statusCode, 303);
      assert.equal(mastodon.apps().length, 1);
    });

    it('says so in plain English and stores nothing when the officer refuses', async () => {
      const before = await accountCount();
      const url = await start('mastodon', { accountName: 'Refused', instanceUrl: mastodon.baseUrl });
      const res = await browser.get(await authorize(url, 'deny'));
      assert.equal(res.statusCode, 400);
      const $ = load(res.body);
      assert.match($('title').text(), /^Error: /);
      assert.match(errorText(res.body), /You chose not to allow Townsquare/);
      assert.equal(await accountCount(), before);
    });

    it('refuses a replayed callback, a made-up state and a state from another session', async () => {
      const url = await start('mastodon', { accountName: 'Once only', instanceUrl: mastodon.baseUrl });
      const back = await authorize(url);
      assert.equal((await browser.get(back)).statusCode, 303);
      const before = await accountCount();
      const replay = await browser.get(back);
      assert.equal(replay.statusCode, 400);
      assert.match(errorText(replay.body), /already been used/);

      const madeUp = await browser.get(
        `/staff/channels/oauth/mastodon/callback?code=abc&state=${'A'.repeat(43)}`,
      );
      assert.equal(madeUp.statusCode, 400);
      assert.match(errorText(madeUp.body), /not started by you in this browser session/);

      const other = new Browser(ctx.app, host);
      await other.signIn('comms@harbour.test');
      const foreign = await other.get(
        await authorize(await start('mastodon', { accountName: 'Stolen', instanceUrl: mastodon.baseUrl })),
      );
      assert.equal(foreign.statusCode, 400);
      assert.match(errorText(foreign.body), /not started by you/);
      assert.equal(await accountCount(), before);
    });

    it('shows the server’s refusal when the code has expired or the token endpoint fails', async () => {
      const before = await accountCount();
      mastodon.codeTtlMs = -1;
      try {
        const url = await start('mastodon', { accountName: 'Slow', instanceUrl: mastodon.baseUrl });
        const res = await browser.get(await authorize(url));
        assert.equal(res.statusCode, 502);
        assert.match(errorText(res.body), /refused to give Townsquare access.*grant is invalid, expired/);
      } finally {
        mastodon.codeTtlMs = 10 * 60_000;
      }
      const url = await start('mastodon', { accountName: 'Outage', instanceUrl: mastodon.baseUrl });
      const back = await authorize(url);
      mastodon.injectFault('unavailable');
      const res = await browser.get(back);
      assert.equal(res.statusCode, 502);
      assert.match(errorText(res.body), /HTTP 503/);
      assert.equal(await accountCount(), before);
    });

    it('has a token endpoint as strict as Mastodon’s: client secret, redirect URI, PKCE verifier', async () => {
      const url = new URL(await start('mastodon', { accountName: 'Probe', instanceUrl: mastodon.baseUrl }));
      const clientId = url.searchParams.get('client_id')!;
      const code = new URL(origin + (await authorize(url.toString()))).searchParams.get('code')!;
      const token = (params: Record<string, string>) =>
        fetch(`${mastodon.baseUrl}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            client_id: clientId,
            redirect_uri: `${origin}/staff/channels/oauth/mastodon/callback`,
            code_verifier: 'not-the-verifier',
            ...params,
          }),
        });
      const wrongSecret = await token({ client_secret: 'wrong' });
      assert.equal(wrongSecret.status, 401);
      assert.equal(((await wrongSecret.json()) as { error: string }).error, 'invalid_client');
      // The client secret is only in Townsquare's database, sealed: read it the way the service does.
      const app = await ctx.db.system.selectFrom('channel_oauth_apps').selectAll().executeTakeFirstOrThrow();
      const secret = ctx.services.channelAccounts.open<string>(
        app.client_secret,
        `${councilId}/oauth-app/${app.id}`,
      );
      const wrongVerifier = await token({ client_secret: secret });
      assert.equal(wrongVerifier.status, 400);
      assert.equal(((await wrongVerifier.json()) as { error: string }).error, 'invalid_grant');
      const unregistered = await fetch(
        `${mastodon.baseUrl}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: 'https://evil.example/cb', scope: 'read:accounts' })}`,
        { redirect: 'manual' },
      );
      assert.equal(unregistered.status, 400, 'never redirects to an unregistered address');
    });

    it('checks the officer’s entries, and keeps the private-address rule for server addresses', async () => {
      const res = await browser.submit(
        '/staff/channels/connect?kind=mastodon',
        { kind: 'mastodon', accountName: '', instanceUrl: 'not a url' },
        '/staff/channels/oauth/start',
      );
      assert.equal(res.statusCode, 400);
      const hrefs = load(res.body)('.govuk-error-summary__list a')
        .map((_, el) => load(el)('a').attr('href'))
        .get();
      assert.deepEqual(hrefs, ['#accountName', '#instanceUrl']);
      // A production registry refuses loopback and private addresses before any request is made.
      const strict = new ChannelOAuthService(
        ctx.services.db.app,
        ctx.services.channelAccounts,
        createConnectorRegistry({ enableX: false }),
        {},
      );
      const requestsBefore = mastodon.requests.length;
      await assert.rejects(
        strict.start(
          { councilId, userId: '00000000-0000-4000-8000-000000000000', label: 't', sessionToken: 's' },
          { kind: 'mastodon', name: 'Inside', instanceUrl: mastodon.baseUrl, callbackBase: origin },
        ),
        (e: { fieldErrors?: Record<string, string> }) =>
          /not a private one|https/.test(e.fieldErrors?.instanceUrl ?? ''),
      );
      assert.equal(mastodon.requests.length, requestsBefore);
    });
  });

  describe('Mastodon reconnecting', () => {
    it('renews the flagged account when the officer signs in again as the same user', async () => {
      const account = (await accounts()).find((a) => a.name === 'Council Mastodon')!;
      await flag(account.id);
      const before = await accountCount();
      const tokensBefore = mastodon.issuedTokens().length;
      const back = await browser.get(await authorize(await startReconnect('mastodon', account.id)));
      assert.equal(back.statusCode, 303, errorText(back.body));
      assert.equal(await accountCount(), before, 'the same account, not a new one');
      const after = await ctx.services.channelAccounts.get(councilId, account.id);
      assert.equal(after.status, 'active');
      assert.equal(mastodon.issuedTokens().length, tokensBefore + 1);
      const { connector } = await ctx.services.channelAccounts.connectorFor(councilId, account.id);
      await connector.publish({ text: 'Back on Mastodon after reconnecting', idempotencyKey: 'oauth-m-re' });
      assert.equal(mastodon.countContaining('Back on Mastodon after reconnecting'), 1);
    });

    it('refuses a sign-in as another Mastodon user and leaves the account flagged', async () => {
      const account = (await accounts()).find((a) => a.name === 'Council Mastodon')!;
      await flag(account.id);
      mastodon.signInAsNext('someone_else');
      const back = await browser.get(await authorize(await startReconnect('mastodon', account.id)));
      assert.equal(back.statusCode, 502);
      assert.match(
        errorText(back.body),
        /These credentials are for @someone_else@[^ ]+, not @townsquarecouncil/,
      );
      const after = await ctx.services.channelAccounts.get(councilId, account.id);
      assert.equal(after.status, 'needs_reconnect');
      assert.equal(after.handle, account.handle);
    });
  });

  describe('X', () => {
    it('signs in with PKCE S256 and offline.access and stores the refresh token sealed', async () => {
      const url = await start('x', { accountName: 'Council X' });
      const q = new URL(url).searchParams;
      assert.equal(new URL(url).origin + new URL(url).pathname, `${x.baseUrl}/i/oauth2/authorize`);
      assert.deepEqual(q.get('scope')!.split(' ').sort(), [
        'media.write',
        'offline.access',
        'tweet.read',
        'tweet.write',
        'users.read',
      ]);
      assert.equal(q.get('code_challenge_method')!.toUpperCase(), 'S256');
      const res = await browser.get(await authorize(url));
      assert.equal(res.statusCode, 303, errorText(res.body));
      const account = (await accounts()).find((a) => a.name === 'Council X')!;
      assert.equal(account.handle, '@townsquarecouncil');
      assert.ok(account.tokenExpiresAt && account.tokenExpiresAt.getTime() > Date.now() + 7000_000);
      const page = await browser.get(`/staff/channels/${account.id}`);
      assert.doesNotMatch(load(page.body)('.govuk-summary-list').text(), /Not known or does not expire/);
    });

    it('renews an expired access token with the refresh token, retries once and saves the new tokens', async () => {
      const account = (await accounts()).find((a) => a.name === 'Council X')!;
      x.expireAccessTokens();
      const { connector } = await ctx.services.channelAccounts.connectorFor(councilId, account.id);
      const published = await connector.publish({
        text: 'Library opening hours change',
        idempotencyKey: 'oauth-x-1',
      });
      assert.ok(x.readTweet(published.ref.id));
      assert.equal(x.issued().refreshGrants, 1);
      // A new connector (another worker) uses the saved token without renewing again.
      const again = await ctx.services.channelAccounts.connectorFor(councilId, account.id);
      await again.connector.publish({ text: 'Second post after renewal', idempotencyKey: 'oauth-x-2' });
      assert.equal(x.issued().refreshGrants, 1);
      assert.equal((await ctx.services.channelAccounts.get(councilId, account.id)).status, 'active');
    });

    it('flags the account at once when X will not renew the token', async () => {
      const account = (await accounts()).find((a) => a.name === 'Council X')!;
      x.expireAccessTokens();
      x.revokeRefreshTokens();
      const { connector } = await ctx.services.channelAccounts.connectorFor(councilId, account.id);
      const error = await connector
        .publish({ text: 'Will not go', idempotencyKey: 'oauth-x-3' })
        .catch((e: unknown) => e);
      assert.ok(error instanceof ChannelError && error.kind === 'auth_expired', String(error));
      const after = await ctx.services.channelAccounts.get(councilId, account.id);
      assert.equal(after.status, 'needs_reconnect');
      assert.match(after.lastError ?? '', /Reconnect/);
    });

    it('reconnects the flagged account when the officer signs in again from its page', async () => {
      const account = (await accounts()).find((a) => a.name === 'Council X')!;
      const before = await accountCount();
      const res = await browser.submit(
        `/staff/channels/${account.id}`,
        { kind: 'x', accountId: account.id },
        '/staff/channels/oauth/start',
      );
      assert.equal(res.statusCode, 303, errorText(res.body));
      const back = await browser.get(await authorize(res.headers.location as string));
      assert.equal(back.statusCode, 303, errorText(back.body));
      assert.equal(await accountCount(), before, 'the same account, not a new one');
      const after = await ctx.services.channelAccounts.get(councilId, account.id);
      assert.equal(after.status, 'active');
      const { connector } = await ctx.services.channelAccounts.connectorFor(councilId, account.id);
      await connector.publish({ text: 'Back on X after reconnecting', idempotencyKey: 'oauth-x-4' });
      assert.equal(x.countContaining('Back on X after reconnecting'), 1);
      assert.ok((await auditActionsOn(account.id)).includes('channel_account.reconnected'));
    });

    it('shows refusal at X as an error and stores nothing', async () => {
      const before = await accountCount();
      const res = await browser.get(await authorize(await start('x', { accountName: 'No' }), 'deny'));
      assert.equal(res.statusCode, 400);
      assert.match(errorText(res.body), /You chose not to allow/);
      assert.equal(await accountCount(), before);
    });

    it('has a token endpoint as strict as X’s: client secret, PKCE verifier, single-use codes', async () => {
      const url = new URL(await start('x', { accountName: 'Probe' }));
      const code = new URL(origin + (await authorize(url.toString()))).searchParams.get('code')!;
      const token = (auth: string, verifier: string) =>
        fetch(`${x.baseUrl}/2/oauth2/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(auth).toString('base64')}`,
          },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            code_verifier: verifier,
            redirect_uri: `${origin}/staff/channels/oauth/x/callback`,
            client_id: x.oauthClient.clientId,
          }),
        });
      const wrongSecret = await token(`${x.oauthClient.clientId}:wrong`, 'v');
      assert.equal(wrongSecret.status, 401);
      assert.deepEqual(await wrongSecret.json(), {
        error: 'unauthorized_client',
        error_description: 'Missing valid authorization header',
      });
      const wrongVerifier = await token(
        `${x.oauthClient.clientId}:${x.oauthClient.clientSecret}`,
        'not-the-verifier',
      );
      assert.equal(wrongVerifier.status, 400);
      assert.equal(((await wrongVerifier.json()) as { error: string }).error, 'invalid_request');
      // The code was spent by that attempt: the officer's own callback now fails, saving nothing.
      const before = await accountCount();
      const res = await browser.get(
        `/staff/channels/oauth/x/callback?${new URLSearchParams({ code, state: url.searchParams.get('state')! })}`,
      );
      assert.equal(res.statusCode, 502);
      assert.match(
        errorText(res.body),
        /X refused to give Townsquare access.*authorization code was invalid/,
      );
      assert.equal(await accountCount(), before);
    });
  });

  describe('Facebook and Instagram', () => {
    it('connects the Page the officer chooses, with its Page token', async () => {
      const url = await start('facebook', { accountName: 'Council Facebook' });
      const q = new URL(url).searchParams;
      assert.equal(q.get('client_id'), graph.appId);
      assert.match(q.get('scope')!, /pages_manage_posts/);
      const res = await browser.get(await authorize(url));
      assert.equal(res.statusCode, 303, errorText(res.body));
      const choose = await browser.get(res.headers.location as string);
      const $ = load(choose.body);
      const options = $('input[name="pageId"]')
        .map((_, el) => $(el).attr('value'))
        .get();
      assert.deepEqual(options, [graph.pageId, graph.otherPage.id]);
      assert.ok(!choose.body.includes(graph.accessToken), 'Page tokens never reach the page');
      const flow = $('input[name="flow"]').attr('value')!;
      // Until the Page installs the app, Meta sends none of its comments or messages.
      await assert.rejects(graph.deliver(sinkUrl, graph.messengerMessage('Before')), /would not send/);
      const done = await browser.submit(
        res.headers.location as string,
        { flow, pageId: graph.pageId },
        '/staff/channels/oauth/choose',
      );
      assert.equal(done.statusCode, 303, errorText(done.body));
      assert.equal(done.headers.location, '/staff/channels?done=connected');
      assert.deepEqual([...(graph.subscriptions.get(graph.pageId) ?? [])].sort(), ['feed', 'messages']);
      assert.equal(graph.subscriptions.has(graph.otherPage.id), false, 'only the chosen Page');
      const hits = sinkHits;
      assert.equal((await graph.deliver(sinkUrl, graph.messengerMessage('After'))).status, 200);
      assert.equal((await graph.deliver(sinkUrl, graph.visitorPost('Pothole on Quay Street'))).status, 200);
      assert.equal(sinkHits, hits + 2);
      const account = (await accounts()).find((a) => a.name === 'Council Facebook')!;
      assert.equal(account.lastError, null);
      assert.equal(account.kind, 'facebook');
      assert.equal(account.settings.pageId, graph.pageId);
      const { connector } = await ctx.services.channelAccounts.connectorFor(councilId, account.id);
      await connector.publish({ text: 'Road closure on Mill Lane', idempotencyKey: 'oauth-fb-1' });
      assert.equal(graph.countContaining('Road closure on Mill Lane'), 1);
      // A second submit of the same choice does not connect the Page twice.
      const again = await browser.submit(
        '/staff/channels/connect?kind=facebook',
        { flow, pageId: graph.pageId },
        '/staff/channels/oauth/choose',
      );
      assert.equal(again.statusCode, 400);
      assert.equal((await accounts()).filter((a) => a.name === 'Council Facebook').length, 1);
    });

    it('offers only Pages with a linked Instagram account and connects that account', async () => {
      const res = await browser.get(
        await authorize(await start('instagram', { accountName: 'Council Instagram' })),
      );
      assert.equal(res.statusCode, 303, errorText(res.body));
      const choose = load((await browser.get(res.headers.location as string)).body);
      assert.deepEqual(
        choose('input[name="pageId"]')
          .map((_, el) => choose(el).attr('value'))
          .get(),
        [graph.pageId],
      );
      assert.match(choose('label').text(), new RegExp(`@${graph.igUsername}`));
      const missing = await browser.submit(
        res.headers.location as string,
        { flow: choose('input[name="flow"]').attr('value')! },
        '/staff/channels/oauth/choose',
      );
      assert.equal(missing.statusCode, 400);
      assert.deepEqual(
        load(missing.body)('.govuk-error-summary__list a')
          .map((_, el) => load(el)('a').attr('href'))
          .get(),
        ['#pageId'],
      );
      const done = await browser.submit(
        res.headers.location as string,
        { flow: choose('input[name="flow"]').attr('value')!, pageId: graph.pageId },
        '/staff/channels/oauth/choose',
      );
      assert.equal(done.statusCode, 303, errorText(done.body));
      const account = (await accounts()).find((a) => a.name === 'Council Instagram')!;
      assert.deepEqual(
        [account.kind, account.settings.igUserId, account.settings.pageId],
        ['instagram', graph.igUserId, graph.pageId],
      );
      // Instagram's webhooks follow the Page's installation; Facebook's fields stay as they were.
      assert.deepEqual([...(graph.subscriptions.get(graph.pageId) ?? [])].sort(), ['feed', 'messages']);
      assert.equal(
        graph.wouldSend({
          object: 'instagram',
          entry: [{ id: graph.igUserId, changes: [{ field: 'comments' }] }],
        }),
        true,
      );
    });

    it('keeps the account but says in plain English when Facebook will not send its webhooks', async () => {
      graph.declineNext(['pages_manage_metadata']);
      const res = await browser.get(
        await authorize(await start('facebook', { accountName: 'Council Facebook (no webhooks)' })),
      );
      assert.equal(res.statusCode, 303, errorText(res.body));
      const $ = load((await browser.get(res.headers.location as string)).body);
      const done = await browser.submit(
        res.headers.location as string,
        { flow: $('input[name="flow"]').attr('value')!, pageId: graph.pageId },
        '/staff/channels/oauth/choose',
      );
      assert.equal(done.statusCode, 303, errorText(done.body));
      assert.equal(done.headers.location, '/staff/channels?done=connected_without_webhooks');
      const list = load((await browser.get(done.headers.location)).body);
      assert.match(list('.govuk-warning-text').text(), /would not send its comments and messages/);
      const account = (await accounts()).find((a) => a.name === 'Council Facebook (no webhooks)')!;
      assert.equal(account.status, 'active', 'publishing still works');
      assert.match(
        account.lastError ?? '',
        /Facebook refused to send this Page’s comments and messages to Townsquare: “\(#200\).*pages_manage_metadata”.*reconnect/,
      );
      const row = list('tr').filter((_, el) => list(el).text().includes('Council Facebook (no webhooks)'));
      assert.match(row.text(), /Facebook refused/);
      assert.ok((await auditActionsOn(account.id)).includes('channel_account.problem_flagged'));
      await ctx.services.channelAccounts.disconnect({ councilId, userId: null, label: 'test' }, account.id);
    });

    it('has a subscribed_apps edge as strict as Facebook’s', async () => {
      const post = (pageId: string, params: Record<string, string>) =>
        fetch(`${graph.baseUrl}/v21.0/${pageId}/subscribed_apps`, {
          method: 'POST',
          body: new URLSearchParams(params),
        }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { error?: { code: number; message: string } },
        }));
      const missing = await post(graph.pageId, { access_token: graph.accessToken });
      assert.equal(missing.body.error?.code, 100);
      const unknown = await post(graph.pageId, {
        access_token: graph.accessToken,
        subscribed_fields: 'everything',
      });
      assert.match(unknown.body.error?.message ?? '', /subscribed_fields\[0\] must be one of/);
      const wrongPage = await post(graph.otherPage.id, {
        access_token: graph.accessToken,
        subscribed_fields: 'feed',
      });
      assert.equal(wrongPage.body.error?.code, 190, 'another Page’s token');
      const [userToken] = graph.userTokens.keys();
      const withUserToken = await post(graph.pageId, { access_token: userToken!, subscribed_fields: 'feed' });
      assert.equal(withUserToken.body.error?.code, 210, 'a Page token, not the officer’s own');
      const badProof = await post(graph.pageId, {
        access_token: graph.accessToken,
        subscribed_fields: 'feed',
        appsecret_proof: '0'.repeat(64),
      });
      assert.match(badProof.body.error?.message ?? '', /Invalid appsecret_proof/);
      const listed = (await (
        await fetch(
          `${graph.baseUrl}/v21.0/${graph.pageId}/subscribed_apps?access_token=${graph.accessToken}`,
        )
      ).json()) as { data: { id: string; subscribed_fields: string[] }[] };
      assert.deepEqual(
        listed.data.map((a) => a.id),
        [graph.appId],
      );
    });

    it('renews a flagged Page or Instagram account when the officer signs in again', async () => {
      for (const [kind, name] of [
        ['facebook', 'Council Facebook'],
        ['instagram', 'Council Instagram'],
      ] as const) {
        const account = (await accounts()).find((a) => a.name === name)!;
        await flag(account.id);
        const before = await accountCount();
        const back = await browser.get(await authorize(await startReconnect(kind, account.id)));
        assert.equal(back.statusCode, 303, errorText(back.body));
        const $ = load((await browser.get(back.headers.location as string)).body);
        assert.deepEqual(
          $('input[name="pageId"]')
            .map((_, el) => $(el).attr('value'))
            .get(),
          [graph.pageId],
          'only the Page this account is for',
        );
        graph.subscriptions.delete(graph.pageId);
        const done = await browser.submit(
          back.headers.location as string,
          { flow: $('input[name="flow"]').attr('value')!, pageId: graph.pageId },
          '/staff/channels/oauth/choose',
        );
        assert.equal(done.statusCode, 303, errorText(done.body));
        assert.equal(await accountCount(), before, `${kind}: the same account, not a new one`);
        const after = await ctx.services.channelAccounts.get(councilId, account.id);
        assert.equal(after.status, 'active');
        assert.ok(graph.subscriptions.get(graph.pageId)?.has('feed'), 'webhooks turned on again');
      }
    });

    it('refuses to reconnect with a Facebook user who does not manage the account’s Page', async () => {
      const account = (await accounts()).find((a) => a.name === 'Council Facebook')!;
      await flag(account.id);
      graph.managedPages = new Set([graph.otherPage.id]);
      try {
        const back = await browser.get(await authorize(await startReconnect('facebook', account.id)));
        assert.equal(back.statusCode, 502);
        assert.match(errorText(back.body), /You do not manage the Page this account is for/);
      } finally {
        graph.managedPages = new Set([graph.pageId, graph.otherPage.id]);
      }
      assert.equal((await ctx.services.channelAccounts.get(councilId, account.id)).status, 'needs_reconnect');
    });

    it('stores nothing when the officer refuses at Facebook', async () => {
      const before = await accountCount();
      const res = await browser.get(
        await authorize(await start('facebook', { accountName: 'Refused page' }), 'deny'),
      );
      assert.equal(res.statusCode, 400);
      assert.match(errorText(res.body), /You chose not to allow/);
      assert.equal(await accountCount(), before);
    });

    it('has a token exchange as strict as Facebook’s: exact redirect_uri, single-use codes, the app secret', async () => {
      const back = new URL(origin + (await authorize(await start('facebook', { accountName: 'Probe' }))));
      const code = back.searchParams.get('code')!;
      const exchange = async (params: Record<string, string>) => {
        const res = await fetch(`${graph.baseUrl}/v21.0/oauth/access_token?${new URLSearchParams(params)}`);
        return {
          status: res.status,
          body: (await res.json()) as { error?: { code: number; error_subcode?: number; message: string } },
        };
      };
      const base = {
        client_id: graph.appId,
        client_secret: graph.appSecret,
        redirect_uri: `${origin}/staff/channels/oauth/meta/callback`,
        code,
      };
      const badSecret = await exchange({ ...base, client_secret: 'nope' });
      assert.deepEqual(
        [badSecret.status, badSecret.body.error?.code, badSecret.body.error?.message],
        [400, 1, 'Error validating client secret.'],
      );
      const otherRedirect = await exchange({ ...base, redirect_uri: `${origin}/elsewhere` });
      assert.equal(otherRedirect.body.error?.error_subcode, 36008);
      const reused = await exchange(base);
      assert.equal(reused.body.error?.error_subcode, 36009);
      // So the officer's own callback with that spent code fails, plainly, storing nothing.
      const before = await accountCount();
      const res = await browser.get(back.pathname + back.search);
      assert.equal(res.statusCode, 502);
      assert.match(
        errorText(res.body),
        /Facebook refused to give Townsquare access: “This authorization code has been used\.”/,
      );
      assert.equal(await accountCount(), before);
    });
  });

  it('keeps the paste-a-token form as the fallback on every OAuth network', async () => {
    for (const kind of ['mastodon', 'x', 'facebook', 'instagram']) {
      const $ = load((await browser.get(`/staff/channels/connect?kind=${kind}`)).body);
      assert.equal($('form[action="/staff/channels/oauth/start"]').length, 1, kind);
      assert.equal($('form[action="/staff/channels/connect"] input[name="accessToken"]').length, 1, kind);
    }
  });
});
