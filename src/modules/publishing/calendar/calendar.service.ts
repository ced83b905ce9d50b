/**
 * The content calendar: every post with a time (scheduled, publishing, published, failed, or
 * still waiting for approval) placed on its London day, with its channels; and rescheduling,
 * which obeys the same rules as scheduling (a real London time, not in the past), the workflow
 * (nothing that has started publishing moves) and the approval rules (a post moved into a
 * pre-election period that names councillors or parties needs the pre-election approval).
 * Every move is recorded in the publishing record and the audit log.
 */
import { withCouncil, type Db, type Tx } from '../../../db/index.ts';
import type { FieldErrors } from '../../../web/forms.ts';
import { recordAudit } from '../../accounts/index.ts';
import { electionMentions, type ElectionSettings } from '../checks.ts';
import {
  fenceOpenVariants,
  hasVariantOn,
  lockPostForChange,
  moveFence,
  PublishingError,
  refuseIfBeingSent,
  type PostsQueue,
  type Staff,
} from '../posts.service.ts';
import { appendRecord } from '../records.ts';
import { parseLocalSchedule, toFields, type DateFields } from '../schedule.ts';
import { dateKey, londonDate, type CalendarRange } from './calendar-range.ts';
import { isCouncilService } from './services.ts';

/** Where a move put the post, and whether the move added the pre-election approval step. */
export type MoveOutcome = { at: Date; needsPreElectionApproval: boolean };

export type CalendarFilter = { channel?: string; service?: string; status?: string };

export type CalendarEntry = {
  postId: string;
  title: string;
  kind: string;
  status: string;
  service: string | null;
  /** When it publishes (or did): published_at once published, else scheduled_at. */
  at: Date;
  /** London day, YYYY-MM-DD. */
  dayKey: string;
  /** London wall-clock time, 24-hour (09:30), and the zone in force then (GMT or BST). */
  time: string;
  zone: string;
  /** The reschedule form's starting values: the post's current London date and time. */
  fields: DateFields;
  heldReason: string | null;
  isPaused: boolean;
  /** Whether the workflow still lets it move. */
  canMove: boolean;
  channels: { accountId: string; name: string; kind: string; status: string }[];
};

/** The statuses the calendar shows and filters by, in workflow order. */
export const calendarStatuses = [
  'draft',
  'submitted',
  'approved',
  'scheduled',
  'publishing',
  'published',
  'failed',
] as const;

const zoneFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeZoneName: 'short' });
/** GMT or BST: on the day the clocks go back, 01:30 happens once in each. */
const zoneName = (at: Date) =>
  zoneFormat.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value === 'BST' ? 'BST' : 'GMT';

