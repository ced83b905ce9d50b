/**
 * The email connector's sent-ledger is durable: what the SMTP server accepted is recorded in
 * `email_sent_ledger` (under row-level security), so a process that crashed after sending and
 * restarted with nothing in memory reconciles with `findPublished` and does not send twice.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCouncilWithStaff, startTestApp, type TestContext } from '../support/app.ts';
import { startSmtpSink, type SmtpSink } from '../peers/smtp-sink.ts';
import {
  canFindPublished,
  createChannels,
  CredentialBox,
  EmailConnector,
} from '../../src/modules/channels/index.ts';
import { withCouncil } from '../../src/db/index.ts';

describe('email: durable sent-ledger', () => {
  let ctx: TestContext;
  let sink: SmtpSink;
  let councilId = '';
  let otherCouncilId = '';
  let accountId = '';
  const input = {
    text: 'Your report about the broken streetlight on Mill Lane has been fixed.',
    subject: 'Your report TS-2026-000123',
    to: 'resident@example.org',
    idempotencyKey: 'message-0f9c1d2e',
  };

  before(async () => {
    [ctx, sink] = await Promise.all([
      startTestApp(),
      startSmtpSink({ user: 'council', pass: 'smtp-secret-123' }),
    ]);
    ({ councilId } = await createCouncilWithStaff(ctx.services, 'harbour'));
    ({ councilId: otherCouncilId } = await createCouncilWithStaff(ctx.services, 'moor'));
    const account = await ctx.services.channelAccounts.connect(
      { councilId, userId: null, label: 'test' },
      {
        kind: 'email',
        name: 'Council email',
        settings: {
          host: sink.host,
          port: String(sink.port),
          address: 'contact@harbour.test',
          requireTls: 'no',
          user: sink.user,
        },
        credentials: { pass: sink.pass },
      },
    );
    accountId = account.id;
  });
  after(async () => {
    await Promise.all([ctx?.close(), sink?.close()]);
  });

  /** A fresh process: a new accounts service over the same database, nothing in memory. */
  const restarted = () =>
    createChannels({
      db: ctx.services.db.app,
      box: new CredentialBox(ctx.services.secretKeys),
      registry: ctx.services.connectors,
      oauth: {},
      councilOrigin: async () => undefined,
    }).accounts;

  it('records what the server accepted and, after a restart, finds it instead of sending again', async () => {
    const first = await ctx.services.channelAccounts.connectorFor(councilId, accountId);
    const sent = await first.connector.publish(input);
    assert.equal(sink.messages.length, 1);

    // The worker dies here, before it records the outcome; a new one picks the job up.
    const { connector } = await restarted().connectorFor(councilId, accountId);
    assert.ok(canFindPublished(connector));
    const found = await connector.findPublished(input);
    assert.equal(found?.ref.id, sent.ref.id);
    const again = await connector.publish(input);
    assert.equal(again.ref.id, sent.ref.id);
    assert.equal(sink.messages.length, 1, 'the email is not sent twice');

    // The in-memory ledger alone (the old behaviour) would have sent it again.
    const forgetful = new EmailConnector(
      {
        host: sink.host,
        port: sink.port,
        secure: false,
        requireTls: false,
        councilDomain: 'harbour.test',
        fromAddress: 'contact@harbour.test',
      },
      { user: sink.user, pass: sink.pass },
    );
    assert.equal(await forgetful.findPublished(input), undefined);
  });

  it('keeps each council’s ledger to itself', async () => {
    const mine = await withCouncil(ctx.services.db.app, councilId, (tx) =>
      tx.selectFrom('email_sent_ledger').select(['message_id', 'channel_account_id']).execute(),
    );
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.channel_account_id, accountId);
    const theirs = await withCouncil(ctx.services.db.app, otherCouncilId, (tx) =>
      tx.selectFrom('email_sent_ledger').select('message_id').execute(),
    );
    assert.deepEqual(theirs, []);
  });
});
