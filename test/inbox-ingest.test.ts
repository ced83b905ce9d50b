/**
 * The inbound pipeline on real PostgreSQL: durable idempotent storage, processing into
 * contacts, conversations and messages, routing (emergencies to the urgent queue with a duty
 * alert), threading, crash safety, and bad input that must never be dropped.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql, withCouncil } from '../src/db/index.ts';
import type { InboundBatch, InboundItem } from '../src/modules/channels/index.ts';
import { processChunk } from '../src/modules/inbox/ingest/process-chunk.ts';
import { createTriage, type Triage } from '../src/modules/inbox/triage/index.ts';
import { createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';

let seq = 0;
function item(text: string, over: Partial<InboundItem> = {}): InboundItem {
  seq += 1;
  return {
    externalId: `ext-${seq}-${randomBytes(3).toString('hex')}`,
    kind: 'mention',
    author: { id: `did:plc:resident${seq}`, handle: `resident${seq}.test` },
    text,
    createdAt: new Date(),
    isPrivate: false,
    raw: { text },
    ...over,
  };
}
const batchOf = (...items: InboundItem[]): InboundBatch => ({ items, cursor: undefined, malformed: [] });
const bluesky = { kind: 'bluesky', accountId: null };

describe('inbox ingestion pipeline', () => {
  let t: TestContext;
  let councilId: string;
  let triage: Triage;
  let urgentTeamId: string;
  let wasteTeamId: string;
  let defaultTeamId: string;
  const q = <T>(fn: Parameters<typeof withCouncil<T>>[2]) => withCouncil(t.services.db.app, councilId, fn);
  const messageFor = (eventId: string) =>
    q((tx) =>
      tx
        .selectFrom('messages as m')
        .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
        .select([
          'm.id',
          'm.body',
          'm.conversation_id',
          'c.team_id',
          'c.urgency',
          'c.contact_id',
          'c.message_count',
          'c.area',
        ])
        .select(['c.first_response_due_at', 'c.status'])
        .where('m.inbound_event_id', '=', eventId)
        .executeTakeFirst(),
    );

  before(async () => {
    t = await startTestApp();
    await t.services.jobs.start({ work: false });
    ({ councilId } = await createCouncilWithStaff(t.services, 'ingest-town'));
    triage = await createTriage();
    const area = triage.triage('My black bin was not collected again this week').area;
    await q(async (tx) => {
      const team = async (slug: string, extra: Record<string, unknown> = {}) =>
        (
          await tx
            .insertInto('teams')
            .values({ council_id: councilId, slug, name: slug, ...extra })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
      urgentTeamId = await team('urgent', { is_urgent_queue: true, duty_contact: 'duty@ingest-town.test' });
      wasteTeamId = await team('waste');
      defaultTeamId = await team('contact-centre');
      await tx
        .insertInto('routing_rules')
        .values([
          { council_id: councilId, area, category: null, team_id: wasteTeamId },
          { council_id: councilId, area: null, category: null, team_id: defaultTeamId },
        ])
        .execute();
      await tx
        .insertInto('sla_policies')
        .values({
          council_id: councilId,
          first_response_minutes: 480,
          resolution_minutes: 4800,
          is_business_hours: true,
        })
        .execute();
    });
  });
  after(() => t.close());

  it('stores the same batch twice as one event and one message', async () => {
    const one = item('The street light outside number 4 Mill Lane is flickering');
    const first = await t.services.ingest.ingest(councilId, bluesky, batchOf(one));
    const second = await t.services.ingest.ingest(
      councilId,
      bluesky,
      batchOf({ ...one, createdAt: new Date() }),
    );
    assert.equal(first.stored, 1);
    assert.equal(second.stored, 0);
    assert.equal(second.duplicates, 1);
    assert.equal(second.events[0]?.id, first.events[0]?.id);
    await t.services.ingest.processPending(councilId);
    await t.services.ingest.ingest(councilId, bluesky, batchOf(one));
    await t.services.ingest.processPending(councilId);
    const events = await q((tx) =>
      tx.selectFrom('inbound_events').select(['status']).where('external_id', '=', one.externalId).execute(),
    );
    assert.deepEqual(events, [{ status: 'processed' }]);
    const messages = await q((tx) =>
      tx.selectFrom('messages').select('id').where('inbound_event_id', '=', first.events[0]!.id).execute(),
    );
    assert.equal(messages.length, 1);
  });

  it('loses nothing and doubles nothing when processing crashes before commit', async () => {
    const a = item('Fly-tipping in the alley behind Station Road');
    const b = item('Graffiti on the bus shelter by the library');
    const stored = await t.services.ingest.ingest(councilId, bluesky, batchOf(a, b));
    const ids = stored.events.map((e) => e.id);
    // A worker processes the chunk and dies before COMMIT: the transaction rolls back.
    await assert.rejects(
      withCouncil(t.services.db.app, councilId, async (tx) => {
        const r = await processChunk(tx, councilId, ids, { triager: triage });
        assert.equal(r.messages, 2);
        throw new Error('worker killed');
      }),
      /worker killed/,
    );
    for (const id of ids) assert.equal(await messageFor(id), undefined);
    const statuses = await q((tx) =>
      tx.selectFrom('inbound_events').select('status').where('id', 'in', ids).execute(),
    );
    assert.deepEqual(
      statuses.map((s) => s.status),
      ['received', 'received'],
    );
    // The every-minute job picks them up; running it twice changes nothing.
    await t.services.ingest.processPending(councilId);
    await t.services.ingest.processPending(councilId);
    for (const id of ids) {
      const m = await messageFor(id);
      assert.ok(m, 'processed after the crash');
      assert.equal(m.message_count, 1);
    }
  });

  it('routes by service, sets the SLA due time, and sends emergencies to the urgent queue with a duty alert', async () => {
    const routine = item('My black bin was not collected again this week');
    const other = item('When is the next full council meeting?');
    const emergency = item(
      'There is a strong smell of gas in my kitchen and my neighbour is not answering the door',
    );
    const stored = await t.services.ingest.ingest(councilId, bluesky, batchOf(routine, other, emergency));
    await t.services.ingest.processPending(councilId);
    const [r, o, e] = await Promise.all(stored.events.map((ev) => messageFor(ev.id)));
    assert.equal(r?.team_id, wasteTeamId);
    assert.ok(r?.first_response_due_at instanceof Date);
    assert.equal(o?.team_id, defaultTeamId);
    assert.equal(e?.urgency, 'emergency');
    assert.equal(e?.team_id, urgentTeamId);
    const owed = await q((tx) =>
      tx
        .selectFrom('audit_events')
        .select(['entity_id', 'after'])
        .where('action', '=', 'inbox.duty_alert.queued')
        .execute(),
    );
    assert.ok(owed.some((a) => a.entity_id === e?.conversation_id));
    const jobs = await sql<{ data: { conversationId: string } }>`
      SELECT data FROM pgboss.job WHERE name = 'inbox.alert-duty'`.execute(t.services.db.system);
    assert.equal(jobs.rows.filter((j) => j.data.conversationId === e?.conversation_id).length, 1);
    // The sweep re-sends owed alerts; the job id is derived from the message, so still one job.
    await t.services.ingest.recoverDutyAlerts(councilId);
    const again = await sql<{ n: string }>`
      SELECT count(*) AS n FROM pgboss.job WHERE name = 'inbox.alert-duty' AND data->>'conversationId' = ${e!.conversation_id}`.execute(
      t.services.db.system,
    );
    assert.equal(Number(again.rows[0]!.n), 1);
  });

  it('audits that a duty alert could not be sent when no email or Notify account is connected', async () => {
    const { DutyAlerter } = await import('../src/modules/inbox/index.ts');
    const alerter = new DutyAlerter(t.services.db.app, t.services.channelAccounts, t.services.log);
    const emergency = item('My child has taken an overdose and is not waking up');
    const stored = await t.services.ingest.ingest(councilId, bluesky, batchOf(emergency));
    await t.services.ingest.processPending(councilId);
    const m = await messageFor(stored.events[0]!.id);
    assert.ok(m);
    const outcome = await alerter.send({
      councilId,
      conversationId: m.conversation_id,
      messageId: m.id,
      teamId: urgentTeamId,
    });
    assert.equal(outcome, 'not_sent');
    const audit = await q((tx) =>
      tx
        .selectFrom('audit_events')
        .select(['after'])
        .where('action', '=', 'inbox.duty_alert.not_sent')
        .where('entity_id', '=', m.conversation_id)
        .execute(),
    );
    assert.equal(audit.length, 1);
  });

  it('matches one contact across items from the same author, and threads replies into one conversation', async () => {
    const author = { id: 'did:plc:samesender', handle: 'same.test' };
    const root = item('The pavement on Queen Street is cracked and uneven', { author });
    const reply = item('Someone tripped there this morning', {
      author,
      threadId: root.externalId,
      inReplyTo: root.externalId,
      kind: 'reply',
    });
    const separate = item('Also, the park toilets are locked', { author });
    const stored = await t.services.ingest.ingest(councilId, bluesky, batchOf(root));
    await t.services.ingest.processPending(councilId);
    const later = await t.services.ingest.ingest(councilId, bluesky, batchOf(reply, separate));
    await t.services.ingest.processPending(councilId);
    const [m1, m2, m3] = await Promise.all([stored.events[0]!, ...later.events].map((e) => messageFor(e.id)));
    assert.equal(m2?.conversation_id, m1?.conversation_id);
    assert.equal(m2?.message_count, 2);
    assert.notEqual(m3?.conversation_id, m1?.conversation_id);
    assert.equal(m1?.contact_id, m3?.contact_id);
    // An email and a web form from the same address are the same resident.
    const byEmail = item('Is my council tax direct debit set up?', {
      kind: 'email',
      author: { id: 'ada@example.test', email: 'Ada@Example.test' },
    });
    const byForm = item('Following up on my email', {
      kind: 'form',
      author: { id: 'ada@example.test', email: 'ada@example.test', name: 'Ada' },
    });
    const e1 = await t.services.ingest.ingest(
      councilId,
      { kind: 'email', accountId: null },
      batchOf(byEmail),
    );
    const e2 = await t.services.ingest.ingest(councilId, { kind: 'web', accountId: null }, batchOf(byForm));
    await t.services.ingest.processPending(councilId);
    const [a, b] = await Promise.all([e1.events[0]!, e2.events[0]!].map((e) => messageFor(e.id)));
    assert.ok(a && b);
    assert.equal(a.contact_id, b.contact_id);
  });

  it('stores and processes bad input of every kind without dropping or crashing', async () => {
    const binary = randomBytes(2048).toString('latin1');
    const invalidUtf8 = Buffer.from([0x48, 0x69, 0xff, 0xfe, 0xc3, 0x28, 0x00, 0x21]).toString('utf8');
    const cases: [string, InboundItem][] = [
      ['empty', item('')],
      ['huge', item('Bins. '.repeat(175_000))],
      ['binary', item(binary, { raw: { bytes: Buffer.from(binary, 'latin1') } })],
      ['invalid utf-8', item(invalidUtf8)],
      ['lone surrogate and NUL', item('broken \ud800 text \u0000 here')],
      ['script', item('<script>alert("x")</script><b>Pothole</b> on Elm Road')],
      ['emoji', item('🚮🚮 bins overflowing again 😡🗑️ 👨‍👩‍👧')],
      ['rtl', item('هناك حفرة كبيرة في الشارع الرئيسي')],
      ['no place', item('hello?')],
      ['no author', item('who am I', { author: { id: '' } })],
    ];
    const stored = await t.services.ingest.ingest(councilId, bluesky, {
      items: cases.map(([, i]) => i),
      cursor: undefined,
      malformed: [
        { raw: Buffer.from([0, 1, 2, 255]), reason: 'not JSON' },
        { raw: '{"truncated', reason: 'bad JSON' },
      ],
    });
    assert.equal(stored.stored, cases.length + 2);
    const summary = await t.services.ingest.processPending(councilId);
    assert.equal(summary.failed, 0);
    for (const [name, i] of cases) {
      const ev = stored.events.find((e) => e.externalId === i.externalId);
      assert.ok(ev, `${name} stored`);
      const m = await messageFor(ev.id);
      assert.ok(m, `${name} processed into a message`);
      assert.ok(!m.body.includes('\u0000'), `${name}: no NUL in the message`);
      assert.ok(m.body.length <= 100_001, `${name}: body capped`);
    }
    // The whole 1 MB text is kept in the raw event.
    const huge = stored.events.find((e) => e.externalId === cases[1]![1].externalId)!;
    const raw = await q((tx) =>
      tx
        .selectFrom('inbound_events')
        .select(['payload', 'raw_text'])
        .where('id', '=', huge.id)
        .executeTakeFirstOrThrow(),
    );
    assert.equal((raw.payload as { item: { text: string } }).item.text.length, 'Bins. '.length * 175_000);
    // What jsonb cannot hold is kept as JSON text.
    const lone = stored.events.find((e) => e.externalId === cases[4]![1].externalId)!;
    const loneRaw = await q((tx) =>
      tx
        .selectFrom('inbound_events')
        .select(['payload', 'raw_text'])
        .where('id', '=', lone.id)
        .executeTakeFirstOrThrow(),
    );
    assert.equal(loneRaw.payload, null);
    assert.match(loneRaw.raw_text ?? '', /\\ud800/);
    const malformed = await q((tx) =>
      tx.selectFrom('inbound_events').select(['status', 'error']).where('status', '=', 'malformed').execute(),
    );
    assert.equal(malformed.length, 2);
    const script = await messageFor(stored.events.find((e) => e.externalId === cases[5]![1].externalId)!.id);
    assert.match(script?.body ?? '', /<script>/, 'stored as the resident wrote it; pages escape it');
  });

  it('marks an event that cannot be processed as failed and carries on with the rest', async () => {
    const good = item('Overgrown hedge blocking the pavement on Park Avenue');
    const bad = item('this one breaks');
    const stored = await t.services.ingest.ingest(councilId, bluesky, batchOf(good, bad));
    const [goodEv, badEv] = stored.events;
    // An event whose stored payload is not an item (damaged by hand) cannot be processed.
    await sql`UPDATE inbound_events SET payload = '{"v":1}'::jsonb WHERE id = ${badEv!.id}`.execute(
      t.services.db.system,
    );
    const summary = await t.services.ingest.processPending(councilId);
    assert.equal(summary.failed, 1);
    assert.ok(await messageFor(goodEv!.id));
    const row = await q((tx) =>
      tx
        .selectFrom('inbound_events')
        .select(['status', 'error'])
        .where('id', '=', badEv!.id)
        .executeTakeFirstOrThrow(),
    );
    assert.equal(row.status, 'failed');
    assert.ok(row.error);
  });

  it('assigns new conversations round-robin in teams that switch it on', async () => {
    const agents: string[] = [];
    for (const email of ['rr1@ingest-town.test', 'rr2@ingest-town.test'])
      agents.push(
        (
          await t.services.accounts.createUser(
            { councilId, userId: null, label: 'test' },
            { email, name: email, role: 'agent', password: 'correct horse battery staple' },
          )
        ).id,
      );
    await sql`UPDATE teams SET is_round_robin = true WHERE id = ${defaultTeamId}::uuid`.execute(
      t.services.db.system,
    );
    await sql`INSERT INTO team_members (council_id, team_id, user_id) SELECT ${councilId}::uuid, ${defaultTeamId}::uuid, unnest(${agents}::uuid[])`.execute(
      t.services.db.system,
    );
    const stored = await t.services.ingest.ingest(
      councilId,
      bluesky,
      batchOf(
        item('Question about parking permits'),
        item('Question about library hours'),
        item('Question about allotments'),
      ),
    );
    await t.services.ingest.processPending(councilId);
    const assignees = await Promise.all(
      stored.events.map(async (e) => {
        const m = await messageFor(e.id);
        return q((tx) =>
          tx
            .selectFrom('conversations')
            .select('assignee_id')
            .where('id', '=', m!.conversation_id)
            .executeTakeFirstOrThrow(),
        );
      }),
    );
    const ids = assignees.map((a) => a.assignee_id);
    assert.ok(ids.every((id) => id && agents.includes(id)));
    assert.notEqual(ids[0], ids[1]);
    assert.equal(ids[0], ids[2]);
  });
});
