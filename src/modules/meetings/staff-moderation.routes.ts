/**
 * Staff pages for moderating a meeting's questions and for the chair: the moderation queue
 * (with its live event stream), the chair's running order, and the form every action posts to.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../../web/errors.ts';
import { errorList, field } from '../../web/forms.ts';
import { actorOf, seeOther } from '../../web/staff-routes.ts';
import { meetingPaths as paths, pathTo } from './meetings.paths.ts';
import { MeetingsError, statusLabels } from './meetings.types.ts';
import type { ModerationAction } from './moderation.service.ts';
import { formatWebcastTime, parseWebcastTime } from './question-rules.ts';
import { serveEvents } from './sse.ts';
import { flash, type Params, type StaffContext } from './staff.shared.ts';

/** Reads a moderation form into an action; undefined when the action is unknown. */
function actionFrom(body: unknown): ModerationAction | undefined {
  switch (field(body, 'action')) {
    case 'approve':
      return { kind: 'approve' };
    case 'reject':
      return { kind: 'reject', reason: field(body, 'reason') };
    case 'merge':
      return { kind: 'merge', intoId: field(body, 'intoId') };
    case 'edit':
      return { kind: 'edit', text: field(body, 'text'), note: field(body, 'note') };
    case 'link':
      return { kind: 'link', agendaItemId: field(body, 'agendaItemId') || null };
    case 'put':
      return { kind: 'put' };
    case 'answer':
    case 'answer_in_writing':
      return {
        kind: 'answer',
        answer: field(body, 'answer'),
        webcastSeconds: parseWebcastTime(field(body, 'webcastTime')) ?? null,
        isInWriting: field(body, 'action') === 'answer_in_writing' || field(body, 'inWriting') === 'yes',
      };
    default:
      return undefined;
  }
}

export function registerStaffModerationRoutes(ctx: StaffContext): void {
  const { app, guard, handleNotFound } = ctx;
  const { meetings, moderation } = ctx.module;

  // Moderation and the chair ----------------------------------------------------------------------
  const renderBoard = async (
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    view: 'moderation' | 'chair',
    extra: Record<string, unknown> = {},
  ) => {
    const board = await moderation.board(request.council.id, request.params.meetingId);
    const positions = new Map(board.agenda.map((a) => [a.id, a.position]));
    const live = board.questions.filter((q) => !q.mergedIntoId);
    const byId = new Map(board.questions.map((q) => [q.id, q]));
    const decorate = (q: (typeof board.questions)[number]) => ({
      ...q,
      statusLabel: statusLabels[q.status],
      notices: board.notices.filter((n) => n.questionId === q.id),
      mergedAskers: board.questions.filter((m) => m.mergedIntoId === q.id).map((m) => m.askerName),
      webcastTime: q.webcastSeconds === null ? '' : formatWebcastTime(q.webcastSeconds),
    });
    if (view === 'chair') {
      const running = live
        .filter((q) => ['approved', 'put', 'answered', 'answered_in_writing'].includes(q.status))
        .sort(
          (a, b) =>
            (positions.get(a.agendaItemId ?? '') ?? 1e9) - (positions.get(b.agendaItemId ?? '') ?? 1e9) ||
            b.votes - a.votes,
        )
        .map(decorate);
      const groups = [
        ...board.agenda.map((a) => ({ item: a, questions: running.filter((q) => q.agendaItemId === a.id) })),
        { item: undefined, questions: running.filter((q) => !q.agendaItemId) },
      ].filter((g) => g.questions.length > 0);
      return reply.render('meetings/views/staff/chair.njk', {
        pageTitle: `Chair’s view – ${board.meeting.title}`,
        meeting: board.meeting,
        groups,
        errors: {},
        flash: flash(request),
        ...extra,
      });
    }
    return reply.render('meetings/views/staff/moderation.njk', {
      pageTitle: `Moderation – ${board.meeting.title}`,
      meeting: board.meeting,
      agenda: board.agenda,
      waiting: live.filter((q) => q.status === 'received').map(decorate),
      decided: live.filter((q) => q.status !== 'received').map(decorate),
      merged: board.questions
        .filter((q) => q.mergedIntoId)
        .map((q) => ({ ...decorate(q), into: byId.get(q.mergedIntoId!) })),
      mergeTargets: live.filter((q) => q.status !== 'rejected'),
      errors: {},
      flash: flash(request),
      ...extra,
    });
  };

  app.get<{ Params: Params }>(paths.staffModeration, guard, async (request, reply) => {
    try {
      return await renderBoard(request, reply, 'moderation');
    } catch (error) {
      return handleNotFound(request, reply, error);
    }
  });

  app.get<{ Params: Params }>(paths.staffChair, guard, async (request, reply) => {
    try {
      return await renderBoard(request, reply, 'chair');
    } catch (error) {
      return handleNotFound(request, reply, error);
    }
  });

  app.get<{ Params: Params }>(paths.staffModerationEvents, guard, async (request, reply) => {
    try {
      const meeting = await meetings.getMeeting(request.council.id, request.params.meetingId);
      await serveEvents(request, reply, {
        hub: ctx.module.hub,
        db: ctx.module.db,
        councilId: request.council.id,
        meetingId: meeting.id,
        kinds: ['received', 'question', 'poll'],
      });
    } catch (error) {
      return handleNotFound(request, reply, error);
    }
  });

  app.post<{ Params: Params }>(paths.staffQuestion, guard, async (request, reply) => {
    const view = field(request.body, 'view') === 'chair' ? 'chair' : 'moderation';
    const action = actionFrom(request.body);
    const questionId = request.params.questionId ?? '';
    try {
      const meeting = await meetings.getMeeting(request.council.id, request.params.meetingId);
      const board = await moderation.board(request.council.id, meeting.id);
      if (!board.questions.some((q) => q.id === questionId)) return await sendError(request, reply, 404);
      if (!action) return await sendError(request, reply, 400, 'Choose an action');
      if (
        action.kind === 'answer' &&
        field(request.body, 'webcastTime').trim() &&
        action.webcastSeconds === null
      ) {
        const errors = { [`webcastTime-${questionId}`]: 'Enter the time in the webcast like 1:02:03' };
        reply.code(400);
        return await renderBoard(request, reply, view, { errors, errorList: errorList(errors) });
      }
      await moderation.act(actorOf(request), questionId, action);
    } catch (error) {
      if (error instanceof MeetingsError && error.kind === 'validation') {
        // Field ids carry the question id: each question has its own forms on the page.
        const errors = Object.fromEntries(
          Object.entries(error.fieldErrors).map(([k, v]) => [`${k}-${questionId}`, v]),
        );
        reply.code(400);
        return renderBoard(request, reply, view, { errors, errorList: errorList(errors) });
      }
      return handleNotFound(request, reply, error);
    }
    const target = view === 'chair' ? paths.staffChair : paths.staffModeration;
    return seeOther(
      request,
      reply,
      pathTo(target, { meetingId: request.params.meetingId }),
      { done: 'done' },
      `#question-${questionId}`,
    );
  });
}
