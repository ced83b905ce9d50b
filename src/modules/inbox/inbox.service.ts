/**
 * The agent's console: reading queues and conversations, and every change an agent makes to a
 * conversation (claim, assign, status, notes with @mentions, tags, triage corrections, linking
 * a resident's identities, bulk actions). Each change runs in one council-scoped transaction
 * with its audit record and a live announcement, so all three commit together or not at all.
 */
import { sql, withCouncil, type Db, type Tx } from '../../db/index.ts';
import { recordAudit, type Actor } from '../accounts/index.ts';
import { announce } from './live.ts';
import {
  builtInStatuses,
  countQueues,
  isUuid,
  listQueue,
  openStatuses,
  type QueueFilter,
} from './inbox.queries.ts';

export class InboxError extends Error {
  constructor(
    readonly kind: 'not_found' | 'validation' | 'forbidden',
    readonly fieldErrors: Partial<Record<string, string>> = {},
  ) {
    super(kind);
  }
}

export const statusLabels: Record<string, string> = {
  new: 'New',
  open: 'Open',
  waiting: 'Waiting on resident',
  resolved: 'Resolved',
};
export const urgencies = ['routine', 'high', 'emergency'] as const;

export type Option = { value: string; text: string };

/** What the queue page needs to draw its filters. */
export type InboxOptions = {
  teams: { id: string; name: string; slug: string }[];
  users: { id: string; name: string; email: string }[];
  statuses: Option[];
  customStatuses: string[];
};

export type ConversationView = NonNullable<Awaited<ReturnType<InboxService['getConversation']>>>;

const mentionPattern = /(^|[^\w@.])@([a-z0-9._%+-]+(?:@[a-z0-9.-]+\.[a-z]{2,})?)/giu;

export class InboxService {
  constructor(private readonly db: Db) {}

  /** Teams, staff and statuses of a council: the choices on every inbox page. */
  async options(councilId: string): Promise<InboxOptions> {
    return withCouncil(this.db, councilId, (tx) => this.optionsIn(tx));
  }

  private async optionsIn(tx: Tx): Promise<InboxOptions> {
    const [teams, users, custom] = await Promise.all([
      tx.selectFrom('teams').select(['id', 'name', 'slug']).orderBy('name').execute(),
      tx
        .selectFrom('users')
        .select(['id', 'name', 'email'])
        .where('disabled_at', 'is', null)
        .orderBy('name')
        .execute(),
      tx.selectFrom('custom_statuses').select(['name', 'label']).orderBy('label').execute(),
    ]);
    return {
      teams,
      users,
      customStatuses: custom.map((c) => c.name),
      statuses: [
        ...builtInStatuses.map((s) => ({ value: s, text: statusLabels[s] ?? s })),
        ...custom.map((c) => ({ value: c.name, text: c.label })),
      ],
    };
  }

  /** One page of a queue with the open counts of every queue. */
  async queue(councilId: string, userId: string, filter: QueueFilter) {
    return withCouncil(this.db, councilId, async (tx) => {
      const options = await this.optionsIn(tx);
      const open = openStatuses(options.customStatuses);
      const [page, counts] = await Promise.all([
        listQueue(tx, filter, { userId, open }),
        countQueues(tx, { userId, open }),
      ]);
      return { page, counts, options };
    });
  }

  /** The page of a conversation: thread, resident, their other conversations, tags, facts. */
  async getConversation(councilId: string, conversationId: string) {
    if (!isUuid(conversationId)) return undefined;
    return withCouncil(this.db, councilId, async (tx) => {
      const c = await tx
        .selectFrom('conversations')
        .selectAll()
        .where('id', '=', conversationId)
        .executeTakeFirst();
      if (!c) return undefined;
      const [contact, identities, history, messages, tags, allTags, team, options] = await Promise.all([
        tx.selectFrom('contacts').selectAll().where('id', '=', c.contact_id).executeTakeFirstOrThrow(),
        tx
          .selectFrom('contact_identities')
          .select(['channel_kind', 'external_id', 'handle'])
          .where('contact_id', '=', c.contact_id)
          .orderBy('created_at')
          .execute(),
        tx
          .selectFrom('conversations')
          .select(['id', 'channel_kind', 'subject', 'status', 'last_message_at'])
          .where('contact_id', '=', c.contact_id)
          .where('id', '<>', c.id)
          .orderBy('last_message_at', 'desc')
          .limit(20)
          .execute(),
        tx
          .selectFrom('messages as m')
          .leftJoin('users as u', (j) => j.onRef('u.id', '=', 'm.author_user_id'))
          .select([
            'm.id',
            'm.direction',
            'm.body',
            'm.is_private',
            'm.delivery_status',
            'm.delivery_error',
            'm.author_user_id',
            'm.created_at',
            'u.name as author_name',
          ])
          .where('m.conversation_id', '=', c.id)
          .orderBy('m.id')
          .limit(500)
          .execute(),
        tx
          .selectFrom('conversation_tags as ct')
          .innerJoin('tags as t', 't.id', 'ct.tag_id')
          .select(['t.id', 't.name'])
          .where('ct.conversation_id', '=', c.id)
          .orderBy('t.name')
          .execute(),
        tx.selectFrom('tags').select(['id', 'name']).orderBy('name').execute(),
        c.team_id
          ? tx.selectFrom('teams').selectAll().where('id', '=', c.team_id).executeTakeFirst()
          : Promise.resolve(undefined),
        this.optionsIn(tx),
      ]);
      const assignee = options.users.find((u) => u.id === c.assignee_id);
      return {
        conversation: c,
        contact,
        identities,
        history,
        messages,
        tags,
        allTags,
        team,
        assignee,
        options,
      };
    });
  }

