/**
 * The channel port: what publishing and the inbox may ask of any network. It is small on
 * purpose (after cal.com's Calendar port, not Postiz's 39-member provider): `publish` is the
 * one thing every connector does; everything else is a capability with a type guard, so a
 * caller asks "can this connector reply?" instead of catching "not implemented".
 *
 * Connectors import nothing from other modules, and never report success for work they did
 * not do: a call either returns what the provider confirmed or throws a ChannelError.
 */

export const channelKinds = [
  'bluesky',
  'mastodon',
  'facebook',
  'instagram',
  'x',
  'email',
  'notify',
  'web',
] as const;
export type ChannelKind = (typeof channelKinds)[number];

/** A post, reply or message as the provider identifies it. */
export type ExternalRef = {
  /** The provider's id: an at:// URI, a status id, a Message-ID... */
  id: string;
  /** Extra identity some providers need to address it (a Bluesky CID, a thread root). */
  meta?: Record<string, string>;
};

export type MediaInput = {
  data: Uint8Array;
  mimeType: string;
  /** Required: every image published by a council has a text alternative. */
  altText: string;
  filename?: string;
};

export type PostInput = {
  text: string;
  /** Stable per channel variant: the same key twice must never make two posts. */
  idempotencyKey: string;
  media?: MediaInput[];
  /** Link shown as a card where the network supports it. */
  link?: string;
  /** Mastodon content warning / spoiler text. */
  contentWarning?: string;
  visibility?: 'public' | 'unlisted' | 'followers' | 'direct';
  /** Email and SMS: who it goes to. */
  to?: string;
  subject?: string;
  /** Email: where the recipient's answer should go (Reply-To), when not the From address. */
  replyToAddress?: string;
  /** A reply: the id of the post it answers, so `findPublished` can tell replies apart. */
  inReplyTo?: string;
  /** When the intent to publish was recorded; lets a connector derive stable ids from it. */
  intendedAt?: Date;
};

export type Published = {
  ref: ExternalRef;
  url: string;
  /** Threads: every part, first to last (ref is the first). */
  parts?: ExternalRef[];
};

export type Author = { id: string; handle?: string; name?: string; email?: string; phone?: string };

export type InboundKind =
  'mention' | 'reply' | 'comment' | 'visitor_post' | 'direct_message' | 'email' | 'sms' | 'form';

export type InboundItem = {
  /** Unique per channel account: redelivery of the same item has the same id. */
  externalId: string;
  kind: InboundKind;
  author: Author;
  text: string;
  createdAt: Date;
  /** The conversation it belongs to (root post, email thread, page conversation). */
  threadId?: string;
  /** What it answers, when it is a reply. */
  inReplyTo?: string;
  url?: string;
  isPrivate: boolean;
  attachments?: { url?: string; mimeType?: string; altText?: string; filename?: string }[];
  subject?: string;
  /** The provider's payload exactly as received, kept for inspection and reprocessing. */
  raw: unknown;
};

export type InboundBatch = {
  items: InboundItem[];
  cursor: string | undefined;
  malformed: MalformedInbound[];
};

/** A payload that could not be understood: stored raw, never dropped, never thrown. */
export type MalformedInbound = { raw: unknown; reason: string };

export type ChannelLimits = {
  /** Counted as the network counts (graphemes, weighted characters, bytes). */
  maxTextLength: number;
  maxMedia: number;
  maxMediaBytes: number;
  mediaTypes: readonly string[];
  maxAltTextLength: number;
  /** Text over the limit becomes a thread rather than a refusal. */
  canThread: boolean;
};

export type LimitProblem = { field: 'text' | 'media' | 'altText' | 'to' | 'subject'; message: string };

export type PostMetrics = {
  likes: number;
  reposts: number;
  replies: number;
  quotes?: number;
  views?: number;
};

export type AccountIdentity = { id: string; handle: string; displayName?: string; url?: string };

export interface ChannelConnector {
  readonly kind: ChannelKind;
  readonly limits: ChannelLimits;
  /** Every problem with the input, checked before anything is sent; empty when it can go. */
  check(input: PostInput): LimitProblem[];
  publish(input: PostInput): Promise<Published>;
}

export interface CanReply {
  /** `isPrivate` asks for a private answer (DM) where the channel allows one. */
  reply(target: ExternalRef, input: PostInput, opts?: { isPrivate?: boolean }): Promise<Published>;
}
export interface CanFetchInbound {
  fetchInbound(cursor: string | undefined): Promise<InboundBatch>;
}
export type WebhookRequest = {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string>;
  rawBody: Buffer;
};
export type WebhookResult = { kind: 'challenge'; body: string } | { kind: 'events'; batch: InboundBatch };
export interface CanHandleWebhook {
  /** Verifies the signature (throws ChannelError 'rejected' when forged) and parses. */
  handleWebhook(request: WebhookRequest): Promise<WebhookResult>;
}
export interface CanUploadMedia {
  uploadMedia(media: MediaInput): Promise<ExternalRef>;
}
export interface CanDelete {
  delete(ref: ExternalRef): Promise<void>;
}
export interface CanReadMetrics {
  readMetrics(ref: ExternalRef): Promise<PostMetrics>;
}
export interface CanVerifyCredentials {
  verifyCredentials(): Promise<AccountIdentity>;
}
/** Reconciliation: before any retry, ask the network whether the post already exists. */
export interface CanFindPublished {
  findPublished(input: PostInput): Promise<Published | undefined>;
}

const has = (c: object, method: string) => typeof (c as Record<string, unknown>)[method] === 'function';

export const canReply = (c: ChannelConnector): c is ChannelConnector & CanReply => has(c, 'reply');
export const canFetchInbound = (c: ChannelConnector): c is ChannelConnector & CanFetchInbound =>
  has(c, 'fetchInbound');
export const canHandleWebhook = (c: ChannelConnector): c is ChannelConnector & CanHandleWebhook =>
  has(c, 'handleWebhook');
export const canUploadMedia = (c: ChannelConnector): c is ChannelConnector & CanUploadMedia =>
  has(c, 'uploadMedia');
export const canDelete = (c: ChannelConnector): c is ChannelConnector & CanDelete => has(c, 'delete');
export const canReadMetrics = (c: ChannelConnector): c is ChannelConnector & CanReadMetrics =>
  has(c, 'readMetrics');
export const canVerifyCredentials = (c: ChannelConnector): c is ChannelConnector & CanVerifyCredentials =>
  has(c, 'verifyCredentials');
export const canFindPublished = (c: ChannelConnector): c is ChannelConnector & CanFindPublished =>
  has(c, 'findPublished');
