/**
 * The X connector (twitter-api-v2 pointed at the X contract server): the shared contract,
 * then what only X has (duplicate-content refusals, weighted length, threads, t.co links).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runContractSuite, type Peer } from './contract-suite.ts';
import { startXServer, type XServer } from '../peers/x/server.ts';
import { createXConnector } from '../../src/modules/channels/x/x.connector.ts';
import { ChannelError } from '../../src/modules/channels/index.ts';

const tinyPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

const connect = (server: XServer, timeoutMs = 2_000) =>
  createXConnector({ accessToken: server.token, apiBaseUrl: server.baseUrl, timeoutMs });

runContractSuite({
  name: 'x',
  image: { data: new Uint8Array(tinyPng), mimeType: 'image/png' },
  async start() {
    const server = await startXServer();
    const peer: Peer = {
      read: async (ref) => {
        const t = server.readTweet(ref.id);
        return t
          ? { text: t.source, altTexts: t.altTexts, ...(t.inReplyTo ? { inReplyTo: t.inReplyTo.id } : {}) }
          : undefined;
      },
      countContaining: async (marker) => server.countContaining(marker),
      injectFault: async (fault) => server.injectFault(fault),
      sendInbound: async (text) => server.residentMentions(text),
    };
    return { connector: connect(server), peer, close: () => server.close() };
  },
});

describe('x connector', () => {
  let server: XServer;
  before(async () => {
    server = await startXServer();
  });
  after(() => server.close());
  const tag = () => Math.random().toString(36).slice(2, 10);

  it('finds the earlier tweet when X refuses a retry as duplicate content', async () => {
    const c = connect(server);
    const input = {
      text: `Council meeting tonight at 7pm ${tag()}`,
      idempotencyKey: 'k1',
      intendedAt: new Date(),
    };
    const first = await c.publish(input);
    // The worker crashed before recording `first`; the retry meets X's duplicate refusal.
    const retry = await c.publish(input);
    assert.equal(retry.ref.id, first.ref.id);
    assert.equal(server.countContaining(input.text), 1);
  });

  it('rejects a duplicate of an older post that is not this intent', async () => {
    const c = connect(server);
    const text = `Recycling centre open ${tag()}`;
    await c.publish({ text, idempotencyKey: 'a' });
    const later = new Date(Date.now() + 60 * 60_000);
    await assert.rejects(c.publish({ text, idempotencyKey: 'b', intendedAt: later }), (e: unknown) => {
      assert.ok(e instanceof ChannelError);
      assert.equal(e.kind, 'rejected');
      assert.match(e.providerReason ?? '', /duplicate content/);
      return true;
    });
  });

  it('threads text over 280 weighted units, each part a reply to the one before', async () => {
    const c = connect(server);
    const m = tag();
    const text = `${'The consultation on the new town plan is open. '.repeat(12)}${m}`;
    const p = await c.publish({ text, idempotencyKey: 'thread' });
    assert.ok(p.parts && p.parts.length > 1);
    const [a, b] = [server.readTweet(p.parts[0]!.id), server.readTweet(p.parts[1]!.id)];
    assert.equal(b?.inReplyTo?.id, a?.id);
    assert.match(a?.source ?? '', /\(1\/\d\)$/);
    const found = await c.findPublished({ text, idempotencyKey: 'thread' });
    assert.deepEqual(found?.parts, p.parts);
    await c.delete(p.ref);
    assert.equal(server.countContaining(m), 0);
  });

  it('counts CJK and emoji as X weighs them', () => {
    const c = connect(server);
    assert.equal(
      c.check({ text: '市'.repeat(141), idempotencyKey: 'k' }).length,
      0,
      'threads rather than refuses',
    );
    assert.ok(
      c
        .check({
          text: 'x',
          idempotencyKey: 'k',
          media: [{ data: tinyPng, mimeType: 'image/png', altText: ' ' }],
        })
        .some((p) => p.field === 'altText'),
    );
  });

  it('expands t.co links and unescapes entities in inbound mentions', async () => {
    const c = connect(server);
    const id = server.residentMentions('Bins & boxes <missed> see https://photos.example/bin/123');
    const batch = await c.fetchInbound(undefined);
    const item = batch.items.find((i) => i.externalId === id);
    assert.equal(item?.text, '@townsquarecouncil Bins & boxes <missed> see https://photos.example/bin/123');
    assert.equal(item?.author.handle, '@aresident');
    assert.equal(item?.kind, 'mention');
  });

  it('refuses a private reply rather than answering in public', async () => {
    const c = connect(server);
    const id = server.residentMentions('Private question');
    await assert.rejects(
      c.reply({ id }, { text: 'Answer', idempotencyKey: 'r' }, { isPrivate: true }),
      (e: unknown) => e instanceof ChannelError && e.kind === 'rejected',
    );
  });

  it('classifies a timeout as unavailable and reads metrics', async () => {
    const c = connect(server, 200);
    const p = await c.publish({ text: `Metrics ${tag()}`, idempotencyKey: 'm' });
    assert.deepEqual(await c.readMetrics(p.ref), { likes: 0, reposts: 0, replies: 0, quotes: 0, views: 0 });
    // Changing what readTweet returns changes nothing: counts move only through the hook.
    server.readTweet(p.ref.id)!.metrics.like_count = 99;
    assert.equal((await c.readMetrics(p.ref)).likes, 0);
    server.setMetrics(p.ref.id, { like_count: 7, retweet_count: 2, impression_count: 310 });
    assert.deepEqual(await c.readMetrics(p.ref), { likes: 7, reposts: 2, replies: 0, quotes: 0, views: 310 });
    assert.throws(() => server.setMetrics(p.ref.id, { like_count: -1 }), /0 or more/);
    server.injectFault('timeout');
    await assert.rejects(
      c.verifyCredentials(),
      (e: unknown) => e instanceof ChannelError && e.kind === 'unavailable',
    );
  });
});
