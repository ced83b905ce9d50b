/**
 * Instagram professional account connector over the Instagram Graph API (Facebook Login,
 * the linked Page's token).
 *
 * Supports: feed posts of one JPEG or a carousel of up to 10, each with alt text, through
 * the documented two steps (create a container with `image_url`, then `media_publish`);
 * comment replies (public, under the comment) and private replies (Send API); metrics
 * (likes, comments); credential check; reconciliation by caption among recent media; signed
 * comment and messaging webhooks. Does not support: text-only posts (Instagram has none: a
 * council-configured `fallbackImage` card is used when a post has no image), delete (the
 * API cannot remove published media), stories, reels, video, inbound polling.
 *
 * Instagram fetches `image_url` itself, so images must be on a public URL: `hostImage`
 * puts the bytes on the council's public site and returns the URL.
 */
import type {
  AccountIdentity,
  CanFindPublished,
  CanReadMetrics,
  CanReply,
  CanVerifyCredentials,
  ChannelConnector,
  ChannelLimits,
  ExternalRef,
  InboundBatch,
  LimitProblem,
  MediaInput,
  PostInput,
  PostMetrics,
  Published,
} from '../port.ts';
import { ChannelError } from '../channel-error.ts';
import { checkImages } from '../media-check.ts';
import { MetaConnector, type GraphEnvelope, type GraphId, type MetaConfig } from '../meta/index.ts';
import { mapInstagramEnvelope } from './instagram.mapper.ts';

/** `pageId` is the Facebook Page linked to the account: private replies go through its Send API. */
export type InstagramConfig = MetaConfig & {
  igUserId: string;
  /** Publishes the bytes at a public HTTPS URL Instagram can fetch. */
  hostImage(media: MediaInput): Promise<string>;
  /** The council's branded card, used when a post has no image of its own. */
  fallbackImage?: MediaInput;
};

export const instagramLimits: ChannelLimits = {
  maxTextLength: 2200,
  maxMedia: 10,
  maxMediaBytes: 8 * 1024 * 1024,
  mediaTypes: ['image/jpeg'],
  maxAltTextLength: 1000,
  canThread: false,
};

export class InstagramConnector
  extends MetaConnector<InstagramConfig>
  implements ChannelConnector, CanReply, CanReadMetrics, CanVerifyCredentials, CanFindPublished
{
  readonly kind = 'instagram' as const;
  readonly limits = instagramLimits;

  check(input: PostInput): LimitProblem[] {
    const problems: LimitProblem[] = [];
    const over = [...input.text].length - this.limits.maxTextLength;
    if (over > 0)
      problems.push({
        field: 'text',
        message: `Instagram captions take at most ${this.limits.maxTextLength} characters; this is ${over} over`,
      });
    const hashtags = (input.text.match(/#[\p{L}\p{N}_]+/gu) ?? []).length;
    if (hashtags > 30)
      problems.push({
        field: 'text',
        message: `Instagram allows 30 hashtags; this has ${hashtags}, ${hashtags - 30} too many`,
      });
    const mentions = (input.text.match(/(^|\s)@[\w.]+/gu) ?? []).length;
    if (mentions > 20)
      problems.push({
        field: 'text',
        message: `Instagram allows 20 @mentions; this has ${mentions}, ${mentions - 20} too many`,
      });
    if (!input.media?.length && !this.config.fallbackImage)
      problems.push({
        field: 'media',
        message: 'Instagram posts need an image, and no fallback card is configured',
      });
    return [
      ...problems,
      ...checkImages(input.media, this.limits, { network: 'Instagram', altTextLength: (alt) => alt.length }),
    ];
  }

  async publish(input: PostInput): Promise<Published> {
    this.refuseBadInput(input);
    const media = input.media?.length ? input.media : [this.config.fallbackImage!];
    const ig = this.config.igUserId;
    let creationId: string;
    if (media.length === 1) {
      const only = media[0]!;
      creationId = (
        await this.graph.post<GraphId>(`${ig}/media`, {
          image_url: await this.config.hostImage(only),
          caption: input.text,
          alt_text: only.altText,
        })
      ).id;
    } else {
      const children: string[] = [];
      for (const m of media)
        children.push(
          (
            await this.graph.post<GraphId>(`${ig}/media`, {
              image_url: await this.config.hostImage(m),
              alt_text: m.altText,
              is_carousel_item: true,
            })
          ).id,
        );
      creationId = (
        await this.graph.post<GraphId>(`${ig}/media`, {
          media_type: 'CAROUSEL',
          children: children.join(','),
          caption: input.text,
        })
      ).id;
    }
    const { id } = await this.graph.post<GraphId>(`${ig}/media_publish`, { creation_id: creationId });
    return { ref: { id, meta: { kind: 'media' } }, url: await this.#permalink(id) };
  }

  /** The post exists once media_publish answered; a failed permalink look-up must not hide that. */
  async #permalink(id: string): Promise<string> {
    try {
      return (
        (await this.graph.get<{ permalink?: string }>(id, { fields: 'permalink' })).permalink ??
        'https://www.instagram.com/'
      );
    } catch {
      return 'https://www.instagram.com/';
    }
  }

  async reply(target: ExternalRef, input: PostInput, opts: { isPrivate?: boolean } = {}): Promise<Published> {
    if (input.text.trim() === '') throw new ChannelError('rejected', 'A reply needs text');
    if (this.isPrivateReply(target, opts)) {
      const sent = await this.sendPrivately(target, input.text);
      return {
        ref: { id: sent.messageId, meta: { psid: sent.psid } },
        url: 'https://www.instagram.com/direct/inbox/',
      };
    }
    const edge = target.meta?.kind === 'media' ? 'comments' : 'replies';
    const { id } = await this.graph.post<GraphId>(`${target.id}/${edge}`, { message: input.text });
    return {
      ref: { id, meta: { kind: 'comment' } },
      url: await this.#permalink(target.meta?.kind === 'media' ? target.id : id),
    };
  }

  async readMetrics(ref: ExternalRef): Promise<PostMetrics> {
    const m = await this.graph.get<{ like_count?: number; comments_count?: number }>(ref.id, {
      fields: 'like_count,comments_count',
    });
    return { likes: m.like_count ?? 0, replies: m.comments_count ?? 0, reposts: 0 };
  }

  async verifyCredentials(): Promise<AccountIdentity> {
    const me = await this.graph.get<{ id: string; username?: string; name?: string }>(this.config.igUserId, {
      fields: 'id,username,name',
    });
    const handle = me.username ?? me.id;
    return {
      id: me.id,
      handle,
      ...(me.name ? { displayName: me.name } : {}),
      url: `https://www.instagram.com/${handle}/`,
    };
  }

  /** Reconciliation by exact caption among the account's 50 most recent media. */
  async findPublished(input: PostInput): Promise<Published | undefined> {
    const found = await this.findByText<{ id: string; caption?: string; permalink?: string }>(
      `${this.config.igUserId}/media`,
      { fields: 'id,caption,permalink,timestamp', limit: 50 },
      input.text,
      (m) => m.caption,
    );
    return found
      ? {
          ref: { id: found.id, meta: { kind: 'media' } },
          url: found.permalink ?? 'https://www.instagram.com/',
        }
      : undefined;
  }

  protected mapEnvelope(envelope: GraphEnvelope): InboundBatch {
    return mapInstagramEnvelope(envelope, this.config.igUserId);
  }
}
