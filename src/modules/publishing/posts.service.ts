/**
 * Posts and their workflow: draft, submitted, approved, scheduled, publishing, published or
 * failed. Approval steps are per council (by role or named people); nobody approves their own
 * post or two steps of one post; an approval still pending at the scheduled time holds the
 * post and alerts its author. Every change is recorded in the publishing record.
 */
import type { ExpressionBuilder } from 'kysely';
import { withCouncil, type Database, type Db, type Tx } from '../../db/index.ts';
import type { FieldErrors } from '../../web/forms.ts';
import { can, recordAudit, type Actor, type Role } from '../accounts/index.ts';
import type { ChannelAccountsService, ConnectorRegistry } from '../channels/index.ts';
import { adviseOn, type ElectionSettings } from './checks.ts';
import {
  defaultVariantText,
  draftErrors,
  readSchedule,
  type PostForm,
  type ScheduleResult,
} from './post-form.ts';
import type { PublishQueue } from './publisher.ts';
import { appendRecord } from './records.ts';

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

const defaultSteps: ApprovalStep[] = [{ position: 1, name: 'Approval', role: null, userIds: [] }];
const electionStep = (position: number): ApprovalStep => ({
  position,
  name: 'Pre-election check',
  role: 'admin',
  userIds: [],
});

