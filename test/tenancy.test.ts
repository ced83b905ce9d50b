/**
 * One council's staff can neither read nor change another council's data, through any route
 * the app has, and PostgreSQL's row-level security holds even for a query that forgets the
 * council.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'cheerio';
import type { LightMyRequestResponse } from 'fastify';
import { sql, withCouncil } from '../src/db/index.ts';
import type { Actor, StaffUser } from '../src/modules/accounts/index.ts';
import type { Services } from '../src/container.ts';
import { Browser, startTestApp, testPassword, type TestContext } from './support/app.ts';
import { listRoutes, type RegisteredRoute } from './support/routes.ts';

type Tenant = {
  councilId: string;
  slug: string;
  host: string;
  admin: StaffUser;
  agent: StaffUser;
  tokenId: string;
  token: string;
  channelAccountId: string;
  conversationId: string;
  caseId: string;
  messageId: string;
  teamId: string;
  savedReplyId: string;
  /** Publishing: a post of B's with a variant, and an image in B's media library. */
  publishing: { postId: string; variantId: string; mediaId: string; importId: string };
  /** Meetings: a meeting of B's with a question and a poll. */
  meetings: { meetingId: string; questionId: string; pollId: string };
};

async function createTenant(services: Services, letter: 'a' | 'b'): Promise<Tenant> {
  const upper = letter.toUpperCase();
  const council = await services.councils.create({
    slug: `council-${letter}`,
    name: `Borough ${upper} Council`,
    hostnames: [`${letter}.test`],
  });
  const system: Actor = { councilId: council.id, userId: null, label: 'test' };
  const admin = await services.accounts.createUser(system, {
    email: `admin@${letter}.test`,
    name: `Admin ${upper}${upper}${upper}`,
    role: 'admin',
    password: testPassword,
  });
  const agent = await services.accounts.createUser(system, {
    email: `agent@${letter}.test`,
    name: `Agent ${upper}${upper}${upper}`,
    role: 'agent',
    password: testPassword,
  });
  const asAdmin: Actor = { councilId: council.id, userId: admin.id, label: admin.email };
  const { id: tokenId, token } = await services.accounts.createApiToken(
    asAdmin,
    `Token of council ${upper}${upper}${upper}`,
  );
  // Written directly: connecting through the service would call the network's API.
  const channel = await services.db.system
    .insertInto('channel_accounts')
    .values({
      council_id: council.id,
      kind: 'bluesky',
      name: `Channel of council ${upper}${upper}${upper}`,
      handle: `${letter}${letter}${letter}.bsky.test`,
      credentials: 'sealed',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // A resident's conversation and the case made from it, also written directly.
  const contact = await services.db.system
    .insertInto('contacts')
    .values({ council_id: council.id, display_name: `Resident of council ${upper}${upper}${upper}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  const conversation = await services.db.system
    .insertInto('conversations')
    .values({
      council_id: council.id,
      channel_kind: 'web',
      thread_key: `thread-${letter}`,
      contact_id: contact.id,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const theCase = await services.db.system
    .insertInto('cases')
    .values({
      council_id: council.id,
      reference: 'TS-2026-000001',
      conversation_id: conversation.id,
      area: 'waste',
      category: 'fly_tipping',
      summary: `Case of council ${upper}${upper}${upper}`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await services.db.system
    .insertInto('case_reporters')
    .values({ council_id: council.id, case_id: theCase.id, conversation_id: conversation.id })
    .execute();
  // The inbox console's own ids: a reply awaiting approval, a team, a saved reply.
  const message = await services.db.system
    .insertInto('messages')
    .values({
      council_id: council.id,
      conversation_id: conversation.id,
      direction: 'out',
      body: `Reply of council ${upper}${upper}${upper}`,
      delivery_status: 'awaiting_approval',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const team = await services.db.system
    .insertInto('teams')
    .values({
      council_id: council.id,
      slug: `team-${letter}`,
      name: `Team of council ${upper}${upper}${upper}`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const savedReply = await services.db.system
    .insertInto('saved_replies')
    .values({ council_id: council.id, title: `Saved of council ${upper}${upper}${upper}`, body: 'Hello' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const publishing = await createPublishingRows(services, council.id, admin.id, channel.id);
  const meetings = await createMeetingRows(services, council.id, `${upper}${upper}${upper}`);
  return {
    publishing,
    meetings,
    councilId: council.id,
    slug: council.slug,
    host: `${letter}.test`,
    admin,
    agent,
    tokenId,
    token,
    channelAccountId: channel.id,
    conversationId: conversation.id,
    caseId: theCase.id,
    messageId: String(message.id),
    teamId: team.id,
    savedReplyId: savedReply.id,
  };
}

/** A post of the council's, written directly, with a variant and an image. */
async function createPublishingRows(
  services: Services,
  councilId: string,
  userId: string,
  accountId: string,
) {
  const db = services.db.system;
  const post = await db
    .insertInto('posts')
    .values({ council_id: councilId, title: 'Post of council BBB', body: 'Body BBB', created_by: userId })
    .returning('id')
    .executeTakeFirstOrThrow();
  const variant = await db
    .insertInto('post_variants')
    .values({
      council_id: councilId,
      post_id: post.id,
      channel_account_id: accountId,
      text: 'Variant BBB',
      status: 'failed',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const media = await db
    .insertInto('media_items')
    .values({
      council_id: councilId,
      filename: 'bbb.png',
      mime_type: 'image/png',
      data: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      alt_text: 'Alt BBB',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // An import of a roadworks list that drafted that post.
  const imported = await db
    .insertInto('publishing_imports')
    .values({
      council_id: councilId,
      kind: 'roadworks',
      filename: 'bbb.csv',
      row_count: 1,
      created_by: userId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('publishing_import_items')
    .values({
      council_id: councilId,
      kind: 'roadworks',
      reference: 'BBB-WORKS-1',
      post_id: post.id,
      row_hash: 'bbb',
      first_import_id: imported.id,
      last_import_id: imported.id,
      last_outcome: 'drafted',
    })
    .execute();
  return { postId: post.id, variantId: variant.id, mediaId: media.id, importId: imported.id };
}

/** Text that appears only in council B's data: none of it may reach council A's staff. */
function markersOf(b: Tenant): string[] {
  return [
    'Borough B Council',
    'admin@b.test',
    'agent@b.test',
    'Admin BBB',
    'Agent BBB',
    'Token of council BBB',
    'Meeting of council BBB',
    'Question of council BBB',
    'Poll of council BBB',
    b.token.slice(0, 10),
    'Channel of council BBB',
    'bbb.bsky.test',
    'Resident of council BBB',
    'Case of council BBB',
    'Reply of council BBB',
    'Team of council BBB',
    'Saved of council BBB',
    'BBB-WORKS-1',
  ];
}

/**
 * Every row council B owns, in every table with a council_id (so tables added later are covered
 * too), as the system sees them: compared before and after the attacks.
 */
async function snapshot(ctx: TestContext, councilId: string): Promise<Record<string, unknown[]>> {
  const db = ctx.services.db.system;
  const tables = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.columns
    WHERE table_schema = 'public' AND column_name = 'council_id' ORDER BY table_name`.execute(db);
  // Touched by B's own use (its token checked, its session seen), not by anything A does.
  const volatile = new Set(['last_used_at', 'last_seen_at']);
  const result: Record<string, unknown[]> = {};
  for (const { table_name: table } of tables.rows) {
    const rows = await sql<
      Record<string, unknown>
    >`SELECT * FROM ${sql.table(table)} WHERE council_id = ${councilId} ORDER BY 1`.execute(db);
    result[table] = rows.rows.map((r) =>
      Object.fromEntries(Object.entries(r).filter(([k]) => !volatile.has(k))),
    );
  }
  return result;
}

/** A meeting of the council's with an approved question and an open poll, written directly. */
async function createMeetingRows(services: Services, councilId: string, marker: string) {
  const db = services.db.system;
  const meeting = await db
    .insertInto('meetings')
    .values({
      council_id: councilId,
      title: `Meeting of council ${marker}`,
      starts_at: new Date(Date.now() + 864e6),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const question = await db
    .insertInto('meeting_questions')
    .values({
      council_id: councilId,
      meeting_id: meeting.id,
      asker_name: `Asker ${marker}`,
      asker_key: `email:asker@${marker}.test`,
      original_text: `Question of council ${marker}`,
      text: `Question of council ${marker}`,
      status: 'approved',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const poll = await db
    .insertInto('meeting_polls')
    .values({
      council_id: councilId,
      meeting_id: meeting.id,
      question: `Poll of council ${marker}`,
      choices: '["Yes","No"]',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { meetingId: meeting.id, questionId: question.id, pollId: poll.id };
}

/** Path parameters filled with council B's ids. A new route with a new parameter must be added here. */
function fillWithIdsOf(b: Tenant, url: string): string {
  const ids: Record<string, string> = {
    userId: b.admin.id,
    tokenId: b.tokenId,
    accountId: b.channelAccountId,
    ...b.publishing,
    ...b.meetings,
    conversationId: b.conversationId,
    caseId: b.caseId,
    messageId: b.messageId,
    teamId: b.teamId,
    savedReplyId: b.savedReplyId,
  };
  return url.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const id = ids[name];
    if (!id)
      assert.fail(`tenancy.test.ts has no council B id for route parameter :${name} (${url}); add one`);
    return id;
  });
}

/** A form body that would do something on every staff form there is. */
function formFields(csrf: string): Record<string, string> {
  return {
    _csrf: csrf,
    action: 'disable',
    role: 'agent',
    name: 'Intruder',
    email: 'intruder@a.test',
    password: 'a long enough password 123',
    // Wrong on purpose: the right one would change A's own password and end A's sessions.
    currentPassword: 'not the current password',
    newPassword: 'another long password 456',
    confirmPassword: 'another long password 456',
  };
}

const isGuarded = (r: RegisteredRoute) =>
  r.method !== 'HEAD' &&
  ((r.url.startsWith('/staff') && r.url !== '/staff/sign-in') ||
    (r.url.startsWith('/api/') &&
      // Public by design: the OpenAPI document and the residents' contact API.
      !['/api/v1/openapi.json', '/api/v1/messages'].includes(r.url)));

describe('tenancy: one council cannot reach another', () => {
  let ctx: TestContext;
  let a: Tenant;
  let b: Tenant;
  let routes: RegisteredRoute[];
  let bBefore: Record<string, unknown[]>;

  before(async () => {
    ctx = await startTestApp();
    a = await createTenant(ctx.services, 'a');
    b = await createTenant(ctx.services, 'b');
    // B's admin is signed in somewhere: a live session that A must not be able to end.
    const bBrowser = new Browser(ctx.app, b.host);
    assert.equal((await bBrowser.signIn(b.admin.email)).statusCode, 303);
    routes = listRoutes(ctx.app).filter(isGuarded);
    bBefore = await snapshot(ctx, b.councilId);
  });
  after(async () => ctx.close());

  async function signedInAsAdminOfA(): Promise<{ browser: Browser; csrf: string }> {
    const browser = new Browser(ctx.app, a.host);
    assert.equal((await browser.signIn(a.admin.email)).statusCode, 303);
    const page = await browser.get('/staff/account');
    const csrf = load(page.body)('input[name="_csrf"]').first().attr('value');
    assert.ok(csrf, 'the account page has a CSRF token');
    return { browser, csrf };
  }

  function assertNoDataOf(res: LightMyRequestResponse, what: string): void {
    for (const marker of markersOf(b)) assert.ok(!res.body.includes(marker), `${what} leaked "${marker}"`);
  }

  it('finds the staff and API routes to attack', () => {
    const urls = new Set(routes.map((r) => `${r.method} ${r.url}`));
    for (const expected of [
      'GET /staff',
      'GET /staff/users',
      'POST /staff/users/:userId',
      'POST /staff/account/tokens/:tokenId/revoke',
      'GET /staff/audit',
      'GET /api/v1/me',
      'GET /api/v1/users',
      'GET /api/v1/audit-events',
    ]) {
      assert.ok(urls.has(expected), `route list includes ${expected}`);
    }
  });

  it("A's admin, on A's host, gets 404 or A's own data for every route filled with B's ids", async () => {
    for (const route of routes) {
      const url = fillWithIdsOf(b, route.url);
      const what = `${route.method} ${url}`;
      // A stream that never ends, of A's own events: inbox-console.test.ts shows it is council-scoped.
      if (route.url === '/staff/inbox/events') continue;
      let res: LightMyRequestResponse;
      if (url.startsWith('/api/')) {
        res = await ctx.app.inject({
          method: route.method as 'GET',
          url,
          headers: { host: a.host, authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
          ...(route.method === 'GET' ? {} : { payload: '{}' }),
        });
      } else {
        // A fresh session each time: one of these routes is sign-out.
        const { browser, csrf } = await signedInAsAdminOfA();
        res = route.method === 'GET' ? await browser.get(url) : await browser.post(url, formFields(csrf));
      }
      assertNoDataOf(res, what);
      if (route.url.includes(':')) assert.equal(res.statusCode, 404, `${what} answers 404`);
      else assert.ok([200, 303, 400].includes(res.statusCode), `${what} answered ${res.statusCode}`);
    }
  });

  it("A's session cookie on B's host, or under /c/council-b, is not signed in", async () => {
    const { browser, csrf } = await signedInAsAdminOfA();
    const cookie = browser.cookieHeader();
    for (const [host, base] of [
      [b.host, ''],
      [a.host, `/c/${b.slug}`],
    ] as const) {
      for (const route of routes.filter((r) => r.url.startsWith('/staff'))) {
        const url = `${base}${fillWithIdsOf(b, route.url)}`;
        const what = `${route.method} ${host}${url}`;
        const res = await ctx.app.inject({
          method: route.method as 'GET',
          url,
          remoteAddress: browser.remoteAddress,
          headers: {
            host,
            cookie,
            ...(route.method === 'GET' ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
          },
          ...(route.method === 'GET' ? {} : { payload: new URLSearchParams(formFields(csrf)).toString() }),
        });
        assert.equal(res.statusCode, 303, `${what} redirects`);
        assert.match(String(res.headers.location), new RegExp(`^${base}/staff/sign-in\\?returnTo=`), what);
        assertNoDataOf(res, what);
      }
      // The sign-in page itself shows the form, not "already signed in".
      const signIn = await ctx.app.inject({
        method: 'GET',
        url: `${base}/staff/sign-in`,
        headers: { host, cookie },
      });
      assert.equal(signIn.statusCode, 200);
      assert.equal(load(signIn.body)('input[name="password"]').length, 1);
    }
    // A's session is untouched by all that: it still works on A.
    assert.equal((await browser.get('/staff')).statusCode, 200);
  });

  it("A's API token on B's host, or under /c/council-b, gets 401 problem+json", async () => {
    for (const [host, base] of [
      [b.host, ''],
      [a.host, `/c/${b.slug}`],
    ] as const) {
      for (const route of routes.filter((r) => r.url.startsWith('/api/'))) {
        const url = `${base}${fillWithIdsOf(b, route.url)}`;
        const what = `${route.method} ${host}${url}`;
        const res = await ctx.app.inject({
          method: route.method as 'GET',
          url,
          headers: { host, authorization: `Bearer ${a.token}` },
        });
        assert.equal(res.statusCode, 401, what);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/, what);
        assert.equal(res.headers['www-authenticate'], 'Bearer', what);
        assertNoDataOf(res, what);
      }
    }
    // And the same token on its own council works, so the 401s above are about the council.
    const me = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { host: a.host, authorization: `Bearer ${a.token}` },
    });
    assert.equal(me.statusCode, 200);
    assert.deepEqual(me.json(), {
      id: a.admin.id,
      email: 'admin@a.test',
      name: 'Admin AAA',
      role: 'admin',
      council: 'council-a',
    });
  });

  it("leaves every one of B's rows as it was", async () => {
    assert.deepEqual(await snapshot(ctx, b.councilId), bBefore);
    const res = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { host: b.host, authorization: `Bearer ${b.token}` },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json<{ email: string }>().email, 'admin@b.test');
  });

  describe('row-level security in SQL', () => {
    const tables = ['users', 'sessions', 'api_tokens', 'audit_events'] as const;

    it('the app role with no council set sees no rows at all, in any council-owned table', async () => {
      for (const table of tables) {
        const all = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table)}`.execute(
          ctx.services.db.system,
        );
        assert.notEqual(all.rows[0]?.n, '0', `${table} does have rows`);
      }
      const owned = Object.keys(bBefore);
      assert.ok(tables.every((t) => owned.includes(t)));
      for (const table of owned) {
        const { rows } = await sql<{
          n: string;
        }>`SELECT count(*)::text AS n FROM ${sql.table(table)}`.execute(ctx.services.db.app);
        assert.equal(rows[0]?.n, '0', table);
      }
    });

    it("the app role set to A sees exactly A's rows, and the setting ends with the transaction", async () => {
      for (const table of tables) {
        const seen = await withCouncil(ctx.services.db.app, a.councilId, (tx) =>
          sql<{ council_id: string }>`SELECT council_id FROM ${sql.table(table)}`.execute(tx),
        );
        const expected = await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE council_id = ${a.councilId}`.execute(
          ctx.services.db.system,
        );
        assert.ok(seen.rows.length > 0, `${table}: A has rows`);
        assert.equal(seen.rows.length, expected.rows[0]?.n, `${table}: all of A's rows`);
        assert.ok(
          seen.rows.every((r) => r.council_id === a.councilId),
          `${table}: only A's rows`,
        );
      }
      // Every pooled connection, one after another, has forgotten the council again.
      const checks = await Promise.all(
        Array.from({ length: 10 }, () =>
          sql<{ c: string | null }>`SELECT current_council_id()::text AS c`.execute(ctx.services.db.app),
        ),
      );
      assert.ok(checks.every((r) => r.rows[0]?.c === null));
    });

    it('refuses to insert a row for B, or move a row to B, while set to A', async () => {
      const insertUser = withCouncil(ctx.services.db.app, a.councilId, (tx) =>
        tx
          .insertInto('users')
          .values({
            council_id: b.councilId,
            email: 'planted@b.test',
            name: 'Planted',
            role: 'admin',
            password_hash: 'x',
          })
          .execute(),
      );
      await assert.rejects(insertUser, /row-level security/);
      const insertAudit = withCouncil(ctx.services.db.app, a.councilId, (tx) =>
        tx
          .insertInto('audit_events')
          .values({
            council_id: b.councilId,
            actor_label: 'forger',
            action: 'user.created',
            entity_type: 'user',
          })
          .execute(),
      );
      await assert.rejects(insertAudit, /row-level security/);
      const insertToken = withCouncil(ctx.services.db.app, a.councilId, (tx) =>
        tx
          .insertInto('api_tokens')
          .values({
            council_id: b.councilId,
            user_id: b.admin.id,
            name: 'planted',
            token_hash: 'planted',
            prefix: 'ts_planted',
          })
          .execute(),
      );
      await assert.rejects(insertToken, /row-level security/);
      const moveUser = withCouncil(ctx.services.db.app, a.councilId, (tx) =>
        tx.updateTable('users').set({ council_id: b.councilId }).where('id', '=', a.agent.id).execute(),
      );
      await assert.rejects(moveUser, /row-level security/);
      // B's rows cannot be touched while set to A: the update finds nothing.
      const touched = await withCouncil(ctx.services.db.app, a.councilId, (tx) =>
        tx.updateTable('users').set({ role: 'agent' }).where('id', '=', b.admin.id).executeTakeFirst(),
      );
      assert.equal(touched.numUpdatedRows, 0n);
      const deleted = await withCouncil(ctx.services.db.app, a.councilId, (tx) =>
        tx.deleteFrom('sessions').where('council_id', '=', b.councilId).executeTakeFirst(),
      );
      assert.equal(deleted.numDeletedRows, 0n);
      // Without a council nothing can be inserted either.
      await assert.rejects(
        ctx.services.db.app
          .insertInto('users')
          .values({
            council_id: a.councilId,
            email: 'nocouncil@a.test',
            name: 'No council',
            role: 'agent',
            password_hash: 'x',
          })
          .execute(),
        /row-level security/,
      );
      assert.deepEqual(await snapshot(ctx, b.councilId), bBefore);
    });
  });
});
