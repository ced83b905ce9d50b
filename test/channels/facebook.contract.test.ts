/**
 * Facebook Page connector against the Graph API contract server: the shared contract, then
 * what only a Page does (private replies, metrics, reconciliation, signed webhooks).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runContractSuite } from './contract-suite.ts';
import { tinyPng } from './webhook-receiver.ts';
import { GraphContractServer, type GraphFault } from '../peers/graph/server.ts';
import { graphAccess, graphHarness, postSigned, startGraphPeer } from '../peers/graph/harness.ts';
import { FacebookConnector, facebookReplyTarget } from '../../src/modules/channels/facebook/index.ts';
import { ChannelError, type InboundItem } from '../../src/modules/channels/index.ts';

const verifyToken = 'townsquare-verify-3f9a';

function connect(server: GraphContractServer) {
  return new FacebookConnector({ ...graphAccess(server, verifyToken), apiVersion: 'v21.0' });
}

runContractSuite(graphHarness('facebook', { data: tinyPng, mimeType: 'image/png' }, connect));

describe('facebook: beyond the shared contract', () => {
  let server: GraphContractServer;
  let fb: FacebookConnector;
  let receiver: Awaited<ReturnType<typeof startGraphPeer>>['receiver'];
  let close: () => Promise<void>;
  const events = (): InboundItem[] => {
    const r = receiver.last().result;
    assert.equal(r?.kind, 'events');
    return r.kind === 'events' ? r.batch.items : [];
  };

  before(async () => {
    ({ server, connector: fb, receiver, close } = await startGraphPeer(connect));
  });
  after(() => close());

  it('verifies credentials as the configured Page', async () => {
    assert.deepEqual(await fb.verifyCredentials(), {
      id: server.pageId,
      handle: server.pageName,
      displayName: server.pageName,
      url: `https://www.facebook.com/${server.pageId}`,
    });
  });

  it('posts several photos in one post, each with its alt text, and a link', async () => {
    const p = await fb.publish({
      text: 'Two new play areas open',
      idempotencyKey: 'k-photos',
      link: 'https://kirkby.example.gov.uk/parks',
      media: [
        { data: tinyPng, mimeType: 'image/png', altText: 'A slide in Queens Park' },
        { data: tinyPng, mimeType: 'image/png', altText: 'Swings in Mill Lane park' },
      ],
    });
    const held = server.objects.get(p.ref.id);
    assert.deepEqual(held?.altTexts, ['A slide in Queens Park', 'Swings in Mill Lane park']);
    assert.equal(held?.link, 'https://kirkby.example.gov.uk/parks');
    assert.match(p.url, new RegExp(`^https://www.facebook.com/${server.pageId}/posts/\\d+$`));
  });

  it('refuses a duplicate of a recent post as rejected (code 506), and findPublished finds the original', async () => {
    const input = { text: 'Library closed on Monday', idempotencyKey: 'k-dup', intendedAt: new Date() };
    const first = await fb.publish(input);
    await assert.rejects(
      fb.publish(input),
      (e: unknown) => e instanceof ChannelError && e.kind === 'rejected' && /duplicate/i.test(e.message),
    );
    assert.equal((await fb.findPublished(input))?.ref.id, first.ref.id);
    assert.equal(await fb.findPublished({ ...input, text: 'Never posted' }), undefined);
  });

  it('classifies 429 with Retry-After, a 500, code 368 and a timeout', async () => {
    const expectKind = async (fault: GraphFault, kind: string, check?: (e: ChannelError) => void) => {
      server.injectFault(fault);
      await assert.rejects(fb.publish({ text: `fault ${fault}`, idempotencyKey: fault }), (e: unknown) => {
        assert.ok(e instanceof ChannelError);
        assert.equal(e.kind, kind);
        check?.(e);
        return true;
      });
    };
    await expectKind('rate_limited_429', 'rate_limited', (e) => assert.equal(e.retryAfterSeconds, 120));
    await expectKind('unavailable_500', 'unavailable');
    await expectKind('blocked', 'rejected', (e) => assert.match(e.providerReason ?? '', /abusive/));
    await expectKind('timeout', 'unavailable');
  });

  it('refuses a wrong token as auth_expired', async () => {
    const wrong = new FacebookConnector({
      pageId: server.pageId,
      accessToken: 'EAAGnotvalid',
      appSecret: server.appSecret,
      verifyToken,
      baseUrl: server.baseUrl,
    });
    await assert.rejects(
      wrong.verifyCredentials(),
      (e: unknown) => e instanceof ChannelError && e.kind === 'auth_expired',
    );
  });

  it('reads reactions, comments and shares', async () => {
    const p = await fb.publish({ text: 'Bin day reminder', idempotencyKey: 'k-metrics' });
    // Graph leaves `shares` out of a post nobody has shared; the connector reads that as 0.
    const raw = (await (
      await fetch(`${server.baseUrl}/v21.0/${p.ref.id}?fields=message,shares`, {
        headers: { authorization: `Bearer ${server.accessToken}` },
      })
    ).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(raw).sort(), ['id', 'message']);
    assert.deepEqual(await fb.readMetrics(p.ref), { likes: 0, replies: 0, reposts: 0 });
    const stored = server.objects.get(p.ref.id)!;
    stored.likes = 12;
    stored.shares = 3;
    server.residentComment(p.ref.id, 'Thanks!');
    assert.deepEqual(await fb.readMetrics(p.ref), { likes: 12, replies: 1, reposts: 3 });
  });

  it('verify-token handshake: the right token echoes the challenge, a wrong one is refused', async () => {
    const ok = await fetch(
      `${receiver.url}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=1158201444`,
    );
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), '1158201444');
    const wrong = await fetch(
      `${receiver.url}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444`,
    );
    assert.equal(wrong.status, 403);
    assert.equal(receiver.last().error?.kind, 'rejected');
  });

  it('a signed comment webhook becomes a public comment item, and a private reply reaches its author', async () => {
    const post = await fb.publish({ text: 'Consultation on the new cycle lane', idempotencyKey: 'k-cl' });
    const res = await server.deliver(
      receiver.url,
      server.residentComment(post.ref.id, 'Will it go past the school?'),
    );
    assert.equal(res.status, 200);
    const [item] = events();
    assert.equal(item?.kind, 'comment');
    assert.equal(item?.text, 'Will it go past the school?');
    assert.equal(item?.threadId, post.ref.id);
    assert.equal(item?.inReplyTo, post.ref.id);
    assert.equal(item?.author.name, 'Sam Resident');
    assert.equal(item?.isPrivate, false);
    assert.ok(item?.raw);
    const pub = await fb.reply(facebookReplyTarget(item!), {
      text: 'Yes, along Church Road.',
      idempotencyKey: 'r1',
    });
    assert.equal(server.objects.get(pub.ref.id)?.parentId, item?.externalId);
    const dm = await fb.reply(
      facebookReplyTarget(item!),
      { text: 'Sending you the map privately.', idempotencyKey: 'r2' },
      { isPrivate: true },
    );
    assert.equal(server.objects.get(dm.ref.id)?.type, 'message');
    // Meta allows one private reply per comment.
    await assert.rejects(
      fb.reply(facebookReplyTarget(item!), { text: 'Again', idempotencyKey: 'r3' }, { isPrivate: true }),
      (e: unknown) => e instanceof ChannelError && e.kind === 'rejected',
    );
  });

  it('a visitor post and a Messenger message are parsed, and the message is answered privately', async () => {
    await server.deliver(receiver.url, server.visitorPost('Streetlight out on Elm Row'));
    const [post] = events();
    assert.equal(post?.kind, 'visitor_post');
    assert.equal(post?.text, 'Streetlight out on Elm Row');
    await server.deliver(receiver.url, server.messengerMessage('Can I book a bulky waste collection?'));
    const [dm] = events();
    assert.equal(dm?.kind, 'direct_message');
    assert.equal(dm?.isPrivate, true);
    assert.equal(dm?.author.id, '7100000000000044');
    const answer = await fb.reply(facebookReplyTarget(dm!), {
      text: 'Yes: book online at kirkby.example.gov.uk/bulky',
      idempotencyKey: 'dm1',
    });
    assert.equal(answer.ref.meta?.psid, '7100000000000044');
  });

  it("skips the Page's own echoes and edits without calling them malformed", async () => {
    const p = await fb.publish({ text: 'Our own post', idempotencyKey: 'k-own' });
    const own = server.residentComment(p.ref.id, 'Our own comment', {
      id: server.pageId,
      name: server.pageName,
    });
    await server.deliver(receiver.url, own);
    const r = receiver.last().result;
    assert.ok(r?.kind === 'events' && r.batch.items.length === 0 && r.batch.malformed.length === 0);
  });

  it('rejects a forged signature and a replayed body that was tampered with', async () => {
    const before = receiver.outcomes.length;
    const payload = server.messengerMessage('Genuine message');
    assert.equal(
      (await server.deliver(receiver.url, payload, { signature: `sha256=${'0'.repeat(64)}` })).status,
      401,
    );
    assert.equal(
      (await server.deliver(receiver.url, payload, { tamper: (raw) => raw.replace('Genuine', 'Tampered') }))
        .status,
      401,
    );
    const unsigned = await fetch(receiver.url, { method: 'POST', body: JSON.stringify(payload) });
    assert.equal(unsigned.status, 401);
    assert.ok(receiver.outcomes.slice(before).every((o) => o.error?.kind === 'rejected'));
  });

  it('keeps a malformed but authentic body raw, never throwing', async () => {
    const raw =
      '{"object":"page","entry":[{"id":"1","time":1,"changes":[{"field":"feed","value":{"item":"comment","verb":"add"}}]}]}';
    const bad = 'not json at all';
    for (const body of [raw, bad, '{"hello":"world"}']) {
      const res = await postSigned(receiver.url, server.appSecret, body);
      assert.equal(res.status, 200);
      const r = receiver.last().result;
      assert.ok(r?.kind === 'events');
      assert.equal(r.batch.items.length, 0);
      assert.equal(r.batch.malformed.length, 1);
      assert.ok(r.batch.malformed[0]!.raw !== undefined && r.batch.malformed[0]!.reason);
    }
  });
});
