/**
 * The inbox in Chromium with the Content Security Policy enforced: an agent opens the queue,
 * opens a resident's Mastodon conversation, replies, and sees the reply sent by the real job
 * through the Mastodon contract server; a new message appears in the open queue without a
 * reload; the conversation page (with its forms) passes axe.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { demoCouncil } from '../src/demo/seed.ts';
import { startMastodonServer, type MastodonServer } from '../test/peers/mastodon/server.ts';
import { describeViolations, scanWithAxe } from './support/axe.ts';
import {
  clickAndLoad,
  demoAdminEmail,
  demoAgentEmail,
  signIn,
  startE2e,
  visit,
  type E2e,
} from './support/browser.ts';

describe('inbox journey in Chromium', () => {
  let e2e: E2e;
  let mastodon: MastodonServer;
  let conversationId = '';
  let statusId = '';
  let councilId = '';

  before(async () => {
    [e2e, mastodon] = await Promise.all([startE2e(), startMastodonServer()]);
    const { services } = e2e.app;
    await services.jobs.start({ work: true });
    const db = services.db.system;
    const council = await db
      .selectFrom('councils')
      .select('id')
      .where('slug', '=', demoCouncil.slug)
      .executeTakeFirstOrThrow();
    councilId = council.id;
    const admin = await db
      .selectFrom('users')
      .select('id')
      .where('email', '=', demoAdminEmail)
      .executeTakeFirstOrThrow();
    const account = await services.channelAccounts.connect(
      { councilId: council.id, userId: admin.id, label: demoAdminEmail },
      {
        kind: 'mastodon',
        name: 'Council Mastodon',
        settings: { baseUrl: mastodon.baseUrl },
        credentials: { accessToken: mastodon.token },
      },
    );
    statusId = mastodon.residentWrites('@townsquarecouncil The bench in Pittville Park is broken').statusId;
    const team = await db
      .insertInto('teams')
      .values({ council_id: council.id, slug: 'parks', name: 'Parks' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const contact = await db
      .insertInto('contacts')
      .values({ council_id: council.id, display_name: 'A Resident' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const conversation = await db
      .insertInto('conversations')
      .values({
        council_id: council.id,
        channel_kind: 'mastodon',
        channel_account_id: account.id,
        thread_key: statusId,
        contact_id: contact.id,
        team_id: team.id,
        subject: 'Broken bench in Pittville Park',
        urgency: 'high',
        message_count: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    conversationId = conversation.id;
    await db
      .insertInto('messages')
      .values({
        council_id: council.id,
        conversation_id: conversationId,
        direction: 'in',
        body: 'The bench in Pittville Park is broken <b>again</b>',
        external_id: statusId,
      })
      .execute();
  });
  after(async () => Promise.all([e2e?.close(), mastodon?.close()]));

  it('opens the queue, opens the conversation, replies, and the reply is sent', async () => {
    const { page, assertClean } = await e2e.journey();
    await signIn(page, demoAgentEmail);
    assert.equal(await visit(page, '/staff/inbox'), 200);
    await clickAndLoad(page, page.getByRole('link', { name: 'Broken bench in Pittville Park' }));
    assert.equal(new URL(page.url()).pathname, `/staff/inbox/conversations/${conversationId}`);
    assert.ok(
      (await page.locator('#thread').innerText()).includes(
        'The bench in Pittville Park is broken <b>again</b>',
      ),
    );
    await page.getByLabel('Your reply').fill('Thank you: the parks team will repair it this week.');
    await clickAndLoad(page, page.getByRole('button', { name: 'Send reply' }));
    assert.ok(
      (await page.locator('.govuk-notification-banner').innerText()).includes('Your reply is being sent'),
    );
    // The worker sends it; the page shows "Sent" once it has.
    let text = '';
    for (let i = 0; i < 50 && !text.includes('Sent'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      await page.reload();
      text = await page.locator('#thread li').last().innerText();
    }
    assert.match(text, /Sent/);
    assert.equal(mastodon.countContaining('the parks team will repair it this week'), 1);
    assertClean();
  });

  it('shows a new message in the open queue without a reload', async () => {
    const { page, assertClean } = await e2e.journey();
    await signIn(page, demoAgentEmail);
    assert.equal(await visit(page, '/staff/inbox'), 200);
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });
    // Give the page a moment to open its event stream, then a resident writes in.
    await page.waitForTimeout(500);
    const text = 'The footpath by Sandford Lido is flooded and nobody can get past';
    await e2e.app.services.contact.submit(councilId, {
      source: 'form',
      text,
      name: 'Rhian Resident',
      email: 'rhian@example.org',
      receivedAt: new Date(),
    });
    await page.getByRole('link', { name: text }).waitFor({ timeout: 10_000 });
    assert.equal(navigations, 0, 'the list changed in place');
    assertClean();
  });

  it('the conversation page passes axe (WCAG 2.2 AA)', async () => {
    const { page } = await e2e.scan();
    await signIn(page, demoAgentEmail);
    assert.equal(await visit(page, `/staff/inbox/conversations/${conversationId}`), 200);
    const findings = await scanWithAxe(page);
    assert.equal(findings.failing.length, 0, describeViolations(findings.failing));
  });
});
