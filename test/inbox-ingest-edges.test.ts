/**
 * The inbound edges, end to end: signed Meta webhooks from the Graph contract server (forged
 * ones refused), real SMTP to the inbound mail listener (bad input of every kind stored,
 * triaged and shown safely), the public contact form (GOV.UK errors, CSRF on) and the public
 * messages API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { load } from 'cheerio';
import nodemailer from 'nodemailer';
import { withCouncil } from '../src/db/index.ts';
import { startInboundMail } from '../src/modules/inbox/index.ts';
import { GraphContractServer } from './peers/graph/server.ts';
import { Browser, createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';

describe('inbound edges', () => {
  let t: TestContext;
  let councilId: string;
  let userId: string;
  let base: string;
  const host = 'edge-town.test';
  const q = <T>(fn: Parameters<typeof withCouncil<T>>[2]) => withCouncil(t.services.db.app, councilId, fn);
  const events = (kind: string) =>
    q((tx) =>
      tx
        .selectFrom('inbound_events')
        .select(['id', 'external_id', 'status'])
        .where('channel_kind', '=', kind)
        .execute(),
    );

  before(async () => {
    t = await startTestApp();
    const made = await createCouncilWithStaff(t.services, 'edge-town');
    councilId = made.councilId;
    userId = made.users[0]!.id;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/c/edge-town`;
  });
  after(() => t.close());

  describe('Meta webhooks', () => {
    let graph: GraphContractServer;
    let url: string;
    const verifyToken = 'edge-verify-token-1234';
    before(async () => {
      graph = await new GraphContractServer({ subscribedFields: ['feed', 'messages'] }).start();
      const account = await t.services.channelAccounts.connect(
        { councilId, userId, label: 'test' },
        {
          kind: 'facebook',
          name: 'Edge Town Facebook',
          settings: { pageId: graph.pageId, baseUrl: graph.baseUrl },
          credentials: { accessToken: graph.accessToken, appSecret: graph.appSecret, verifyToken },
        },
      );
      url = `${base}/webhooks/facebook/${account.id}`;
    });
    after(() => graph.close());

    it('answers the verify handshake with the challenge and refuses a wrong token', async () => {
      const ok = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=8237`);
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), '8237');
      const wrong = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
      assert.equal(wrong.status, 403);
    });

    it('stores a signed delivery once, even when Meta redelivers it', async () => {
      const res = await graph.deliver(url, graph.messengerMessage('The bins on Mill Lane were missed again'));
      assert.equal(res.status, 200);
      const sent = graph.sentWebhooks.at(-1)!;
      const again = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': sent.signature },
        body: sent.rawBody,
      });
      assert.equal(again.status, 200);
      const stored = await events('facebook');
      assert.equal(stored.length, 1);
      await t.services.ingest.processPending(councilId);
      const messages = await q((tx) =>
        tx.selectFrom('messages').select('body').where('inbound_event_id', '=', stored[0]!.id).execute(),
      );
      assert.deepEqual(messages, [{ body: 'The bins on Mill Lane were missed again' }]);
    });

    it('refuses a forged or altered delivery with 401 and stores nothing', async () => {
      const before = (await events('facebook')).length;
      const tampered = await graph.deliver(url, graph.messengerMessage('genuine words'), {
        tamper: (raw) => raw.replace('genuine', 'forged'),
      });
      assert.equal(tampered.status, 401);
      const unsigned = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(unsigned.status, 401);
      assert.equal((await events('facebook')).length, before);
    });

    it('answers 404 for an account that does not exist', async () => {
      const res = await fetch(`${base}/webhooks/facebook/00000000-0000-4000-8000-000000000000`, {
        method: 'POST',
        body: '{}',
      });
      assert.equal(res.status, 404);
    });
  });

  it('takes email to <slug>@ the inbound domain over SMTP, durably before 250', async () => {
    const mail = await startInboundMail({
      port: 0,
      host: '127.0.0.1',
      domain: 'inbound.townsquare.test',
      councilBySlug: async (slug) => (await t.services.councils.findBySlug(slug))?.id,
      ingest: t.services.ingest,
      log: t.services.log,
    });
    try {
      const transport = nodemailer.createTransport({
        host: mail.host,
        port: mail.port,
        secure: false,
        ignoreTLS: true,
      });
      await transport.sendMail({
        from: 'Ada Resident <ada@example.test>',
        to: 'edge-town@inbound.townsquare.test',
        subject: 'Broken street light',
        text: 'The street light outside 12 Elm Road has been out for a week.',
      });
      transport.close();
      // sendMail resolved: the server said 250, so the event is already committed.
      const stored = await events('email');
      assert.equal(stored.length, 1);
      await t.services.ingest.processPending(councilId);
      const contact = await q((tx) =>
        tx
          .selectFrom('messages as m')
          .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
          .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
          .select(['ct.email', 'c.subject', 'm.body'])
          .where('m.inbound_event_id', '=', stored[0]!.id)
          .executeTakeFirstOrThrow(),
      );
      assert.equal(contact.email, 'ada@example.test');
      assert.equal(contact.subject, 'Broken street light');
      assert.match(contact.body, /12 Elm Road/);
    } finally {
      await mail.close();
    }
  });

  it('stores, triages and shows safely every kind of bad input that arrives by email', async () => {
    const mail = await startInboundMail({
      port: 0,
      host: '127.0.0.1',
      domain: 'inbound.townsquare.test',
      councilBySlug: async (slug) => (await t.services.councils.findBySlug(slug))?.id,
      ingest: t.services.ingest,
      log: t.services.log,
    });
    const to = 'edge-town@inbound.townsquare.test';
    /** A raw message, for bodies a mail library would tidy: undecodable bytes, binary. */
    const raw = (from: string, headers: string, body: Buffer) =>
      Buffer.concat([
        Buffer.from(
          `From: ${from}\r\nTo: ${to}\r\nSubject: \r\nMessage-ID: <${from.replace('@', '.')}@example.test>\r\n` +
            `MIME-Version: 1.0\r\n${headers}\r\n\r\n`,
        ),
        body,
        Buffer.from('\r\n'),
      ]);
    const binary = Buffer.from(Array.from({ length: 4096 }, (_v, i) => (i * 131 + 7) % 256));
    const cases = [
      { name: 'empty', from: 'empty@example.test', text: '' },
      { name: '1 MB', from: 'huge@example.test', text: 'Bins. '.repeat(175_000) },
      {
        name: 'binary',
        from: 'binary@example.test',
        raw: (f: string) =>
          raw(
            f,
            'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64',
            Buffer.from(binary.toString('base64').replace(/.{76}/g, '$&\r\n')),
          ),
      },
      {
        name: 'invalid UTF-8',
        from: 'invalid@example.test',
        raw: (f: string) =>
          raw(
            f,
            'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit',
            Buffer.concat([
              Buffer.from('Bin '),
              Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
              Buffer.from(' missed'),
            ]),
          ),
      },
      {
        name: 'script',
        from: 'script@example.test',
        text: '<script>alert("x")</script> <b>Pothole</b> on Elm Road',
        html: '<p>Pothole</p><script>alert("x")</script><img src=x onerror=alert(1)>',
      },
      { name: 'emoji', from: 'emoji@example.test', text: '🚮🚮 bins overflowing again 😡🗑️ 👨‍👩‍👧' },
      { name: 'right-to-left', from: 'rtl@example.test', text: 'هناك حفرة كبيرة في الشارع الرئيسي' },
      { name: 'no place', from: 'noplace@example.test', text: 'hello?' },
    ];
    try {
      const transport = nodemailer.createTransport({
        host: mail.host,
        port: mail.port,
        secure: false,
        ignoreTLS: true,
      });
      for (const c of cases) {
        if (c.raw) await transport.sendMail({ envelope: { from: c.from, to: [to] }, raw: c.raw(c.from) });
        else
          await transport.sendMail({
            from: c.from,
            to,
            subject: '',
            text: c.text,
            ...(c.html ? { html: c.html } : {}),
          });
      }
      transport.close();
    } finally {
      await mail.close();
    }
    const summary = await t.services.ingest.processPending(councilId);
    assert.equal(summary.failed, 0, 'nothing failed');

    const browser = new Browser(t.app, host);
    assert.equal((await browser.signIn(`admin@${'edge-town'}.test`)).statusCode, 303);
    const queue = await browser.get('/staff/inbox?channel=email');
    assert.equal(queue.statusCode, 200);
    assert.ok(!queue.body.includes('<script>alert'), 'the queue never shows resident markup');
    for (const c of cases) {
      const m = await q((tx) =>
        tx
          .selectFrom('messages as m')
          .innerJoin('conversations as cv', 'cv.id', 'm.conversation_id')
          .innerJoin('contacts as ct', 'ct.id', 'cv.contact_id')
          .select(['m.body', 'm.triage', 'cv.id', 'cv.urgency', 'cv.intent', 'cv.language'])
          .where('ct.email', '=', c.from)
          .where('m.direction', '=', 'in')
          .executeTakeFirst(),
      );
      assert.ok(m, `${c.name}: stored as a message, never dropped`);
      assert.ok(m.triage, `${c.name}: triaged`);
      assert.ok(m.urgency && m.intent && m.language, `${c.name}: urgency, intent and language set`);
      assert.ok(!m.body.includes('\u0000') && m.body.length <= 100_001, `${c.name}: body clean and capped`);
      const page = await browser.get(`/staff/inbox/conversations/${m.id}`);
      assert.equal(page.statusCode, 200, `${c.name}: the page shows it`);
      assert.ok(!/<script>alert|onerror=/u.test(page.body), `${c.name}: no resident markup on the page`);
      const shown = load(page.body)('#thread li .govuk-inset-text p').first();
      assert.equal(shown.attr('dir'), 'auto', `${c.name}: its own text direction`);
      if (c.name === 'empty') assert.equal(shown.text().trim(), '(No text)');
      if (c.name === 'script')
        assert.ok(
          page.body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;b&gt;Pothole&lt;/b&gt;'),
        );
      if (c.name === 'emoji' || c.name === 'right-to-left') assert.ok(shown.text().includes(c.text!));
      if (c.name === 'invalid UTF-8') assert.match(shown.text(), /^Bin .* missed$/u);
    }
  });

  it('refuses mail for an unknown council at RCPT TO with 550, storing nothing', async () => {
    const mail = await startInboundMail({
      port: 0,
      host: '127.0.0.1',
      domain: 'inbound.townsquare.test',
      councilBySlug: async (slug) => (await t.services.councils.findBySlug(slug))?.id,
      ingest: t.services.ingest,
      log: t.services.log,
    });
    const before = (await events('email')).length;
    const transport = nodemailer.createTransport({
      host: mail.host,
      port: mail.port,
      secure: false,
      ignoreTLS: true,
    });
    try {
      const refused = await transport
        .sendMail({
          from: 'ada@example.test',
          to: 'no-such-council@inbound.townsquare.test',
          subject: 'Lost',
          text: 'Nobody will read this.',
        })
        .then(
          () => assert.fail('the message was accepted'),
          (error: unknown) => error as { responseCode?: number; rejected?: string[]; response?: string },
        );
      assert.equal(refused.responseCode, 550);
      assert.match(refused.response ?? '', /5\.1\.1/);
      // With a known council among the recipients, only the unknown one is refused.
      const info = await transport.sendMail({
        from: 'ada@example.test',
        to: ['edge-town@inbound.townsquare.test', 'nobody-here@inbound.townsquare.test'],
        subject: 'Two recipients',
        text: 'The bench in Elm Park is broken.',
      });
      assert.deepEqual(info.rejected, ['nobody-here@inbound.townsquare.test']);
      assert.deepEqual(info.accepted, ['edge-town@inbound.townsquare.test']);
      assert.equal((await events('email')).length, before + 1, 'only the known council stored it');
    } finally {
      transport.close();
      await mail.close();
    }
  });

  describe('contact form', () => {
    it('shows GOV.UK errors with the values kept', async () => {
      const browser = new Browser(t.app, host);
      const page = await browser.get('/contact');
      assert.equal(page.statusCode, 200);
      const res = await browser.submit('/contact', {
        name: 'Sam',
        email: 'not-an-email',
        phone: '',
        message: '',
      });
      assert.equal(res.statusCode, 400);
      const $ = load(res.body);
      assert.match($('title').text(), /^Error: /);
      const links = $('.govuk-error-summary a')
        .map((_, a) => $(a).attr('href'))
        .get();
      assert.deepEqual(links, ['#email', '#message']);
      assert.match($('#email-error').text(), /Enter an email address in the correct format/);
      assert.equal($('#name').attr('value'), 'Sam');
      assert.equal($('#email').attr('value'), 'not-an-email');
    });

    it('refuses a post without the CSRF token', async () => {
      const res = await new Browser(t.app, host).post('/contact', {
        name: 'A',
        email: 'a@example.test',
        message: 'hi',
      });
      assert.equal(res.statusCode, 403);
    });

    it('sends a message once, even when the page is submitted twice, and confirms what happens next', async () => {
      const browser = new Browser(t.app, host);
      const page = await browser.get('/contact');
      const $ = load(page.body);
      const fields = {
        _csrf: $('input[name="_csrf"]').attr('value') ?? '',
        submissionId: $('input[name="submissionId"]').attr('value') ?? '',
        name: 'Priya',
        email: 'priya@example.test',
        phone: '',
        message: 'There is <script>alert(1)</script> fly-tipping on Kingsway',
      };
      const first = await browser.post('/contact', fields);
      assert.equal(first.statusCode, 303);
      assert.equal(first.headers.location, '/contact/sent?by=email');
      const second = await browser.post('/contact', fields);
      assert.equal(second.statusCode, 303);
      const sent = await browser.get('/contact/sent?by=email');
      assert.match(load(sent.body)('h1').text(), /Message sent/);
      assert.match(sent.body, /What happens next/);
      const stored = await events('web');
      const messages = await q((tx) =>
        tx
          .selectFrom('messages')
          .select('body')
          .where(
            'inbound_event_id',
            'in',
            stored.map((e) => e.id),
          )
          .execute(),
      );
      assert.deepEqual(
        messages.map((m) => m.body),
        ['There is <script>alert(1)</script> fly-tipping on Kingsway'],
      );
    });
  });

  describe('public messages API', () => {
    const post = (payload: unknown, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: { host, 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(payload),
      });

    it('answers 422 problem+json for bad input', async () => {
      const res = await post({ name: '', message: '' });
      assert.equal(res.statusCode, 422);
      assert.match(res.headers['content-type'] ?? '', /application\/problem\+json/);
      const body = res.json<{ errors: { field: string }[] }>();
      assert.deepEqual(
        body.errors.map((e) => e.field),
        ['name', 'email', 'message'],
      );
    });

    it('answers 202 with the message id, and the same id for a retry with the same key', async () => {
      const payload = { name: 'Jo', phone: '07700 900982', message: 'Can I book a bulky waste collection?' };
      const first = await post(payload, { 'idempotency-key': 'edge-test-key-000001' });
      assert.equal(first.statusCode, 202);
      const a = first.json<{ id: string; isDuplicate: boolean }>();
      assert.ok(a.id);
      assert.equal(a.isDuplicate, false);
      const retry = await post(payload, { 'idempotency-key': 'edge-test-key-000001' });
      assert.equal(retry.statusCode, 202);
      assert.deepEqual(retry.json(), { ...a, isDuplicate: true });
    });
  });
});
