/**
 * Facebook Page connector over the Graph API (plain fetch, Page access token).
 *
 * Supports: page posts (text, link card, up to 10 photos each with alt text), public comment
 * replies, private replies (Messenger Send API to a conversation's sender, or a private reply
 * to a comment), delete, post metrics (reactions, comments, shares), credential check,
 * reconciliation by looking the post up in the Page feed, and signed webhooks (comments,
 * visitor posts, Messenger messages). Does not support: inbound polling (webhooks are the
 * Page's inbound path), video, scheduled posts (Townsquare schedules), editing posts.
 */
import type {
  AccountIdentity,
  CanDelete,
  CanFindPublished,
  CanHandleWebhook,
  CanReadMetrics,
  CanReply,
  CanUploadMedia,
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
import { GraphClient, type GraphConfig } from '../meta-graph.ts';
import { checkImages } from '../media-check.ts';
import { handleFacebookWebhook } from './webhook.ts';

export type FacebookConfig = GraphConfig & {
  pageId: string;
  /** The token Townsquare chose when subscribing the app's webhooks. */
  verifyToken: string;
  /** How many recent feed posts findPublished looks through; default 50. */
  reconcileWindow?: number;
};

export const facebookLimits: ChannelLimits = {
  // Meta's documented maximum for a post's message, in UTF-16 code units as its own counter.
  maxTextLength: 63_206,
  maxMedia: 10,
  maxMediaBytes: 4 * 1024 * 1024,
  mediaTypes: ['image/jpeg', 'image/png', 'image/gif', 'image/bmp', 'image/tiff'],
  maxAltTextLength: 1000,
  canThread: false,
};

type GraphId = { id: string };

export class FacebookConnector
  implements
    ChannelConnector,
    CanReply,
    CanDelete,
    CanUploadMedia,
    CanReadMetrics,
    CanVerifyCredentials,
    CanFindPublished,
    CanHandleWebhook
{
  readonly kind = 'facebook' as const;
  readonly limits = facebookLimits;
  readonly #graph: GraphClient;
  readonly #config: FacebookConfig;

  constructor(config: FacebookConfig) {
    this.#config = config;
    this.#graph = new GraphClient(config);
  }

  check(input: PostInput): LimitProblem[] {
    const problems: LimitProblem[] = [];
    if (input.text.trim() === '' && !input.media?.length && !input.link)
      problems.push({ field: 'text', message: 'A Facebook post needs text, a link or a photo' });
    if (input.text.length > this.limits.maxTextLength)
      problems.push({
        field: 'text',
        message: `Facebook posts take at most ${this.limits.maxTextLength} characters; this is ${input.text.length - this.limits.maxTextLength} over`,
      });
    if (input.link && !/^https?:\/\//i.test(input.link))
      problems.push({ field: 'text', message: 'The link must start with http:// or https://' });
    return [
      ...problems,
      ...checkImages(input.media, this.limits, { network: 'Facebook', altTextLength: (alt) => alt.length }),
    ];
  }

  #refuseBadInput(input: PostInput): void {
    const problems = this.check(input);
    if (problems.length > 0) throw new ChannelError('rejected', problems.map((p) => p.message).join('; '));
  }

  /** Photos go up unpublished, then one feed post attaches them: a single post, however many. */
  async publish(input: PostInput): Promise<Published> {
    this.#refuseBadInput(input);
    const photos = [];
    for (const m of input.media ?? []) photos.push(await this.uploadMedia(m));
    const params: Record<string, string | undefined> = { message: input.text || undefined, link: input.link };
    photos.forEach((p, i) => (params[`attached_media[${i}]`] = JSON.stringify({ media_fbid: p.id })));
    const { id } = await this.#graph.post<GraphId>(`${this.#config.pageId}/feed`, params);
    return { ref: { id }, url: this.#postUrl(id) };
  }

  async uploadMedia(media: MediaInput): Promise<ExternalRef> {
    const form = new FormData();
    form.set('source', new Blob([media.data], { type: media.mimeType }), media.filename ?? 'image');
    form.set('published', 'false');
    form.set('alt_text_custom', media.altText);
    const { id } = await this.#graph.post<GraphId>(`${this.#config.pageId}/photos`, form);
    return { id };
  }

  /**
   * Public: a comment under the post or comment. Private: the Messenger Send API, to the
   * sender of a conversation (`target.meta.psid`, inside Meta's 24-hour window) or as
   * a private reply to a comment (one per comment, within 7 days).
   */
  async reply(target: ExternalRef, input: PostInput, opts: { isPrivate?: boolean } = {}): Promise<Published> {
    this.#refuseBadInput(input);
    const psid = target.meta?.psid;
    if (psid || opts.isPrivate) {
      const recipient = psid ? { id: psid } : { comment_id: target.id };
      const sent = await this.#graph.post<{ recipient_id?: string; message_id: string }>(
        `${this.#config.pageId}/messages`,
        {
          recipient: JSON.stringify(recipient),
          messaging_type: 'RESPONSE',
          message: JSON.stringify({ text: input.text }),
        },
      );
      const to = psid ?? sent.recipient_id ?? '';
      return {
        ref: { id: sent.message_id, meta: { psid: to } },
        url: `https://www.facebook.com/messages/t/${to}`,
      };
    }
    const media = input.media?.[0];
    const attachment = media ? await this.uploadMedia(media) : undefined;
    const { id } = await this.#graph.post<GraphId>(`${target.id}/comments`, {
      message: input.text,
      attachment_id: attachment?.id,
    });
    return { ref: { id }, url: `https://www.facebook.com/${id}` };
  }

  async delete(ref: ExternalRef): Promise<void> {
    const result = await this.#graph.delete<{ success?: boolean }>(ref.id);
    if (result.success !== true)
      throw new ChannelError('rejected', `Facebook did not confirm deleting ${ref.id}`);
  }

  async readMetrics(ref: ExternalRef): Promise<PostMetrics> {
    type Summary = { summary?: { total_count?: number } };
    const post = await this.#graph.get<{
      reactions?: Summary;
      comments?: Summary;
      shares?: { count?: number };
    }>(ref.id, {
      fields: 'reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares',
    });
    return {
      likes: post.reactions?.summary?.total_count ?? 0,
      replies: post.comments?.summary?.total_count ?? 0,
      reposts: post.shares?.count ?? 0,
    };
  }

  async verifyCredentials(): Promise<AccountIdentity> {
    const me = await this.#graph.get<{ id: string; name?: string; username?: string }>('me', {
      fields: 'id,name',
    });
    if (me.id !== this.#config.pageId)
      throw new ChannelError(
        'auth_expired',
        `The token belongs to ${me.name ?? me.id}, not the configured Page ${this.#config.pageId}; reconnect with a Page token`,
      );
    return {
      id: me.id,
      handle: me.username ?? me.name ?? me.id,
      ...(me.name ? { displayName: me.name } : {}),
      url: `https://www.facebook.com/${me.id}`,
    };
  }

  /**
   * Reconciliation. A Page post has no field an app can set and read back invisibly, and
   * putting the key in the text would show residents a code; so the post is found by its
   * exact message among the Page's most recent posts (since shortly before the recorded
   * intent, when known). Meta itself refuses a duplicate of a recent post (code 506), so
   * identical text in that window is the same publish.
   */
  async findPublished(input: PostInput): Promise<Published | undefined> {
    const since = input.intendedAt ? Math.floor(input.intendedAt.getTime() / 1000) - 300 : undefined;
    const feed = await this.#graph.get<{ data?: { id: string; message?: string; permalink_url?: string }[] }>(
      `${this.#config.pageId}/feed`,
      {
        fields: 'id,message,created_time,permalink_url',
        limit: this.#config.reconcileWindow ?? 50,
        since,
      },
    );
    const found = (feed.data ?? []).find((p) => (p.message ?? '') === input.text);
    return found ? { ref: { id: found.id }, url: found.permalink_url ?? this.#postUrl(found.id) } : undefined;
  }

  async handleWebhook(request: WebhookRequest): Promise<WebhookResult> {
    return handleFacebookWebhook(request, this.#config);
  }

  #postUrl(id: string): string {
    const [page, post] = id.split('_');
    return post ? `https://www.facebook.com/${page}/posts/${post}` : `https://www.facebook.com/${id}`;
  }
}
