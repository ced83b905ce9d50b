/**
 * Staff pages for cases: the list with filters and satisfaction, one case with its history,
 * status changes and merges, and making a case from a conversation. Handlers validate, call
 * one service method, then render or redirect.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorList, field } from '../../../web/forms.ts';
import { actorOf, flashNotice, seeOther } from '../../../web/staff-routes.ts';
import { casePath, casePaths as paths, joinCasePath } from './cases.paths.ts';
import { CaseError, type CasesService, type FieldErrors } from './cases.service.ts';
import { caseStatuses, isCaseStatus, statusLabels } from './resident-messages.ts';

type CaseParams = { Params: { caseId: string } };
type ConversationParams = { Params: { conversationId: string } };

const notices: Record<string, string> = {
  created: 'Case created. The resident has been sent the reference.',
  joined: 'The report was added to this case. The resident has been sent the reference.',
  status: 'Status changed. Every resident who reported it is being sent the update.',
  merged: 'Cases merged. Residents who reported the duplicate are being told the new reference.',
};

const isNotFound = (error: unknown) => error instanceof CaseError && error.kind === 'not_found';

export function registerCaseRoutes(app: FastifyInstance, opts: { cases: CasesService }): void {
  const { cases } = opts;
  const guard = { preHandler: app.requireStaff('inbox.work') };
  const statusItems = (selected?: string) =>
    caseStatuses.map((s) => ({ value: s, text: statusLabels[s], selected: s === selected }));

  app.get(paths.list, guard, async (request, reply) => {
    const status = field(request.query, 'status');
    const filter = {
      status: isCaseStatus(status) ? status : undefined,
      category: field(request.query, 'category') || undefined,
      ward: field(request.query, 'ward') || undefined,
    };
    const data = await cases.list(request.council.id, filter);
    return reply.render('inbox/cases/views/list.njk', {
      pageTitle: 'Cases',
      ...data,
      filter,
      statusItems: [{ value: '', text: 'Any status' }, ...statusItems(filter.status)],
    });
  });

  async function renderCase(
    request: FastifyRequest<CaseParams>,
    reply: FastifyReply,
    extra: { errors?: FieldErrors; values?: Record<string, string> } = {},
  ) {
    const data = await cases.get(request.council.id, request.params.caseId).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    if (!data) return reply.callNotFound();
    const errors = extra.errors ?? {};
    return reply.render('inbox/cases/views/case.njk', {
      pageTitle: `Case ${data.case.reference}`,
      ...data,
      flash: flashNotice(request, notices),
      statusItems: [
        { value: '', text: 'Choose a status' },
        ...statusItems(extra.values?.status).filter((s) => s.value !== data.case.status),
      ],
      values: extra.values ?? {},
      errors,
      errorList: errorList(errors, ['status', 'note', 'duplicateId']),
      casePath,
    });
  }

  app.get<CaseParams>(paths.case, guard, async (request, reply) => renderCase(request, reply));

  app.post<CaseParams>(paths.status, guard, async (request, reply) => {
    const values = { status: field(request.body, 'status'), note: field(request.body, 'note') };
    try {
      await cases.changeStatus(actorOf(request), request.params.caseId, values);
    } catch (error) {
      if (isNotFound(error)) return reply.callNotFound();
      if (!(error instanceof CaseError)) throw error;
      reply.code(400);
      return renderCase(request, reply, { errors: error.fieldErrors, values });
    }
    return seeOther(request, reply, casePath(request.params.caseId), { done: 'status' });
  });

  app.post<CaseParams>(paths.merge, guard, async (request, reply) => {
    try {
      await cases.merge(actorOf(request), request.params.caseId, field(request.body, 'duplicateId'));
    } catch (error) {
      if (isNotFound(error)) return reply.callNotFound();
      if (!(error instanceof CaseError)) throw error;
      reply.code(400);
      return renderCase(request, reply, { errors: error.fieldErrors });
    }
    return seeOther(request, reply, casePath(request.params.caseId), { done: 'merged' });
  });

  async function renderNew(
    request: FastifyRequest<ConversationParams>,
    reply: FastifyReply,
    extra: { errors?: FieldErrors; values?: Record<string, string> } = {},
  ) {
    const draft = await cases
      .draftFor(request.council.id, request.params.conversationId)
      .catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
    if (!draft) return reply.callNotFound();
    const errors = extra.errors ?? {};
    return reply.render('inbox/cases/views/new.njk', {
      pageTitle: 'Create a case',
      ...draft,
      values: extra.values ?? draft.defaults,
      errors,
      errorList: errorList(errors, ['area', 'category', 'placeText', 'summary', 'caseId']),
      joinPath: joinCasePath(request.params.conversationId),
      conversationPath: `/staff/inbox/conversations/${encodeURIComponent(request.params.conversationId)}`,
      casePath,
    });
  }

  app.get<ConversationParams>(paths.newFromConversation, guard, async (request, reply) =>
    renderNew(request, reply),
  );

  app.post<ConversationParams>(paths.newFromConversation, guard, async (request, reply) => {
    // The conversation page's one-click button sends `quick`: everything from triage.
    const isQuick = field(request.body, 'quick') === 'yes';
    const values = {
      area: field(request.body, 'area'),
      category: field(request.body, 'category'),
      placeText: field(request.body, 'placeText'),
      summary: field(request.body, 'summary'),
    };
    let created: { id: string };
    try {
      created = await cases.createFromConversation(
        actorOf(request),
        request.params.conversationId,
        isQuick ? {} : values,
      );
    } catch (error) {
      if (isNotFound(error)) return reply.callNotFound();
      if (!(error instanceof CaseError)) throw error;
      reply.code(400);
      return renderNew(request, reply, { errors: error.fieldErrors, ...(isQuick ? {} : { values }) });
    }
    return seeOther(request, reply, casePath(created.id), { done: 'created' });
  });

  app.post<ConversationParams>(paths.joinFromConversation, guard, async (request, reply) => {
    const caseId = field(request.body, 'caseId');
    try {
      await cases.joinCase(actorOf(request), request.params.conversationId, caseId);
    } catch (error) {
      if (isNotFound(error)) return reply.callNotFound();
      if (!(error instanceof CaseError)) throw error;
      reply.code(400);
      return renderNew(request, reply, { errors: error.fieldErrors });
    }
    return seeOther(request, reply, casePath(caseId), { done: 'joined' });
  });
}
