/**
 * The agent's console: reading queues and conversations, and every change an agent makes to a
 * conversation (claim, assign, status, notes with @mentions, tags, triage corrections, linking
 * a resident's identities, bulk actions). Each change runs in one council-scoped transaction
 * with its audit record and a live announcement, so all three commit together or not at all.
 * What a page reads is in conversation-view.ts; notes, identity links and round-robin have
 * files of their own.
 */
import { withCouncil, type Db, type Tx } from '../../db/index.ts';
import { recordAudit, type Actor } from '../accounts/index.ts';
import { linkIdentity } from './contact-link.ts';
import { writeNote } from './conversation-notes.ts';
import { conversationPage, inboxOptions, mentionsOf, type InboxOptions } from './conversation-view.ts';
import { InboxError, urgencies } from './inbox.errors.ts';
import { announce } from './live.ts';
import {
  builtInStatuses,
  countQueues,
  isUuid,
  listQueue,
  openStatuses,
  type QueueFilter,
} from './inbox.queries.ts';

export { InboxError, statusLabels, urgencies, type Option } from './inbox.errors.ts';
export type { ConversationView, InboxOptions } from './conversation-view.ts';
export { assignRoundRobin } from './round-robin.ts';

export class InboxService {
  constructor(private readonly db: Db) {}

  /** Teams, staff and statuses of a council: the choices on every inbox page. */
  async options(councilId: string): Promise<InboxOptions> {
    return withCouncil(this.db, councilId, (tx) => inboxOptions(tx));
  }

  /** One page of a queue with the open counts of every queue. */
  async queue(councilId: string, userId: string, filter: QueueFilter) {
    return withCouncil(this.db, councilId, async (tx) => {
      const options = await inboxOptions(tx);
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
    return withCouncil(this.db, councilId, (tx) => conversationPage(tx, conversationId));
  }

  /** Notes that mention this person, newest first. */
  async mentions(councilId: string, userId: string) {
    return withCouncil(this.db, councilId, (tx) => mentionsOf(tx, userId));
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
      const note = await writeNote(tx, actor, c.id, text);
      mentioned = note.mentioned;
      return {
        action: 'conversation.note_added',
        before: undefined,
        after: { messageId: note.messageId, mentioned },
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
    if (!reference.trim().replace(/^@/, ''))
      throw new InboxError('validation', { identity: 'Enter an email address, handle or account id' });
    await this.change(actor, conversationId, async (tx, c) => {
      const linked = await linkIdentity(tx, c.contact_id, reference);
      if (!linked) return undefined;
      return {
        action: 'contact.merged',
        before: { contactId: linked.from },
        after: { contactId: c.contact_id },
      };
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
