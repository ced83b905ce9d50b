/**
 * What administrators configure for the inbox: per team, round-robin assignment and reply
 * approval; the council's own statuses; saved replies; where residents' email answers go
 * (Reply-To). Every change is audited.
 */
import { withCouncil, type Db, type Tx } from '../../db/index.ts';
import { recordAudit, type Actor } from '../accounts/index.ts';
import { InboxError } from './inbox.errors.ts';
import { builtInStatuses, isUuid } from './inbox.queries.ts';

export const placeholders = ['resident_name', 'agent_name', 'council_name', 'case_reference'] as const;

/** A plain address check, as the contact form's: enough to refuse typos. */
const addressPattern =
  /^[^\s@<>(),;:"]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/iu;

export class InboxSettingsService {
  constructor(
    private readonly db: Db,
    private readonly opts: { inboundEmailDomain?: string } = {},
  ) {}

  async overview(councilId: string) {
    return withCouncil(this.db, councilId, async (tx) => ({
      replyTo: await this.replyToIn(tx, councilId),
      teams: await tx
        .selectFrom('teams')
        .select(['id', 'name', 'slug', 'is_round_robin', 'requires_reply_approval'])
        .orderBy('name')
        .execute(),
      statuses: await tx.selectFrom('custom_statuses').select(['name', 'label']).orderBy('label').execute(),
      savedReplies: await tx
        .selectFrom('saved_replies')
        .select(['id', 'title', 'body'])
        .orderBy('title')
        .execute(),
    }));
  }

  /**
   * Where residents' answers to the council's emails go: the address the council chose, or
   * its inbound address (`<slug>@<inbound domain>`, which files answers into the inbox).
   */
  private async replyToIn(tx: Tx, councilId: string) {
    const [chosen, council] = await Promise.all([
      tx
        .selectFrom('inbox_settings')
        .select('reply_to_address')
        .where('council_id', '=', councilId)
        .executeTakeFirst(),
      tx.selectFrom('councils').select('slug').where('id', '=', councilId).executeTakeFirst(),
    ]);
    const inbound =
      council && this.opts.inboundEmailDomain ? `${council.slug}@${this.opts.inboundEmailDomain}` : null;
    const custom = chosen?.reply_to_address ?? null;
    return { address: custom ?? inbound, custom, inbound };
  }

  /** Sets the Reply-To of the council's emails; an empty value goes back to the inbound address. */
  async setReplyTo(actor: Actor, address: string): Promise<void> {
    const value = address.trim().toLowerCase() || null;
    if (value && (value.length > 254 || !addressPattern.test(value)))
      throw new InboxError('validation', {
        replyTo: 'Enter an email address in the correct format, like replies@council.gov.uk',
      });
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const before = await this.replyToIn(tx, actor.councilId);
      if (before.custom === value) return;
      await tx
        .insertInto('inbox_settings')
        .values({ council_id: actor.councilId, reply_to_address: value })
        .onConflict((o) =>
          o.column('council_id').doUpdateSet({ reply_to_address: value, updated_at: new Date() }),
        )
        .execute();
      await recordAudit(tx, actor, {
        action: 'inbox.reply_to_changed',
        entityType: 'council',
        entityId: actor.councilId,
        before: { replyTo: before.custom },
        after: { replyTo: value },
      });
    });
  }

  async updateTeam(
    actor: Actor,
    teamId: string,
    input: { isRoundRobin: boolean; requiresReplyApproval: boolean },
  ) {
    if (!isUuid(teamId)) throw new InboxError('not_found');
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const before = await tx
        .selectFrom('teams')
        .select(['is_round_robin', 'requires_reply_approval'])
        .where('id', '=', teamId)
        .executeTakeFirst();
      if (!before) throw new InboxError('not_found');
      await tx
        .updateTable('teams')
        .set({ is_round_robin: input.isRoundRobin, requires_reply_approval: input.requiresReplyApproval })
        .where('id', '=', teamId)
        .execute();
      await recordAudit(tx, actor, {
        action: 'team.inbox_settings_changed',
        entityType: 'team',
        entityId: teamId,
        before,
        after: { is_round_robin: input.isRoundRobin, requires_reply_approval: input.requiresReplyApproval },
      });
    });
  }

  async addStatus(actor: Actor, input: { name: string; label: string }) {
    const label = input.label.trim();
    const name = (input.name.trim() || label)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    const errors: Partial<Record<string, string>> = {};
    if (!label) errors.label = 'Enter a name for the status, like “Passed to contractor”';
    else if (label.length > 60) errors.label = 'Name must be 60 characters or fewer';
    if (label && !/^[a-z0-9-]{2,40}$/.test(name))
      errors.label = 'Name must make a short code of 2 to 40 letters or numbers';
    if ((builtInStatuses as readonly string[]).includes(name)) errors.label = 'That status already exists';
    if (Object.keys(errors).length > 0) throw new InboxError('validation', errors);
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const added = await tx
        .insertInto('custom_statuses')
        .values({ council_id: actor.councilId, name, label })
        .onConflict((o) => o.doNothing())
        .returning('name')
        .executeTakeFirst();
      if (!added) throw new InboxError('validation', { label: 'That status already exists' });
      await recordAudit(tx, actor, {
        action: 'inbox_status.added',
        entityType: 'custom_status',
        entityId: name,
        after: { name, label },
      });
    });
  }

  async addSavedReply(actor: Actor, input: { title: string; body: string }) {
    const title = input.title.trim();
    const body = input.body.trim();
    const errors: Partial<Record<string, string>> = {};
    if (!title) errors.title = 'Enter a title';
    else if (title.length > 120) errors.title = 'Title must be 120 characters or fewer';
    if (!body) errors.body = 'Enter the reply';
    else if (body.length > 5000) errors.body = 'Reply must be 5,000 characters or fewer';
    const unknown = [...body.matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)]
      .map((m) => m[1] ?? '')
      .filter((p) => !(placeholders as readonly string[]).includes(p));
    if (!errors.body && unknown.length > 0)
      errors.body = `Use only these placeholders: ${placeholders.map((p) => `{{${p}}}`).join(', ')}`;
    if (Object.keys(errors).length > 0) throw new InboxError('validation', errors);
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const row = await tx
        .insertInto('saved_replies')
        .values({ council_id: actor.councilId, title, body })
        .onConflict((o) => o.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!row) throw new InboxError('validation', { title: 'A saved reply with that title already exists' });
      await recordAudit(tx, actor, {
        action: 'saved_reply.added',
        entityType: 'saved_reply',
        entityId: row.id,
        after: { title, body },
      });
    });
  }

  async deleteSavedReply(actor: Actor, id: string) {
    if (!isUuid(id)) throw new InboxError('not_found');
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const row = await tx
        .deleteFrom('saved_replies')
        .where('id', '=', id)
        .returning(['title', 'body'])
        .executeTakeFirst();
      if (!row) throw new InboxError('not_found');
      await recordAudit(tx, actor, {
        action: 'saved_reply.deleted',
        entityType: 'saved_reply',
        entityId: id,
        before: row,
      });
    });
  }
}
