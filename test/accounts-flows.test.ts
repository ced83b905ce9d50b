/**
 * Staff account journeys end to end through the app and into PostgreSQL: signing out, lock-out,
 * changing a password, adding users, API tokens and the audit log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { load, type CheerioAPI } from 'cheerio';
import { sql } from '../src/db/index.ts';
import { digest } from '../src/modules/accounts/tokens.ts';
import {
  Browser,
  createCouncilWithStaff,
  startTestApp,
  testPassword,
  type TestContext,
} from './support/app.ts';

const host = 'flows.test';
const lockedMessage =
  'Your account is locked after too many failed attempts. Try again in 15 minutes or ask an administrator';

function summary($: CheerioAPI): { text: string; href: string }[] {
  return $('.govuk-error-summary__list a')
    .toArray()
    .map((a) => ({ text: $(a).text().trim(), href: $(a).attr('href') ?? '' }));
}

function fieldError($: CheerioAPI, id: string): string {
  return $(`#${id}-error`).text().replace('Error:', '').trim();
}

describe('staff account flows', () => {
  let ctx: TestContext;
  let councilId: string;
  let adminId: string;

  before(async () => {
    ctx = await startTestApp();
    const created = await createCouncilWithStaff(ctx.services, 'flows', [
      { email: 'admin@flows.test', role: 'admin', name: 'Ada Admin' },
      { email: 'agent@flows.test', role: 'agent', name: 'Alan Agent' },
      { email: 'locked@flows.test', role: 'comms', name: 'Lou Locked' },
      { email: 'changer@flows.test', role: 'comms', name: 'Cher Changer' },
    ]);
    councilId = created.councilId;
    adminId = created.users[0]!.id;
  });
  after(async () => ctx.close());

  async function signedIn(email: string): Promise<Browser> {
    const browser = new Browser(ctx.app, host);
    const res = await browser.signIn(email);
    assert.equal(res.statusCode, 303, `${email} signs in`);
    return browser;
  }

  async function sessionsOf(email: string): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ${email}`.execute(
      ctx.services.db.system,
    );
    return rows[0]!.n;
  }

  it('signs out: the cookie goes, the session row goes, and the old cookie no longer works', async () => {
    const browser = await signedIn('agent@flows.test');
    const stolen = browser.cookieHeader();
    assert.equal(await sessionsOf('agent@flows.test'), 1);
    const res = await browser.submit('/staff/account', {}, '/staff/sign-out');
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/staff/sign-in');
    assert.ok(
      res.cookies.some((c) => c.name === 'ts_session' && c.value === ''),
      'session cookie cleared',
    );
    assert.equal(await sessionsOf('agent@flows.test'), 0);
    const again = await browser.get('/staff');
    assert.equal(again.statusCode, 303);
    assert.equal(again.headers.location, '/staff/sign-in?returnTo=%2Fstaff');
    const replay = await ctx.app.inject({ method: 'GET', url: '/staff', headers: { host, cookie: stolen } });
    assert.equal(replay.statusCode, 303, 'a copy of the old cookie is signed out too');
  });

  it('returns to the page asked for after signing in, and only to a staff page', async () => {
    const browser = new Browser(ctx.app, host);
    const page = await browser.get('/staff/account');
    assert.equal(page.headers.location, '/staff/sign-in?returnTo=%2Fstaff%2Faccount');
    const res = await browser.submit(
      '/staff/sign-in',
      { email: 'agent@flows.test', password: testPassword },
      page.headers.location,
    );
    assert.equal(res.headers.location, '/staff/account');
    const evil = new Browser(ctx.app, host);
    const res2 = await evil.submit(
      '/staff/sign-in',
      { email: 'agent@flows.test', password: testPassword },
      '/staff/sign-in?returnTo=//evil.example/',
    );
    assert.equal(res2.headers.location, '/staff');
  });

  it('locks the account on the fifth failure and refuses even the right password while locked', async () => {
    const browser = new Browser(ctx.app, host);
    for (let i = 1; i <= 4; i++) {
      const res = await browser.signIn('locked@flows.test', `wrong password ${i}`);
      assert.equal(res.statusCode, 400);
      assert.deepEqual(summary(load(res.body)), [
        { text: 'Enter a correct email address and password', href: '#email' },
      ]);
    }
    const fifth = await browser.signIn('locked@flows.test', 'wrong password 5');
    assert.equal(fifth.statusCode, 400);
    const $ = load(fifth.body);
    assert.deepEqual(summary($), [{ text: lockedMessage, href: '#email' }]);
    assert.equal(fieldError($, 'email'), lockedMessage);
    assert.equal($('#email').attr('value'), 'locked@flows.test');

    const right = await browser.signIn('locked@flows.test', testPassword);
    assert.equal(right.statusCode, 400);
    assert.deepEqual(summary(load(right.body)), [{ text: lockedMessage, href: '#email' }]);
    assert.ok(!right.cookies.some((c) => c.name === 'ts_session' && c.value), 'no session cookie');
    assert.equal(await sessionsOf('locked@flows.test'), 0);

    const user = await ctx.services.db.system
      .selectFrom('users')
      .select(['locked_until'])
      .where('email', '=', 'locked@flows.test')
      .executeTakeFirstOrThrow();
    const minutes = (user.locked_until!.getTime() - Date.now()) / 60_000;
    assert.ok(minutes > 14 && minutes <= 15, `locked for 15 minutes (${minutes})`);
    const audit = await ctx.services.db.system
      .selectFrom('audit_events')
      .select(['action', 'actor_label'])
      .where('action', '=', 'user.locked')
      .execute();
    assert.deepEqual(audit, [{ action: 'user.locked', actor_label: 'locked@flows.test' }]);

    const admin = await signedIn('admin@flows.test');
    const users = load((await admin.get('/staff/users')).body);
    const row = users('tr').filter((_i, el) => users(el).text().includes('locked@flows.test'));
    assert.equal(row.find('.govuk-tag').text().trim(), 'Locked');
  });

  it('changing a password shows GOV.UK errors, never echoes passwords, and on success ends every session', async () => {
    const browser = await signedIn('changer@flows.test');
    const other = await signedIn('changer@flows.test');
    assert.equal(await sessionsOf('changer@flows.test'), 2);

    const empty = await browser.submit('/staff/account/password', {
      currentPassword: '',
      newPassword: '',
      confirmPassword: '',
    });
    assert.equal(empty.statusCode, 400);
    let $ = load(empty.body);
    assert.match($('title').text(), /^Error: Change your password/);
    assert.deepEqual(summary($), [
      { text: 'Enter your current password', href: '#currentPassword' },
      { text: 'Enter a new password', href: '#newPassword' },
    ]);
    assert.equal(fieldError($, 'currentPassword'), 'Enter your current password');

    const wrong = await browser.submit('/staff/account/password', {
      currentPassword: 'not my password',
      newPassword: 'short',
      confirmPassword: 'short',
    });
    $ = load(wrong.body);
    assert.deepEqual(summary($), [
      { text: 'The current password is not right', href: '#currentPassword' },
      { text: 'Password must be 12 characters or more', href: '#newPassword' },
    ]);
    // Passwords are never put back into the page.
    for (const id of ['currentPassword', 'newPassword', 'confirmPassword'])
      assert.equal($(`#${id}`).attr('value'), undefined);
    assert.ok(!wrong.body.includes('not my password'));

    const mismatch = await browser.submit('/staff/account/password', {
      currentPassword: testPassword,
      newPassword: 'a brand new passphrase',
      confirmPassword: 'a brand new passphrasE',
    });
    assert.deepEqual(summary(load(mismatch.body)), [
      { text: 'The passwords do not match', href: '#confirmPassword' },
    ]);

    const ok = await browser.submit('/staff/account/password', {
      currentPassword: testPassword,
      newPassword: 'a brand new passphrase',
      confirmPassword: 'a brand new passphrase',
    });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/staff/sign-in?done=password');
    assert.equal(await sessionsOf('changer@flows.test'), 0);
    assert.equal((await other.get('/staff')).statusCode, 303, 'the other session has ended');
    const signInPage = load((await browser.get('/staff/sign-in?done=password')).body);
    assert.equal(
      signInPage('.govuk-notification-banner--success').text().replace(/\s+/g, ' ').trim(),
      'Success Your password has been changed',
    );

    assert.equal(
      (await new Browser(ctx.app, host).signIn('changer@flows.test')).statusCode,
      400,
      'old password refused',
    );
    assert.equal(
      (await new Browser(ctx.app, host).signIn('changer@flows.test', 'a brand new passphrase')).statusCode,
      303,
    );
    const audit = await ctx.services.db.system
      .selectFrom('audit_events')
      .select('action')
      .where('action', '=', 'user.password_changed')
      .execute();
    assert.equal(audit.length, 1);
  });

  it('lets an administrator add a user, with GOV.UK errors and kept values', async () => {
    const admin = await signedIn('admin@flows.test');
    const empty = await admin.submit('/staff/users/new', { name: '', email: '', password: '' });
    assert.equal(empty.statusCode, 400);
    let $ = load(empty.body);
    assert.match($('title').text(), /^Error: Add a user/);
    assert.deepEqual(summary($), [
      { text: 'Enter a name', href: '#name' },
      { text: 'Enter an email address', href: '#email' },
      { text: 'Select a role', href: '#role' },
      { text: 'Password must be 12 characters or more', href: '#password' },
    ]);

    const bad = await admin.submit('/staff/users/new', {
      name: 'Nia New',
      email: 'nia at flows',
      role: 'comms',
      password: 'a good long password',
    });
    $ = load(bad.body);
    assert.deepEqual(summary($), [
      { text: 'Enter an email address in the correct format, like name@example.com', href: '#email' },
    ]);
    assert.equal($('#name').attr('value'), 'Nia New');
    assert.equal($('#email').attr('value'), 'nia at flows');
    assert.equal($('input[name="role"][value="comms"]').attr('checked'), 'checked');
    assert.equal($('#password').attr('value'), undefined);

    const duplicate = await admin.submit('/staff/users/new', {
      name: 'Another Agent',
      email: 'AGENT@flows.test',
      role: 'agent',
      password: 'a good long password',
    });
    assert.equal(duplicate.statusCode, 400);
    $ = load(duplicate.body);
    assert.deepEqual(summary($), [{ text: 'A user with this email address already exists', href: '#email' }]);
    assert.equal($('#email').attr('value'), 'AGENT@flows.test');

    const ok = await admin.submit('/staff/users/new', {
      name: 'Nia New',
      email: 'Nia@Flows.test',
      role: 'comms',
      password: 'a good long password',
    });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/staff/users?done=user-created');
    $ = load((await admin.get(ok.headers.location)).body);
    assert.equal(
      $('.govuk-notification-banner--success .govuk-notification-banner__heading').text().trim(),
      'The user has been created',
    );
    const row = $('tr').filter((_i, el) => $(el).text().includes('nia@flows.test'));
    assert.equal(row.length, 1);
    assert.equal(row.find('select option[selected]').text().trim(), 'Communications officer');
    assert.equal(
      (await new Browser(ctx.app, host).signIn('nia@flows.test', 'a good long password')).statusCode,
      303,
    );
  });

  it('gives other roles 403 on the users pages and API', async () => {
    const agent = await signedIn('agent@flows.test');
    for (const url of ['/staff/users', '/staff/users/new', '/staff/audit']) {
      const res = await agent.get(url);
      assert.equal(res.statusCode, 403, url);
      assert.equal(load(res.body)('h1').text().trim(), 'You do not have permission to view this page', url);
    }
    const post = await agent.submit(
      '/staff/account',
      { name: 'Sneaky', email: 'sneaky@flows.test', role: 'admin', password: 'a good long password' },
      '/staff/users/new',
    );
    assert.equal(post.statusCode, 403);
    const role = await agent.submit(
      '/staff/account',
      { action: 'role', role: 'agent' },
      `/staff/users/${adminId}`,
    );
    assert.equal(role.statusCode, 403);
    const users = await ctx.services.db.system
      .selectFrom('users')
      .select(['email', 'role'])
      .where('email', 'in', ['sneaky@flows.test', 'admin@flows.test'])
      .execute();
    assert.deepEqual(users, [{ email: 'admin@flows.test', role: 'admin' }]);
    // The dashboard offers the agent no link to pages it cannot use.
    const dashboard = load((await agent.get('/staff')).body);
    const nav = dashboard('.govuk-service-navigation__list .govuk-service-navigation__link')
      .toArray()
      .map((a) => dashboard(a).text().trim());
    assert.deepEqual(nav, ['Dashboard', 'Inbox', 'Cases', 'Your account']);
  });

  it('creates an API token shown once, stores only its SHA-256, and refuses it once revoked', async () => {
    const browser = await signedIn('agent@flows.test');
    const blank = await browser.submit('/staff/account/tokens', { name: '  ' });
    assert.equal(blank.statusCode, 400);
    assert.deepEqual(summary(load(blank.body)), [{ text: 'Enter a name for the token', href: '#name' }]);

    const created = await browser.submit('/staff/account/tokens', { name: 'Website import' });
    assert.equal(created.statusCode, 200);
    const token = load(created.body)('#new-token').text().trim();
    assert.match(token, /^ts_[A-Za-z0-9_-]{43}$/);
    const later = await browser.get('/staff/account/tokens');
    assert.ok(!later.body.includes(token), 'the token is not shown again');
    const $ = load(later.body);
    const row = $('tbody tr').first();
    assert.equal(row.find('td').eq(0).text().trim(), 'Website import');
    assert.equal(row.find('td').eq(1).text().trim(), token.slice(0, 10));

    const stored = await ctx.services.db.system
      .selectFrom('api_tokens')
      .selectAll()
      .where('name', '=', 'Website import')
      .executeTakeFirstOrThrow();
    assert.equal(stored.token_hash, createHash('sha256').update(token).digest('hex'));
    assert.ok(
      !Object.values(stored).some((v) => typeof v === 'string' && v.includes(token.slice(10))),
      'no column holds the secret',
    );

    const me = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { host, authorization: `Bearer ${token}` },
    });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json<{ email: string }>().email, 'agent@flows.test');
    const forbidden = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/users',
      headers: { host, authorization: `Bearer ${token}` },
    });
    assert.equal(forbidden.statusCode, 403);
    assert.match(String(forbidden.headers['content-type']), /^application\/problem\+json/);

    const revokeAction = row.find('form').attr('action');
    assert.equal(revokeAction, `/staff/account/tokens/${stored.id}/revoke`);
    const revoked = await browser.submit('/staff/account/tokens', {}, revokeAction);
    assert.equal(revoked.statusCode, 303);
    assert.equal(revoked.headers.location, '/staff/account/tokens?done=revoked');
    const after = load((await browser.get(revoked.headers.location)).body);
    assert.equal(after('tbody tr').first().find('td').eq(4).text().trim(), 'Revoked');
    assert.equal(after('.govuk-notification-banner__heading').text().trim(), 'The token has been revoked');

    const refused = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { host, authorization: `Bearer ${token}` },
    });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.headers['www-authenticate'], 'Bearer');
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    assert.deepEqual(refused.json(), {
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'Send a personal API token as Authorization: Bearer <token>.',
    });
    const twice = await browser.submit('/staff/account/tokens', {}, revokeAction);
    assert.equal(twice.statusCode, 404, 'a revoked token cannot be revoked again');
  });

  it('stores passwords as Argon2id and sessions as SHA-256 of the cookie', async () => {
    const users = await ctx.services.db.system
      .selectFrom('users')
      .select(['email', 'password_hash'])
      .execute();
    for (const u of users) assert.match(u.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, u.email);
    const browser = await signedIn('admin@flows.test');
    const cookie = browser.cookieHeader().match(/ts_session=([^;]+)/)?.[1];
    assert.ok(cookie);
    const row = await ctx.services.db.system
      .selectFrom('sessions')
      .select('id')
      .where('id', '=', digest(cookie))
      .executeTakeFirst();
    assert.ok(row, 'the session is stored under the hash of its cookie');
    const plain = await ctx.services.db.system
      .selectFrom('sessions')
      .select('id')
      .where('id', '=', cookie)
      .executeTakeFirst();
    assert.equal(plain, undefined);
  });

  it('lists staff actions in the audit log with before and after, and filters them', async () => {
    const admin = await signedIn('admin@flows.test');
    const agent = await ctx.services.db.system
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'agent@flows.test')
      .executeTakeFirstOrThrow();
    const change = await admin.submit(
      '/staff/users',
      { action: 'role', role: 'moderator' },
      `/staff/users/${agent.id}`,
    );
    assert.equal(change.statusCode, 303);

    const page = await admin.get('/staff/audit');
    assert.equal(page.statusCode, 200);
    let $ = load(page.body);
    const rows = $('tbody tr')
      .toArray()
      .map((tr) => ({
        who: $(tr).find('td').eq(1).text().trim(),
        what: $(tr).find('td').eq(2).find('.ts-mono').text().trim(),
        before: $(tr).find('td').eq(3).text().trim(),
        after: $(tr).find('td').eq(4).text().trim(),
      }));
    const actions = new Set(rows.map((r) => r.what));
    for (const a of [
      'session.sign_in',
      'session.sign_out',
      'user.created',
      'user.locked',
      'user.password_changed',
      'user.role_changed',
      'api_token.created',
      'api_token.revoked',
    ])
      assert.ok(actions.has(a), `the log lists ${a}`);
    const roleChange = rows.find((r) => r.what === 'user.role_changed');
    assert.deepEqual(
      roleChange && {
        ...roleChange,
        before: JSON.parse(roleChange.before),
        after: JSON.parse(roleChange.after),
      },
      {
        who: 'admin@flows.test',
        what: 'user.role_changed',
        before: { role: 'agent' },
        after: { role: 'moderator' },
      },
    );
    const created = rows.find((r) => r.what === 'user.created' && r.after.includes('nia@flows.test'));
    assert.ok(created, 'user.created shows the new user');
    assert.equal(created.who, 'admin@flows.test');
    assert.ok(!page.body.includes('$argon2'), 'no password hash in the log');

    $ = load((await admin.get('/staff/audit?action=api_token.created')).body);
    const filtered = $('tbody tr .ts-mono')
      .toArray()
      .map((el) => $(el).text().trim());
    assert.ok(filtered.length > 0);
    assert.ok(filtered.every((a) => a === 'api_token.created'));
    assert.equal($('#action option[selected]').attr('value'), 'api_token.created');

    $ = load((await admin.get('/staff/audit?actor=changer')).body);
    const who = new Set(
      $('tbody tr')
        .toArray()
        .map((tr) => $(tr).find('td').eq(1).text().trim()),
    );
    assert.deepEqual(who, new Set(['changer@flows.test']));
    assert.equal($('#actor').attr('value'), 'changer');

    $ = load((await admin.get('/staff/audit?action=no.such.action')).body);
    assert.equal($('tbody tr').text().trim(), 'No changes match.');
  });

  it('keeps audit_events append-only for every role, and hides them from other councils', async () => {
    const system = ctx.services.db.system;
    await assert.rejects(sql`UPDATE audit_events SET action = 'forged'`.execute(system), /append-only/);
    await assert.rejects(sql`DELETE FROM audit_events`.execute(system), /append-only/);
    const { rows } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM audit_events WHERE action = 'forged'`.execute(system);
    assert.equal(rows[0]!.n, 0);
    const appUpdate = ctx.services.db.app.transaction().execute(async (tx) => {
      await sql`SELECT set_config('app.council_id', ${councilId}, true)`.execute(tx);
      await sql`UPDATE audit_events SET action = 'forged'`.execute(tx);
    });
    await assert.rejects(appUpdate, /permission denied for table audit_events/);
    const appDelete = ctx.services.db.app.transaction().execute(async (tx) => {
      await sql`SELECT set_config('app.council_id', ${councilId}, true)`.execute(tx);
      await sql`DELETE FROM audit_events`.execute(tx);
    });
    await assert.rejects(appDelete, /permission denied for table audit_events/);
  });
});
