/**
 * Issue 4's "done", in Chromium with the Content Security Policy enforced: the demo admin
 * connects the council's Bluesky account (on a real local PDS) and its outgoing mail (an SMTP
 * sink) through the staff console; a resident then writes on three channels: a Bluesky
 * mention, an email to the council's inbound SMTP address, and the public contact form. Each
 * reaches the inbox within seconds, triaged (a service and an urgency shown); an agent answers
 * each in the browser and makes a case of it, then moves the case to "in progress" and
 * "fixed". What leaves the system is read back where it lands: replies in the resident's
 * Bluesky thread on the PDS, and emails in the resident's thread at the SMTP sink.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { demoCouncil } from '../src/demo/seed.ts';
import { startInboundMail } from '../src/modules/inbox/index.ts';
import type { BlueskyPeer, PeerAccount } from '../test/peers/bluesky/index.ts';
import type { SmtpSink, SunkMessage } from '../test/peers/smtp-sink.ts';
import { clickAndLoad, demoAdminEmail, visit, type E2e, type WatchedContext } from './support/browser.ts';
import { startCouncilWithChannels, type CouncilWithChannels } from './support/council-with-channels.ts';
import { until } from './support/until.ts';

const referencePattern = /TS-\d{4}-\d{6}/;

describe('inbox: Bluesky, email and web form, answered and tracked as cases on their own channel', () => {
  let town: CouncilWithChannels;
  let e2e: E2e;
  let pds: BlueskyPeer;
  let sink: SmtpSink;
  let mail: Awaited<ReturnType<typeof startInboundMail>>;
  let council: PeerAccount;
  let resident: PeerAccount;
  let councilId = '';
  let admin: WatchedContext;

  before(async () => {
    town = await startCouncilWithChannels();
    ({ e2e, councilId, bluesky: council } = town);
    ({ pds, smtp: sink } = town.peers);
    const { services } = e2e.app;
    mail = await startInboundMail({
      port: 0,
      host: '127.0.0.1',
      domain: services.config.inboundEmailDomain,
      councilBySlug: async (slug) => (await services.councils.findBySlug(slug))?.id,
      ingest: services.ingest,
      log: services.log,
    });
    resident = await pds.createAccount('resident.test');
    admin = await town.signedIn(demoAdminEmail);
  });
  after(async () => {
    await Promise.allSettled([town?.close(), mail?.close()]);
  });

  /** The queue row whose link is `subject`, once the pipeline has put it there. */
  async function rowInInbox(page: Page, subject: string) {
    return until(`"${subject}" in the inbox`, async () => {
      await visit(page, '/staff/inbox');
      const row = page.locator('#conversation-list tbody tr', {
        has: page.getByRole('link', { name: subject }),
      });
      return (await row.count()) === 1 ? row : undefined;
    });
  }

  /** Opens the conversation from its queue row, checking the service triage found and the urgency. */
  async function openTriaged(page: Page, subject: string, channel: string, area: string): Promise<string> {
    const row = await rowInInbox(page, subject);
    const text = await row.innerText();
    // "<name> · <channel> · <area> / <category>", and an urgency tag.
    assert.match(text, new RegExp(`· ${channel} · ${area} / [a-z_]+`), text);
    assert.match(text, /Routine/, text);
    await clickAndLoad(page, row.getByRole('link', { name: subject }));
    const path = new URL(page.url()).pathname;
    assert.match(path, /^\/staff\/inbox\/conversations\/[0-9a-f-]{36}$/);
    return path;
  }

  async function reply(page: Page, text: string): Promise<void> {
    await page.getByLabel('Your reply').fill(text);
    await clickAndLoad(page, page.getByRole('button', { name: 'Send reply' }));
    assert.match(await page.locator('.govuk-notification-banner').innerText(), /Your reply is being sent/);
    // The worker sends it within seconds; the page says so.
    await allSent(page, new URL(page.url()).pathname, 1);
  }

  /** Makes a case with one click and returns its reference and page. */
  async function makeCase(page: Page): Promise<{ reference: string; casePath: string }> {
    await clickAndLoad(page, page.getByRole('button', { name: 'Create a case' }));
    const casePath = new URL(page.url()).pathname;
    assert.match(casePath, /^\/staff\/cases\/[0-9a-f-]{36}$/);
    const heading = await page.locator('h1').innerText();
    const reference = referencePattern.exec(heading)?.[0];
    assert.ok(reference, `a reference in "${heading}"`);
    assert.ok(reference.startsWith(`TS-${new Date().getFullYear()}-`), reference);
    return { reference, casePath };
  }

  async function changeStatus(page: Page, casePath: string, label: string): Promise<void> {
    await visit(page, casePath);
    await page.getByLabel('New status').selectOption({ label });
    await clickAndLoad(page, page.getByRole('button', { name: 'Change status and tell residents' }));
    assert.match(await page.locator('h1').innerText(), new RegExp(label));
  }

  /**
   * Waits until the conversation page shows at least `atLeast` outbound messages, every one of
   * them sent (the job really ran); returns how many there are.
   */
  async function allSent(page: Page, path: string, atLeast: number): Promise<number> {
    return until(`${atLeast} sent messages on ${path}`, async () => {
      await visit(page, path);
      const states = await page.locator('#thread li p.govuk-body-s').allInnerTexts();
      const out = states.filter((s) => /· (Sent|Sending|Not sent|Held|Waiting)/.test(s));
      if (out.some((s) => /Not sent|Held/.test(s)))
        throw new Error(`a reply failed: ${await page.locator('#thread').innerText()}`);
      return out.length >= atLeast && out.every((s) => s.includes('· Sent')) ? out.length : undefined;
    });
  }

  /**
   * Answers the conversation at `path`, makes a case of it and moves the case to "in progress",
   * then "fixed"; returns the case's reference once the reply, the reference, the two updates
   * and the satisfaction question are all sent, and how many messages that is.
   */
  async function answerAndFix(page: Page, path: string, answer: string) {
    await reply(page, answer);
    const { reference, casePath } = await makeCase(page);
    await changeStatus(page, casePath, 'In progress');
    await changeStatus(page, casePath, 'Fixed');
    return { reference, count: await allSent(page, path, 5) };
  }

  /** The emails to `address` at the sink, checked to be `count`: each message sent, once. */
  function mailTo(address: string, count: number): SunkMessage[] {
    const sent = sink.messages.filter((m) => m.envelope.to.includes(address));
    assert.equal(sent.length, count, sent.map((m) => m.parsed.text).join(' | '));
    return sent;
  }

  /** The one of `sent` whose text matches `pattern`, checked to come from the council's address. */
  function emailMatching(sent: SunkMessage[], pattern: RegExp): SunkMessage {
    const found = sent.find((m) => pattern.test(m.parsed.text ?? ''));
    assert.ok(found, `an email matching ${pattern} among ${sent.map((m) => m.parsed.text).join(' | ')}`);
    assert.equal(found.parsed.from?.value[0]?.address, 'contact@demo.townsquare.test');
    return found;
  }

  it('connects the Bluesky account and outgoing email through the staff console', async () => {
    const { page } = admin;
    await visit(page, '/staff/channels/connect');
    await page.getByLabel('Bluesky').check();
    await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
    await page.getByLabel('Name in Townsquare').fill('Council Bluesky');
    await page.getByLabel('Service address').fill(pds.pdsUrl);
    await page.getByLabel('Handle').fill('council.test');
    await page.getByLabel('How to read mentions').fill('pds-scan');
    await page.getByLabel('App password').fill(council.appPassword);
    await clickAndLoad(page, page.getByRole('button', { name: 'Check and connect' }));
    assert.equal(new URL(page.url()).pathname, '/staff/channels', await page.locator('main').innerText());

    await visit(page, '/staff/channels/connect');
    await page.getByLabel('Email (SMTP)').check();
    await clickAndLoad(page, page.getByRole('button', { name: 'Continue' }));
    await page.getByLabel('Name in Townsquare').fill('Council email');
    await page.getByLabel('SMTP server').fill(sink.host);
    await page.getByLabel('Port').fill(String(sink.port));
    await page.getByLabel('From address').fill('contact@demo.townsquare.test');
    await page.getByLabel('Require TLS').fill('no');
    await page.getByLabel('User name').fill(sink.user);
    await page.getByLabel('Password', { exact: true }).fill(sink.pass);
    await clickAndLoad(page, page.getByRole('button', { name: 'Check and connect' }));
    assert.equal(new URL(page.url()).pathname, '/staff/channels', await page.locator('main').innerText());
    const list = await page.locator('main').innerText();
    assert.match(list, /Council Bluesky/);
    assert.match(list, /Council email/);
    admin.assertClean();
  });

  it('a Bluesky mention is triaged into the inbox, answered in the thread, and its case updates follow', async () => {
    const { page } = admin;
    const text = '@council.test the bin on Hales Road was not collected again';
    const post = await pds.post(resident, text);
    // What the every-minute cron does for each account, now.
    const account = (await e2e.app.services.channelAccounts.list(councilId)).find(
      (a) => a.kind === 'bluesky',
    );
    assert.ok(account);
    await e2e.app.services.jobs.boss.send('inbox.poll-account', { councilId, accountId: account.id });

    const started = Date.now();
    const path = await openTriaged(page, text, 'bluesky', 'waste');
    assert.ok(Date.now() - started < 10_000);
    assert.match(await page.locator('#thread').innerText(), /the bin on Hales Road was not collected again/);

    const { reference, count } = await answerAndFix(
      page,
      path,
      'Sorry about that: the crew will come back for it tomorrow.',
    );
    // On the PDS: each of them once, as a reply in the resident's thread.
    const replies = (await pds.listPosts(council.did)).filter((p) => p.value.reply?.root.uri === post.uri);
    assert.equal(replies.length, count, JSON.stringify(replies.map((p) => p.value.text)));
    const texts = replies.map((p) => p.value.text);
    const has = (pattern: RegExp) => {
      const found = replies.find((p) => pattern.test(p.value.text));
      assert.ok(found, `a post matching ${pattern} among ${JSON.stringify(texts)}`);
      assert.equal(found.value.reply?.root.uri, post.uri);
      assert.equal(found.value.reply?.root.cid, post.cid);
      return found;
    };
    const first = has(/crew will come back for it tomorrow/);
    assert.equal(first.value.reply?.parent.uri, post.uri);
    has(new RegExp(`logged your report as ${reference}`));
    has(new RegExp(`Update on ${reference}: we are working on it now`));
    has(new RegExp(`Update on ${reference}: it has been fixed`));
    admin.assertClean();
  });

  it('an email to the inbound address is triaged into the inbox, answered in the thread, and its case updates follow', async () => {
    const { page } = admin;
    const residentAddress = 'sam.resident@example.org';
    const residentMessageId = '<hales-road-bin-1@example.org>';
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: mail.port,
      secure: false,
      ignoreTLS: true,
    });
    const subject = 'Missed bin collection on Hales Road';
    await transport.sendMail({
      from: { name: 'Sam Resident', address: residentAddress },
      to: `${demoCouncil.slug}@${e2e.app.services.config.inboundEmailDomain}`,
      subject,
      messageId: residentMessageId,
      text: 'Our black bin on Hales Road was not collected this week, for the second week running.',
    });
    transport.close();

    const path = await openTriaged(page, subject, 'email', 'waste');
    const { reference, count } = await answerAndFix(
      page,
      path,
      'Sorry: the crew will collect it tomorrow morning.',
    );
    const sent = mailTo(residentAddress, count);
    const has = (pattern: RegExp): SunkMessage => {
      const found = emailMatching(sent, pattern);
      // In the resident's thread: an answer to their message, under their subject.
      assert.equal(found.parsed.inReplyTo, residentMessageId);
      assert.ok([found.parsed.references ?? []].flat().includes(residentMessageId));
      assert.equal(found.parsed.subject, `Re: ${subject}`);
      return found;
    };
    has(/crew will collect it tomorrow morning/);
    has(new RegExp(`logged your report as ${reference}`));
    has(new RegExp(`Update on ${reference}: we are working on it now`));
    has(new RegExp(`Update on ${reference}: it has been fixed`));
    admin.assertClean();
  });

  it('a contact form message is triaged into the inbox, answered by email, and its case updates follow in one thread', async () => {
    const residentAddress = 'nia.resident@example.org';
    const message =
      'The street light outside 14 Hales Road has been out for a week and the pavement is dark.';
    const form = await e2e.journey();
    await visit(form.page, '/contact');
    await form.page.getByLabel('Your name').fill('Nia Resident');
    await form.page.getByLabel('Email address').fill(residentAddress);
    await form.page.getByLabel('Your message').fill(message);
    await clickAndLoad(form.page, form.page.getByRole('button', { name: 'Send message' }));
    assert.match(await form.page.locator('main').innerText(), /sent|received/i);
    form.assertClean();

    const { page } = admin;
    const path = await openTriaged(page, message, 'web', 'street_lighting');
    const { reference, count } = await answerAndFix(
      page,
      path,
      'Thank you: an engineer will repair the light this week.',
    );
    const sent = mailTo(residentAddress, count);
    const find = (pattern: RegExp) => emailMatching(sent, pattern);
    const first = find(/engineer will repair the light this week/);
    assert.ok(first.messageId);
    // The first answer starts the thread; everything after it answers into that thread.
    for (const later of [
      find(new RegExp(`logged your report as ${reference}`)),
      find(new RegExp(`Update on ${reference}: we are working on it now`)),
      find(new RegExp(`Update on ${reference}: it has been fixed`)),
    ]) {
      assert.ok(
        [later.parsed.references ?? []].flat().includes(first.messageId),
        `${later.parsed.text ?? ''} is in the thread of ${first.messageId}`,
      );
      assert.equal(later.parsed.subject?.replace(/^Re: /, ''), first.parsed.subject?.replace(/^Re: /, ''));
    }
    admin.assertClean();
  });
});
