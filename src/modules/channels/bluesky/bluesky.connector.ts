/**
 * The Bluesky connector (AT Protocol, `@atproto/api`): posts with facets, threads for long
 * text, images with alt text, replies, deleting, and inbound mentions and replies.
 *
 * Exactly once: every record key is derived from the idempotency key (bluesky.rkey.ts), so a
 * retry after a crash either finds the post it made (getRecord) or is refused by the PDS,
 * and is reconciled to the same post instead of making a second one.
 *
 * Sessions: `AtpAgent` refreshes an expired access token once with the refresh token; if that
 * fails too the call is `auth_expired`, and the next call signs in again with the app
 * password (which fails the same way once the password is revoked).
 */
import {
  AppBskyRichtextFacet,
  AtpAgent,
  AtUri,
  RichText,
  type AtpSessionData,
  type BlobRef,
} from '@atproto/api';
import { ChannelError } from '../channel-error.ts';
import type {
  AccountIdentity,
  CanDelete,
  CanFetchInbound,
  CanFindPublished,
  CanReply,
  CanUploadMedia,
  CanVerifyCredentials,
  ChannelConnector,
  ExternalRef,
  InboundBatch,
  MediaInput,
  PostInput,
  Published,
} from '../port.ts';
import { splitForThread } from '../text.ts';
import { blueskyLimits, checkBlueskyPost } from './bluesky.check.ts';
import { classifyBlueskyError, isRecordNotFound } from './bluesky.errors.ts';
import { listMentionNotifications, scanPds, type InboundSource } from './bluesky.inbound.ts';
import { postUrl } from './bluesky.mapper.ts';
import { recordKeyFor } from './bluesky.rkey.ts';

/** Decrypted by the caller; never logged. */
export type BlueskyCredentials = {
  /** The PDS or entryway, e.g. https://bsky.social. */
  service: string;
  /** Handle or DID. */
  identifier: string;
  appPassword: string;
  /** A session saved from `onSession`, to avoid signing in on every start. */
  session?: AtpSessionData;
};

export type BlueskyOptions = {
  /** Called whenever the session changes (sign-in, refresh, expiry), to store it sealed. */
  onSession?: (session: AtpSessionData | undefined) => void;
  /** Defaults to `notifications` (needs an AppView, as on the Bluesky network). */
  inbound?: InboundSource;
  /** Where post URLs point; https://bsky.app by default. */
  webBase?: string;
};

type Ref = { uri: string; cid: string };
type ReplyRefs = { root: Ref; parent: Ref };

const postCollection = 'app.bsky.feed.post';

