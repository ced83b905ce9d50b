/**
 * The base of the two Meta connectors (Facebook Page, Instagram account): one Graph client
 * per account, refusing bad input before anything is sent, private replies through the
 * linked Page's Send API, reconciliation by exact text among recent posts, and signed
 * webhooks. Each network's adapter keeps what is its own: limits, how a post is made, which
 * edge answers a comment, metrics, identity, and what its webhook `changes` mean.
 */
import { ChannelError } from '../channel-error.ts';
import type {
  CanHandleWebhook,
  ExternalRef,
  InboundBatch,
  LimitProblem,
  PostInput,
  WebhookRequest,
  WebhookResult,
} from '../port.ts';
import { GraphClient, type GraphConfig, type GraphParams } from './graph-client.ts';
import type { GraphEnvelope } from './inbound.ts';
import { handleMetaWebhook, type MetaWebhookSecrets } from './webhook.ts';

export type MetaConfig = GraphConfig &
  MetaWebhookSecrets & {
    /** The Facebook Page: its own, or the one linked to the Instagram account. */
    pageId: string;
  };

export type PrivateReply = { messageId: string; psid: string };

/**
 * The config and client sit in private fields behind protected getters, so the token and app
 * secret are never own properties that logging or serialising a connector would show.
 */
export abstract class MetaConnector<C extends MetaConfig = MetaConfig> implements CanHandleWebhook {
  readonly #config: C;
  readonly #graph: GraphClient;

  constructor(config: C) {
    this.#config = config;
    this.#graph = new GraphClient(config);
  }

  protected get config(): C {
    return this.#config;
  }

  protected get graph(): GraphClient {
    return this.#graph;
  }

  abstract check(input: PostInput): LimitProblem[];

  /** The network's own reading of an authentic envelope. */
  protected abstract mapEnvelope(envelope: GraphEnvelope): InboundBatch;

  protected refuseBadInput(input: PostInput): void {
    const problems = this.check(input);
    if (problems.length > 0) throw new ChannelError('rejected', problems.map((p) => p.message).join('; '));
  }

  /** Asked for privately, or answering a message (its sender's page-scoped id is in the ref). */
  protected isPrivateReply(target: ExternalRef, opts: { isPrivate?: boolean }): boolean {
    return Boolean(target.meta?.psid) || opts.isPrivate === true;
  }

  /**
   * The Send API of the Page: to the sender of a conversation (`target.meta.psid`, inside
   * Meta's 24-hour window) or as a private reply to a comment (one per comment, within 7
   * days). `extra` carries what one product's Send API takes beyond the shared fields.
   */
  protected async sendPrivately(
    target: ExternalRef,
    text: string,
    extra: GraphParams = {},
  ): Promise<PrivateReply> {
    const psid = target.meta?.psid;
    const recipient = psid ? { id: psid } : { comment_id: target.id };
    const sent = await this.graph.post<{ recipient_id?: string; message_id: string }>(
      `${this.#config.pageId}/messages`,
      { recipient: JSON.stringify(recipient), ...extra, message: JSON.stringify({ text }) },
    );
    return { messageId: sent.message_id, psid: psid ?? sent.recipient_id ?? '' };
  }

  /**
   * Reconciliation. A Meta post has no field an app can set and read back invisibly, and
   * putting the key in the text would show residents a code; so the post is found by its
   * exact text among the account's most recent posts. Meta itself refuses a duplicate of a
   * recent post, so identical text in that window is the same publish.
   */
  protected async findByText<T extends { id: string }>(
    path: string,
    params: GraphParams,
    text: string,
    textOf: (item: T) => string | undefined,
  ): Promise<T | undefined> {
    const list = await this.graph.get<{ data?: T[] }>(path, params);
    return (list.data ?? []).find((item) => (textOf(item) ?? '') === text);
  }

  async handleWebhook(request: WebhookRequest): Promise<WebhookResult> {
    return handleMetaWebhook(request, this.#config, (envelope) => this.mapEnvelope(envelope));
  }
}
