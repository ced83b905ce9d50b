/**
 * Incident mode. An admin or comms lead switches it on with a reason: every scheduled post is
 * paused, a pre-approved emergency message goes to every channel at once, and the public site
 * shows a banner. Switching it off resumes the posts still in the future and lists those whose
 * time passed during the incident, for someone to publish or reschedule. Every step is audited.
 */
import { withCouncil, type Db } from '../../db/index.ts';
import { recordAudit, type Actor, type Role } from '../accounts/index.ts';
import type { ChannelAccountsService } from '../channels/index.ts';
import { PublishingError, type PostsQueue } from './posts.service.ts';
import { appendRecord } from './records.ts';

export type Incident = { id: string; reason: string; banner: string; startedAt: Date };

export class IncidentService {
  private queue: PostsQueue | undefined;
  private readonly cache = new Map<string, { at: number; value: Incident | undefined }>();

  constructor(
    private readonly db: Db,
    private readonly channelAccounts: ChannelAccountsService,
  ) {}

  useQueue(queue: PostsQueue): void {
    this.queue = queue;
  }

  private get q(): PostsQueue {
    if (!this.queue) throw new Error('IncidentService has no queue');
    return this.queue;
  }

  /** The open incident, cached for a few seconds: the public site asks on every page. */
  async current(councilId: string): Promise<Incident | undefined> {
    const hit = this.cache.get(councilId);
    if (hit && Date.now() - hit.at < 5000) return hit.value;
    const value = await withCouncil(this.db, councilId, async (tx) => {
      const r = await tx.selectFrom('incidents').selectAll().where('ended_at', 'is', null).executeTakeFirst();
      return r ? { id: r.id, reason: r.reason, banner: r.banner, startedAt: r.started_at } : undefined;
    });
    this.cache.set(councilId, { at: Date.now(), value });
    return value;
  }