const isUuid = (v: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u.test(v);

export class PostsService {
  private queue: PostsQueue | undefined;

  constructor(
    private readonly db: Db,
    private readonly channelAccounts: ChannelAccountsService,
    private readonly registry: ConnectorRegistry,
  ) {}

  useQueue(queue: PostsQueue): void {
    this.queue = queue;
  }

  private get q(): PostsQueue {
    if (!this.queue) throw new Error('PostsService has no queue: call useQueue first');
    return this.queue;
  }

  /** Saves a draft (new, or an edit that sends the post back to draft). Returns its id. */
  async saveDraft(
    staff: Staff,
    form: PostForm,
    settings: CouncilPublishingSettings,
    postId?: string,
  ): Promise<string> {
    const errors = draftErrors(form);
    const { scheduledAt, eventStart, eventEnd } = readSchedule(form, errors, new Date());
    const accounts = await this.channelAccounts.list(staff.actor.councilId);
    const known = new Set(accounts.map((a) => a.id));
    if (form.accountIds.some((id) => !known.has(id))) errors.accounts = 'Select channels from the list';
    if (Object.keys(errors).length) throw new PublishingError('validation', errors);
    const { actor } = staff;
    return withCouncil(this.db, actor.councilId, (tx) =>
      this.writeDraft(tx, actor, form, settings, { scheduledAt, eventStart, eventEnd }, postId),
    );
  }

  /**
   * Writes a checked draft (see saveDraft) in the caller's transaction, so an import can draft
   * many posts all-or-nothing. Returns its id.
   */
  async writeDraft(
    tx: Tx,
    actor: Actor,
    form: PostForm,
    settings: CouncilPublishingSettings,
    { scheduledAt, eventStart, eventEnd }: Pick<ScheduleResult, 'scheduledAt' | 'eventStart' | 'eventEnd'>,
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
      const before = await this.findPost(tx, id);
      if (['publishing', 'published'].includes(before.status) || before.deleted_at)
        throw new PublishingError('conflict', {}, 'A post that has started publishing cannot be edited');
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
    await appendRecord(tx, actor, id, postId ? 'post.edited' : 'post.created', await this.snapshot(tx, id));
    return id;
  }

  /**
   * Every problem that stops a post being submitted, by field id: the draft rules, Welsh where
   * the council is bilingual, and each channel's own limits as that channel counts them.
   */
  async submissionErrors(
    councilId: string,
    postId: string,
    settings: CouncilPublishingSettings,
  ): Promise<FieldErrors> {
    const post = await withCouncil(this.db, councilId, (tx) => this.load(tx, postId));
    const errors: FieldErrors = {};
    if (!post.body) errors.body = 'Enter the text of the post';
    if (settings.isBilingual && !post.bodyCy)
      errors.bodyCy = 'Enter the Welsh text: this council publishes every post in Welsh and English';
    if (post.scheduledAt && post.scheduledAt.getTime() < Date.now() - 60_000)
      errors['schedule-day'] = 'The date and time to publish must be in the future';
    const accounts = new Map((await this.channelAccounts.list(councilId)).map((a) => [a.id, a]));
    for (const v of post.variants) {
      const account = accounts.get(v.channelAccountId);
      if (!account) continue;
      let connector;
      try {
        connector = this.registry.create(account.kind, { settings: account.settings, credentials: {} });
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

  async submit(staff: Staff, postId: string, settings: CouncilPublishingSettings): Promise<void> {
    const errors = await this.submissionErrors(staff.actor.councilId, postId, settings);
    if (Object.keys(errors).length) throw new PublishingError('validation', errors);
    const { actor } = staff;
    const scheduledAt = await withCouncil(this.db, actor.councilId, async (tx) => {
      const post = await this.load(tx, postId);
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
        ...(await this.snapshot(tx, postId)),
        electionMentions: mentions,
      });
      return post.scheduledAt;
    });
    if (scheduledAt) await this.q.sendPostDue(actor.councilId, postId, scheduledAt);
  }

  /** The council's approval steps, with the pre-election step added when the post needs it. */
  async steps(tx: Tx, needsExtra: boolean): Promise<ApprovalStep[]> {
    const rows = await tx.selectFrom('publishing_approval_steps').selectAll().orderBy('position').execute();
    const steps = rows.length
      ? rows.map((r) => ({ position: r.position, name: r.name, role: r.role, userIds: r.user_ids }))
      : defaultSteps;
    return needsExtra ? [...steps, electionStep((steps.at(-1)?.position ?? 0) + 1)] : steps;
  }

  async approve(staff: Staff, postId: string): Promise<'approved' | 'scheduled'> {
    const { actor, role } = staff;
    if (!can(role, 'publishing.approve'))
      throw new PublishingError('forbidden', {}, 'You cannot approve posts');
    const result = await withCouncil(this.db, actor.councilId, async (tx) => {
      const post = await this.findPost(tx, postId, true);
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
      const steps = await this.steps(tx, post.needs_extra_approval);
      const next = steps.find((s) => !done.some((a) => a.position === s.position));
      if (!next) throw new PublishingError('conflict', {}, 'This post is already approved');
      const isEligible =
        (next.role === null && next.userIds.length === 0) ||
        next.role === role ||
        next.userIds.includes(actor.userId ?? '');
      if (!isEligible)
        throw new PublishingError(
          'forbidden',
          {},
          `The step “${next.name}” must be approved by someone else`,
        );
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
      await appendRecord(tx, actor, postId, 'post.approved_step', {
        step: next.name,
        position: next.position,
      });
      if (steps.some((s) => s.position !== next.position && !done.some((a) => a.position === s.position)))
        return 'approved' as const;
      return this.schedule(tx, actor, postId);
    });
    if (typeof result === 'string') return result;
    if (result.posts.length === 0) return 'approved';
    for (const p of result.posts) {
      for (const v of p.variantIds) await this.q.sendVariant(actor.councilId, v, p.at);
      await this.q.sendPostDue(actor.councilId, p.postId, p.at);
    }
    return 'scheduled';
  }

  /** Final approval: the post (and each repeat of it) is scheduled, and its variants with it. */
  private async schedule(tx: Tx, actor: Actor, postId: string) {
    const post = await this.findPost(tx, postId);
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
      for (const occurrence of occurrences)
        posts.push(await this.copyAsOccurrence(tx, actor, postId, occurrence));
    }
    return { posts };
  }

  private async copyAsOccurrence(tx: Tx, actor: Actor, postId: string, at: Date) {
    const post = await this.findPost(tx, postId);
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

  /** Sends a submitted post back to its author as a draft, with the reason. */
  async returnToDraft(staff: Staff, postId: string, reason: string): Promise<void> {
    if (!reason.trim())
      throw new PublishingError('validation', { reason: 'Enter what the author should change' });
    await withCouncil(this.db, staff.actor.councilId, async (tx) => {
      const post = await this.findPost(tx, postId);
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

  /** Removes a post from the site and the staff lists; the record keeps it. */
  async remove(staff: Staff, postId: string): Promise<void> {
    await withCouncil(this.db, staff.actor.councilId, async (tx) => {
      await this.findPost(tx, postId);
      await tx.updateTable('posts').set({ deleted_at: new Date() }).where('id', '=', postId).execute();
      await appendRecord(tx, staff.actor, postId, 'post.deleted', await this.snapshot(tx, postId));
    });
  }

  /** At the scheduled time: hold a post still waiting for approval; finish a website-only post. */
  async onDue(councilId: string, postId: string): Promise<void> {
    await withCouncil(this.db, councilId, async (tx) => {
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

  async get(councilId: string, postId: string): Promise<PostView> {
    return withCouncil(this.db, councilId, (tx) => this.load(tx, postId));
  }

  async list(
    councilId: string,
    filter: { status?: string; accountId?: string; kind?: string; from?: Date; to?: Date } = {},
  ): Promise<PostSummary[]> {
    return withCouncil(this.db, councilId, async (tx) => {
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
  async needingAttention(
    councilId: string,
  ): Promise<{ postId: string; title: string; variantId: string; status: string; error: string | null }[]> {
    return withCouncil(this.db, councilId, (tx) =>
      tx
        .selectFrom('post_variants as v')
        .innerJoin('posts as p', 'p.id', 'v.post_id')
        .select(['p.id as postId', 'p.title', 'v.id as variantId', 'v.status', 'v.error'])
        .where('v.status', 'in', ['failed', 'held'])
        .where('p.deleted_at', 'is', null)
        .execute(),
    );
  }

  private async findPost(tx: Tx, postId: string, lock = false) {
    if (!isUuid(postId)) throw new PublishingError('not_found');
    let q = tx.selectFrom('posts').selectAll().where('id', '=', postId).where('deleted_at', 'is', null);
    if (lock) q = q.forUpdate();
    const post = await q.executeTakeFirst();
    if (!post) throw new PublishingError('not_found');
    return post;
  }

  private async load(tx: Tx, postId: string): Promise<PostView> {
    const p = await this.findPost(tx, postId);
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
      steps: await this.steps(tx, p.needs_extra_approval),
    };
  }

  private async snapshot(tx: Tx, postId: string): Promise<Record<string, unknown>> {
    const { media, ...rest } = await this.load(tx, postId);
    return { ...rest, media: media.map((m) => ({ id: m.id, altText: m.altText, filename: m.filename })) };
  }
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
