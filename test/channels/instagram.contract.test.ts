/**
 * Instagram connector against the Graph API contract server (container, then publish),
 * with images hosted by the contract server as the council's public site would host them.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runContractSuite } from './contract-suite.ts';
import { tinyJpeg, tinyPng } from './webhook-receiver.ts';
import { GraphContractServer } from '../peers/graph/server.ts';
import { graphAccess, graphHarness, postSigned, startGraphPeer } from '../peers/graph/harness.ts';
import { InstagramConnector, instagramReplyTarget } from '../../src/modules/channels/instagram/index.ts';
import { ChannelError } from '../../src/modules/channels/index.ts';

const verifyToken = 'townsquare-ig-verify';

function connect(server: GraphContractServer, withFallback = true) {
  return new InstagramConnector({
    ...graphAccess(server, verifyToken),
    igUserId: server.igUserId,
    hostImage: async (m) => server.hostImage(m.data, m.mimeType),
    ...(withFallback
      ? { fallbackImage: { data: tinyJpeg, mimeType: 'image/jpeg', altText: 'Kirkby Borough Council logo' } }
      : {}),
  });
}

runContractSuite(graphHarness('instagram', { data: tinyJpeg, mimeType: 'image/jpeg' }, connect));

describe('instagram: beyond the shared contract', () => {
  let server: GraphContractServer;
  let ig: InstagramConnector;
  let receiver: Awaited<ReturnType<typeof startGraphPeer>>['receiver'];
  let close: () => Promise<void>;
  before(async () => {
    ({ server, connector: ig, receiver, close } = await startGraphPeer(connect));
  });
  after(() => close());

  it('publishes a carousel with alt text on every image', async () => {
    const alts = ['Flooded underpass on Station Road', 'Sandbags at the library'];
    const p = await ig.publish({
      text: 'Flood update #Kirkby',
      idempotencyKey: 'c1',
      media: alts.map((altText) => ({ data: tinyJpeg, mimeType: 'image/jpeg', altText })),
    });
    assert.deepEqual(server.objects.get(p.ref.id)?.altTexts, alts);
    assert.equal(server.objects.get(p.ref.id)?.mediaType, 'CAROUSEL_ALBUM');
    assert.match(p.url, /^https:\/\/www\.instagram\.com\/p\//);
  });

  it('refuses a PNG, a text-only post without a fallback card, and 31 hashtags, before sending', () => {
    const bare = connect(server, false);
    const before = server.requests.length;
    assert.ok(
      bare
        .check({
          text: 'x',
          idempotencyKey: 'p',
          media: [{ data: tinyPng, mimeType: 'image/png', altText: 'x' }],
        })
        .some((p) => p.field === 'media'),
    );
    assert.ok(
      bare.check({ text: 'Words only', idempotencyKey: 'p' }).some((p) => /fallback/.test(p.message)),
    );
    const tags = Array.from({ length: 31 }, (_, i) => `#t${i}`).join(' ');
    assert.match(ig.check({ text: tags, idempotencyKey: 'p' })[0]?.message ?? '', /1 too many/);
    assert.equal(server.requests.length, before);
  });

  it('reads likes and comments, and verifies the account', async () => {
    const p = await ig.publish({ text: 'Summer reading challenge', idempotencyKey: 'm1' });
    server.objects.get(p.ref.id)!.likes = 40;
    server.instagramComment(p.ref.id, 'My kids love this');
    assert.deepEqual(await ig.readMetrics(p.ref), { likes: 40, replies: 1, reposts: 0 });
    const who = await ig.verifyCredentials();
    assert.equal(who.handle, server.igUsername);
  });

  it('parses a signed comment webhook, and replies under it publicly and privately', async () => {
    const p = await ig.publish({ text: 'New bus timetable', idempotencyKey: 'w1' });
    assert.equal(
      (
        await server.deliver(
          receiver.url,
          server.instagramComment(p.ref.id, 'Does the 42 still run on Sundays?'),
        )
      ).status,
      200,
    );
    const r = receiver.last().result;
    assert.ok(r?.kind === 'events');
    const [item] = r.batch.items;
    assert.equal(item?.kind, 'comment');
    assert.equal(item?.author.handle, 'kirkby_resident');
    assert.equal(item?.threadId, p.ref.id);
    const reply = await ig.reply(instagramReplyTarget(item!), { text: 'Yes, hourly.', idempotencyKey: 'w2' });
    assert.equal(server.objects.get(reply.ref.id)?.parentId, item?.externalId);
    const dm = await ig.reply(
      instagramReplyTarget(item!),
      { text: 'Here is the full timetable.', idempotencyKey: 'w3' },
      { isPrivate: true },
    );
    assert.equal(server.objects.get(dm.ref.id)?.type, 'message');
  });

  it('handshake, forged signature, and a malformed authentic body', async () => {
    assert.equal(
      await (
        await fetch(`${receiver.url}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=77`)
      ).text(),
      '77',
    );
    assert.equal(
      (await fetch(`${receiver.url}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=77`)).status,
      403,
    );
    const payload = { object: 'instagram', entry: [] };
    assert.equal(
      (await server.deliver(receiver.url, payload, { tamper: (raw) => raw.replace('[]', '[{}]') })).status,
      401,
    );
    const body =
      '{"object":"instagram","entry":[{"id":"1","time":1,"changes":[{"field":"comments","value":{"text":"no id"}}]}]}';
    assert.equal((await postSigned(receiver.url, server.appSecret, body)).status, 200);
    const r = receiver.last().result;
    assert.ok(r?.kind === 'events' && r.batch.malformed.length === 1 && r.batch.items.length === 0);
  });

  it('classifies an expired token', async () => {
    server.injectFault('auth_expired');
    await assert.rejects(
      ig.verifyCredentials(),
      (e: unknown) => e instanceof ChannelError && e.kind === 'auth_expired',
    );
  });
});
