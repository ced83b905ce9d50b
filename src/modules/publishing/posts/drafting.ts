/**
 * Drafting: a new post or an edit (which sends the post back to draft), the checks that stop a
 * post being submitted, and submitting it for approval.
 */
import { withCouncil, type Tx } from '../../../db/index.ts';
import type { FieldErrors } from '../../../web/forms.ts';
import type { Actor } from '../../accounts/index.ts';
import { adviseOn } from '../checks.ts';
import {
  defaultVariantText,
  draftErrors,
  readSchedule,
  type PostForm,
  type ScheduleResult,
} from '../post-form.ts';
import { appendRecord } from '../records.ts';
import { lockPostForChange, refuseIfBeingSent } from './locking.ts';
import {
  isUuid,
  PublishingError,
  type CouncilPublishingSettings,
  type PostsDeps,
  type Staff,
} from './model.ts';
import { loadPost, snapshot } from './reading.ts';

export type DraftSchedule = Pick<ScheduleResult, 'scheduledAt' | 'eventStart' | 'eventEnd'>;

/** The draft rules and the chosen channels; the times to store when they pass. */
export async function checkDraft(deps: PostsDeps, staff: Staff, form: PostForm): Promise<DraftSchedule> {
  const errors = draftErrors(form);
  const { scheduledAt, eventStart, eventEnd } = readSchedule(form, errors, new Date());
  const accounts = await deps.channelAccounts.list(staff.actor.councilId);
  const known = new Set(accounts.map((a) => a.id));
  if (form.accountIds.some((id) => !known.has(id))) errors.accounts = 'Select channels from the list';
  if (Object.keys(errors).length) throw new PublishingError('validation', errors);
  return { scheduledAt, eventStart, eventEnd };
}

/** Writes a checked draft in the caller's transaction. Returns its id. */
export async function writeDraft(
  tx: Tx,
  actor: Actor,
  form: PostForm,
  settings: CouncilPublishingSettings,
  { scheduledAt, eventStart, eventEnd }: DraftSchedule,
  postId?: string,
): Promise<string> {
  const values = {
    kind: form.kind,
    title: form.title,
    body: form.body,
    body_cy: form.bodyCy || null,
    link: form.link || null,
    show_on_website: form.showOnWebsite,
    is_emergency: form.isEmergency,
    scheduled_at: scheduledAt,
    recurrence:
      form.repeat === 'weekly' || form.repeat === 'monthly'
        ? JSON.stringify({ frequency: form.repeat, until: form.repeatUntil })
        : null,
    event_start: eventStart,
    event_end: eventEnd,
    event_location: form.eventLocation || null,
    updated_at: new Date(),
  };
  let id = postId;
  if (id) {
    // An edit takes the post off the schedule: locked as the engine locks, so a claim either
    // came first (and the edit is refused) or finds the variants gone.
    const { post: before, variants } = await lockPostForChange(tx, id);
    if (['publishing', 'published'].includes(before.status))
      throw new PublishingError('conflict', {}, 'A post that has started publishing cannot be edited');
    refuseIfBeingSent(variants, 'edited');
    await tx
      .updateTable('posts')
      .set({ ...values, status: 'draft', held_reason: null })
      .where('id', '=', id)
      .execute();
    await tx.deleteFrom('post_approvals').where('post_id', '=', id).execute();
    await tx.deleteFrom('post_variants').where('post_id', '=', id).execute();
    await tx.deleteFrom('post_media').where('post_id', '=', id).execute();
  } else {
    id = (
      await tx
        .insertInto('posts')
        .values({ ...values, council_id: actor.councilId, created_by: actor.userId ?? '' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  }
  for (const accountId of form.accountIds) {
    await tx
      .insertInto('post_variants')
      .values({
        council_id: actor.councilId,
        post_id: id,
        channel_account_id: accountId,
        text: form.variantText[accountId] ?? defaultVariantText(form, settings.isBilingual === true),
      })
      .execute();
  }
  for (const [position, mediaId] of form.mediaIds.filter(isUuid).entries()) {
    const exists = await tx
      .selectFrom('media_items')
      .select('id')
      .where('id', '=', mediaId)
      .executeTakeFirst();
    if (!exists) throw new PublishingError('validation', { media: 'Choose images from the media library' });
    await tx
      .insertInto('post_media')
      .values({ council_id: actor.councilId, post_id: id, media_id: mediaId, position })
      .execute();
  }
  await appendRecord(tx, actor, id, postId ? 'post.edited' : 'post.created', await snapshot(tx, id));
  return id;
}

/**
 * Every problem that stops a post being submitted, by field id: the draft rules, Welsh where
 * the council is bilingual, and each channel's own limits as that channel counts them.
 */
export async function submissionErrors(
  deps: PostsDeps,
  councilId: string,
  postId: string,
  settings: CouncilPublishingSettings,
): Promise<FieldErrors> {
  const post = await withCouncil(deps.db, councilId, (tx) => loadPost(tx, postId));
  const errors: FieldErrors = {};
  if (!post.body) errors.body = 'Enter the text of the post';
  if (settings.isBilingual && !post.bodyCy)
    errors.bodyCy = 'Enter the Welsh text: this council publishes every post in Welsh and English';
  if (post.scheduledAt && post.scheduledAt.getTime() < Date.now() - 60_000)
    errors['schedule-day'] = 'The date and time to publish must be in the future';
  const accounts = new Map((await deps.channelAccounts.list(councilId)).map((a) => [a.id, a]));
  for (const v of post.variants) {
    const account = accounts.get(v.channelAccountId);
    if (!account) continue;
    let connector;
    try {
      connector = deps.registry.create(account.kind, { settings: account.settings, credentials: {} });
    } catch {
      continue;
    }
    const problems = connector.check({
      text: v.text,
      idempotencyKey: v.id,
      media: post.media.map((m) => ({
        data: new Uint8Array(m.bytes),
        mimeType: m.mimeType,
        altText: m.altText,
      })),
      ...(post.link ? { link: post.link } : {}),
    });
    if (problems.length)
      errors[`variant-${v.channelAccountId}`] =
        `${account.name}: ${problems.map((p) => p.message).join(' ')}`;
  }
  return errors;
}

export async function submitPost(
  deps: PostsDeps,
  staff: Staff,
  postId: string,
  settings: CouncilPublishingSettings,
): Promise<void> {
  const errors = await submissionErrors(deps, staff.actor.councilId, postId, settings);
  if (Object.keys(errors).length) throw new PublishingError('validation', errors);
  const { actor } = staff;
  const scheduledAt = await withCouncil(deps.db, actor.councilId, async (tx) => {
    const post = await loadPost(tx, postId);
    if (post.status !== 'draft') throw new PublishingError('conflict', {}, 'Only a draft can be submitted');
    const text = [post.title, post.body, post.bodyCy ?? '', ...post.variants.map((v) => v.text)].join('\n');
    const mentions = adviseOn(text, settings, post.scheduledAt ?? new Date()).election;
    await tx
      .updateTable('posts')
      .set({
        status: 'submitted',
        submitted_at: new Date(),
        needs_extra_approval: mentions.length > 0,
        held_reason: null,
      })
      .where('id', '=', postId)
      .execute();
    await appendRecord(tx, actor, postId, 'post.submitted', {
      ...(await snapshot(tx, postId)),
      electionMentions: mentions,
    });
    return post.scheduledAt;
  });
  if (scheduledAt) await deps.queue().sendPostDue(actor.councilId, postId, scheduledAt);
}
