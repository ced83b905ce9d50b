/**
 * Live updates: `announceMany` sends many events in one statement, packed into NOTIFY payloads
 * that stay under PostgreSQL's 8000-byte limit, only when the transaction commits; LiveHub
 * hands every event to the council's subscribers, whether it came alone or packed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { withCouncil } from '../src/db/index.ts';
import { LiveHub, announce, announceMany, type InboxLiveEvent } from '../src/modules/inbox/index.ts';
import { createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';

describe('inbox live updates', () => {
  let ctx: TestContext;
  let hub: LiveHub;
  let raw: pg.Client;
  let councilId: string;
  const payloads: string[] = [];

  before(async () => {
    ctx = await startTestApp();
    councilId = (await createCouncilWithStaff(ctx.services, 'live-town')).councilId;
    hub = new LiveHub(ctx.services.db.url);
    await hub.start();
    raw = new pg.Client({ connectionString: ctx.services.db.url });
    await raw.connect();
    raw.on('notification', (n) => payloads.push(n.payload ?? ''));
    await raw.query('LISTEN townsquare_inbox');
  });
  after(async () => {
    await raw.end();
    await hub.stop();
    await ctx.close();
  });

  async function collect(count: number, fn: () => Promise<void>): Promise<InboxLiveEvent[]> {
    const got: InboxLiveEvent[] = [];
    payloads.length = 0;
    const unsubscribe = hub.subscribe(councilId, (e) => got.push(e));
    try {
      await fn();
      const until = Date.now() + 5000;
      while (got.length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100)); // anything extra would arrive now
    } finally {
      unsubscribe();
    }
    return got;
  }

  it('announces many events in payloads under the NOTIFY limit, all delivered in order', async () => {
    const events: InboxLiveEvent[] = Array.from({ length: 500 }, (_, i) => ({
      type: i % 2 ? 'message.created' : 'conversation.created',
      conversationId: randomUUID(),
      urgency: i % 7 ? 'routine' : 'emergency',
    }));
    const got = await collect(events.length, () =>
      withCouncil(ctx.services.db.app, councilId, (tx) => announceMany(tx, councilId, events)),
    );
    assert.deepEqual(
      got.map((e) => [e.type, e.conversationId, e.urgency]),
      events.map((e) => [e.type, e.conversationId, e.urgency]),
    );
    assert.ok(payloads.length > 1, 'too much for one payload: chunked');
    assert.ok(payloads.length < 50, `packed, not one NOTIFY per event (${payloads.length})`);
    for (const p of payloads)
      assert.ok(Buffer.byteLength(p) < 8000, `payload of ${Buffer.byteLength(p)} bytes`);
  });

  it('a single announce still arrives, and a rolled-back transaction announces nothing', async () => {
    const conversationId = randomUUID();
    const got = await collect(1, async () => {
      await withCouncil(ctx.services.db.app, councilId, (tx) =>
        announce(tx, councilId, { type: 'case.updated', conversationId, status: 'open' }),
      );
      await withCouncil(ctx.services.db.app, councilId, async (tx) => {
        await announceMany(tx, councilId, [{ type: 'message.created', conversationId: randomUUID() }]);
        throw new Error('roll back');
      }).catch(() => undefined);
      await withCouncil(ctx.services.db.app, councilId, (tx) => announceMany(tx, councilId, []));
    });
    assert.deepEqual(
      got.map((e) => [e.type, e.conversationId, e.status]),
      [['case.updated', conversationId, 'open']],
    );
  });
});
