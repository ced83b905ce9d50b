/**
 * Facebook Page connector over the Graph API (the shared Meta Graph client, Page access token).
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
  InboundBatch,
  Published,
} from '../port.ts';
import { ChannelError } from '../channel-error.ts';
import { MetaConnector, type GraphEnvelope, type GraphId, type MetaConfig } from '../meta/index.ts';
import { checkImages } from '../media-check.ts';
import { mapPageEnvelope } from './facebook.mapper.ts';

export type FacebookConfig = MetaConfig & {
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

export class FacebookConnector
  extends MetaConnector<FacebookConfig>
  implements
    ChannelConnector,
    CanReply,
    CanDelete,
    CanUploadMedia,
    CanReadMetrics,
    CanVerifyCredentials,
    CanFindPublished
{
  readonly kind = 'facebook' as const;
  readonly limits = facebookLimits;

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

  /** Photos go up unpublished, then one feed post attaches them: a single post, however many. */
  async publish(input: PostInput): Promise<Published> {
    this.refuseBadInput(input);
    const photos = [];
    for (const m of input.media ?? []) photos.push(await this.uploadMedia(m));
    const params: Record<string, string | undefined> = { message: input.text || undefined, link: input.link };
    photos.forEach((p, i) => (params[`attached_media[${i}]`] = JSON.stringify({ media_fbid: p.id })));
    const { id } = await this.graph.post<GraphId>(`${this.config.pageId}/feed`, params);
    return { ref: { id }, url: this.#postUrl(id) };
  }

  async uploadMedia(media: MediaInput): Promise<ExternalRef> {
    const form = new FormData();
    form.set('source', new Blob([media.data], { type: media.mimeType }), media.filename ?? 'image');
    form.set('published', 'false');
    form.set('alt_text_custom', media.altText);
    const { id } = await this.graph.post<GraphId>(`${this.config.pageId}/photos`, form);
    return { id };
  }

  /**
   * Public: a comment under the post or comment (with one photo, if given). Private: the
   * Messenger Send API, as a response to the resident's message or comment.
   */
  async reply(target: ExternalRef, input: PostInput, opts: { isPrivate?: boolean } = {}): Promise<Published> {
    this.refuseBadInput(input);
    if (this.isPrivateReply(target, opts)) {
      const sent = await this.sendPrivately(target, input.text, { messaging_type: 'RESPONSE' });
      return {
        ref: { id: sent.messageId, meta: { psid: sent.psid } },
        url: `https://www.facebook.com/messages/t/${sent.psid}`,
      };
    }
    const media = input.media?.[0];
    const attachment = media ? await this.uploadMedia(media) : undefined;
    const { id } = await this.graph.post<GraphId>(`${target.id}/comments`, {
      message: input.text,
      attachment_id: attachment?.id,
    });
    return { ref: { id }, url: `https://www.facebook.com/${id}` };
  }

  async delete(ref: ExternalRef): Promise<void> {
    const result = await this.graph.delete<{ success?: boolean }>(ref.id);
    if (result.success !== true)
      throw new ChannelError('rejected', `Facebook did not confirm deleting ${ref.id}`);
  }

  async readMetrics(ref: ExternalRef): Promise<PostMetrics> {
    type Summary = { summary?: { total_count?: number } };
    const post = await this.graph.get<{
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
    const me = await this.graph.get<{ id: string; name?: string; username?: string }>('me', {
      fields: 'id,name',
    });
    if (me.id !== this.config.pageId)
      throw new ChannelError(
        'auth_expired',
        `The token belongs to ${me.name ?? me.id}, not the configured Page ${this.config.pageId}; reconnect with a Page token`,
      );
    return {
      id: me.id,
      handle: me.username ?? me.name ?? me.id,
      ...(me.name ? { displayName: me.name } : {}),
      url: `https://www.facebook.com/${me.id}`,
    };
  }

  /**
   * Reconciliation by exact message among the Page's most recent posts, since shortly before
   * the recorded intent when known (Meta refuses a duplicate of a recent post, code 506).
   */
  async findPublished(input: PostInput): Promise<Published | undefined> {
    const since = input.intendedAt ? Math.floor(input.intendedAt.getTime() / 1000) - 300 : undefined;
    const found = await this.findByText<{ id: string; message?: string; permalink_url?: string }>(
      `${this.config.pageId}/feed`,
      { fields: 'id,message,created_time,permalink_url', limit: this.config.reconcileWindow ?? 50, since },
      input.text,
      (p) => p.message,
    );
    return found ? { ref: { id: found.id }, url: found.permalink_url ?? this.#postUrl(found.id) } : undefined;
  }

  protected mapEnvelope(envelope: GraphEnvelope): InboundBatch {
    return mapPageEnvelope(envelope, this.config.pageId);
  }

  #postUrl(id: string): string {
    const [page, post] = id.split('_');
    return post ? `https://www.facebook.com/${page}/posts/${post}` : `https://www.facebook.com/${id}`;
  }
}
