/**
 * Bluesky hashtag posts that do not mention the council, on a real local PDS read through its
 * repo-event stream (com.atproto.sync.subscribeRepos, signatures checked against the local PLC
 * directory): a resident's "#ValeCouncil" post reaches the inbox as a Bluesky message from that
 * resident and becomes a question for the open meeting using the tag; a post without the tag
 * is ignored; a post that also mentions the council is one event whether the stream or the
 * connector's poll stores it; a malformed record with the tag is stored raw; after a restart
 * the listener resumes from its saved cursor, taking what was posted while it was down and
 * nothing it had already handled.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StaffUser } from '../src/modules/accounts/index.ts';
import { canFetchInbound, carriesTag, type InboundBatch } from '../src/modules/channels/index.ts';
import type { Meeting } from '../src/modules/meetings/index.ts';
import { withCouncil } from '../src/db/index.ts';
import { startBlueskyPeer, type BlueskyPeer, type PeerAccount } from './peers/bluesky/index.ts';
import { createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';

const day = 86400_000;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('Bluesky posts carrying a meeting hashtag, from the repo-event stream', () => {
  let ctx: TestContext;
  let pds: BlueskyPeer;
  let council: PeerAccount;
  let resident: PeerAccount;
  let neighbour: PeerAccount;
  let councilId: string;
  let accountId: string;
  let admin: StaffUser;
  let meeting: Meeting;
  /** How many times the listener handed each post's URI to ingest. */
  const ingested = new Map<string, number>();
  let failures = 0;

  const events = (uri: string) =>
    withCouncil(ctx.services.db.app, councilId, (tx) =>
      tx
        .selectFrom('inbound_events')
        .select(['id', 'status', 'channel_account_id', 'error'])
        .where('external_id', '=', uri)
        .execute(),
    );
  const eventFor = (uri: string) => until(`the inbox event for ${uri}`, async () => (await events(uri))[0]);

  before(async () => {
    pds = await startBlueskyPeer();
    ctx = await startTestApp({
      TOWNSQUARE_BLUESKY_STREAM_URL: pds.pdsUrl,
      TOWNSQUARE_BLUESKY_PLC_URL: pds.plcUrl,
    });
    const made = await createCouncilWithStaff(ctx.services, 'vale', [
      { email: 'admin@vale.test', role: 'admin' },
    ]);
    councilId = made.councilId;
    admin = made.users[0]!;
    const actor = { councilId, userId: admin.id, label: admin.email };
    // Processing and filing are run by hand below; queued jobs wait.
    await ctx.services.jobs.start({ work: false });
    council = await pds.createAccount('council.test');
    resident = await pds.createAccount('resident.test');
    neighbour = await pds.createAccount('neighbour.test');
    const account = await ctx.services.channelAccounts.connect(actor, {
      kind: 'bluesky',
      name: 'Council Bluesky',
      settings: {
        service: pds.pdsUrl,
        identifier: 'council.test',
        inbound: 'pds-scan',
        watchHashtags: 'yes',
      },
      credentials: { appPassword: council.appPassword },
    });
    accountId = account.id;
    meeting = await ctx.services.meetings.meetings.createMeeting(actor, {
      committeeId: null,
      title: 'Full Council',
      location: 'Town Hall',
      attendance: 'hybrid',
      streamUrl: null,
      recordingUrl: null,
      startsAt: new Date(Date.now() + 10 * day),
      hashtag: 'ValeCouncil',
    });
    const ingest = ctx.services.ingest;
    const original = ingest.ingest.bind(ingest);
    ingest.ingest = async (id, source, batch: InboundBatch, opts) => {
      for (const item of batch.items) ingested.set(item.externalId, (ingested.get(item.externalId) ?? 0) + 1);
      // The database goes away once, while the listener stores this post.
      if (failures === 0 && batch.items.some((i) => i.text.includes('(database away)'))) {
        failures += 1;
        throw new Error('Connection terminated unexpectedly');
      }
      return original(id, source, batch, opts);
    };
    // A first start reads live; start this one at the PDS's beginning so that nothing posted
    // while the WebSocket is still opening is missed.
    await ctx.services.db.system
      .insertInto('bluesky_stream_cursors')
      .values({ service: pds.pdsUrl.replace(/^http/, 'ws'), seq: 0 })
      .execute();
    await ctx.services.blueskyTags.start();
  });
  after(async () => {
    await ctx?.services.blueskyTags.stop();
    await Promise.allSettled([ctx?.close(), pds?.close()]);
  });

  it('takes a hashtag post that does not mention the council as a Bluesky message and a question', async () => {
    const untagged = await pds.post(resident, 'Lovely morning by the river in the Vale.');
    const otherTag = await pds.post(neighbour, 'Off to the match #ValeRovers');
    const tagged = await pds.post(resident, 'Will the bypass be discussed? #ValeCouncil');
    const event = await eventFor(tagged.uri);
    assert.equal(event.channel_account_id, accountId);
    // Stream order: the untagged posts came first and were passed over.
    assert.deepEqual(await events(untagged.uri), []);
    assert.deepEqual(await events(otherTag.uri), []);
    assert.equal(ingested.get(untagged.uri), undefined);

    await ctx.services.ingest.processPending(councilId);
    const message = await withCouncil(ctx.services.db.app, councilId, (tx) =>
      tx
        .selectFrom('messages as m')
        .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
        .innerJoin('contact_identities as i', 'i.contact_id', 'c.contact_id')
        .select(['m.id', 'm.body', 'c.channel_kind', 'i.external_id', 'i.handle'])
        .where('m.inbound_event_id', '=', event.id)
        .executeTakeFirstOrThrow(),
    );
    assert.equal(message.channel_kind, 'bluesky');
    assert.equal(message.body, 'Will the bypass be discussed? #ValeCouncil');
    assert.equal(message.external_id, resident.did);
    assert.equal(message.handle, 'resident.test');

    await ctx.services.meetings.inboxQuestions.filePending(councilId);
    const question = await withCouncil(ctx.services.db.app, councilId, (tx) =>
      tx
        .selectFrom('meeting_questions')
        .selectAll()
        .where('message_id', '=', message.id)
        .executeTakeFirstOrThrow(),
    );
    assert.equal(question.meeting_id, meeting.id);
    assert.equal(question.text, 'Will the bypass be discussed?');
    assert.equal(question.channel_kind, 'bluesky');
  });

  it('stores a post that mentions the council and carries the tag once, from either source', async () => {
    const both = await pds.post(resident, '@council.test When is the budget vote? #ValeCouncil');
    await eventFor(both.uri);
    // The connector's poll finds the same post as a mention.
    const { connector } = await ctx.services.channelAccounts.connectorFor(councilId, accountId);
    assert.ok(canFetchInbound(connector));
    const batch = await connector.fetchInbound(undefined);
    const polled = batch.items.filter((i) => i.externalId === both.uri);
    assert.equal(polled.length, 1);
    const r = await ctx.services.ingest.ingest(
      councilId,
      { kind: 'bluesky', accountId },
      { ...batch, items: polled },
    );
    assert.equal(r.duplicates, 1);
    assert.equal(r.stored, 0);
    assert.equal((await events(both.uri)).length, 1);
  });

  it('stores a malformed record that carries the tag raw, and keeps reading', async () => {
    // validate: false lets a broken client's record through the PDS, as the network can.
    const bad = await resident.agent.com.atproto.repo.createRecord({
      repo: resident.did,
      collection: 'app.bsky.feed.post',
      validate: false,
      record: { $type: 'app.bsky.feed.post', text: 'Bins? #ValeCouncil', createdAt: 'yesterday-ish' },
    });
    const after = await pds.post(resident, 'And the library hours? #ValeCouncil');
    await eventFor(after.uri);
    const malformed = await withCouncil(ctx.services.db.app, councilId, (tx) =>
      tx
        .selectFrom('inbound_events')
        .select(['status', 'error', 'payload'])
        .where('status', '=', 'malformed')
        .execute(),
    );
    assert.equal(malformed.length, 1);
    assert.match(malformed[0]!.error ?? '', /createdAt/);
    const raw = (malformed[0]!.payload as { malformed: { raw: { uri: string; value: { text: string } } } })
      .malformed.raw;
    assert.equal(raw.uri, bad.data.uri);
    assert.equal(raw.value.text, 'Bins? #ValeCouncil');
  });

  it('reopens the stream from its cursor when a post cannot be stored, losing nothing', async () => {
    const first = await pds.post(resident, 'Any news on the leisure centre? #ValeCouncil (database away)');
    const second = await pds.post(neighbour, 'What about potholes on Mill Lane? #ValeCouncil');
    await eventFor(second.uri);
    assert.equal(failures, 1);
    // Tried, refused, replayed from the saved cursor and stored once.
    assert.equal(ingested.get(first.uri), 2);
    assert.equal((await events(first.uri)).length, 1);
  });

  it('resumes from the saved cursor after a restart: nothing lost, nothing handled twice', async () => {
    await ctx.services.blueskyTags.stop();
    const saved = await ctx.services.db.system
      .selectFrom('bluesky_stream_cursors')
      .select(['service', 'seq'])
      .executeTakeFirstOrThrow();
    assert.ok(Number(saved.seq) > 0);
    const before = new Map(ingested);
    const whileDown = await pds.post(neighbour, 'Is the park consultation still open? #valecouncil');
    await ctx.services.blueskyTags.start();
    await eventFor(whileDown.uri);
    assert.equal(ingested.get(whileDown.uri), 1);
    // Everything handled before the restart stayed handled: no replay from the start.
    for (const [uri, count] of before) assert.equal(ingested.get(uri), count, uri);
    assert.equal((await events(whileDown.uri)).length, 1);
  });
});

describe('carriesTag', () => {
  const tags = new Set(['valecouncil']);
  it('finds a tag facet, an outline tag or #tag in the text, in any case', () => {
    const facet = {
      index: { byteStart: 0, byteEnd: 4 },
      features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'ValeCouncil' }],
    };
    assert.equal(carriesTag({ text: 'Hi', facets: [facet] }, tags), true);
    assert.equal(carriesTag({ text: 'Hi', tags: ['VALECOUNCIL'] }, tags), true);
    assert.equal(carriesTag({ text: 'Question #valeCouncil?' }, tags), true);
  });
  it('ignores longer tags, entities, other tags and broken records', () => {
    assert.equal(carriesTag({ text: '#ValeCouncilTax rises' }, tags), false);
    assert.equal(carriesTag({ text: 'a&#ValeCouncil' }, tags), false);
    assert.equal(carriesTag({ text: '#ValeRovers' }, tags), false);
    assert.equal(carriesTag({ facets: 'x', tags: 3 }, tags), false);
    assert.equal(carriesTag(null, tags), false);
    assert.equal(carriesTag({ text: '#ValeCouncil' }, new Set()), false);
  });
});
