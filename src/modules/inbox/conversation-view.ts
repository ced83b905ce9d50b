/**
 * What the console reads: the choices every inbox page offers (teams, staff, statuses), a
 * conversation's page (thread, resident, their history across channels, tags, team), and the
 * notes that mention a person. Each runs in the caller's council-scoped transaction.
 */
import type { Tx } from '../../db/index.ts';
import { statusLabels, type Option } from './inbox.errors.ts';
import { builtInStatuses } from './inbox.queries.ts';

/** What the queue page needs to draw its filters. */
export type InboxOptions = {
  teams: { id: string; name: string; slug: string }[];
  users: { id: string; name: string; email: string }[];
  statuses: Option[];
  customStatuses: string[];
};

/** Teams, staff and statuses of a council: the choices on every inbox page. */
export async function inboxOptions(tx: Tx): Promise<InboxOptions> {
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

/** The page of a conversation, or undefined when there is none with that id. */
export async function conversationPage(tx: Tx, conversationId: string) {
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
    inboxOptions(tx),
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
}

export type ConversationView = NonNullable<Awaited<ReturnType<typeof conversationPage>>>;

/** Notes that mention this person, newest first. */
export async function mentionsOf(tx: Tx, userId: string) {
  return tx
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
    .execute();
}
