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
  CanHandleWebhook,
  CanReadMetrics,
  CanReply,
  CanVerifyCredentials,
  ChannelConnector,
  ChannelLimits,
  ExternalRef,
  LimitProblem,
  MediaInput,
  PostInput,
  PostMetrics,
  Published,
  WebhookRequest,
  WebhookResult,
} from '../port.ts';
import { ChannelError } from '../channel-error.ts';
import { checkImages } from '../media-check.ts';
import {
  answerVerifyHandshake,
  GraphClient,
  parseEnvelope,
  verifyGraphSignature,
  type GraphConfig,
} from '../meta-graph.ts';
import { mapInstagramEnvelope } from './instagram.mapper.ts';

export type InstagramConfig = GraphConfig & {
  igUserId: string;
  /** The Facebook Page linked to the account: private replies go through its Send API. */
  pageId: string;
  verifyToken: string;
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

type GraphId = { id: string };

export class InstagramConnector
  implements
    ChannelConnector,
    CanReply,
    CanReadMetrics,
    CanVerifyCredentials,
    CanFindPublished,
    CanHandleWebhook
{
  readonly kind = 'instagram' as const;
  readonly limits = instagramLimits;
  readonly #graph: GraphClient;
  readonly #config: InstagramConfig;

  constructor(config: InstagramConfig) {
    this.#config = config;
    this.#graph = new GraphClient(config);
  }

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
    if (!input.media?.length && !this.#config.fallbackImage)
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
    const problems = this.check(input);
    if (problems.length > 0) throw new ChannelError('rejected', problems.map((p) => p.message).join('; '));
    const media = input.media?.length ? input.media : [this.#config.fallbackImage!];
    const ig = this.#config.igUserId;
    let creationId: string;
    if (media.length === 1) {
      const only = media[0]!;
      creationId = (
        await this.#graph.post<GraphId>(`${ig}/media`, {
          image_url: await this.#config.hostImage(only),
          caption: input.text,
          alt_text: only.altText,
        })
      ).id;
    } else {
      const children: string[] = [];
      for (const m of media)
        children.push(
          (
            await this.#graph.post<GraphId>(`${ig}/media`, {
              image_url: await this.#config.hostImage(m),
              alt_text: m.altText,
              is_carousel_item: true,
            })
          ).id,
        );
      creationId = (
        await this.#graph.post<GraphId>(`${ig}/media`, {
          media_type: 'CAROUSEL',
          children: children.join(','),
          caption: input.text,
        })
      ).id;
    }
    const { id } = await this.#graph.post<GraphId>(`${ig}/media_publish`, { creation_id: creationId });
    return { ref: { id, meta: { kind: 'media' } }, url: await this.#permalink(id) };
  }

  /** The post exists once media_publish answered; a failed permalink look-up must not hide that. */
  async #permalink(id: string): Promise<string> {
    try {
      return (
        (await this.#graph.get<{ permalink?: string }>(id, { fields: 'permalink' })).permalink ??
        'https://www.instagram.com/'
      );
    } catch {
      return 'https://www.instagram.com/';
    }
  }

  async reply(target: ExternalRef, input: PostInput, opts: { isPrivate?: boolean } = {}): Promise<Published> {
    if (input.text.trim() === '') throw new ChannelError('rejected', 'A reply needs text');
    const psid = target.meta?.psid;
    if (psid || opts.isPrivate) {
      const recipient = psid ? { id: psid } : { comment_id: target.id };
      const sent = await this.#graph.post<{ recipient_id?: string; message_id: string }>(
        `${this.#config.pageId}/messages`,
        {
          recipient: JSON.stringify(recipient),
          message: JSON.stringify({ text: input.text }),
        },
      );
      return {
        ref: { id: sent.message_id, meta: { psid: psid ?? sent.recipient_id ?? '' } },
        url: 'https://www.instagram.com/direct/inbox/',
      };
    }
    const edge = target.meta?.kind === 'media' ? 'comments' : 'replies';
    const { id } = await this.#graph.post<GraphId>(`${target.id}/${edge}`, { message: input.text });
    return {
      ref: { id, meta: { kind: 'comment' } },
      url: await this.#permalink(target.meta?.kind === 'media' ? target.id : id),
    };
  }

  async readMetrics(ref: ExternalRef): Promise<PostMetrics> {
    const m = await this.#graph.get<{ like_count?: number; comments_count?: number }>(ref.id, {
      fields: 'like_count,comments_count',
    });
    return { likes: m.like_count ?? 0, replies: m.comments_count ?? 0, reposts: 0 };
  }

  async verifyCredentials(): Promise<AccountIdentity> {
    const me = await this.#graph.get<{ id: string; username?: string; name?: string }>(
      this.#config.igUserId,
      { fields: 'id,username,name' },
    );
    const handle = me.username ?? me.id;
    return {
      id: me.id,
      handle,
      ...(me.name ? { displayName: me.name } : {}),
      url: `https://www.instagram.com/${handle}/`,
    };
  }

  /** As on Facebook: no invisible field to carry the key, so the exact caption among recent media. */
  async findPublished(input: PostInput): Promise<Published | undefined> {
    const list = await this.#graph.get<{ data?: { id: string; caption?: string; permalink?: string }[] }>(
      `${this.#config.igUserId}/media`,
      {
        fields: 'id,caption,permalink,timestamp',
        limit: 50,
      },
    );
    const found = (list.data ?? []).find((m) => (m.caption ?? '') === input.text);
    return found
      ? {
          ref: { id: found.id, meta: { kind: 'media' } },
          url: found.permalink ?? 'https://www.instagram.com/',
        }
      : undefined;
  }

  async handleWebhook(request: WebhookRequest): Promise<WebhookResult> {
    if (request.method.toUpperCase() === 'GET')
      return answerVerifyHandshake(request, this.#config.verifyToken);
    verifyGraphSignature(request, this.#config.appSecret);
    const envelope = parseEnvelope(request.rawBody);
    if ('reason' in envelope)
      return { kind: 'events', batch: { items: [], cursor: undefined, malformed: [envelope] } };
    return { kind: 'events', batch: mapInstagramEnvelope(envelope, this.#config.igUserId) };
  }
}