const isUuid = (v: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u.test(v);
const movableStatuses = ['draft', 'submitted', 'scheduled'];
const startedVariantStatuses = ['publishing', 'published', 'failed'];

export class CalendarService {
  private queue: PostsQueue | undefined;

  constructor(private readonly db: Db) {}

  useQueue(queue: PostsQueue): void {
    this.queue = queue;
  }

  /** The posts in a calendar range, filtered, in time order. */
  async entries(
    councilId: string,
    range: CalendarRange,
    filter: CalendarFilter = {},
  ): Promise<CalendarEntry[]> {
    return withCouncil(this.db, councilId, async (tx) => {
      let q = tx
        .selectFrom('posts')
        .select([
          'id',
          'title',
          'kind',
          'status',
          'service',
          'scheduled_at',
          'published_at',
          'held_reason',
          'paused_at',
          'is_emergency',
        ])
        .where('deleted_at', 'is', null)
        .where((eb) =>
          eb.or([
            eb.and([eb('scheduled_at', '>=', range.from), eb('scheduled_at', '<', range.to)]),
            eb.and([eb('published_at', '>=', range.from), eb('published_at', '<', range.to)]),
          ]),
        )
        .orderBy('scheduled_at')
        .limit(2000);
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.service) q = q.where('service', '=', filter.service);
      if (filter.channel && isUuid(filter.channel)) q = q.where(hasVariantOn(filter.channel));
      else if (filter.channel) return [];
      const rows = await q.execute();
      const variants = rows.length
        ? await tx
            .selectFrom('post_variants as v')
            .innerJoin('channel_accounts as a', 'a.id', 'v.channel_account_id')
            .select(['v.post_id', 'v.channel_account_id', 'v.status', 'a.name', 'a.kind'])
            .where(
              'v.post_id',
              'in',
              rows.map((r) => r.id),
            )
            .orderBy('a.kind')
            .orderBy('a.name')
            .execute()
        : [];
      const entries: CalendarEntry[] = [];
      for (const r of rows) {
        const published = r.status === 'published' && r.published_at ? new Date(r.published_at) : undefined;
        const at = published ?? (r.scheduled_at ? new Date(r.scheduled_at) : undefined);
        if (!at || at < range.from || at >= range.to) continue;
        const channels = variants
          .filter((v) => v.post_id === r.id)
          .map((v) => ({ accountId: v.channel_account_id, name: v.name, kind: v.kind, status: v.status }));
        entries.push({
          postId: r.id,
          title: r.title,
          kind: r.kind,
          status: r.status,
          service: r.service,
          at,
          dayKey: dateKey(londonDate(at)),
          time: toFields(at).time,
          zone: zoneName(at),
          fields: toFields(at),
          heldReason: r.held_reason,
          isPaused: r.paused_at !== null,
          canMove:
            !r.is_emergency &&
            movableStatuses.includes(r.status) &&
            !channels.some((c) => startedVariantStatuses.includes(c.status)),
          channels,
        });
      }
      return entries.sort((a, b) => a.at.getTime() - b.at.getTime());
    });
  }

  /** The services the council's posts use, for the filter (the standard list first). */
  async servicesInUse(councilId: string): Promise<string[]> {
    const rows = await withCouncil(this.db, councilId, (tx) =>
      tx
        .selectFrom('posts')
        .select('service')
        .distinct()
        .where('service', 'is not', null)
        .where('deleted_at', 'is', null)
        .execute(),
    );
    return rows.map((r) => r.service ?? '').filter(Boolean);
  }

  /**
   * Moves a post to a new London date and time. Refused, with the field to fix, when the time
   * does not exist, is in the past, or the post has started publishing (or is an emergency
   * message, which publishes when an incident starts). Approval follows the post's new time as
   * it would have at submission: a post waiting for approval that now falls in a pre-election
   * period naming councillors or parties gains the pre-election step, and an approved post that
   * would need it is not moved there, since its approvals did not include that check.
   */
  async reschedule(
    staff: Staff,
    postId: string,
    fields: DateFields,
    election: ElectionSettings = {},
    now = new Date(),
  ): Promise<Date> {
    return (await this.move(staff, postId, fields, election, now)).at;
  }

  /** `reschedule`, saying also whether the move gave the post the pre-election approval step. */
  async move(
    staff: Staff,
    postId: string,
    fields: DateFields,
    election: ElectionSettings = {},
    now = new Date(),
  ): Promise<MoveOutcome> {
    const { actor } = staff;
    const moved = await withCouncil(this.db, actor.councilId, async (tx) => {
      // Locked as the engine's claim locks (variants, then the post), so the two never
      // deadlock and a variant mid-send is seen; a malformed or unknown id is a 404.
      const { post, variants } = await lockPostForChange(tx, postId);
      // Checked once the post is known to exist here, so another council's id is a 404.
      const parsed = parseLocalSchedule(fields, now);
      if (!parsed.ok) {
        const errors: FieldErrors = {};
        errors[parsed.field === 'date' ? 'schedule-day' : 'schedule-time'] = parsed.message.replace(
          'to publish',
          'to move the post to',
        );
        throw new PublishingError('validation', errors);
      }
      const at = parsed.at;
      if (post.is_emergency)
        throw new PublishingError(
          'conflict',
          {},
          'An emergency message publishes when incident mode starts, so it has no time to move',
        );
      refuseIfBeingSent(variants, 'moved', now);
      if (
        !movableStatuses.includes(post.status) ||
        variants.some((v) => startedVariantStatuses.includes(v.status))
      )
        throw new PublishingError(
          'conflict',
          {},
          `“${post.title}” has already started publishing, so it cannot be moved`,
        );
      const mentions =
        post.status === 'draft' || post.needs_extra_approval
          ? []
          : electionMentions(await this.textOf(tx, post), election, at);
      if (mentions.length && post.status === 'scheduled')
        throw new PublishingError('validation', {
          'schedule-day': `That date is in a pre-election period and “${post.title}” names ${mentions.join(', ')}, so it would need the pre-election approval it did not have: choose a date outside the period, or edit the post and submit it again`,
        });
      const from = post.scheduled_at ? new Date(post.scheduled_at) : null;
      // A post missed while incident mode was on stays paused for review; moving it to a new
      // time is that review, so once no incident is open it is resumed (left paused, it would
      // be skipped at its new time too). During an incident, ending it resumes future posts.
      const isResumed =
        post.paused_at !== null &&
        !(await tx.selectFrom('incidents').select('id').where('ended_at', 'is', null).executeTakeFirst());
      await tx
        .updateTable('posts')
        .set({
          ...(isResumed ? { paused_at: null } : {}),
          scheduled_at: at,
          updated_at: new Date(),
          // A post held because its approval was late is no longer late once moved ahead.
          ...(post.held_reason?.startsWith('Held:') ? { held_reason: null } : {}),
          // Still waiting for approval: the pre-election step joins the steps it waits for.
          ...(mentions.length ? { needs_extra_approval: true } : {}),
        })
        .where('id', '=', postId)
        .execute();
      // A claim that waited for our locks may carry on with the post's old time: the fence
      // makes it back off, and is over just before the engine counts the post due at `at`.
      await fenceOpenVariants(tx, variants, moveFence(at));
      const change = {
        from: from?.toISOString() ?? null,
        to: at.toISOString(),
        ...(isResumed ? { resumedAfterIncident: true } : {}),
        ...(mentions.length ? { electionMentions: mentions } : {}),
      };
      await appendRecord(tx, actor, postId, 'post.rescheduled', change);
      await recordAudit(tx, actor, {
        action: 'publishing.post_rescheduled',
        entityType: 'post',
        entityId: postId,
        before: { scheduledAt: change.from },
        after: { scheduledAt: change.to, ...(mentions.length ? { needsExtraApproval: true } : {}) },
      });
      return {
        at,
        needsPreElectionApproval: mentions.length > 0,
        status: post.status,
        variantIds: variants.filter((v) => v.status === 'scheduled').map((v) => v.id),
      };
    });
    // A job queued for the old time finds the post not yet due and does nothing, so only the
    // new time needs jobs; a post moved earlier is published by the new job, and the old one
    // then finds it done.
    const { at } = moved;
    if (moved.status === 'scheduled')
      for (const id of moved.variantIds) await this.q.sendVariant(actor.councilId, id, at);
    if (moved.status !== 'draft') await this.q.sendPostDue(actor.councilId, postId, at);
    return { at, needsPreElectionApproval: moved.needsPreElectionApproval };
  }

  /** Tags a post with the council service it is about (or none). */
  async setService(staff: Staff, postId: string, service: string): Promise<void> {
    const value = service.trim();
    await withCouncil(this.db, staff.actor.councilId, async (tx) => {
      if (!isUuid(postId)) throw new PublishingError('not_found');
      const before = await tx
        .selectFrom('posts')
        .select('service')
        .where('id', '=', postId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!before) throw new PublishingError('not_found');
      if (value && !isCouncilService(value))
        throw new PublishingError('validation', { service: 'Choose a service from the list' });
      await tx
        .updateTable('posts')
        .set({ service: value || null })
        .where('id', '=', postId)
        .execute();
      await appendRecord(tx, staff.actor, postId, 'post.service_set', { service: value || null });
      await recordAudit(tx, staff.actor, {
        action: 'publishing.post_service_set',
        entityType: 'post',
        entityId: postId,
        before: { service: before.service },
        after: { service: value || null },
      });
    });
  }

  /** Everything the post says, in every language and channel, as submission checks it. */
  private async textOf(tx: Tx, post: { id: string; title: string; body: string; body_cy: string | null }) {
    const variants = await tx
      .selectFrom('post_variants')
      .select('text')
      .where('post_id', '=', post.id)
      .execute();
    return [post.title, post.body, post.body_cy ?? '', ...variants.map((v) => v.text)].join('\n');
  }

  private get q(): PostsQueue {
    if (!this.queue) throw new Error('CalendarService has no queue: call useQueue first');
    return this.queue;
  }
}
