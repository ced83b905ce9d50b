/**
 * The approval workflow: approval steps per council (by role or named people); nobody approves
 * their own post or two steps of one post; the last step schedules it. A submitted post can be
 * sent back to its author as a draft, with the reason.
 */
import { withCouncil } from '../../../db/index.ts';
import { can } from '../../accounts/index.ts';
import { appendRecord } from '../records.ts';
import { lockPostForChange } from './locking.ts';
import { PublishingError, type PostsDeps, type Staff } from './model.ts';
import { approvalSteps, findPost } from './reading.ts';
import { queueScheduled, schedulePost } from './scheduling.ts';

export async function approvePost(
  deps: PostsDeps,
  staff: Staff,
  postId: string,
): Promise<'approved' | 'scheduled'> {
  const { actor, role } = staff;
  if (!can(role, 'publishing.approve'))
    throw new PublishingError('forbidden', {}, 'You cannot approve posts');
  const result = await withCouncil(deps.db, actor.councilId, async (tx) => {
    // Variants then post, the order the engine and a move lock in, since the last step
    // schedules the variants too.
    const { post } = await lockPostForChange(tx, postId);
    if (post.status !== 'submitted')
      throw new PublishingError('conflict', {}, 'This post is not waiting for approval');
    if (post.created_by === actor.userId)
      throw new PublishingError('forbidden', {}, 'You cannot approve your own post');
    const done = await tx.selectFrom('post_approvals').selectAll().where('post_id', '=', postId).execute();
    if (done.some((a) => a.approver_id === actor.userId))
      throw new PublishingError(
        'forbidden',
        {},
        'You have already approved a step of this post: another person must approve the next',
      );
    const steps = await approvalSteps(tx, post.needs_extra_approval);
    const next = steps.find((s) => !done.some((a) => a.position === s.position));
    if (!next) throw new PublishingError('conflict', {}, 'This post is already approved');
    const isEligible =
      (next.role === null && next.userIds.length === 0) ||
      next.role === role ||
      next.userIds.includes(actor.userId ?? '');
    if (!isEligible)
      throw new PublishingError('forbidden', {}, `The step “${next.name}” must be approved by someone else`);
    await tx
      .insertInto('post_approvals')
      .values({
        council_id: actor.councilId,
        post_id: postId,
        step_name: next.name,
        position: next.position,
        approver_id: actor.userId ?? '',
      })
      .execute();
    await appendRecord(tx, actor, postId, 'post.approved_step', { step: next.name, position: next.position });
    if (steps.some((s) => s.position !== next.position && !done.some((a) => a.position === s.position)))
      return 'approved' as const;
    return schedulePost(tx, actor, postId);
  });
  if (typeof result === 'string') return result;
  if (result.posts.length === 0) return 'approved';
  await queueScheduled(deps, actor.councilId, result);
  return 'scheduled';
}

/** Sends a submitted post back to its author as a draft, with the reason. */
export async function returnToDraft(
  deps: PostsDeps,
  staff: Staff,
  postId: string,
  reason: string,
): Promise<void> {
  if (!reason.trim())
    throw new PublishingError('validation', { reason: 'Enter what the author should change' });
  await withCouncil(deps.db, staff.actor.councilId, async (tx) => {
    const post = await findPost(tx, postId);
    if (post.status !== 'submitted')
      throw new PublishingError('conflict', {}, 'This post is not waiting for approval');
    await tx
      .updateTable('posts')
      .set({ status: 'draft', held_reason: `Returned: ${reason.trim()}` })
      .where('id', '=', postId)
      .execute();
    await tx.deleteFrom('post_approvals').where('post_id', '=', postId).execute();
    await appendRecord(tx, staff.actor, postId, 'post.returned', { reason: reason.trim() });
  });
}
