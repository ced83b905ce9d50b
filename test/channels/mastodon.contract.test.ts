/**
 * The Mastodon connector against the Mastodon contract server: the shared contract, then what
 * only Mastodon has (content warnings, visibility, direct messages, HTML content).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runContractSuite, type Peer } from './contract-suite.ts';
import { startMastodonServer, type MastodonServer } from '../peers/mastodon/server.ts';
import { createMastodonConnector } from '../../src/modules/channels/mastodon/mastodon.connector.ts';
import { ChannelError } from '../../src/modules/channels/index.ts';

/** A 1x1 transparent PNG. */
export const tinyPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

const connect = (server: MastodonServer, timeoutMs = 2_000) =>
  createMastodonConnector({ baseUrl: server.baseUrl, accessToken: server.token, timeoutMs });

runContractSuite({
  name: 'mastodon',
  image: { data: new Uint8Array(tinyPng), mimeType: 'image/png' },
  async start() {
    const server = await startMastodonServer();
    const peer: Peer = {
      read: async (ref) => {
        const s = server.readStatus(ref.id);
        return s
          ? {
              text: s.text,
              altTexts: s.altTexts,
              ...(s.in_reply_to_id ? { inReplyTo: s.in_reply_to_id } : {}),
            }
          : undefined;
      },
      countContaining: async (marker) => server.countContaining(marker),
      injectFault: async (fault) => server.injectFault(fault),
      sendInbound: async (text) => server.residentWrites(text).statusId,
    };
    return { connector: connect(server), peer, close: () => server.close() };
  },
});

