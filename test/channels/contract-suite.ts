/**
 * The one contract every channel connector passes (after Postiz's provider conformance
 * suite). Each connector has a `<kind>.contract.test.ts` that builds a harness: the
 * connector wired to its peer (a real local server, or a contract server built from the
 * provider's published API reference), plus a way to inspect what reached the peer and to
 * inject the provider's faults. Capabilities the connector lacks are skipped, by type guard,
 * never faked.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ChannelError,
  canDelete,
  canFetchInbound,
  canFindPublished,
  canReply,
  canVerifyCredentials,
  type ChannelConnector,
  type ExternalRef,
  type PostInput,
} from '../../src/modules/channels/index.ts';

/** What the peer holds for a published item. */
export type PeerPost = { text: string; altTexts: string[]; inReplyTo?: string };

export type Fault = 'rate_limited' | 'unavailable' | 'auth_expired';

export type Peer = {
  /** The post as the peer stores it, or undefined when it does not exist. */
  read(ref: ExternalRef): Promise<PeerPost | undefined>;
  /** How many posts the account holds whose text contains `marker`. */
  countContaining(marker: string): Promise<number>;
  /** The next request to the provider fails this way (once). */
  injectFault(fault: Fault): Promise<void>;
  /** A resident writes to the council on this channel; returns the external id. */
  sendInbound?(text: string): Promise<string>;
};

export type Harness = {
  name: string;
  start(): Promise<{ connector: ChannelConnector; peer: Peer; close(): Promise<void> }>;
  /** A tiny valid image for this network. */
  image?: { data: Uint8Array; mimeType: string };
};

const marker = () => `ts${Math.random().toString(36).slice(2, 10)}`;

