/**
 * Changing a post while the publishing engine may be claiming it, and deleting one.
 *
 * The engine's claim (publisher-claim.ts) locks a post's variants FOR UPDATE in id order, then
 * the posts in id order, and decides on the rows as locked. A change locks in the same order,
 * the variants in id order and then the post, so the two never deadlock. A claim that got there
 * first has committed its lease by the time the change reads the variants, so the change sees
 * 'publishing' and refuses (refuseIfBeingSent). A change that got there first commits before the
 * waiting claim gets its locks, and the claim then reads the post as it now is (moved, deleted,
 * edited back to a draft) and sends nothing: that re-read is the guarantee.
 *
 * A deletion and a move also write a lease on the variants they leave open (fenceOpenVariants):
 * a second guard, so a claim that somehow read the post stale still finds the variant busy.
 */
import { withCouncil, type Tx } from '../../../db/index.ts';
import { appendRecord } from '../records.ts';
import { isUuid, PublishingError, type PostsDeps, type Staff } from './model.ts';
import { snapshot } from './reading.ts';

export type LockedVariant = { id: string; status: string; lease_until: Date | null };

/**
 * Locks the post's variants (in id order) and then the post, as the engine's claim does.
 * A 404 for a malformed, unknown, other council's or deleted post.
 */
export async function lockPostForChange(tx: Tx, postId: string) {
  if (!isUuid(postId)) throw new PublishingError('not_found');
  const variants: LockedVariant[] = await tx
    .selectFrom('post_variants')
    .select(['id', 'status', 'lease_until'])
    .where('post_id', '=', postId)
    .orderBy('id')
    .forUpdate()
    .execute();
  const post = await tx
    .selectFrom('posts')
    .selectAll()
    .where('id', '=', postId)
    .where('deleted_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  if (!post) throw new PublishingError('not_found');
  return { post, variants };
}

/** A worker holds the variant now: claimed, with a lease that has not run out, mid-send. */
export const isBeingSent = (v: LockedVariant, now: Date): boolean =>
  v.status === 'publishing' && v.lease_until !== null && new Date(v.lease_until) > now;

/**
 * Refuses a change while a worker is sending one of the variants, in the words the officer
 * sees. A published variant, or a 'publishing' one whose lease ran out (its worker died), is
 * left to each change's own rules: a published post can still be deleted from the site, and
 * cannot be edited or moved because its status says so.
 */
export function refuseIfBeingSent(variants: LockedVariant[], verb: string, now = new Date()): void {
  if (variants.some((v) => isBeingSent(v, now)))
    throw new PublishingError(
      'conflict',
      {},
      `This post is being published now and can no longer be ${verb}`,
    );
}

/**
 * Writes a lease until `until` on the variants that could still be claimed, so a claim that was
 * waiting for our locks (and read the post before we changed it) finds the variant taken and
 * backs off. For a move, `until` is a second before the new time: the engine treats a post due
 * within a second as due, and its claim at the new time must find the lease already over.
 */
export async function fenceOpenVariants(tx: Tx, variants: LockedVariant[], until: Date): Promise<void> {
  const open = variants.filter((v) => v.status !== 'published' && v.status !== 'failed').map((v) => v.id);
  if (!open.length) return;
  await tx.updateTable('post_variants').set({ lease_until: until }).where('id', 'in', open).execute();
}

/** The fence a move to `at` writes: over a second before the engine counts the post due. */
export const moveFence = (at: Date): Date => new Date(at.getTime() - 1000);

/** A deleted post is never published, so its fence never ends. */
const deletedFence = new Date('9999-12-31T23:59:59Z');

/**
 * Removes a post from the site and the staff lists; the record keeps it. A post already out
 * can still be removed from the site; one with a variant being sent right now cannot until the
 * send has finished, so a deletion never looks done while the post goes out.
 */
export async function removePost(deps: PostsDeps, staff: Staff, postId: string): Promise<void> {
  await withCouncil(deps.db, staff.actor.councilId, async (tx) => {
    const { variants } = await lockPostForChange(tx, postId);
    const now = new Date();
    refuseIfBeingSent(variants, 'deleted: try again once it has finished', now);
    // Read before deleted_at is set: a deleted post is not found by the loader.
    const before = await snapshot(tx, postId);
    await tx.updateTable('posts').set({ deleted_at: now }).where('id', '=', postId).execute();
    await fenceOpenVariants(tx, variants, deletedFence);
    await appendRecord(tx, staff.actor, postId, 'post.deleted', before);
  });
}