describe('mastodon connector', () => {
  let server: MastodonServer;
  before(async () => {
    server = await startMastodonServer();
  });
  after(() => server.close());
  const key = () => `key-${Math.random().toString(36).slice(2)}`;

  it('sends a content warning as spoiler_text and keeps the visibility', async () => {
    const c = connect(server);
    const p = await c.publish({
      text: 'Details of the flood response',
      contentWarning: 'Flooding',
      visibility: 'unlisted',
      idempotencyKey: key(),
    });
    const s = server.readStatus(p.ref.id);
    assert.equal(s?.spoiler_text, 'Flooding');
    assert.equal(s?.visibility, 'unlisted');
  });

  it('counts the content warning and links as Mastodon does', () => {
    const c = connect(server);
    const link = `https://example.gov.uk/${'a'.repeat(200)}`;
    assert.deepEqual(c.check({ text: `${'a'.repeat(470)} ${link}`, idempotencyKey: 'k' }), []);
    const problems = c.check({ text: 'a'.repeat(495), contentWarning: 'Roadworks', idempotencyKey: 'k' });
    assert.match(problems[0]?.message ?? '', /4 characters over/);
    assert.ok(
      c
        .check({
          text: 'x',
          idempotencyKey: 'k',
          media: [{ data: tinyPng, mimeType: 'image/png', altText: 'a'.repeat(1501) }],
        })
        .some((p) => p.field === 'altText'),
    );
  });

  it('refuses before sending when check finds a problem', async () => {
    const c = connect(server);
    const before = server.requests.length;
    await assert.rejects(
      c.publish({ text: 'a'.repeat(600), idempotencyKey: key() }),
      (e: unknown) => e instanceof ChannelError && e.kind === 'rejected',
    );
    assert.equal(server.requests.length, before);
  });

  it('the server enforces the limit too (422 with Mastodon’s words)', async () => {
    const res = await fetch(`${server.baseUrl}/api/v1/statuses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'a'.repeat(501) }),
    });
    assert.equal(res.status, 422);
    assert.deepEqual(await res.json(), { error: 'Validation failed: Text character limit of 500 exceeded' });
  });

  it('publishes once when the same Idempotency-Key is sent twice', async () => {
    const c = connect(server);
    const input = { text: `Library hours change ${key()}`, idempotencyKey: key() };
    const a = await c.publish(input);
    const b = await c.publish(input);
    assert.equal(a.ref.id, b.ref.id);
    assert.equal(server.requests.filter((r) => r.idempotencyKey === input.idempotencyKey).length, 2);
  });

  it('a direct message arrives as direct_message and is private', async () => {
    const c = connect(server);
    const { statusId } = server.residentWrites('My council tax reference is 1234', { visibility: 'direct' });
    const batch = await c.fetchInbound(undefined);
    const dm = batch.items.find((i) => i.externalId === statusId);
    assert.equal(dm?.kind, 'direct_message');
    assert.equal(dm?.isPrivate, true);
  });

  it('turns inbound HTML into plain text with no tags, keeping the raw payload', async () => {
    const c = connect(server);
    const html =
      '<p><span class="h-card"><a href="https://x/@townsquarecouncil" class="u-url mention">@<span>townsquarecouncil</span></a></span> Pothole on ' +
      '<a href="https://maps.example/p?q=1&amp;z=2" rel="nofollow"><span class="invisible">https://</span><span class="">maps.example/p?q=1&amp;z=2</span></a></p>' +
      '<p>Near no. 5 &lt;b&gt;<br />Thanks<script>alert(1)</script></p>';
    const { statusId, notificationId } = server.residentWrites('ignored', { html, spoiler: 'Roads' });
    const batch = await c.fetchInbound(undefined);
    const item = batch.items.find((i) => i.externalId === statusId);
    assert.equal(
      item?.text,
      '@townsquarecouncil Pothole on https://maps.example/p?q=1&z=2\n\nNear no. 5 <b>\nThanks',
    );
    assert.equal(item?.subject, 'Roads');
    assert.equal((item?.raw as { id: string }).id, notificationId);
    assert.equal(batch.cursor, notificationId);
  });

  it('replies privately as a direct status addressed to the resident', async () => {
    const c = connect(server);
    const { statusId } = server.residentWrites('Where do I get a permit?');
    const r = await c.reply(
      { id: statusId },
      { text: 'We have sent you the form.', idempotencyKey: key() },
      { isPrivate: true },
    );
    const s = server.readStatus(r.ref.id);
    assert.equal(s?.visibility, 'direct');
    assert.equal(s?.in_reply_to_id, statusId);
    assert.match(s?.text ?? '', /^@resident@social\.example /);
  });

  it('reads metrics and classifies a timeout and a revoked token', async () => {
    const c = connect(server, 200);
    const p = await c.publish({ text: `Metrics ${key()}`, idempotencyKey: key() });
    assert.deepEqual(await c.readMetrics(p.ref), { likes: 0, reposts: 0, replies: 0 });
    server.injectFault('timeout');
    await assert.rejects(
      c.readMetrics(p.ref),
      (e: unknown) => e instanceof ChannelError && e.kind === 'unavailable',
    );
    const other = await startMastodonServer();
    other.expireToken();
    await assert.rejects(
      connect(other).verifyCredentials(),
      (e: unknown) => e instanceof ChannelError && e.kind === 'auth_expired',
    );
    await other.close();
  });

  it('sees the counts move when residents favourite and boost, once each, as Mastodon counts them', async () => {
    const c = connect(server);
    const p = await c.publish({ text: `Engagement ${key()}`, idempotencyKey: key() });
    const act = (action: string, token = server.residentToken, id = p.ref.id) =>
      fetch(`${server.baseUrl}/api/v1/statuses/${id}/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
    const fav = await act('favourite');
    assert.equal(fav.status, 200);
    assert.deepEqual(
      ((await fav.json()) as { favourited: boolean; favourites_count: number }).favourites_count,
      1,
    );
    assert.equal((await act('favourite')).status, 200, 'favouriting again is allowed');
    const boost = (await (await act('reblog')).json()) as {
      id: string;
      reblog: { id: string; reblogs_count: number };
    };
    assert.equal(boost.reblog.id, p.ref.id);
    assert.notEqual(boost.id, p.ref.id, 'a boost is a status of its own');
    assert.equal((await act('reblog')).status, 200);
    assert.deepEqual(await c.readMetrics(p.ref), { likes: 1, reposts: 1, replies: 0 }, 'once per person');
    assert.equal((await act('favourite', 'not-a-token')).status, 401);
    assert.equal((await act('favourite', server.residentToken, '1')).status, 404);
    // A direct message cannot be boosted, even by the resident it mentions.
    const dm = await c.publish({
      text: `@resident@social.example Private ${key()}`,
      idempotencyKey: key(),
      visibility: 'direct',
    });
    assert.equal((await act('reblog', server.residentToken, dm.ref.id)).status, 403);
    await act('unfavourite');
    assert.deepEqual(await c.readMetrics(p.ref), { likes: 0, reposts: 1, replies: 0 });
  });

  it('keeps a malformed notification raw instead of throwing', async () => {
    const { mapNotification } = await import('../../src/modules/channels/mastodon/mastodon.mapper.ts');
    const out = mapNotification({ id: '9', type: 'mention', status: { id: '1' } });
    assert.ok('reason' in out);
  });
});
