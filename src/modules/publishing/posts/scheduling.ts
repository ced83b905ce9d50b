/**
 * Scheduling: the final approval puts a post (and each repeat of it) on the schedule with its
 * variants; at the scheduled time a post still waiting for approval is held and a website-only
 * post is finished.
 */
import { withCouncil, type Tx } from '../../../db/index.ts';
import type { FieldErrors } from '../../../web/forms.ts';
import { recordAudit, type Actor } from '../../accounts/index.ts';
import { readSchedule, type PostForm } from '../post-form.ts';
import { appendRecord } from '../records.ts';
import type { PostsDeps } from './model.ts';
import { findPost } from './reading.ts';

/** What scheduling queues once its transaction commits: each post's time and variants. */
export type Scheduled = { posts: { postId: string; at: Date; variantIds: string[] }[] };

/** Final approval: the post (and each repeat of it) is scheduled, and its variants with it. */
export async function schedulePost(tx: Tx, actor: Actor, postId: string): Promise<Scheduled> {
  const post = await findPost(tx, postId);
  if (post.is_emergency) {
    // Pre-approved for incident mode: it waits, approved, until an incident publishes it.
    await tx.updateTable('posts').set({ status: 'approved' }).where('id', '=', postId).execute();
    await appendRecord(tx, actor, postId, 'post.approved', { emergency: true });
    return { posts: [] };
  }
  const now = new Date();
  // An approval given after the scheduled time (the post was held) publishes at once.
  const at = post.scheduled_at && new Date(post.scheduled_at) > now ? new Date(post.scheduled_at) : now;
  await tx
    .updateTable('posts')
    .set({ status: 'scheduled', scheduled_at: at, held_reason: null })
    .where('id', '=', postId)
    .execute();
  const variants = await tx
    .updateTable('post_variants')
    .set({ status: 'scheduled' })
    .where('post_id', '=', postId)
    .returning('id')
    .execute();
  await appendRecord(tx, actor, postId, 'post.scheduled', { scheduledAt: at.toISOString() });
  const posts = [{ postId, at, variantIds: variants.map((v) => v.id) }];
  const rule = post.recurrence as { frequency?: string; until?: Record<string, string> } | null;
  if (rule?.frequency === 'weekly' || rule?.frequency === 'monthly') {
    const errors: FieldErrors = {};
    const form = {
      schedule: { day: '', month: '', year: '', time: '' },
      repeat: rule.frequency,
      repeatUntil: rule.until,
    } as unknown as PostForm;
    const { occurrences } = readSchedule(
      { ...form, kind: 'news', schedule: toFieldsOf(at) },
      errors,
      new Date(0),
    );
    for (const occurrence of occurrences) posts.push(await copyAsOccurrence(tx, actor, postId, occurrence));
  }
  return { posts };
}

async function copyAsOccurrence(tx: Tx, actor: Actor, postId: string, at: Date) {
  const post = await findPost(tx, postId);
  const { id: _id, created_at: _c, updated_at: _u, ...rest } = post;
  const copy = await tx
    .insertInto('posts')
    .values({
      ...rest,
      recurrence: null,
      series_id: postId,
      scheduled_at: at,
      status: 'scheduled',
    } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  const variants = await tx
    .selectFrom('post_variants')
    .select(['channel_account_id', 'text'])
    .where('post_id', '=', postId)
    .execute();
  const ids: string[] = [];
  for (const v of variants) {
    const row = await tx
      .insertInto('post_variants')
      .values({
        council_id: actor.councilId,
        post_id: copy.id,
        channel_account_id: v.channel_account_id,
        text: v.text,
        status: 'scheduled',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(row.id);
  }
  await tx
    .insertInto('post_media')
    .columns(['council_id', 'post_id', 'media_id', 'position'])
    .expression((eb) =>
      eb
        .selectFrom('post_media')
        .select(['council_id', eb.val(copy.id).as('post_id'), 'media_id', 'position'])
        .where('post_id', '=', postId),
    )
    .execute();
  await appendRecord(tx, actor, copy.id, 'post.occurrence_scheduled', {
    seriesId: postId,
    scheduledAt: at.toISOString(),
  });
  return { postId: copy.id, at, variantIds: ids };
}

/** Queues each scheduled post's variant jobs and its due check, once the transaction commits. */
export async function queueScheduled(
  deps: PostsDeps,
  councilId: string,
  scheduled: Scheduled,
): Promise<void> {
  const queue = deps.queue();
  for (const p of scheduled.posts) {
    for (const v of p.variantIds) await queue.sendVariant(councilId, v, p.at);
    await queue.sendPostDue(councilId, p.postId, p.at);
  }
}

/** At the scheduled time: hold a post still waiting for approval; finish a website-only post. */
export async function onPostDue(deps: PostsDeps, councilId: string, postId: string): Promise<void> {
  await withCouncil(deps.db, councilId, async (tx) => {
    const post = await tx.selectFrom('posts').selectAll().where('id', '=', postId).executeTakeFirst();
    if (
      !post ||
      post.deleted_at ||
      !post.scheduled_at ||
      new Date(post.scheduled_at).getTime() > Date.now() + 1000
    )
      return;
    const system: Actor = { councilId, userId: null, label: 'system' };
    if (post.status === 'submitted' && !post.held_reason) {
      const reason =
        'Held: it was still waiting for approval at its scheduled time. It publishes as soon as it is approved.';
      await tx.updateTable('posts').set({ held_reason: reason }).where('id', '=', postId).execute();
      await appendRecord(tx, system, postId, 'post.held', { reason });
      await recordAudit(tx, system, {
        action: 'publishing.post_held',
        entityType: 'post',
        entityId: postId,
        after: { authorId: post.created_by, reason },
      });
    }
    const variants = await tx
      .selectFrom('post_variants')
      .select('id')
      .where('post_id', '=', postId)
      .execute();
    if (post.status === 'scheduled' && variants.length === 0 && !post.paused_at) {
      await tx
        .updateTable('posts')
        .set({ status: 'published', published_at: new Date() })
        .where('id', '=', postId)
        .execute();
      await appendRecord(tx, system, postId, 'post.published', { website: true });
    }
  });
}

function toFieldsOf(at: Date) {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return {
    day: p.day ?? '',
    month: p.month ?? '',
    year: p.year ?? '',
    time: `${p.hour ?? ''}:${p.minute ?? ''}`,
  };
}
