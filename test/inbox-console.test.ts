/**
 * The agent's console, through the pages as a browser uses them: queues, filters and search,
 * the conversation page (escaped resident text, history, corrections), claim, assign, status,
 * notes with @mentions, tags, bulk actions, saved replies, replies sent through the Mastodon
 * contract server with every failure kind, reply approval, and the live event stream's bytes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { load } from 'cheerio';
import { withCouncil } from '../src/db/index.ts';
import type { StaffUser } from '../src/modules/accounts/index.ts';
import { announce, type ReplyJobData } from '../src/modules/inbox/index.ts';
import { Browser, createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';
import { startMastodonServer, type MastodonServer } from './peers/mastodon/server.ts';

type Seed = {
  channel?: string;
  accountId?: string | null;
  teamId?: string | null;
  urgency?: string;
  status?: string;
  subject?: string;
  name?: string;
  body: string;
  externalId?: string;
  isPrivate?: boolean;
  contactId?: string;
  handle?: string;
  email?: string;
  firstResponseDueAt?: Date;
};

describe('inbox console', () => {
  let ctx: TestContext;
  let mastodon: MastodonServer;
  let councilId: string;
  let admin: StaffUser;
  let agent: StaffUser;
  let agent2: StaffUser;
  let roads: string;
  let waste: string;
  let mastodonAccountId: string;
  const queued: { data: ReplyJobData; startAfterSeconds?: number }[] = [];
  let seq = 0;

  const db = () => ctx.services.db.system;

  async function seed(s: Seed): Promise<{ conversationId: string; contactId: string; messageId: string }> {
    seq++;
    const contactId =
      s.contactId ??
      (
        await db()
          .insertInto('contacts')
          .values({
            council_id: councilId,
            display_name: s.name ?? `Resident ${seq}`,
            email: s.email ?? null,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    if (!s.contactId)
      await db()
        .insertInto('contact_identities')
        .values({
          council_id: councilId,
          contact_id: contactId,
          channel_kind: s.channel ?? 'mastodon',
          external_id: `ext-${seq}`,
          handle: s.handle ?? `resident${seq}@social.example`,
        })
        .execute();
    const c = await db()
      .insertInto('conversations')
      .values({
        council_id: councilId,
        channel_kind: s.channel ?? 'mastodon',
        channel_account_id: s.accountId === undefined ? mastodonAccountId : s.accountId,
        thread_key: `thread-${seq}`,
        contact_id: contactId,
        team_id: s.teamId === undefined ? roads : s.teamId,
        status: s.status ?? 'new',
        urgency: s.urgency ?? 'routine',
        subject: s.subject ?? `Subject ${seq}`,
        is_private: s.isPrivate ?? false,
        message_count: 1,
        last_message_at: new Date(Date.now() - (1000 - seq) * 1000),
        first_response_due_at: s.firstResponseDueAt ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const m = await db()
      .insertInto('messages')
      .values({
        council_id: councilId,
        conversation_id: c.id,
        direction: 'in',
        body: s.body,
        external_id: s.externalId ?? null,
        is_private: s.isPrivate ?? false,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { conversationId: c.id, contactId, messageId: String(m.id) };
  }

  async function auditActions(entityId: string): Promise<string[]> {
    const rows = await db()
      .selectFrom('audit_events')
      .select('action')
      .where('entity_id', '=', entityId)
      .orderBy('id')
      .execute();
    return rows.map((r) => r.action);
  }

  async function messageRow(id: string) {
    return db()
      .selectFrom('messages')
      .select(['delivery_status', 'delivery_error', 'external_id', 'is_private'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  async function lastOutbound(conversationId: string): Promise<string> {
    const row = await db()
      .selectFrom('messages')
      .select('id')
      .where('conversation_id', '=', conversationId)
      .where('direction', '=', 'out')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    return String(row.id);
  }

  const signedIn = async (email: string) => {
    const b = new Browser(ctx.app, 'inbox.test');
    assert.equal((await b.signIn(email)).statusCode, 303);
    return b;
  };
  const texts = (html: string, selector: string) =>
    load(html)(selector)
      .map((_i, el) => load(el).text().replace(/\s+/g, ' ').trim())
      .get();

  before(async () => {
    [ctx, mastodon] = await Promise.all([startTestApp(), startMastodonServer()]);
    ctx.services.replies.useQueue(async (data, opts) => {
      queued.push({ data, startAfterSeconds: opts?.startAfterSeconds });
    });
    const council = await createCouncilWithStaff(ctx.services, 'inbox', [
      { email: 'admin@inbox.test', role: 'admin', name: 'Ada Admin' },
      { email: 'sam@inbox.test', role: 'agent', name: 'Sam Agent' },
      { email: 'kim@inbox.test', role: 'agent', name: 'Kim Agent' },
    ]);
    councilId = council.councilId;
    [admin, agent, agent2] = council.users as [StaffUser, StaffUser, StaffUser];
    const teams = await db()
      .insertInto('teams')
      .values([
        { council_id: councilId, slug: 'roads', name: 'Roads' },
        { council_id: councilId, slug: 'waste', name: 'Waste' },
      ])
      .returning(['id', 'slug'])
      .execute();
    roads = teams.find((t) => t.slug === 'roads')!.id;
    waste = teams.find((t) => t.slug === 'waste')!.id;
    const account = await ctx.services.channelAccounts.connect(
      { councilId, userId: admin.id, label: admin.email },
      {
        kind: 'mastodon',
        name: 'Council Mastodon',
        settings: { baseUrl: mastodon.baseUrl },
        credentials: { accessToken: mastodon.token },
      },
    );
    mastodonAccountId = account.id;
  });
  after(async () => Promise.all([ctx?.close(), mastodon?.close()]));

  it('filters queues by team, urgency, channel and SLA state, and searches messages', async () => {
    const pothole = await seed({ body: 'Huge pothole on Mill Lane near the school', urgency: 'high' });
    const bins = await seed({ body: 'My bins were not collected on Tuesday', teamId: waste });
    const flood = await seed({
      body: 'Water coming into the house from the road drain',
      urgency: 'emergency',
      channel: 'email',
      accountId: null,
      firstResponseDueAt: new Date(Date.now() - 60_000),
    });
    const b = await signedIn(agent.email);

    const high = await b.get(`/staff/inbox?teamId=${roads}&urgency=high`);
    assert.equal(high.statusCode, 200);
    const hrefs = (html: string) =>
      load(html)('#conversation-list tbody a.govuk-link')
        .map((_i, el) => String(load(html)(el).attr('href')))
        .get();
    assert.deepEqual(hrefs(high.body), [`/staff/inbox/conversations/${pothole.conversationId}`]);
    assert.deepEqual(hrefs((await b.get(`/staff/inbox?teamId=${waste}`)).body), [
      `/staff/inbox/conversations/${bins.conversationId}`,
    ]);
    assert.deepEqual(hrefs((await b.get('/staff/inbox?channel=email')).body), [
      `/staff/inbox/conversations/${flood.conversationId}`,
    ]);
    assert.deepEqual(hrefs((await b.get('/staff/inbox?sla=breached')).body), [
      `/staff/inbox/conversations/${flood.conversationId}`,
    ]);
    // Full-text search: stemming (collected -> collect), a phrase, and a word left out.
    assert.deepEqual(hrefs((await b.get('/staff/inbox?q=collect')).body), [
      `/staff/inbox/conversations/${bins.conversationId}`,
    ]);
    assert.deepEqual(hrefs((await b.get('/staff/inbox?q=%22mill+lane%22')).body), [
      `/staff/inbox/conversations/${pothole.conversationId}`,
    ]);
    assert.deepEqual(hrefs((await b.get('/staff/inbox?q=road+-drain')).body), []);
    // Counts per queue.
    const all = await b.get('/staff/inbox');
    const queues = texts(all.body, 'nav[aria-labelledby="queues-heading"] li');
    assert.ok(queues.includes('Waste (1)'), queues.join(' | '));
    assert.ok(queues.some((q) => /^Roads \(\d+\)$/.test(q)));
  });

  it('filters queues by service, category, sentiment, ward, status and assignee', async () => {
    const angry = await seed({ body: 'The verge on Church Road has not been cut all summer' });
    const pleased = await seed({ body: 'Thank you for the new bench in the park' });
    const set = (id: string, values: Record<string, string | null>) =>
      db().updateTable('conversations').set(values).where('id', '=', id).execute();
    await set(angry.conversationId, {
      area: 'parks_test',
      category: 'grass_cutting',
      sentiment: 'negative',
      ward_code: 'E05004290',
      assignee_id: agent2.id,
      status: 'open',
    });
    await set(pleased.conversationId, {
      area: 'parks_test',
      category: 'compliment',
      sentiment: 'positive',
      ward_code: 'E05004299',
      status: 'waiting',
    });
    const b = await signedIn(agent.email);
    const hrefs = async (query: string) => {
      const html = (await b.get(`/staff/inbox?area=parks_test&${query}`)).body;
      return load(html)('#conversation-list tbody a.govuk-link')
        .map((_i, el) => String(load(html)(el).attr('href')).split('/').at(-1))
        .get();
    };
    assert.deepEqual((await hrefs('')).sort(), [angry.conversationId, pleased.conversationId].sort());
    assert.deepEqual(await hrefs('category=grass_cutting'), [angry.conversationId]);
    assert.deepEqual(await hrefs('sentiment=positive'), [pleased.conversationId]);
    assert.deepEqual(await hrefs('ward=E05004290'), [angry.conversationId]);
    assert.deepEqual(await hrefs('status=waiting'), [pleased.conversationId]);
    assert.deepEqual(await hrefs(`assignee=${agent2.id}`), [angry.conversationId]);
    assert.deepEqual(await hrefs('assignee=unassigned'), [pleased.conversationId]);
  });

  it('pages through a queue with a keyset cursor, each conversation once', async () => {
    for (let i = 0; i < 55; i++) await seed({ body: `Streetlight ${i} is out`, teamId: null });
    const b = await signedIn(agent.email);
    const first = await b.get('/staff/inbox?teamId=none');
    const $ = load(first.body);
    const page1 = $('#conversation-list tbody a.govuk-link').length;
    const next = $('a[rel="next"]').attr('href');
    assert.equal(page1, 50);
    assert.ok(next);
    const second = load((await b.get(next)).body)('#conversation-list tbody a.govuk-link')
      .map((_i, el) => String(load(first.body)(el).attr('href')))
      .get();
    assert.equal(second.length, 5);
    const firstIds = $('#conversation-list tbody a.govuk-link')
      .map((_i, el) => String($(el).attr('href')))
      .get();
    assert.equal(new Set([...firstIds, ...second]).size, 55);
  });

  it('shows the thread escaped, the resident history, and links identities (audited)', async () => {
    const a = await seed({
      body: '<script>alert("x")</script> & <b>bold</b>',
      name: 'Robin <i>Resident</i>',
    });
    const other = await seed({
      body: 'Earlier email',
      channel: 'email',
      accountId: null,
      handle: 'robin@example.org',
    });
    const b = await signedIn(agent.email);
    const page = await b.get(`/staff/inbox/conversations/${a.conversationId}`);
    assert.equal(page.statusCode, 200);
    assert.ok(!page.body.includes('<script>alert'), 'resident script is never markup');
    assert.ok(
      page.body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;'),
    );
    assert.ok(!page.body.includes('<i>Resident</i>'));

    const linked = await b.submit(
      `/staff/inbox/conversations/${a.conversationId}`,
      { identity: 'robin@example.org' },
      `/staff/inbox/conversations/${a.conversationId}/link`,
    );
    assert.equal(linked.statusCode, 303);
    const after = await b.get(`/staff/inbox/conversations/${a.conversationId}`);
    assert.deepEqual(
      load(after.body)('#history a')
        .map((_i, el) => load(after.body)(el).attr('href'))
        .get(),
      [`/staff/inbox/conversations/${other.conversationId}`],
    );
    assert.ok(texts(after.body, '#identities li').includes('email: robin@example.org'));
    assert.deepEqual(await auditActions(a.conversationId), ['contact.merged']);
    const merged = await db()
      .selectFrom('contacts')
      .select('merged_into')
      .where('id', '=', other.contactId)
      .executeTakeFirstOrThrow();
    assert.equal(merged.merged_into, a.contactId);

    const unknown = await b.submit(
      `/staff/inbox/conversations/${a.conversationId}`,
      { identity: 'nobody@example.org' },
      `/staff/inbox/conversations/${a.conversationId}/link`,
    );
    assert.equal(unknown.statusCode, 400);
    const $ = load(unknown.body);
    assert.match($('title').text(), /^Error: /);
    assert.equal($('.govuk-error-summary a').attr('href'), '#identity');
  });

  it('claims, assigns, changes status, corrects triage, tags and notes with @mentions, all audited', async () => {
    const c = await seed({ body: 'Broken paving slab' });
    const b = await signedIn(agent.email);
    const page = `/staff/inbox/conversations/${c.conversationId}`;
    assert.equal((await b.submit(page, {}, `${page}/claim`)).statusCode, 303);
    assert.equal((await b.submit(page, { assignee: agent2.id }, `${page}/assign`)).statusCode, 303);
    assert.equal((await b.submit(page, { status: 'waiting' }, `${page}/status`)).statusCode, 303);
    assert.equal(
      (
        await b.submit(
          page,
          { area: 'Highways', category: 'Pavements', urgency: 'high', teamId: waste },
          `${page}/triage`,
        )
      ).statusCode,
      303,
    );
    assert.equal((await b.submit(page, { tag: 'Trip hazard' }, `${page}/tags`)).statusCode, 303);
    assert.equal(
      (await b.submit(page, { note: 'Can @kim check this? cc @admin@inbox.test' }, `${page}/notes`))
        .statusCode,
      303,
    );
    const bad = await b.submit(page, { status: 'no-such-status' }, `${page}/status`);
    assert.equal(bad.statusCode, 400);

    assert.deepEqual(await auditActions(c.conversationId), [
      'conversation.claimed',
      'conversation.assigned',
      'conversation.status_changed',
      'conversation.triage_corrected',
      'conversation.tagged',
      'conversation.note_added',
    ]);
    const row = await db()
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', c.conversationId)
      .executeTakeFirstOrThrow();
    assert.equal(row.assignee_id, agent2.id);
    assert.equal(row.status, 'waiting');
    assert.equal(row.team_id, waste);
    assert.equal(row.urgency, 'high');
    const view = await b.get(page);
    assert.ok(texts(view.body, '#thread li').some((t) => t.includes('Internal note by Sam Agent')));

    const kim = await signedIn(agent2.email);
    const mentions = await kim.get('/staff/inbox/mentions');
    assert.ok(texts(mentions.body, 'tbody td').some((t) => t.includes('Can @kim check this?')));
    const adminMentions = await (await signedIn(admin.email)).get('/staff/inbox/mentions');
    assert.ok(texts(adminMentions.body, 'tbody td').some((t) => t.includes('Can @kim check this?')));
    const samMentions = await b.get('/staff/inbox/mentions');
    assert.ok(!samMentions.body.includes('Can @kim'));
  });

  it('applies bulk actions to the selected conversations, without JavaScript', async () => {
    const x = await seed({ body: 'Bulk one', teamId: waste });
    const y = await seed({ body: 'Bulk two', teamId: waste });
    const b = await signedIn(agent.email);
    const queue = await b.get(`/staff/inbox?teamId=${waste}`);
    const csrf = load(queue.body)('form[action="/staff/inbox/bulk"] input[name="_csrf"]').attr('value') ?? '';
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/staff/inbox/bulk',
      remoteAddress: b.remoteAddress,
      headers: {
        host: 'inbox.test',
        cookie: b.cookieHeader(),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: `_csrf=${encodeURIComponent(csrf)}&returnTo=${encodeURIComponent(`/staff/inbox?teamId=${waste}`)}&conversationIds=${x.conversationId}&conversationIds=${y.conversationId}&action=status&statusValue=resolved&tagValue=&assignValue=`,
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/staff/inbox?teamId=${waste}&done=bulk`);
    for (const id of [x.conversationId, y.conversationId])
      assert.deepEqual(await auditActions(id), ['conversation.status_changed']);
    const tag = await b.post('/staff/inbox/bulk', {
      _csrf: csrf,
      conversationIds: x.conversationId,
      action: 'tag',
      tagValue: 'flytip',
    });
    assert.equal(tag.statusCode, 303);
    assert.deepEqual(await auditActions(x.conversationId), [
      'conversation.status_changed',
      'conversation.tagged',
    ]);
    const none = await b.post('/staff/inbox/bulk', { _csrf: csrf, action: 'assign', assignValue: agent.id });
    assert.match(String(none.headers.location), /error=select/);
  });

  it('fills saved reply placeholders for the resident, the agent, the council and the case', async () => {
    const adminBrowser = await signedIn(admin.email);
    const added = await adminBrowser.submit(
      '/staff/inbox/settings',
      {
        title: 'Thanks',
        body: 'Dear {{resident_name}}, your reference is {{case_reference}}. {{agent_name}}, {{council_name}}',
      },
      '/staff/inbox/settings/saved-replies',
    );
    assert.equal(added.statusCode, 303);
    const badPlaceholder = await adminBrowser.submit(
      '/staff/inbox/settings',
      { title: 'Bad', body: 'Hi {{password}}' },
      '/staff/inbox/settings/saved-replies',
    );
    assert.equal(badPlaceholder.statusCode, 400);
    const saved = await db()
      .selectFrom('saved_replies')
      .select('id')
      .where('title', '=', 'Thanks')
      .executeTakeFirstOrThrow();
    const c = await seed({ body: 'Missed bin', name: 'Alex Jones' });
    await db()
      .insertInto('cases')
      .values({
        council_id: councilId,
        reference: 'TS-2026-000123',
        conversation_id: c.conversationId,
        area: 'Waste',
        category: 'Missed bin',
        summary: 'Missed bin',
      })
      .execute();
    const b = await signedIn(agent.email);
    const page = await b.get(`/staff/inbox/conversations/${c.conversationId}?savedReply=${saved.id}`);
    assert.equal(
      load(page.body)('textarea#reply').text(),
      'Dear Alex Jones, your reference is TS-2026-000123. Sam Agent, inbox Council',
    );
  });

  it('sets where residents’ email answers go, with GOV.UK errors, audited', async () => {
    const adminBrowser = await signedIn(admin.email);
    const inbound = `inbox@${ctx.services.config.inboundEmailDomain}`;
    const page = load((await adminBrowser.get('/staff/inbox/settings')).body);
    assert.equal(page('#replyTo').val() ?? '', '', 'no address of its own yet');
    assert.ok(page('#replyTo-hint').text().includes(inbound), 'the inbound address is the default');

    const bad = await adminBrowser.submit(
      '/staff/inbox/settings',
      { replyTo: 'replies at council' },
      '/staff/inbox/settings/reply-to',
    );
    assert.equal(bad.statusCode, 400);
    const $ = load(bad.body);
    assert.match($('title').text(), /^Error: /);
    assert.equal($('.govuk-error-summary a').attr('href'), '#replyTo');
    assert.equal($('#replyTo').val(), 'replies at council', 'what was typed is kept');

    const saved = await adminBrowser.submit(
      '/staff/inbox/settings',
      { replyTo: 'replies@inbox.test' },
      '/staff/inbox/settings/reply-to',
    );
    assert.equal(saved.statusCode, 303);
    assert.equal(
      load((await adminBrowser.get('/staff/inbox/settings')).body)('#replyTo').val(),
      'replies@inbox.test',
    );
    const audit = await db()
      .selectFrom('audit_events')
      .select(['action', 'before', 'after'])
      .where('council_id', '=', councilId)
      .where('action', '=', 'inbox.reply_to_changed')
      .execute();
    assert.deepEqual(
      audit.map((a) => [a.before, a.after]),
      [[{ replyTo: null }, { replyTo: 'replies@inbox.test' }]],
    );
    // Agents cannot change it.
    const agentBrowser = await signedIn(agent.email);
    const refused = await agentBrowser.post('/staff/inbox/settings/reply-to', { replyTo: 'x@inbox.test' });
    assert.equal(refused.statusCode, 403);
  });

  it('sends a private reply to a resident DM as a direct status, exactly once', async () => {
    const dm = mastodon.residentWrites('@townsquarecouncil my recycling box was stolen', {
      visibility: 'direct',
    });
    const c = await seed({ body: 'my recycling box was stolen', externalId: dm.statusId, isPrivate: true });
    const b = await signedIn(agent.email);
    const page = `/staff/inbox/conversations/${c.conversationId}`;
    const res = await b.submit(
      page,
      { reply: 'Sorry to hear that: a new box is on its way.' },
      `${page}/replies`,
    );
    assert.equal(res.statusCode, 303);
    assert.match(String(res.headers.location), /done=queued/);
    const messageId = await lastOutbound(c.conversationId);
    assert.equal((await messageRow(messageId)).delivery_status, 'queued');
    assert.deepEqual(queued.at(-1)?.data, { councilId, messageId });

    await ctx.services.replies.deliver({ councilId, messageId }, 0);
    await ctx.services.replies.deliver({ councilId, messageId }, 0);
    const row = await messageRow(messageId);
    assert.equal(row.delivery_status, 'sent');
    const status = mastodon.readStatus(row.external_id ?? '');
    assert.equal(status?.visibility, 'direct');
    assert.equal(status?.in_reply_to_id, dm.statusId);
    assert.equal(mastodon.countContaining('a new box is on its way'), 1);
    assert.equal(
      mastodon.requests.filter((r) => r.method === 'POST' && r.idempotencyKey === messageId).length,
      1,
    );
    const conv = await db()
      .selectFrom('conversations')
      .select('first_responded_at')
      .where('id', '=', c.conversationId)
      .executeTakeFirstOrThrow();
    assert.ok(conv.first_responded_at);
    const view = await b.get(page);
    assert.ok(
      texts(view.body, '#thread li').some(
        (t) => t.includes('Reply by Sam Agent (private)') && t.includes('Sent'),
      ),
    );
  });

  it('answers a public mention in public or, when the agent chooses, privately; email offers no choice', async () => {
    const b = await signedIn(agent.email);
    const send = async (text: string, isPrivate: boolean) => {
      const post = mastodon.residentWrites(`@townsquarecouncil ${text}`);
      const c = await seed({ body: text, externalId: post.statusId, accountId: mastodonAccountId });
      const page = `/staff/inbox/conversations/${c.conversationId}`;
      const form = load((await b.get(page)).body);
      assert.equal(form('input[name="isPrivate"]').length, 1, 'Mastodon lets the agent choose');
      const res = await b.submit(
        page,
        { reply: `About: ${text}`, ...(isPrivate ? { isPrivate: 'yes' } : {}) },
        `${page}/replies`,
      );
      assert.equal(res.statusCode, 303);
      const messageId = await lastOutbound(c.conversationId);
      await ctx.services.replies.deliver({ councilId, messageId }, 0);
      const row = await messageRow(messageId);
      assert.equal(row.delivery_status, 'sent');
      assert.equal(row.is_private, isPrivate);
      const status = mastodon.readStatus(row.external_id ?? '');
      assert.equal(status?.in_reply_to_id, post.statusId, 'in the resident’s thread either way');
      return status?.visibility;
    };
    assert.equal(await send('the bus shelter glass is smashed', false), 'public');
    assert.equal(await send('my neighbour is fly-tipping, please keep my name out of it', true), 'direct');

    const mail = await seed({ body: 'Email about council tax', channel: 'email', accountId: null });
    const page = load((await b.get(`/staff/inbox/conversations/${mail.conversationId}`)).body);
    assert.equal(page('input[name="isPrivate"]').length, 0, 'email is private already: no choice');
  });

  it('handles each failure kind: rate limit waits, outage retries, refusal shows the reason with a retry button', async () => {
    const post = mastodon.residentWrites('@townsquarecouncil pothole', { visibility: 'public' });
    const c = await seed({ body: 'pothole', externalId: post.statusId });
    const b = await signedIn(agent.email);
    const page = `/staff/inbox/conversations/${c.conversationId}`;
    const send = async (text: string) => {
      await b.submit(page, { reply: text }, `${page}/replies`);
      return lastOutbound(c.conversationId);
    };

    const limited = await send('Rate limited reply');
    mastodon.injectFault('rate_limited');
    queued.length = 0;
    await ctx.services.replies.deliver({ councilId, messageId: limited }, 0);
    assert.equal((await messageRow(limited)).delivery_status, 'queued');
    assert.ok((queued.at(-1)?.startAfterSeconds ?? 0) > 0, 'queued again after Retry-After');
    await ctx.services.replies.deliver({ councilId, messageId: limited }, 1);
    assert.equal((await messageRow(limited)).delivery_status, 'sent');

    const outage = await send('Outage reply');
    mastodon.injectFault('unavailable');
    await assert.rejects(ctx.services.replies.deliver({ councilId, messageId: outage }, 0));
    assert.equal((await messageRow(outage)).delivery_status, 'queued');
    mastodon.injectFault('unavailable');
    await ctx.services.replies.deliver({ councilId, messageId: outage }, ctx.services.replies.retryLimit);
    assert.equal((await messageRow(outage)).delivery_status, 'failed');

    const tooLong = await send('x'.repeat(600));
    await ctx.services.replies.deliver({ councilId, messageId: tooLong }, 0);
    const refused = await messageRow(tooLong);
    assert.equal(refused.delivery_status, 'failed');
    assert.match(refused.delivery_error ?? '', /The network refused the request\. The network said/);
    const view = await b.get(page);
    const $ = load(view.body);
    assert.ok($(`#message-${tooLong}`).text().includes('The network refused the request'));
    assert.equal($(`#message-${tooLong} form`).attr('action'), `${page}/replies/${tooLong}/retry`);
    assert.equal((await b.submit(page, {}, `${page}/replies/${tooLong}/retry`)).statusCode, 303);
    assert.equal((await messageRow(tooLong)).delivery_status, 'queued');
    assert.ok((await auditActions(tooLong)).includes('reply.retried'));
  });

  it('holds a reply when the account access has expired and flags the account', async () => {
    const expiring = await startMastodonServer();
    try {
      const account = await ctx.services.channelAccounts.connect(
        { councilId, userId: admin.id, label: admin.email },
        {
          kind: 'mastodon',
          name: 'Expiring',
          settings: { baseUrl: expiring.baseUrl },
          credentials: { accessToken: expiring.token },
        },
      );
      const post = expiring.residentWrites('@townsquarecouncil hello');
      const c = await seed({ body: 'hello', externalId: post.statusId, accountId: account.id });
      const b = await signedIn(agent.email);
      const page = `/staff/inbox/conversations/${c.conversationId}`;
      await b.submit(page, { reply: 'Hello back' }, `${page}/replies`);
      const messageId = await lastOutbound(c.conversationId);
      expiring.expireToken();
      await ctx.services.replies.deliver({ councilId, messageId }, 0);
      const row = await messageRow(messageId);
      assert.equal(row.delivery_status, 'held');
      assert.match(row.delivery_error ?? '', /Reconnect the account/);
      const flagged = await db()
        .selectFrom('channel_accounts')
        .select('status')
        .where('id', '=', account.id)
        .executeTakeFirstOrThrow();
      assert.equal(flagged.status, 'needs_reconnect');
    } finally {
      await expiring.close();
    }
  });

  it('waits for a second person to approve replies for teams that require it', async () => {
    const adminBrowser = await signedIn(admin.email);
    const saved = await adminBrowser.submit(
      '/staff/inbox/settings',
      { requiresReplyApproval: 'yes' },
      `/staff/inbox/settings/teams/${waste}`,
    );
    assert.equal(saved.statusCode, 303);
    const post = mastodon.residentWrites('@townsquarecouncil fly-tipping behind the shops');
    const c = await seed({ body: 'fly-tipping', externalId: post.statusId, teamId: waste });
    const sam = await signedIn(agent.email);
    const page = `/staff/inbox/conversations/${c.conversationId}`;
    const res = await sam.submit(page, { reply: 'We will clear it this week.' }, `${page}/replies`);
    assert.match(String(res.headers.location), /done=awaiting/);
    const messageId = await lastOutbound(c.conversationId);
    assert.equal((await messageRow(messageId)).delivery_status, 'awaiting_approval');
    queued.length = 0;

    const own = await sam.submit(page, {}, `${page}/replies/${messageId}/approve`);
    assert.equal(own.statusCode, 403);
    assert.equal((await messageRow(messageId)).delivery_status, 'awaiting_approval');
    assert.equal(queued.length, 0);

    const kim = await signedIn(agent2.email);
    const kimPage = load((await kim.get(page)).body);
    assert.equal(
      kimPage(`#message-${messageId} form`).attr('action'),
      `${page}/replies/${messageId}/approve`,
    );
    assert.equal((await kim.submit(page, {}, `${page}/replies/${messageId}/approve`)).statusCode, 303);
    assert.equal((await messageRow(messageId)).delivery_status, 'queued');
    assert.deepEqual(queued.at(-1)?.data, { councilId, messageId });
    const approved = await db()
      .selectFrom('messages')
      .select('approved_by')
      .where('id', '=', messageId)
      .executeTakeFirstOrThrow();
    assert.equal(approved.approved_by, agent2.id);
    assert.ok((await auditActions(messageId)).includes('reply.approved'));
  });

  it('streams live events for the council only, byte for byte', async () => {
    const address = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (ctx.app.server.address() as AddressInfo).port;
    void address;
    const b = await signedIn(agent.email);
    const other = await createCouncilWithStaff(ctx.services, 'elsewhere');
    const chunks: string[] = [];
    let resolveNext: (() => void) | undefined;
    const req = http.get({
      host: '127.0.0.1',
      port,
      path: '/staff/inbox/events',
      headers: { host: 'inbox.test', cookie: b.cookieHeader() },
    });
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      chunks.push(chunk);
      resolveNext?.();
    });
    const next = async () => {
      if (chunks.length === 0) await new Promise<void>((r) => (resolveNext = r));
      return chunks.shift();
    };
    assert.equal(await next(), 'retry: 5000\n\n');

    // Another council's event first: it must never reach this stream.
    await withCouncil(ctx.services.db.app, other.councilId, (tx) =>
      announce(tx, other.councilId, {
        type: 'conversation.created',
        conversationId: '00000000-0000-4000-8000-000000000000',
      }),
    );
    // Then what ingestion does: insert the message and announce it in the same transaction.
    const c = await seed({ body: 'Live one' });
    await withCouncil(ctx.services.db.app, councilId, async (tx) => {
      await tx
        .insertInto('messages')
        .values({
          council_id: councilId,
          conversation_id: c.conversationId,
          direction: 'in',
          body: 'And another thing',
        })
        .execute();
      await announce(tx, councilId, {
        type: 'message.created',
        conversationId: c.conversationId,
        urgency: 'high',
      });
    });
    assert.equal(
      await next(),
      `event: message.created\ndata: {"type":"message.created","conversationId":"${c.conversationId}","urgency":"high"}\n\n`,
    );
    // Signed out: no stream.
    const anonymous = await ctx.app.inject({
      method: 'GET',
      url: '/staff/inbox/events',
      headers: { host: 'inbox.test' },
    });
    assert.equal(anonymous.statusCode, 303);
    req.destroy();
  });

  it('alerts whoever must act when a response time is missed, once', async () => {
    const due = new Date(Date.now() - 5 * 60_000);
    const mine = await seed({ body: 'Nobody has answered me', teamId: roads, firstResponseDueAt: due });
    await ctx.services.inbox.assign(
      { councilId, userId: admin.id, label: 'admin' },
      mine.conversationId,
      agent.id,
    );
    const teams = await seed({ body: 'Still waiting', teamId: roads, firstResponseDueAt: due });
    await db()
      .insertInto('team_members')
      .values({ council_id: councilId, team_id: roads, user_id: agent2.id })
      .onConflict((o) => o.doNothing())
      .execute();

    const breached = await ctx.services.sla.markBreaches(councilId);
    assert.ok(breached.includes(mine.conversationId) && breached.includes(teams.conversationId));
    const notes = async (conversationId: string) =>
      db()
        .selectFrom('messages as m')
        .leftJoin('message_mentions as mm', 'mm.message_id', 'm.id')
        .select(['m.body', 'mm.user_id'])
        .where('m.conversation_id', '=', conversationId)
        .where('m.direction', '=', 'note')
        .execute();
    const [alert, ...more] = await notes(mine.conversationId);
    assert.equal(more.length, 0, 'one alert, for the assignee only');
    assert.match(alert?.body ?? '', /^First response overdue: it was due \w{3} \d{1,2} \w{3}, \d\d:\d\d\.$/u);
    assert.equal(alert?.user_id, agent.id);
    assert.deepEqual(
      (await notes(teams.conversationId)).map((n) => n.user_id),
      [agent2.id],
      'unassigned: the team’s available members',
    );
    // The assignee finds it in their Mentions view; the conversation shows the overdue tag.
    const b = await signedIn(agent.email);
    const mentions = load((await b.get('/staff/inbox/mentions')).body);
    assert.ok(mentions('main').text().includes('First response overdue'));
    assert.ok(
      texts((await b.get(`/staff/inbox/conversations/${mine.conversationId}`)).body, '#thread li').some((t) =>
        t.includes('Internal note by Townsquare'),
      ),
    );

    assert.deepEqual(await ctx.services.sla.markBreaches(councilId), [], 'a breach is alerted once');
    assert.equal((await notes(mine.conversationId)).length, 1);
  });
});
