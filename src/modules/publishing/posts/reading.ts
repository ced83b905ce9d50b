/**
 * Reading posts: one post with its variants, media, approvals and steps; the staff list; the
 * variants that need someone; and the snapshot the publishing record keeps of each change.
 */
import { withCouncil, type Db, type Tx } from '../../../db/index.ts';
import {
  hasVariantOn,
  isUuid,
  PublishingError,
  type ApprovalStep,
  type PostSummary,
  type PostView,
} from './model.ts';

const defaultSteps: ApprovalStep[] = [{ position: 1, name: 'Approval', role: null, userIds: [] }];
const electionStep = (position: number): ApprovalStep => ({
  position,
  name: 'Pre-election check',
  role: 'admin',
  userIds: [],
});

/** The post row (not deleted), locked when asked; a 404 for a malformed or unknown id. */
export async function findPost(tx: Tx, postId: string, lock = false) {
  if (!isUuid(postId)) throw new PublishingError('not_found');
  let q = tx.selectFrom('posts').selectAll().where('id', '=', postId).where('deleted_at', 'is', null);
  if (lock) q = q.forUpdate();
  const post = await q.executeTakeFirst();
  if (!post) throw new PublishingError('not_found');
  return post;
}

/** The council's approval steps, with the pre-election step added when the post needs it. */
export async function approvalSteps(tx: Tx, needsExtra: boolean): Promise<ApprovalStep[]> {
  const rows = await tx.selectFrom('publishing_approval_steps').selectAll().orderBy('position').execute();
  const steps = rows.length
    ? rows.map((r) => ({ position: r.position, name: r.name, role: r.role, userIds: r.user_ids }))
    : defaultSteps;
  return needsExtra ? [...steps, electionStep((steps.at(-1)?.position ?? 0) + 1)] : steps;
}

export async function loadPost(tx: Tx, postId: string): Promise<PostView> {
  const p = await findPost(tx, postId);
  const variants = await tx
    .selectFrom('post_variants')
    .selectAll()
    .where('post_id', '=', postId)
    .orderBy('created_at')
    .execute();
  const media = await tx
    .selectFrom('post_media as pm')
    .innerJoin('media_items as m', 'm.id', 'pm.media_id')
    .select(['m.id', 'm.alt_text', 'm.mime_type', 'm.data', 'm.filename'])
    .where('pm.post_id', '=', postId)
    .orderBy('pm.position')
    .execute();
  const approvals = await tx
    .selectFrom('post_approvals')
    .selectAll()
    .where('post_id', '=', postId)
    .orderBy('position')
    .execute();
  return {
    id: p.id,
    kind: p.kind,
    title: p.title,
    body: p.body,
    bodyCy: p.body_cy,
    link: p.link,
    status: p.status,
    showOnWebsite: p.show_on_website,
    scheduledAt: p.scheduled_at ? new Date(p.scheduled_at) : null,
    heldReason: p.held_reason,
    isPaused: p.paused_at !== null,
    needsExtraApproval: p.needs_extra_approval,
    createdBy: p.created_by,
    recurrence: p.recurrence,
    eventStart: p.event_start ? new Date(p.event_start) : null,
    eventEnd: p.event_end ? new Date(p.event_end) : null,
    eventLocation: p.event_location,
    publishedAt: p.published_at ? new Date(p.published_at) : null,
    service: p.service,
    variants: variants.map((v) => ({
      id: v.id,
      channelAccountId: v.channel_account_id,
      text: v.text,
      status: v.status,
      error: v.error,
      errorKind: v.error_kind,
      externalUrl: v.external_url,
      attemptCount: v.attempt_count,
    })),
    media: media.map((m) => ({
      id: m.id,
      altText: m.alt_text,
      mimeType: m.mime_type,
      bytes: m.data,
      filename: m.filename,
    })),
    approvals: approvals.map((a) => ({
      stepName: a.step_name,
      position: a.position,
      approverId: a.approver_id,
      at: a.created_at,
    })),
    steps: await approvalSteps(tx, p.needs_extra_approval),
  };
}

/** What the publishing record keeps of a post: everything but the image bytes. */
export async function snapshot(tx: Tx, postId: string): Promise<Record<string, unknown>> {
  const { media, ...rest } = await loadPost(tx, postId);
  return { ...rest, media: media.map((m) => ({ id: m.id, altText: m.altText, filename: m.filename })) };
}

export type PostsFilter = { status?: string; accountId?: string; kind?: string; from?: Date; to?: Date };

export async function listPosts(db: Db, councilId: string, filter: PostsFilter): Promise<PostSummary[]> {
  return withCouncil(db, councilId, async (tx) => {
    let q = tx
      .selectFrom('posts')
      .select([
        'id',
        'title',
        'kind',
        'status',
        'scheduled_at',
        'held_reason',
        'paused_at',
        'created_by',
        'updated_at',
        'needs_extra_approval',
      ])
      .where('deleted_at', 'is', null)
      .orderBy('scheduled_at', 'asc')
      .orderBy('updated_at', 'desc')
      .limit(500);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.from) q = q.where('scheduled_at', '>=', filter.from);
    if (filter.to) q = q.where('scheduled_at', '<', filter.to);
    if (filter.accountId && isUuid(filter.accountId)) q = q.where(hasVariantOn(filter.accountId));
    return (await q.execute()).map((r) => ({
      id: r.id,
      title: r.title,
      kind: r.kind,
      status: r.status,
      scheduledAt: r.scheduled_at ? new Date(r.scheduled_at) : null,
      heldReason: r.held_reason,
      isPaused: r.paused_at !== null,
      createdBy: r.created_by,
      needsExtraApproval: r.needs_extra_approval,
    }));
  });
}

/** Variants that need someone: failed (with the reason) or held for a reconnection. */
export async function needingAttention(
  db: Db,
  councilId: string,
): Promise<{ postId: string; title: string; variantId: string; status: string; error: string | null }[]> {
  return withCouncil(db, councilId, (tx) =>
    tx
      .selectFrom('post_variants as v')
      .innerJoin('posts as p', 'p.id', 'v.post_id')
      .select(['p.id as postId', 'p.title', 'v.id as variantId', 'v.status', 'v.error'])
      .where('v.status', 'in', ['failed', 'held'])
      .where('p.deleted_at', 'is', null)
      .execute(),
  );
}
