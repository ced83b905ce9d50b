/**
 * The Bluesky connector against a real local PDS and PLC directory (`@atproto/dev-env`),
 * reached through the fault proxy; what the PDS holds is read back directly.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BlueskyConnector } from '../../src/modules/channels/bluesky/bluesky.connector.ts';
import { ChannelError } from '../../src/modules/channels/index.ts';
import { startFaultProxy, xrpcFaults, type FaultProxy } from '../peers/fault-proxy.ts';
import { startBlueskyPeer, type BlueskyPeer, type PeerAccount } from '../peers/bluesky/index.ts';
import { runContractSuite } from './contract-suite.ts';

// One PDS for the file (it takes seconds to start); each harness gets its own proxy.
let network: Promise<{ peer: BlueskyPeer; council: PeerAccount; resident: PeerAccount }> | undefined;
const startNetwork = () =>
  (network ??= (async () => {
    const peer = await startBlueskyPeer();
    const council = await peer.createAccount('council.test');
    const resident = await peer.createAccount('resident.test');
    return { peer, council, resident };
  })());
after(async () => (await network)?.peer.close());

async function connectorThroughProxy(): Promise<{ connector: BlueskyConnector; proxy: FaultProxy }> {
  const { peer, council } = await startNetwork();
  const proxy = await startFaultProxy({ target: peer.pdsUrl, shape: xrpcFaults, rewriteOrigin: true });
  const connector = new BlueskyConnector(
    { service: proxy.url, identifier: council.handle, appPassword: council.appPassword },
    { inbound: 'pds-scan' },
  );
  await connector.verifyCredentials();
  return { connector, proxy };
}

// 1x1 transparent PNG.
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

runContractSuite({
  name: 'bluesky',
  image: { data: png, mimeType: 'image/png' },
  async start() {
    const { peer, council, resident } = await startNetwork();
    const { connector, proxy } = await connectorThroughProxy();
    return {
      connector,
      close: () => proxy.close(),
      peer: {
        async read(ref) {
          const post = await peer.readPost(ref.id);
          if (!post) return undefined;
          return {
            text: post.text,
            altTexts: post.embed?.images?.map((i) => i.alt) ?? [],
            ...(post.reply ? { inReplyTo: post.reply.parent.uri } : {}),
          };
        },
        countContaining: async (marker) =>
          (await peer.listPosts(council.did)).filter((p) => p.value.text.includes(marker)).length,
        async injectFault(fault) {
          // A revoked app password: the access token is refused, then the refresh token, then
          // the connector's one fresh sign-in with the app password.
          proxy.failNext(fault, { times: fault === 'auth_expired' ? 3 : 1 });
        },
        sendInbound: async (text) => (await peer.post(resident, `@${council.handle} ${text}`)).uri,
      },
    };
  },
});

describe('bluesky connector', () => {
  let connector: BlueskyConnector;
  let proxy: FaultProxy;
  let peer: BlueskyPeer;
  let council: PeerAccount;
  let resident: PeerAccount;
  const key = () => `key-${Math.random().toString(36).slice(2)}`;

  before(async () => {
    ({ peer, council, resident } = await startNetwork());
    ({ connector, proxy } = await connectorThroughProxy());
  });
  after(async () => proxy.close());

  it('writes facets with UTF-8 byte offsets, after emoji', async () => {
    const text = '🏳️‍🌈 Café news from @resident.test: https://example.org/bins #Recycling';
    const published = await connector.publish({ text, idempotencyKey: key() });
    const post = await peer.readPost(published.ref.id);
    const bytes = Buffer.from(text, 'utf8');
    const spans = (post?.facets ?? []).map((f) => ({
      text: bytes.subarray(f.index.byteStart, f.index.byteEnd).toString('utf8'),
      feature: f.features[0],
    }));
    assert.deepEqual(spans, [
      { text: '@resident.test', feature: { $type: 'app.bsky.richtext.facet#mention', did: resident.did } },
      {
        text: 'https://example.org/bins',
        feature: { $type: 'app.bsky.richtext.facet#link', uri: 'https://example.org/bins' },
      },
      { text: '#Recycling', feature: { $type: 'app.bsky.richtext.facet#tag', tag: 'Recycling' } },
    ]);
  });

  it('turns a 700-grapheme post into a thread whose parts reply to each other', async () => {
    const sentence = 'The council meets on Tuesday to discuss the new library opening hours. ';
    const text = sentence.repeat(10).slice(0, 700);
    const published = await connector.publish({ text, idempotencyKey: key() });
    const parts = published.parts ?? [];
    assert.equal(parts.length, 3);
    const records = await Promise.all(parts.map((p) => peer.readPost(p.id)));
    assert.equal(records[0]?.reply, undefined);
    for (let i = 1; i < parts.length; i += 1) {
      assert.equal(records[i]?.reply?.parent.uri, parts[i - 1]!.id);
      assert.equal(records[i]?.reply?.root.uri, parts[0]!.id);
    }
    for (const r of records) assert.ok([...new Intl.Segmenter().segment(r!.text)].length <= 300);
    assert.match(records[2]!.text, /\(3\/3\)$/);
  });

  it('fetches a mention from another account with its author and keeps the raw record', async () => {
    const marker = key();
    const sent = await peer.post(resident, `@council.test the streetlight on Mill Lane is out ${marker}`);
    const batch = await connector.fetchInbound(undefined);
    const item = batch.items.find((i) => i.externalId === sent.uri);
    assert.ok(item, 'the mention is fetched');
    assert.equal(item.kind, 'mention');
    assert.deepEqual(item.author, { id: resident.did, handle: 'resident.test' });
    assert.equal(item.text, `@council.test the streetlight on Mill Lane is out ${marker}`);
    assert.equal(item.url, `https://bsky.app/profile/resident.test/post/${sent.uri.split('/').pop()}`);
    const raw = item.raw as { uri: string; cid: string; value: { text: string } };
    assert.equal(raw.cid, sent.cid);
    assert.equal(raw.value.text, item.text);
  });

  it('fetches a reply to a council post as a reply in its thread', async () => {
    const parent = await connector.publish({
      text: `Library hours are changing ${key()}`,
      idempotencyKey: key(),
    });
    const root = { uri: parent.ref.id, cid: parent.ref.meta!.cid! };
    const before = await connector.fetchInbound(undefined);
    const sent = await peer.post(resident, 'Will it open on Sundays?', { root, parent: root });
    const batch = await connector.fetchInbound(before.cursor);
    assert.deepEqual(
      batch.items.map((i) => [i.externalId, i.kind, i.inReplyTo, i.threadId]),
      [[sent.uri, 'reply', parent.ref.id, parent.ref.id]],
    );
  });

  it('derives the record key from the idempotency key, so a retry finds the post', async () => {
    const input = {
      text: `Council tax bills are out ${key()}`,
      idempotencyKey: key(),
      intendedAt: new Date('2026-03-01T09:00:00Z'),
    };
    assert.equal(await connector.findPublished(input), undefined);
    const first = await connector.publish(input);
    // A crash after the PDS stored it: the retry publishes again and gets the same post.
    const again = await connector.publish(input);
    assert.equal(again.ref.id, first.ref.id);
    assert.equal((await connector.findPublished(input))?.ref.id, first.ref.id);
    assert.equal((await peer.listPosts(council.did)).filter((p) => p.value.text === input.text).length, 1);
  });

  it('refreshes an expired access token once and publishes exactly once', async () => {
    proxy.failNext('auth_expired');
    const text = `Refreshed session ${key()}`;
    await connector.publish({ text, idempotencyKey: key() });
    assert.equal((await peer.listPosts(council.did)).filter((p) => p.value.text === text).length, 1);
  });

  it('takes the wait from ratelimit-reset', async () => {
    proxy.failNext('rate_limited', { retryAfterSeconds: 90 });
    await assert.rejects(connector.publish({ text: 'x', idempotencyKey: key() }), (e: unknown) => {
      assert.ok(e instanceof ChannelError && e.kind === 'rate_limited');
      assert.ok(e.retryAfterSeconds! >= 89 && e.retryAfterSeconds! <= 91, String(e.retryAfterSeconds));
      return true;
    });
  });

  it('refuses bad input before sending, saying which limit and by how much', async () => {
    const big = { data: new Uint8Array(1_000_250), mimeType: 'image/png', altText: 'x'.repeat(2003) };
    const messages = connector
      .check({ text: 'Hi @bad..handle.test and @-x.test', idempotencyKey: 'k', media: [big] })
      .map((p) => p.message);
    assert.deepEqual(messages, [
      '"@bad..handle.test" is not a valid Bluesky handle (like @name.bsky.social)',
      '"@-x.test" is not a valid Bluesky handle (like @name.bsky.social)',
      'Image 1 is 1,000,250 bytes; Bluesky allows 1,000,000 bytes (over by 250 bytes)',
      "Image 1's alt text is 2,003 characters; the limit is 2,000 characters (over by 3 characters)",
    ]);
    const sent = proxy.requests.length;
    await assert.rejects(
      connector.publish({ text: 'Hello @nobody.test', idempotencyKey: key() }),
      (e: unknown) => {
        assert.ok(e instanceof ChannelError && e.kind === 'rejected');
        assert.match(e.message, /@nobody\.test is not a Bluesky account/);
        return true;
      },
    );
    assert.deepEqual(
      proxy.requests.slice(sent).map((r) => r.split('?')[0]),
      ['GET /xrpc/com.atproto.identity.resolveHandle'],
    );
  });
});
