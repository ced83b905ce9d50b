/**
 * Issue 3's "done": from the staff console, connect a Bluesky account on the real local PDS
 * and an account of every other kind on its contract server, see each one's health, and
 * reconnect and disconnect, with credentials sealed at rest and never shown again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'cheerio';
import { Browser, createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';
import { startBlueskyPeer, type BlueskyPeer } from './peers/bluesky/index.ts';
import { startMastodonServer, type MastodonServer } from './peers/mastodon/server.ts';
import { startXServer, type XServer } from './peers/x/server.ts';
import { GraphContractServer } from './peers/graph/server.ts';
import { NotifyContractServer } from './peers/notify/server.ts';
import { startSmtpSink, type SmtpSink } from './peers/smtp-sink.ts';

describe('staff console: channel accounts', () => {
  let ctx: TestContext;
  let pds: BlueskyPeer;
  let mastodon: MastodonServer;
  let x: XServer;
  let graph: GraphContractServer;
  let notify: NotifyContractServer;
  let smtp: SmtpSink;
  let browser: Browser;
  let blueskyAppPassword = '';

  before(async () => {
    [ctx, pds, mastodon, x, graph, notify, smtp] = await Promise.all([
      startTestApp({ TOWNSQUARE_ENABLE_X: 'true' }),
      startBlueskyPeer(),
      startMastodonServer(),
      startXServer(),
      new GraphContractServer().start(),
      new NotifyContractServer().start(),
      startSmtpSink({ user: 'council', pass: 'smtp-secret-123' }),
    ]);
    await createCouncilWithStaff(ctx.services, 'harbour', [
      { email: 'admin@harbour.test', role: 'admin' },
      { email: 'agent@harbour.test', role: 'agent' },
    ]);
    const account = await pds.createAccount('council.test');
    blueskyAppPassword = account.appPassword;
    browser = new Browser(ctx.app, 'harbour.test');
    await browser.signIn('admin@harbour.test');
  });
  after(async () => {
    await Promise.all([
      ctx?.close(),
      pds?.close(),
      mastodon?.close(),
      x?.close(),
      graph?.close(),
      notify?.close(),
      smtp?.close(),
    ]);
  });

  const connect = (kind: string, fields: Record<string, string>) =>
    browser.submit(`/staff/channels/connect?kind=${kind}`, { kind, ...fields }, '/staff/channels/connect');

  it('offers every network, X included only when the deployment enables it', async () => {
    const page = await browser.get('/staff/channels/connect');
    const kinds = load(page.body)('input[name="kind"]')
      .map((_, el) => load(el)('input').attr('value'))
      .get();
    assert.deepEqual(kinds.sort(), ['bluesky', 'email', 'facebook', 'instagram', 'mastodon', 'notify', 'x']);
  });

  it('connects a Bluesky account on the local PDS with an app password', async () => {
    const res = await connect('bluesky', {
      name: 'Council Bluesky',
      service: pds.pdsUrl,
      identifier: 'council.test',
      inbound: 'pds-scan',
      appPassword: blueskyAppPassword,
    });
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const list = load((await browser.get('/staff/channels')).body);
    const row = list('tr').filter((_, el) => list(el).text().includes('Council Bluesky'));
    assert.match(row.text(), /council\.test/);
    assert.match(row.text(), /Working/);
  });

  it('connects Mastodon, X, Facebook, Instagram, Notify and email accounts on their contract servers', async () => {
    const sms = notify.addTemplate({ type: 'sms', name: 'Townsquare SMS', body: '((body))' } as never);
    const email = notify.addTemplate({
      type: 'email',
      name: 'Townsquare email',
      subject: '((subject))',
      body: '((body))',
    } as never);
    const cases: [string, Record<string, string>][] = [
      ['mastodon', { name: 'Council Mastodon', baseUrl: mastodon.baseUrl, accessToken: mastodon.token }],
      ['x', { name: 'Council X', apiBaseUrl: x.baseUrl, accessToken: x.token }],
      [
        'facebook',
        {
          name: 'Council Facebook',
          pageId: graph.pageId,
          baseUrl: graph.baseUrl,
          accessToken: graph.accessToken,
          appSecret: graph.appSecret,
          verifyToken: 'verify-me-please',
        },
      ],
      [
        'instagram',
        {
          name: 'Council Instagram',
          igUserId: graph.igUserId,
          pageId: graph.pageId,
          baseUrl: graph.baseUrl,
          accessToken: graph.accessToken,
          appSecret: graph.appSecret,
          verifyToken: 'verify-me-please',
        },
      ],
      [
        'notify',
        {
          name: 'Council Notify',
          emailTemplateId: email.id,
          smsTemplateId: sms.id,
          baseUrl: notify.baseUrl,
          apiKey: notify.apiKey,
          callbackToken: 'callback-token-1234567890',
        },
      ],
      [
        'email',
        {
          name: 'Council email',
          host: smtp.host,
          port: String(smtp.port),
          address: 'contact@harbour.test',
          requireTls: 'no',
          user: smtp.user,
          pass: smtp.pass,
        },
      ],
    ];
    for (const [kind, fields] of cases) {
      const res = await connect(kind, fields);
      assert.equal(res.statusCode, 303, `${kind}: ${load(res.body)('.govuk-error-summary').text()}`);
    }
    const accounts = await ctx.services.channelAccounts.list(
      (await ctx.services.councils.findBySlug('harbour'))!.id,
    );
    assert.deepEqual(accounts.map((a) => a.kind).sort(), [
      'bluesky',
      'email',
      'facebook',
      'instagram',
      'mastodon',
      'notify',
      'x',
    ]);
  });

  it('seals credentials at rest: no secret appears in the database or in any page', async () => {
    const rows = await ctx.db.system
      .selectFrom('channel_accounts')
      .select(['credentials', 'settings'])
      .execute();
    for (const r of rows) {
      assert.match(r.credentials, /^v1\./);
      for (const secret of [blueskyAppPassword, mastodon.token, graph.appSecret, notify.apiKey, smtp.pass]) {
        assert.ok(!r.credentials.includes(secret) && !JSON.stringify(r.settings).includes(secret));
      }
    }
    const list = await browser.get('/staff/channels');
    const detailLinks = load(list.body)('a[href^="/staff/channels/"]')
      .map((_, el) => load(el)('a').attr('href'))
      .get()
      .filter((h) => h !== '/staff/channels/connect');
    assert.equal(detailLinks.length, 7);
    for (const href of detailLinks) {
      const page = await browser.get(href);
      for (const secret of [blueskyAppPassword, mastodon.token, graph.appSecret, notify.apiKey, smtp.pass])
        assert.ok(!page.body.includes(secret));
    }
  });

  it('refuses credentials the network does not accept, saying so, and saves nothing', async () => {
    const before = (await ctx.db.system.selectFrom('channel_accounts').select('id').execute()).length;
    const res = await connect('mastodon', {
      name: 'Wrong token',
      baseUrl: mastodon.baseUrl,
      accessToken: 'not-the-token',
    });
    assert.equal(res.statusCode, 400);
    const $ = load(res.body);
    assert.match($('title').text(), /^Error: /);
    assert.match($('.govuk-error-summary').text(), /no longer accepts|refused/i);
    assert.equal($('input[name="accessToken"]').attr('value') ?? '', '', 'a secret is never echoed back');
    assert.equal((await ctx.db.system.selectFrom('channel_accounts').select('id').execute()).length, before);
  });

  it('shows GOV.UK errors for missing and malformed fields', async () => {
    const res = await connect('bluesky', {
      name: '',
      service: 'not a url',
      identifier: 'bad handle!',
      appPassword: '',
    });
    assert.equal(res.statusCode, 400);
    const errors = load(res.body)('.govuk-error-summary__list a')
      .map((_, el) => load(el)('a').attr('href'))
      .get();
    assert.deepEqual(errors, ['#name', '#service', '#identifier', '#appPassword']);
  });

  it('flags an account whose token was revoked at once, holds its work and audits it', async () => {
    const councilId = (await ctx.services.councils.findBySlug('harbour'))!.id;
    const account = (await ctx.services.channelAccounts.list(councilId)).find((a) => a.kind === 'mastodon')!;
    mastodon.expireToken();
    const { connector } = await ctx.services.channelAccounts.connectorFor(councilId, account.id);
    const error = await connector
      .publish({ text: 'Test', idempotencyKey: 'k-revoked' })
      .catch((e: unknown) => e);
    await ctx.services.channelAccounts.recordOutcome(councilId, account.id, { error });
    const list = load((await browser.get('/staff/channels')).body);
    assert.match(list('.govuk-warning-text').text(), /Council Mastodon needs reconnecting/);
    await assert.rejects(ctx.services.channelAccounts.connectorFor(councilId, account.id), /reconnected/);
    const audit = await browser.get('/staff/audit?action=channel_account.needs_reconnect');
    assert.match(audit.body, /channel_account\.needs_reconnect/);
  });

  it('disconnects an account and deletes its credentials', async () => {
    const councilId = (await ctx.services.councils.findBySlug('harbour'))!.id;
    const account = (await ctx.services.channelAccounts.list(councilId)).find((a) => a.kind === 'x')!;
    const page = await browser.get(`/staff/channels/${account.id}`);
    const token = load(page.body)('input[name="_csrf"]').last().attr('value') ?? '';
    const res = await browser.post(`/staff/channels/${account.id}/disconnect`, { _csrf: token });
    assert.equal(res.statusCode, 303);
    const row = await ctx.db.system
      .selectFrom('channel_accounts')
      .select(['status', 'credentials'])
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { status: 'disconnected', credentials: 'removed' });
  });

  it('keeps channel pages from agents, who do not manage channels', async () => {
    const agent = new Browser(ctx.app, 'harbour.test');
    await agent.signIn('agent@harbour.test');
    assert.equal((await agent.get('/staff/channels')).statusCode, 403);
  });
});
