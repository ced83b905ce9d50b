/**
 * The shapes the posts service and its callers share: its errors, who acts, the council's
 * settings and approval steps, the queue it sends jobs through, and what it returns.
 */
import type { ExpressionBuilder } from 'kysely';
import type { Database, Db } from '../../../db/index.ts';
import type { FieldErrors } from '../../../web/forms.ts';
import type { Actor, Role } from '../../accounts/index.ts';
import type { ChannelAccountsService, ConnectorRegistry } from '../../channels/index.ts';
import type { ElectionSettings } from '../checks.ts';
import type { PublishQueue } from '../publisher.ts';

/** A posts filter: the post has a variant for this channel account (list and calendar share it). */
export const hasVariantOn = (accountId: string) => (eb: ExpressionBuilder<Database, 'posts'>) =>
  eb.exists(
    eb
      .selectFrom('post_variants')
      .select('id')
      .whereRef('post_variants.post_id', '=', 'posts.id')
      .where('channel_account_id', '=', accountId),
  );

export type PostsQueue = PublishQueue & {
  sendPostDue(councilId: string, postId: string, startAfter?: Date): Promise<void>;
};

export class PublishingError extends Error {
  constructor(
    readonly kind: 'validation' | 'not_found' | 'forbidden' | 'conflict',
    readonly fieldErrors: FieldErrors = {},
    message: string = kind,
  ) {
    super(message);
  }
}

export type CouncilPublishingSettings = ElectionSettings & { isBilingual?: boolean };

export type Staff = { actor: Actor; role: Role };

export type ApprovalStep = { position: number; name: string; role: string | null; userIds: string[] };

/** What every part of the posts service works with; `queue` throws until one is set. */
export type PostsDeps = {
  db: Db;
  channelAccounts: ChannelAccountsService;
  registry: ConnectorRegistry;
  queue: () => PostsQueue;
};

export const isUuid = (v: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u.test(v);

export type PostSummary = {
  id: string;
  title: string;
  kind: string;
  status: string;
  scheduledAt: Date | null;
  heldReason: string | null;
  isPaused: boolean;
  createdBy: string;
  needsExtraApproval: boolean;
};

export type PostView = {
  id: string;
  kind: string;
  title: string;
  body: string;
  bodyCy: string | null;
  link: string | null;
  status: string;
  showOnWebsite: boolean;
  scheduledAt: Date | null;
  heldReason: string | null;
  isPaused: boolean;
  needsExtraApproval: boolean;
  createdBy: string;
  recurrence: unknown;
  eventStart: Date | null;
  eventEnd: Date | null;
  eventLocation: string | null;
  publishedAt: Date | null;
  /** The council service it is about (calendar filter); null when not set. */
  service: string | null;
  variants: {
    id: string;
    channelAccountId: string;
    text: string;
    status: string;
    error: string | null;
    errorKind: string | null;
    externalUrl: string | null;
    attemptCount: number;
  }[];
  media: { id: string; altText: string; mimeType: string; bytes: Buffer; filename: string }[];
  approvals: { stepName: string; position: number; approverId: string; at: Date }[];
  steps: ApprovalStep[];
};