  /** Notes that mention this person, newest first. */
  async mentions(councilId: string, userId: string) {
    return withCouncil(this.db, councilId, (tx) =>
      tx
        .selectFrom('message_mentions as mm')
        .innerJoin('messages as m', 'm.id', 'mm.message_id')
        .innerJoin('conversations as c', 'c.id', 'mm.conversation_id')
        .leftJoin('users as u', (j) => j.onRef('u.id', '=', 'm.author_user_id'))
        .select([
          'm.id',
          'm.body',
          'm.created_at',
          'c.id as conversation_id',
          'c.subject',
          'u.name as author_name',
        ])
        .where('mm.user_id', '=', userId)
        .orderBy('mm.message_id', 'desc')
        .limit(100)
        .execute(),
    );
  }

  // Changes ------------------------------------------------------------------------------------

  /** Loads the conversation for a change, locked so concurrent changes queue up. */
  private async lock(tx: Tx, conversationId: string) {
    if (!isUuid(conversationId)) throw new InboxError('not_found');
    const c = await tx
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', conversationId)
      .forUpdate()
      .executeTakeFirst();
    if (!c) throw new InboxError('not_found');
    return c;
  }

  private async change(
    actor: Actor,
    conversationId: string,
    fn: (
      tx: Tx,
      c: Awaited<ReturnType<InboxService['lock']>>,
    ) => Promise<{ action: string; before: unknown; after: unknown } | undefined>,
  ): Promise<void> {
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const c = await this.lock(tx, conversationId);
      const done = await fn(tx, c);
      if (!done) return;
      await recordAudit(tx, actor, {
        action: done.action,
        entityType: 'conversation',
        entityId: c.id,
        before: done.before,
        after: done.after,
      });
      await announce(tx, actor.councilId, { type: 'conversation.updated', conversationId: c.id });
    });
  }

  async claim(actor: Actor, conversationId: string): Promise<void> {
    await this.assign(actor, conversationId, actor.userId ?? '', 'conversation.claimed');
  }

  /** Assigns to a person of the council, or unassigns with ''. */
  async assign(
    actor: Actor,
    conversationId: string,
    userId: string,
    action = 'conversation.assigned',
  ): Promise<void> {
    await this.change(actor, conversationId, async (tx, c) => {
      const to = userId === '' ? null : userId;
      if (to !== null) {
        const user = isUuid(to)
          ? await tx
              .selectFrom('users')
              .select('id')
              .where('id', '=', to)
              .where('disabled_at', 'is', null)
              .executeTakeFirst()
          : undefined;
        if (!user) throw new InboxError('validation', { assignee: 'Select a person to assign it to' });
      }
      if (c.assignee_id === to) return undefined;
      await tx
        .updateTable('conversations')
        .set({
          assignee_id: to,
          status: c.status === 'new' && to ? 'open' : c.status,
          updated_at: new Date(),
        })
        .where('id', '=', c.id)
        .execute();
      return { action, before: { assigneeId: c.assignee_id }, after: { assigneeId: to } };
    });
  }

  async setStatus(actor: Actor, conversationId: string, status: string): Promise<void> {
    await this.change(actor, conversationId, async (tx, c) => {
      await this.checkStatus(tx, status);
      if (c.status === status) return undefined;
      const now = new Date();
      await tx
        .updateTable('conversations')
        .set({
          status,
          resolved_at: status === 'resolved' ? now : null,
          updated_at: now,
        })
        .where('id', '=', c.id)
        .execute();
      return { action: 'conversation.status_changed', before: { status: c.status }, after: { status } };
    });
  }

  private async checkStatus(tx: Tx, status: string): Promise<void> {
    if ((builtInStatuses as readonly string[]).includes(status)) return;
    const custom = await tx
      .selectFrom('custom_statuses')
      .select('name')
      .where('name', '=', status)
      .executeTakeFirst();
    if (!custom) throw new InboxError('validation', { status: 'Select a status' });
  }

  /**
   * An internal note. `@name` mentions a colleague by the part of their email address before
   * the @ (or the whole address); each mentioned person sees the note in their Mentions view.
   */
  async addNote(actor: Actor, conversationId: string, body: string): Promise<{ mentioned: string[] }> {
    const text = body.trim();
    if (!text) throw new InboxError('validation', { note: 'Enter a note' });
    if (text.length > 10_000)
      throw new InboxError('validation', { note: 'Note must be 10,000 characters or fewer' });
    let mentioned: string[] = [];
    await this.change(actor, conversationId, async (tx, c) => {
      const message = await tx
        .insertInto('messages')
        .values({
          council_id: actor.councilId,
          conversation_id: c.id,
          direction: 'note',
          author_user_id: actor.userId,
          body: text,
          is_private: true,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const handles = [...text.matchAll(mentionPattern)].map((m) => (m[2] ?? '').toLowerCase());
      if (handles.length > 0) {
        const users = await tx
          .selectFrom('users')
          .select(['id', 'email'])
          .where('disabled_at', 'is', null)
          .execute();
        mentioned = users
          .filter((u) =>
            handles.some((h) => u.email.toLowerCase() === h || u.email.toLowerCase().split('@')[0] === h),
          )
          .map((u) => u.id);
        if (mentioned.length > 0)
          await tx
            .insertInto('message_mentions')
            .values(
              mentioned.map((userId) => ({
                council_id: actor.councilId,
                message_id: message.id,
                conversation_id: c.id,
                user_id: userId,
              })),
            )
            .execute();
      }
      return {
        action: 'conversation.note_added',
        before: undefined,
        after: { messageId: String(message.id), mentioned },
      };
    });
    return { mentioned };
  }

  /** Adds a tag by name (created on first use). */
  async addTag(actor: Actor, conversationId: string, name: string): Promise<void> {
    const tag = name.trim().toLowerCase().replace(/\s+/g, ' ');
    if (!tag) throw new InboxError('validation', { tag: 'Enter a tag' });
    if (tag.length > 40) throw new InboxError('validation', { tag: 'Tag must be 40 characters or fewer' });
    await this.change(actor, conversationId, async (tx, c) => {
      await tx
        .insertInto('tags')
        .values({ council_id: actor.councilId, name: tag })
        .onConflict((o) => o.columns(['council_id', 'name']).doNothing())
        .execute();
      const { id } = await tx
        .selectFrom('tags')
        .select('id')
        .where('name', '=', tag)
        .executeTakeFirstOrThrow();
      const added = await tx
        .insertInto('conversation_tags')
        .values({ council_id: actor.councilId, conversation_id: c.id, tag_id: id })
        .onConflict((o) => o.doNothing())
        .returning('tag_id')
        .executeTakeFirst();
      if (!added) return undefined;
      return { action: 'conversation.tagged', before: undefined, after: { tag } };
    });
  }

  async removeTag(actor: Actor, conversationId: string, tagId: string): Promise<void> {
    await this.change(actor, conversationId, async (tx, c) => {
      if (!isUuid(tagId)) return undefined;
      const removed = await tx
        .deleteFrom('conversation_tags')
        .where('conversation_id', '=', c.id)
        .where('tag_id', '=', tagId)
        .executeTakeFirst();
      if (removed.numDeletedRows === 0n) return undefined;
      return { action: 'conversation.untagged', before: { tagId }, after: undefined };
    });
  }

  /** Corrects what triage decided: service area and category, urgency; and with it the team. */
  async correctTriage(
    actor: Actor,
    conversationId: string,
    input: { area: string; category: string; urgency: string; teamId: string },
  ): Promise<void> {
    if (!(urgencies as readonly string[]).includes(input.urgency))
      throw new InboxError('validation', { urgency: 'Select an urgency' });
    await this.change(actor, conversationId, async (tx, c) => {
      const teamId = input.teamId === '' ? null : input.teamId;
      if (teamId !== null) {
        const team = isUuid(teamId)
          ? await tx.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst()
          : undefined;
        if (!team) throw new InboxError('validation', { teamId: 'Select a team' });
      }
      const after = {
        area: input.area.trim() || null,
        category: input.category.trim() || null,
        urgency: input.urgency,
        teamId,
      };
      const before = { area: c.area, category: c.category, urgency: c.urgency, teamId: c.team_id };
      if (JSON.stringify(before) === JSON.stringify(after)) return undefined;
      await tx
        .updateTable('conversations')
        .set({
          area: after.area,
          category: after.category,
          urgency: after.urgency,
          team_id: teamId,
          updated_at: new Date(),
        })
        .where('id', '=', c.id)
        .execute();
      return { action: 'conversation.triage_corrected', before, after };
    });
  }

  /**
   * Links another identity of the same resident: the contact found by an email address, a
   * handle or a channel id is merged into this conversation's contact (its identities and
   * conversations move over; the old contact points at the new one).
   */
  async linkContact(actor: Actor, conversationId: string, reference: string): Promise<void> {
    const ref = reference.trim().replace(/^@/, '');
    if (!ref)
      throw new InboxError('validation', { identity: 'Enter an email address, handle or account id' });
    await this.change(actor, conversationId, async (tx, c) => {
      const found = await tx
        .selectFrom('contacts as ct')
        .leftJoin('contact_identities as ci', 'ci.contact_id', 'ct.id')
        .select('ct.id')
        .where('ct.merged_into', 'is', null)
        .where((eb) =>
          eb.or([
            eb(sql`lower(ct.email)`, '=', ref.toLowerCase()),
            eb('ci.external_id', '=', ref),
            eb(sql`lower(ci.handle)`, '=', ref.toLowerCase()),
          ]),
        )
        .executeTakeFirst();
      if (!found)
        throw new InboxError('validation', {
          identity: 'No resident has that email address, handle or account id',
        });
      if (found.id === c.contact_id) return undefined;
      const from = found.id;
      await tx
        .updateTable('contact_identities')
        .set({ contact_id: c.contact_id })
        .where('contact_id', '=', from)
        .execute();
      await tx
        .updateTable('conversations')
        .set({ contact_id: c.contact_id })
        .where('contact_id', '=', from)
        .execute();
      const old = await tx
        .selectFrom('contacts')
        .selectAll()
        .where('id', '=', from)
        .executeTakeFirstOrThrow();
      await tx.updateTable('contacts').set({ merged_into: c.contact_id }).where('id', '=', from).execute();
      // Keep what the surviving contact lacks.
      await tx
        .updateTable('contacts')
        .set({
          email: sql<string | null>`coalesce(email, ${old.email})`,
          phone: sql<string | null>`coalesce(phone, ${old.phone})`,
          ward_code: sql<string | null>`coalesce(ward_code, ${old.ward_code})`,
        })
        .where('id', '=', c.contact_id)
        .execute();
      return { action: 'contact.merged', before: { contactId: from }, after: { contactId: c.contact_id } };
    });
  }

  /** The same change to each selected conversation; each one audited. */
  async bulk(actor: Actor, conversationIds: string[], action: string, value: string): Promise<number> {
    const ids = [...new Set(conversationIds.filter(isUuid))].slice(0, 200);
    if (ids.length === 0)
      throw new InboxError('validation', { conversations: 'Select at least one conversation' });
    for (const id of ids) {
      if (action === 'assign') await this.assign(actor, id, value);
      else if (action === 'status') await this.setStatus(actor, id, value);
      else if (action === 'tag') await this.addTag(actor, id, value);
      else throw new InboxError('validation', { action: 'Select an action' });
    }
    return ids.length;
  }
}

/**
 * Round-robin: gives a conversation to the next available member of its team, when the team has
 * it switched on. Ingestion calls it in the transaction that routes a new conversation.
 */
export async function assignRoundRobin(
  tx: Tx,
  councilId: string,
  conversationId: string,
): Promise<string | undefined> {
  const c = await tx
    .selectFrom('conversations')
    .select(['team_id', 'assignee_id'])
    .where('id', '=', conversationId)
    .executeTakeFirst();
  if (!c?.team_id || c.assignee_id) return undefined;
  const team = await tx
    .selectFrom('teams')
    .select(['id', 'is_round_robin', 'round_robin_cursor'])
    .where('id', '=', c.team_id)
    .forUpdate()
    .executeTakeFirst();
  if (!team?.is_round_robin) return undefined;
  const members = await tx
    .selectFrom('team_members as tm')
    .innerJoin('users as u', 'u.id', 'tm.user_id')
    .select('tm.user_id')
    .where('tm.team_id', '=', team.id)
    .where('tm.is_available', '=', true)
    .where('u.disabled_at', 'is', null)
    .orderBy('tm.user_id')
    .execute();
  const next = members[team.round_robin_cursor % Math.max(members.length, 1)];
  if (!next) return undefined;
  await tx
    .updateTable('teams')
    .set({ round_robin_cursor: (team.round_robin_cursor + 1) % 1_000_000 })
    .where('id', '=', team.id)
    .execute();
  await tx
    .updateTable('conversations')
    .set({ assignee_id: next.user_id })
    .where('id', '=', conversationId)
    .execute();
  await recordAudit(
    tx,
    { councilId, userId: null, label: 'system' },
    {
      action: 'conversation.auto_assigned',
      entityType: 'conversation',
      entityId: conversationId,
      after: { assigneeId: next.user_id },
    },
  );
  return next.user_id;
}