export class BlueskyConnector
  implements
    ChannelConnector,
    CanReply,
    CanFetchInbound,
    CanUploadMedia,
    CanDelete,
    CanVerifyCredentials,
    CanFindPublished
{
  readonly kind = 'bluesky' as const;
  readonly limits = blueskyLimits;
  private readonly agent: AtpAgent;
  private readonly credentials: BlueskyCredentials;
  private readonly options: BlueskyOptions;
  private signingIn: Promise<string> | undefined;
  private readonly handles = new Map<string, string>();

  constructor(credentials: BlueskyCredentials, options: BlueskyOptions = {}) {
    this.credentials = credentials;
    this.options = options;
    this.agent = new AtpAgent({
      service: credentials.service,
      persistSession: (_event, session) => options.onSession?.(session),
    });
  }

  check(input: PostInput) {
    return checkBlueskyPost(input, this.limits);
  }

  async publish(input: PostInput): Promise<Published> {
    return this.post(input, undefined);
  }

  async reply(target: ExternalRef, input: PostInput, opts: { isPrivate?: boolean } = {}): Promise<Published> {
    if (opts.isPrivate)
      throw new ChannelError(
        'rejected',
        'Bluesky private replies (chat) are not supported; reply publicly or by another channel',
      );
    const did = await this.session();
    const parent = await this.refOf(target, did);
    return this.post(input, { root: await this.rootOf(target, parent), parent });
  }

  async findPublished(input: PostInput): Promise<Published | undefined> {
    const did = await this.session();
    const refs: Ref[] = [];
    const count = splitForThread(input.text, this.limits.maxTextLength).length;
    for (let i = 0; i < count; i += 1) {
      const found = await this.existing(did, recordKeyFor(input.idempotencyKey, input.intendedAt, i));
      // A thread cut short by a crash is not "published": publish() finishes it.
      if (!found) return undefined;
      refs.push(found.ref);
    }
    return this.published(refs, refs[0]!);
  }

  async uploadMedia(media: MediaInput): Promise<ExternalRef> {
    const blob = await this.upload(media);
    return { id: blob.ref.toString(), meta: { mimeType: blob.mimeType, size: String(blob.size) } };
  }

  async delete(ref: ExternalRef): Promise<void> {
    const did = await this.session();
    const uris = [ref.id, ...(ref.meta?.threadParts?.split(' ').filter(Boolean) ?? [])].reverse();
    for (const uri of uris) {
      const at = new AtUri(uri);
      if (at.host !== did)
        throw new ChannelError('rejected', 'Only the council account’s own posts can be deleted');
      await this.call('deleting a post', () =>
        this.agent.com.atproto.repo.deleteRecord({ repo: did, collection: at.collection, rkey: at.rkey }),
      );
    }
  }

  async verifyCredentials(): Promise<AccountIdentity> {
    await this.session();
    const { data } = await this.call('checking the account', () =>
      this.agent.com.atproto.server.getSession(),
    );
    return {
      id: data.did,
      handle: data.handle,
      url: `${this.options.webBase ?? 'https://bsky.app'}/profile/${data.handle}`,
    };
  }

  async fetchInbound(cursor: string | undefined): Promise<InboundBatch> {
    const did = await this.session();
    return this.call('fetching mentions and replies', () =>
      this.options.inbound === 'pds-scan'
        ? scanPds(this.agent, did, cursor, this.handles, this.options.webBase)
        : listMentionNotifications(this.agent, did, cursor, this.options.webBase),
    );
  }

  /** Publishes text (threaded when long) as new records under keys derived from the idempotency key. */
  private async post(input: PostInput, replyTo: ReplyRefs | undefined): Promise<Published> {
    const problems = this.check(input);
    if (problems.length > 0) throw new ChannelError('rejected', problems.map((p) => p.message).join('; '));
    const did = await this.session();
    const texts = splitForThread(input.text, this.limits.maxTextLength);
    // Resolve every mention before anything is sent, so an unknown handle sends nothing.
    const richTexts = await Promise.all(texts.map((t) => this.richText(t)));
    const embed = await this.embedFor(input);
    const refs: Ref[] = [];
    let reply = replyTo;
    for (const [i, rt] of richTexts.entries()) {
      const record = {
        $type: postCollection,
        text: rt.text,
        ...(rt.facets?.length ? { facets: rt.facets } : {}),
        ...(reply ? { reply } : {}),
        ...(i === 0 && embed ? { embed } : {}),
        createdAt: new Date().toISOString(),
      };
      const ref = await this.createOnce(did, recordKeyFor(input.idempotencyKey, input.intendedAt, i), record);
      refs.push(ref);
      reply = { root: reply?.root ?? ref, parent: ref };
    }
    return this.published(refs, replyTo?.root ?? refs[0]!);
  }

  /**
   * createRecord under a fixed key. When it fails for any reason but auth or rate limits, the
   * post may still exist (the PDS stored it and the answer was lost, or an earlier attempt
   * made it: the PDS answers a taken key with a 500), so look before reporting failure.
   */
  private async createOnce(
    did: string,
    rkey: string,
    record: { text: string } & Record<string, unknown>,
    isRetry = false,
  ): Promise<Ref> {
    try {
      const { data } = await this.agent.com.atproto.repo.createRecord({
        repo: did,
        collection: postCollection,
        rkey,
        record,
      });
      return { uri: data.uri, cid: data.cid };
    } catch (error) {
      const failure = classifyBlueskyError(error, 'publishing');
      if (failure.kind === 'auth_expired' && !isRetry) {
        // The agent's own refresh may lose a race or be refused; sign in again with the app
        // password once and retry. Safe: the record key is derived from the idempotency key,
        // so a first attempt that did land is found below instead of posted twice.
        await this.signInAgain();
        return this.createOnce(did, rkey, record, true);
      }
      if (failure.kind === 'auth_expired' || failure.kind === 'rate_limited') throw failure;
      const found = await this.existing(did, rkey).catch(() => undefined);
      if (!found) throw failure;
      if (found.text !== record.text)
        throw new ChannelError(
          'rejected',
          `The record key ${rkey} already holds a different post; use a new idempotency key`,
        );
      return found.ref;
    }
  }

  private async existing(did: string, rkey: string): Promise<{ ref: Ref; text: string } | undefined> {
    try {
      const { data } = await this.agent.com.atproto.repo.getRecord({
        repo: did,
        collection: postCollection,
        rkey,
      });
      const text = (data.value as { text?: unknown }).text;
      return data.cid
        ? { ref: { uri: data.uri, cid: data.cid }, text: typeof text === 'string' ? text : '' }
        : undefined;
    } catch (error) {
      if (isRecordNotFound(error)) return undefined;
      throw classifyBlueskyError(error, 'looking for an earlier post');
    }
  }

  private published(refs: Ref[], root: Ref): Published {
    const [first, ...rest] = refs;
    if (!first) throw new ChannelError('rejected', 'Nothing to publish');
    const meta: Record<string, string> = { cid: first.cid, rootUri: root.uri, rootCid: root.cid };
    if (rest.length > 0) meta.threadParts = rest.map((r) => r.uri).join(' ');
    const url = postUrl(first.uri, this.agent.session?.handle, this.options.webBase);
    return {
      ref: { id: first.uri, meta },
      url,
      ...(rest.length > 0 ? { parts: refs.map((r) => ({ id: r.uri, meta: { cid: r.cid } })) } : {}),
    };
  }

  private async richText(text: string): Promise<RichText> {
    const rt = new RichText({ text });
    rt.detectFacetsWithoutResolution();
    for (const facet of rt.facets ?? [])
      for (const feature of facet.features) {
        if (!AppBskyRichtextFacet.isMention(feature)) continue;
        const handle = feature.did;
        try {
          feature.did = (await this.agent.com.atproto.identity.resolveHandle({ handle })).data.did;
        } catch (error) {
          const failure = classifyBlueskyError(error, `looking up @${handle}`);
          if (failure.kind !== 'rejected') throw failure;
          throw new ChannelError(
            'rejected',
            `@${handle} is not a Bluesky account, so it cannot be mentioned`,
            {
              providerReason: failure.providerReason,
            },
          );
        }
      }
    return rt;
  }

  private async embedFor(input: PostInput): Promise<Record<string, unknown> | undefined> {
    const media = input.media ?? [];
    if (media.length > 0) {
      const images = [];
      for (const m of media) images.push({ image: await this.upload(m), alt: m.altText.trim() });
      return { $type: 'app.bsky.embed.images', images };
    }
    if (input.link) {
      // A card without fetching the page: title is the host; the app shows the link itself.
      return {
        $type: 'app.bsky.embed.external',
        external: { uri: input.link, title: new URL(input.link).host, description: '' },
      };
    }
    return undefined;
  }

  private async upload(media: MediaInput): Promise<BlobRef> {
    const problems = checkBlueskyPost({ text: 'x', idempotencyKey: 'check', media: [media] }, this.limits);
    if (problems.length > 0) throw new ChannelError('rejected', problems.map((p) => p.message).join('; '));
    await this.session();
    const { data } = await this.call('uploading an image', () =>
      this.agent.com.atproto.repo.uploadBlob(media.data, { encoding: media.mimeType }),
    );
    return data.blob;
  }

  private async refOf(target: ExternalRef, did: string): Promise<Ref> {
    if (target.meta?.cid) return { uri: target.id, cid: target.meta.cid };
    const at = new AtUri(target.id);
    const { data } = await this.call('finding the post to reply to', () =>
      this.agent.com.atproto.repo.getRecord({
        repo: at.host || did,
        collection: at.collection,
        rkey: at.rkey,
      }),
    );
    if (!data.cid) throw new ChannelError('rejected', 'The post to reply to has no content id');
    const reply = (data.value as { reply?: { root?: Partial<Ref> } }).reply;
    if (reply?.root?.uri && reply.root.cid)
      this.roots.set(target.id, { uri: reply.root.uri, cid: reply.root.cid });
    return { uri: data.uri, cid: data.cid };
  }

  private readonly roots = new Map<string, Ref>();

  private async rootOf(target: ExternalRef, parent: Ref): Promise<Ref> {
    if (target.meta?.rootUri && target.meta.rootCid)
      return { uri: target.meta.rootUri, cid: target.meta.rootCid };
    return this.roots.get(target.id) ?? parent;
  }

  /** Drops the session and signs in with the app password (throws auth_expired when refused). */
  private async signInAgain(): Promise<void> {
    try {
      await this.agent.login({
        identifier: this.credentials.identifier,
        password: this.credentials.appPassword,
      });
    } catch (error) {
      throw classifyBlueskyError(error, 'signing in');
    }
  }

  /** Signs in with the app password when there is no session; one sign-in at a time. */
  private async session(): Promise<string> {
    const current = this.agent.session;
    if (current) return current.did;
    this.signingIn ??= (async () => {
      try {
        if (this.credentials.session) {
          const saved = this.credentials.session;
          delete this.credentials.session;
          const resumed = await this.agent.resumeSession(saved).catch(() => undefined);
          if (resumed?.success) return resumed.data.did;
        }
        const res = await this.agent.login({
          identifier: this.credentials.identifier,
          password: this.credentials.appPassword,
        });
        return res.data.did;
      } catch (error) {
        throw classifyBlueskyError(error, 'signing in');
      } finally {
        this.signingIn = undefined;
      }
    })();
    return this.signingIn;
  }

  private async call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw classifyBlueskyError(error, doing);
    }
  }
}