export function runContractSuite(h: Harness): void {
  describe(`channel contract: ${h.name}`, () => {
    let connector: ChannelConnector;
    let peer: Peer;
    let close: () => Promise<void>;

    before(async () => {
      ({ connector, peer, close } = await h.start());
    });
    after(async () => close?.());

    const post = (text: string, extra: Partial<PostInput> = {}): PostInput => ({
      text,
      idempotencyKey: `key-${marker()}`,
      to: 'resident@example.test',
      subject: 'Townsquare test',
      ...extra,
    });

    it('publishes, and the peer holds exactly that text', async () => {
      const m = marker();
      const published = await connector.publish(post(`Bin collections move to Saturday ${m}`));
      assert.ok(published.ref.id);
      assert.match(published.url, /^(https?:|mailto:|sms:)/);
      const held = await peer.read(published.ref);
      assert.ok(held, 'the peer has the post');
      assert.match(held.text, new RegExp(`Bin collections move to Saturday ${m}`));
    });

    it('publishes once for one idempotency key, even when asked twice', async () => {
      const m = marker();
      const input = post(`Road closed on the High Street ${m}`);
      const first = await connector.publish(input);
      const second = canFindPublished(connector)
        ? ((await connector.findPublished(input)) ?? (await connector.publish(input)))
        : await connector.publish(input);
      assert.equal(second.ref.id, first.ref.id);
      assert.equal(await peer.countContaining(m), 1);
    });

    it('refuses over-long text before sending, saying by how much', async () => {
      if (connector.limits.canThread) return;
      const problems = connector.check(post('a'.repeat(connector.limits.maxTextLength + 7)));
      const text = problems.find((p) => p.field === 'text');
      assert.ok(text, 'a text problem');
      assert.match(text.message, /7/);
    });

    it('refuses media without alt text, too many images and unsupported types', async () => {
      if (connector.limits.maxMedia === 0 || !h.image) return;
      const img = { ...h.image, altText: '' };
      assert.ok(connector.check(post('x', { media: [img] })).some((p) => p.field === 'altText'));
      const many = Array.from({ length: connector.limits.maxMedia + 1 }, () => ({
        ...h.image!,
        altText: 'A bin',
      }));
      assert.ok(connector.check(post('x', { media: many })).some((p) => p.field === 'media'));
      const odd = [{ data: new Uint8Array([1, 2, 3]), mimeType: 'application/x-msdownload', altText: 'x' }];
      assert.ok(connector.check(post('x', { media: odd })).some((p) => p.field === 'media'));
    });

    it('says which image limit is broken and by how much', async () => {
      if (connector.limits.maxMedia === 0 || !h.image) return;
      const n = (v: number) => v.toLocaleString('en-GB');
      const { maxMedia, maxMediaBytes, maxAltTextLength } = connector.limits;
      const messages = (media: NonNullable<PostInput['media']>) =>
        connector.check(post('x', { media })).map((p) => p.message);
      const many = Array.from({ length: maxMedia + 2 }, () => ({ ...h.image!, altText: 'A bin' }));
      assert.ok(
        messages(many).some(
          (m) => m.includes(`up to ${n(maxMedia)} image`) && m.includes('(2 images too many)'),
        ),
        messages(many).join('\n'),
      );
      const big = { ...h.image, data: new Uint8Array(maxMediaBytes + 5), altText: 'A bin' };
      assert.ok(
        messages([big]).some((m) => m.includes(`allows ${n(maxMediaBytes)} bytes (over by 5 bytes)`)),
        messages([big]).join('\n'),
      );
      const wordy = { ...h.image, altText: 'a'.repeat(maxAltTextLength + 3) };
      assert.ok(
        messages([wordy]).some((m) =>
          m.includes(`the limit is ${n(maxAltTextLength)} characters (over by 3 characters)`),
        ),
        messages([wordy]).join('\n'),
      );
    });

    it('publishes an image with its alt text', async () => {
      if (connector.limits.maxMedia === 0 || !h.image) return;
      const published = await connector.publish(
        post(`New recycling bins ${marker()}`, {
          media: [{ ...h.image, altText: 'A green recycling bin outside a house' }],
        }),
      );
      const held = await peer.read(published.ref);
      assert.deepEqual(held?.altTexts, ['A green recycling bin outside a house']);
    });

    it('replies in the thread', async (t) => {
      if (!canReply(connector)) return t.skip('no reply capability');
      const parent = await connector.publish(post(`Consultation opens today ${marker()}`));
      const reply = await connector.reply(parent.ref, post(`Thanks for asking ${marker()}`));
      const held = await peer.read(reply.ref);
      assert.equal(held?.inReplyTo, parent.ref.id);
    });

    it('deletes', async (t) => {
      if (!canDelete(connector)) return t.skip('no delete capability');
      const p = await connector.publish(post(`Posted in error ${marker()}`));
      await connector.delete(p.ref);
      assert.equal(await peer.read(p.ref), undefined);
    });

    it('verifies its credentials', async (t) => {
      if (!canVerifyCredentials(connector)) return t.skip('no verify capability');
      const who = await connector.verifyCredentials();
      assert.ok(who.id && who.handle);
    });

    it('fetches inbound items once, then nothing new after the cursor', async (t) => {
      if (!canFetchInbound(connector) || !peer.sendInbound) return t.skip('no inbound polling');
      const m = marker();
      const id = await peer.sendInbound(`The bin on my street was missed again ${m}`);
      const first = await connector.fetchInbound(undefined);
      const mine = first.items.filter((i) => i.text.includes(m));
      assert.equal(mine.length, 1);
      assert.equal(mine[0]!.externalId, id);
      assert.ok(mine[0]!.raw, 'keeps the raw payload');
      const second = await connector.fetchInbound(first.cursor);
      assert.equal(second.items.filter((i) => i.text.includes(m)).length, 0);
    });

    for (const fault of ['rate_limited', 'unavailable', 'auth_expired'] as const) {
      it(`classifies ${fault} and never reports success`, async () => {
        await peer.injectFault(fault);
        const m = marker();
        await assert.rejects(connector.publish(post(`Should not be published ${m}`)), (error: unknown) => {
          assert.ok(error instanceof ChannelError, `a ChannelError, got ${String(error)}`);
          assert.equal(error.kind, fault);
          if (fault === 'rate_limited') assert.ok((error.retryAfterSeconds ?? 0) > 0);
          return true;
        });
        assert.equal(await peer.countContaining(m), 0);
      });
    }
  });
}