  async start(
    actor: Actor,
    role: Role,
    input: { reason: string; banner: string; emergencyPostId?: string },
  ): Promise<void> {
    if (role !== 'admin' && role !== 'comms')
      throw new PublishingError(
        'forbidden',
        {},
        'Only an administrator or communications officer can start incident mode',
      );
    const errors: Partial<Record<string, string>> = {};
    if (!input.reason.trim()) errors.reason = 'Enter why you are starting incident mode';
    if (!input.banner.trim()) errors.banner = 'Enter the message for the banner on the public site';
    if (Object.keys(errors).length) throw new PublishingError('validation', errors);
    const accounts = (await this.channelAccounts.list(actor.councilId)).filter((a) => a.status === 'active');
    const sends = await withCouncil(this.db, actor.councilId, async (tx) => {
      const open = await tx
        .selectFrom('incidents')
        .select('id')
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (open) throw new PublishingError('conflict', {}, 'Incident mode is already on');
      const incident = await tx
        .insertInto('incidents')
        .values({
          council_id: actor.councilId,
          reason: input.reason.trim(),
          banner: input.banner.trim(),
          started_by: actor.userId ?? '',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      // The posts are locked in id order, as the engine's claim locks them: a claim waiting
      // for one of them then reads it paused and sends nothing, and one that got there first
      // has made it 'publishing', which this leaves alone (it is already going out).
      const paused = await tx
        .updateTable('posts')
        .set({ paused_at: new Date() })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('posts')
            .select('id')
            .where('status', 'in', ['submitted', 'scheduled'])
            .where('paused_at', 'is', null)
            .where('deleted_at', 'is', null)
            .orderBy('id')
            .forUpdate(),
        )
        .where('status', 'in', ['submitted', 'scheduled'])
        .where('paused_at', 'is', null)
        .returning(['id', 'title', 'scheduled_at'])
        .execute();
      for (const p of paused) await appendRecord(tx, actor, p.id, 'post.paused', { incidentId: incident.id });
      await recordAudit(tx, actor, {
        action: 'publishing.incident_started',
        entityType: 'incident',
        entityId: incident.id,
        after: { reason: input.reason.trim(), banner: input.banner.trim(), paused: paused.map((p) => p.id) },
      });
      if (!input.emergencyPostId) return [];
      const template = await tx
        .selectFrom('posts')
        .selectAll()
        .where('id', '=', input.emergencyPostId)
        .where('is_emergency', '=', true)
        .where('status', '=', 'approved')
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!template)
        throw new PublishingError('validation', { emergencyPostId: 'Choose an approved emergency message' });
      const now = new Date();
      const post = await tx
        .insertInto('posts')
        .values({
          council_id: actor.councilId,
          kind: 'alert',
          title: template.title,
          body: template.body,
          body_cy: template.body_cy,
          link: template.link,
          status: 'scheduled',
          scheduled_at: now,
          is_emergency: true,
          series_id: template.id,
          created_by: actor.userId ?? template.created_by,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const text = template.body_cy ? `${template.body_cy}\n\n${template.body}` : template.body;
      const ids: string[] = [];
      for (const a of accounts) {
        const v = await tx
          .insertInto('post_variants')
          .values({
            council_id: actor.councilId,
            post_id: post.id,
            channel_account_id: a.id,
            text,
            status: 'scheduled',
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        ids.push(v.id);
      }
      await appendRecord(tx, actor, post.id, 'post.emergency_published', {
        incidentId: incident.id,
        from: template.id,
        accounts: accounts.map((a) => a.id),
      });
      return ids;
    });
    this.cache.delete(actor.councilId);
    for (const id of sends) await this.q.sendVariant(actor.councilId, id);
  }

  /** Ends the incident: future posts resume; posts whose time passed are returned for review. */
  async end(
    actor: Actor,
    role: Role,
  ): Promise<{ resumed: number; missed: { id: string; title: string; scheduledAt: Date | null }[] }> {
    if (role !== 'admin' && role !== 'comms') throw new PublishingError('forbidden');
    const now = new Date();
    const { resumed, missed } = await withCouncil(this.db, actor.councilId, async (tx) => {
      const incident = await tx
        .selectFrom('incidents')
        .select('id')
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (!incident) throw new PublishingError('conflict', {}, 'Incident mode is not on');
      await tx
        .updateTable('incidents')
        .set({ ended_at: now, ended_by: actor.userId })
        .where('id', '=', incident.id)
        .execute();
      const paused = await tx
        .selectFrom('posts')
        .select(['id', 'title', 'scheduled_at', 'status'])
        .where('paused_at', 'is not', null)
        .where('deleted_at', 'is', null)
        .execute();
      const future = paused.filter(
        (p) => !p.scheduled_at || new Date(p.scheduled_at) > now || p.status === 'submitted',
      );
      const missedRows = paused.filter((p) => !future.includes(p));
      if (future.length)
        await tx
          .updateTable('posts')
          .set({ paused_at: null })
          .where(
            'id',
            'in',
            future.map((p) => p.id),
          )
          .execute();
      for (const p of future)
        await appendRecord(tx, actor, p.id, 'post.resumed', { incidentId: incident.id });
      await recordAudit(tx, actor, {
        action: 'publishing.incident_ended',
        entityType: 'incident',
        entityId: incident.id,
        after: { resumed: future.map((p) => p.id), missed: missedRows.map((p) => p.id) },
      });
      const variants = future.length
        ? await tx
            .selectFrom('post_variants')
            .select(['id', 'post_id'])
            .where(
              'post_id',
              'in',
              future.map((p) => p.id),
            )
            .where('status', '=', 'scheduled')
            .execute()
        : [];
      return {
        resumed: variants.map((v) => ({
          id: v.id,
          at: future.find((p) => p.id === v.post_id)?.scheduled_at,
        })),
        missed: missedRows.map((p) => ({
          id: p.id,
          title: p.title,
          scheduledAt: p.scheduled_at ? new Date(p.scheduled_at) : null,
        })),
      };
    });
    this.cache.delete(actor.councilId);
    for (const v of resumed)
      await this.q.sendVariant(actor.councilId, v.id, v.at ? new Date(v.at) : undefined);
    return { resumed: resumed.length, missed };
  }

  /** Posts still paused after an incident (their time passed during it). */
  async missed(councilId: string): Promise<{ id: string; title: string; scheduledAt: Date | null }[]> {
    return withCouncil(this.db, councilId, async (tx) =>
      (
        await tx
          .selectFrom('posts')
          .select(['id', 'title', 'scheduled_at'])
          .where('paused_at', 'is not', null)
          .where('deleted_at', 'is', null)
          .execute()
      ).map((p) => ({
        id: p.id,
        title: p.title,
        scheduledAt: p.scheduled_at ? new Date(p.scheduled_at) : null,
      })),
    );
  }

  /** After review: publish a missed post now. */
  async publishMissedNow(actor: Actor, postId: string): Promise<void> {
    const ids = await withCouncil(this.db, actor.councilId, async (tx) => {
      const p = await tx
        .updateTable('posts')
        .set({ paused_at: null, scheduled_at: new Date() })
        .where('id', '=', postId)
        .where('paused_at', 'is not', null)
        .returning('id')
        .executeTakeFirst();
      if (!p) throw new PublishingError('not_found');
      await appendRecord(tx, actor, postId, 'post.resumed', { publishedLate: true });
      // A lease on a waiting variant is a move's fence (until its new time): "now" overrides it.
      return (
        await tx
          .updateTable('post_variants')
          .set({ lease_until: null })
          .where('post_id', '=', postId)
          .where('status', '=', 'scheduled')
          .returning('id')
          .execute()
      ).map((v) => v.id);
    });
    for (const id of ids) await this.q.sendVariant(actor.councilId, id);
    await this.q.sendPostDue(actor.councilId, postId);
  }
}
