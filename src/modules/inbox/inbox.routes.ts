/**
 * The inbox console under /staff/inbox: queues, a conversation, replies, mentions, settings,
 * and the live event stream. Each handler reads its input, calls one service method, and
 * renders or redirects (POST, redirect, GET), so every action works without JavaScript.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorList, field } from '../../web/forms.ts';
import { actorOf, flashNotice, seeOther } from '../../web/staff-routes.ts';
import type { Actor } from '../accounts/index.ts';
import { conversationPath, inboxPaths as paths } from './inbox.paths.ts';
import { InboxError, statusLabels, urgencies } from './inbox.errors.ts';
import type { InboxService } from './inbox.service.ts';
import type { InboxSettingsService } from './inbox.settings.ts';
import { slaStates, type QueueFilter, type SlaState } from './inbox.queries.ts';
import { registerLiveStream } from './live-stream.ts';
import type { LiveHub } from './live.ts';
import { replyChoice, type ReplyService } from './replies.ts';

export type InboxRouteOptions = {
  inbox: InboxService;
  replies: ReplyService;
  settings: InboxSettingsService;
  live: LiveHub;
};

type Params = { conversationId: string };

const notices: Record<string, string> = {
  claimed: 'You are now assigned this conversation',
  assigned: 'The conversation has been assigned',
  status: 'The status has been changed',
  note: 'Your note has been added',
  tagged: 'The tags have been changed',
  triage: 'The service and urgency have been corrected',
  linked: 'The resident’s identities have been linked',
  queued: 'Your reply is being sent',
  awaiting: 'Your reply is waiting for a colleague to approve it',
  approved: 'The reply has been approved and is being sent',
  retried: 'The reply is being sent again',
  bulk: 'The selected conversations have been changed',
  saved: 'The inbox settings have been saved',
};

const notice = (request: FastifyRequest) => flashNotice(request, notices);

const filterKeys = [
  'teamId',
  'status',
  'channel',
  'area',
  'category',
  'sentiment',
  'urgency',
  'ward',
  'sla',
  'assignee',
  'q',
] as const;

function readFilter(query: unknown): QueueFilter {
  const filter: QueueFilter = {};
  for (const key of filterKeys) {
    const value = field(query, key).trim().slice(0, 200);
    if (!value) continue;
    if (key === 'sla') {
      if ((slaStates as readonly string[]).includes(value)) filter.sla = value as SlaState;
    } else filter[key] = value;
  }
  const after = field(query, 'after');
  if (after) filter.after = after.slice(0, 500);
  return filter;
}

function filterQuery(filter: QueueFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const key of filterKeys) {
    const value = filter[key];
    if (value) params.set(key, value);
  }
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function registerInboxRoutes(app: FastifyInstance, opts: InboxRouteOptions): void {
  const { inbox, replies, settings } = opts;
  const guard = { preHandler: app.requireStaff('inbox.work') };
  const adminGuard = { preHandler: app.requireStaff('users.manage') };
  registerLiveStream(app, opts.live, paths.events);

  // Queues -----------------------------------------------------------------------------------
  app.get(paths.queue, guard, async (request, reply) => {
    const filter = readFilter(request.query);
    const { page, counts, options } = await inbox.queue(request.council.id, request.staff!.id, filter);
    return reply.render('inbox/views/queue.njk', {
      pageTitle: 'Inbox',
      filter,
      page,
      counts: { ...counts, byTeam: Object.fromEntries([...counts.byTeam].map(([k, v]) => [k ?? 'none', v])) },
      options,
      statusLabels: Object.fromEntries(options.statuses.map((s) => [s.value, s.text])),
      urgencies,
      slaStates,
      refreshHref: filterQuery(filter),
      nextHref: page.nextCursor ? filterQuery(filter, { after: page.nextCursor }) : undefined,
      returnTo: request.url,
      flash: notice(request),
      errorList:
        field(request.query, 'error') === 'select'
          ? [{ text: 'Select at least one conversation', href: '#conversation-list' }]
          : undefined,
    });
  });

  app.post(paths.bulk, guard, async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    const raw = body.conversationIds;
    const ids = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
    const action = field(body, 'action');
    const value = field(body, `${action}Value`);
    const back = safeQueueReturn(field(body, 'returnTo'));
    try {
      await inbox.bulk(actorOf(request), ids, action, value);
    } catch (error) {
      if (!(error instanceof InboxError) || error.kind !== 'validation') throw error;
      return seeOther(request, reply, back, { error: 'select' });
    }
    return seeOther(request, reply, back, { done: 'bulk' });
  });

  app.get(paths.mentions, guard, async (request, reply) =>
    reply.render('inbox/views/mentions.njk', {
      pageTitle: 'Mentions',
      mentions: await inbox.mentions(request.council.id, request.staff!.id),
    }),
  );

  // A conversation ---------------------------------------------------------------------------
  const renderConversation = async (
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    extra: { errors?: Partial<Record<string, string>>; values?: Record<string, string> } = {},
  ) => {
    const view = await inbox.getConversation(request.council.id, request.params.conversationId);
    if (!view) return reply.callNotFound();
    const savedReplyId = field(request.query, 'savedReply');
    const savedText = savedReplyId
      ? await replies.savedReplyText(
          request.council.id,
          view.conversation.id,
          savedReplyId,
          request.staff!.name,
        )
      : undefined;
    const errors = extra.errors ?? {};
    return reply.render('inbox/views/conversation.njk', {
      pageTitle:
        view.conversation.subject ?? `Conversation with ${view.contact.display_name || 'a resident'}`,
      ...view,
      savedReplies: await replies.listSaved(request.council.id),
      choice: replyChoice(view.conversation, view.contact),
      statusLabels: {
        ...statusLabels,
        ...Object.fromEntries(view.options.statuses.map((s) => [s.value, s.text])),
      },
      urgencies,
      errors,
      errorList: errorList(errors),
      values: { reply: savedText ?? '', ...extra.values },
      flash: notice(request),
      now: new Date(),
    });
  };

  app.get<{ Params: Params }>(paths.conversation, guard, async (request, reply) =>
    renderConversation(request, reply),
  );

  /** Runs one change; on a validation error shows the page again with the message at the field. */
  const act =
    (
      run: (request: FastifyRequest<{ Params: Params }>, actor: Actor) => Promise<string>,
      valuesOf: (body: unknown) => Record<string, string> = () => ({}),
    ) =>
    async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
      let done: string;
      try {
        done = await run(request, actorOf(request));
      } catch (error) {
        if (!(error instanceof InboxError)) throw error;
        if (error.kind === 'not_found') return reply.callNotFound();
        reply.code(error.kind === 'forbidden' ? 403 : 400);
        return renderConversation(request, reply, {
          errors: error.fieldErrors,
          values: valuesOf(request.body),
        });
      }
      return seeOther(request, reply, conversationPath(request.params.conversationId), { done });
    };
  const id = (r: FastifyRequest<{ Params: Params }>) => r.params.conversationId;

  app.post<{ Params: Params }>(
    paths.claim,
    guard,
    act(async (r, a) => (await inbox.claim(a, id(r)), 'claimed')),
  );
  app.post<{ Params: Params }>(
    paths.assign,
    guard,
    act(async (r, a) => (await inbox.assign(a, id(r), field(r.body, 'assignee')), 'assigned')),
  );
  app.post<{ Params: Params }>(
    paths.status,
    guard,
    act(async (r, a) => (await inbox.setStatus(a, id(r), field(r.body, 'status')), 'status')),
  );
  app.post<{ Params: Params }>(
    paths.note,
    guard,
    act(
      async (r, a) => (await inbox.addNote(a, id(r), field(r.body, 'note')), 'note'),
      (b) => ({ note: field(b, 'note') }),
    ),
  );
  app.post<{ Params: Params }>(
    paths.tags,
    guard,
    act(async (r, a) => {
      const remove = field(r.body, 'remove');
      if (remove) await inbox.removeTag(a, id(r), remove);
      else await inbox.addTag(a, id(r), field(r.body, 'tag'));
      return 'tagged';
    }),
  );
  app.post<{ Params: Params }>(
    paths.triage,
    guard,
    act(async (r, a) => {
      await inbox.correctTriage(a, id(r), {
        area: field(r.body, 'area'),
        category: field(r.body, 'category'),
        urgency: field(r.body, 'urgency'),
        teamId: field(r.body, 'teamId'),
      });
      return 'triage';
    }),
  );
  app.post<{ Params: Params }>(
    paths.link,
    guard,
    act(
      async (r, a) => (await inbox.linkContact(a, id(r), field(r.body, 'identity')), 'linked'),
      (b) => ({ identity: field(b, 'identity') }),
    ),
  );
  app.post<{ Params: Params }>(
    paths.reply,
    guard,
    act(
      async (r, a) => {
        const { isQueued } = await replies.compose(a, id(r), {
          body: field(r.body, 'reply'),
          isPrivate: field(r.body, 'isPrivate') === 'yes',
        });
        return isQueued ? 'queued' : 'awaiting';
      },
      (b) => ({ reply: field(b, 'reply') }),
    ),
  );
  app.post<{ Params: Params }>(
    paths.approve,
    guard,
    act(async (r, a) => {
      await replies.approve(a, id(r), messageIdOf(r));
      return 'approved';
    }),
  );
  app.post<{ Params: Params }>(
    paths.retry,
    guard,
    act(async (r, a) => {
      await replies.retry(a, id(r), messageIdOf(r));
      return 'retried';
    }),
  );

  // Settings (administrators) ------------------------------------------------------------------
  const renderSettings = async (
    request: FastifyRequest,
    reply: FastifyReply,
    errors: Partial<Record<string, string>> = {},
    values: Record<string, string> = {},
  ) =>
    reply.render('inbox/views/settings.njk', {
      pageTitle: 'Inbox settings',
      ...(await settings.overview(request.council.id)),
      errors,
      errorList: errorList(errors),
      values,
      flash: notice(request),
    });

  app.get(paths.settings, adminGuard, async (request, reply) => renderSettings(request, reply));

  const settingsAction =
    (run: (request: FastifyRequest, actor: Actor) => Promise<void>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        await run(request, actorOf(request));
      } catch (error) {
        if (!(error instanceof InboxError)) throw error;
        if (error.kind === 'not_found') return reply.callNotFound();
        reply.code(400);
        const b = request.body;
        return renderSettings(request, reply, error.fieldErrors, {
          label: field(b, 'label'),
          title: field(b, 'title'),
          body: field(b, 'body'),
          replyTo: field(b, 'replyTo'),
        });
      }
      return seeOther(request, reply, paths.settings, { done: 'saved' });
    };

  app.post<{ Params: { teamId: string } }>(
    paths.teamSettings,
    adminGuard,
    settingsAction((r, a) =>
      settings.updateTeam(a, (r.params as { teamId: string }).teamId, {
        isRoundRobin: field(r.body, 'isRoundRobin') === 'yes',
        requiresReplyApproval: field(r.body, 'requiresReplyApproval') === 'yes',
      }),
    ),
  );
  app.post(
    paths.replyTo,
    adminGuard,
    settingsAction((r, a) => settings.setReplyTo(a, field(r.body, 'replyTo'))),
  );
  app.post(
    paths.statuses,
    adminGuard,
    settingsAction((r, a) => settings.addStatus(a, { name: '', label: field(r.body, 'label') })),
  );
  app.post(
    paths.savedReplies,
    adminGuard,
    settingsAction((r, a) =>
      settings.addSavedReply(a, { title: field(r.body, 'title'), body: field(r.body, 'body') }),
    ),
  );
  app.post<{ Params: { savedReplyId: string } }>(
    paths.savedReply,
    adminGuard,
    settingsAction((r, a) =>
      settings.deleteSavedReply(a, (r.params as { savedReplyId: string }).savedReplyId),
    ),
  );
}

function messageIdOf(request: FastifyRequest<{ Params: Params }>): string {
  return (request.params as Params & { messageId?: string }).messageId ?? '';
}

/** Bulk actions return to the queue page they came from, and nowhere else. */
function safeQueueReturn(value: string): string {
  return /^\/staff\/inbox(\?[A-Za-z0-9\-._~%=&+]*)?$/.test(value)
    ? value.replace(/([?&])(done|error)=[^&]*&?/g, '$1').replace(/[?&]$/, '')
    : paths.queue;
}
