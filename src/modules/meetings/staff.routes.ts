/**
 * Staff console pages for meetings (permission meetings.moderate): meetings and agendas,
 * committees, the question rules, the ModernGov import, the moderation queue, the chair's
 * running order, polls and the exports.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../accounts/index.ts';
import { errorList, field } from '../../web/forms.ts';
import { sendError } from '../../web/errors.ts';
import { meetingPaths as paths, pathTo } from './meetings.paths.ts';
import { validateMeeting, type MeetingInput } from './meetings.service.ts';
import { attendanceLabels, MeetingsError, statusLabels, type Meeting } from './meetings.types.ts';
import type { ModerationAction } from './moderation.service.ts';
import { ModernGovError } from './moderngov/moderngov.ts';
import { importFromModernGov } from './moderngov/moderngov-import.ts';
import type { MeetingsModule } from './module.ts';
import { exportRows, toCsv, toJson } from './exports.ts';
import { londonParts } from './london-time.ts';
import { formatWebcastTime, parseWebcastTime } from './question-rules.ts';
import { serveEvents } from './sse.ts';

type Params = { meetingId: string; questionId?: string; pollId?: string };

function actorOf(request: FastifyRequest): Actor {
  const staff = request.staff!;
  return { councilId: request.council.id, userId: staff.id, label: staff.email, requestId: request.id };
}

const notices: Record<string, string> = {
  created: 'The meeting has been created',
  updated: 'The meeting has been updated',
  item: 'The agenda item has been added',
  settings: 'The question rules have been saved',
  committee: 'The committee has been added',
  done: 'Done',
  poll: 'The poll is open',
  closed: 'The poll is closed',
};

function flash(request: FastifyRequest): string | undefined {
  const key = (request.query as Record<string, unknown>).done;
  return typeof key === 'string' ? notices[key] : undefined;
}

const meetingFields = [
  'title',
  'committeeId',
  'day',
  'month',
  'year',
  'time',
  'location',
  'attendance',
  'streamUrl',
  'recordingUrl',
  'hashtag',
] as const;

function meetingValues(body: unknown): MeetingInput {
  return Object.fromEntries(meetingFields.map((k) => [k, field(body, k)])) as MeetingInput;
}

function valuesOf(m: Meeting): MeetingInput {
  const p = londonParts(m.startsAt);
  return {
    title: m.title,
    committeeId: m.committeeId ?? '',
    day: String(p.day),
    month: String(p.month),
    year: String(p.year),
    time: `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`,
    location: m.location ?? '',
    attendance: m.attendance,
    streamUrl: m.streamUrl ?? '',
    recordingUrl: m.recordingUrl ?? '',
    hashtag: m.hashtag ?? '',
  };
}

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

export function registerStaffMeetingRoutes(
  app: FastifyInstance,
  deps: { module: MeetingsModule; fetch?: typeof fetch },
): void {
  const { meetings, moderation } = deps.module;
  const guard = { preHandler: app.requireStaff('meetings.moderate') };
  const base = (request: FastifyRequest) => request.basePath;

  const handleNotFound = async (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    if (error instanceof MeetingsError && error.kind === 'not_found') return sendError(request, reply, 404);
    throw error;
  };

  // Lists ----------------------------------------------------------------------------------------
  app.get(paths.staffList, guard, async (request, reply) => {
    const [all, committees] = await Promise.all([
      meetings.listMeetings(request.council.id),
      meetings.listCommittees(request.council.id),
    ]);
    return reply.render('meetings/views/staff/list.njk', {
      pageTitle: 'Meetings',
      meetings: all,
      committees,
      flash: flash(request),
    });
  });

  const renderForm = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>) =>
    reply.render('meetings/views/staff/meeting-form.njk', {
      committees: await meetings.listCommittees(request.council.id),
      attendanceLabels,
      errors: {},
      ...extra,
    });

  app.get(paths.staffNew, guard, async (request, reply) =>
    renderForm(request, reply, { pageTitle: 'Add a meeting', values: { attendance: 'hybrid' } }),
  );

  app.post(paths.staffNew, guard, async (request, reply) => {
    const values = meetingValues(request.body);
    try {
      const meeting = await meetings.createMeeting(actorOf(request), validateMeeting(values));
      return reply.redirect(
        `${base(request)}${pathTo(paths.staffMeeting, { meetingId: meeting.id })}?done=created`,
        303,
      );
    } catch (error) {
      if (!(error instanceof MeetingsError) || error.kind !== 'validation') throw error;
      reply.code(400);
      return renderForm(request, reply, {
        pageTitle: 'Add a meeting',
        values,
        errors: error.fieldErrors,
        errorList: errorList(error.fieldErrors, ['title', 'committeeId', 'date', 'time', 'attendance']),
      });
    }
  });

  app.get<{ Params: Params }>(paths.staffEdit, guard, async (request, reply) => {
    try {
      const meeting = await meetings.getMeeting(request.council.id, request.params.meetingId);
      return await renderForm(request, reply, {
        pageTitle: 'Edit the meeting',
        values: valuesOf(meeting),
        meeting,
      });
    } catch (error) {
      return handleNotFound(request, reply, error);
    }
  });

  app.post<{ Params: Params }>(paths.staffEdit, guard, async (request, reply) => {
    const values = meetingValues(request.body);
    try {
      const meeting = await meetings.getMeeting(request.council.id, request.params.meetingId);
      try {
        await meetings.updateMeeting(actorOf(request), meeting.id, validateMeeting(values));
      } catch (error) {
        if (!(error instanceof MeetingsError) || error.kind !== 'validation') throw error;
        reply.code(400);
        return await renderForm(request, reply, {
          pageTitle: 'Edit the meeting',
          meeting,
          values,
          errors: error.fieldErrors,
          errorList: errorList(error.fieldErrors, ['title', 'committeeId', 'date', 'time', 'attendance']),
        });
      }
      return reply.redirect(
        `${base(request)}${pathTo(paths.staffMeeting, { meetingId: meeting.id })}?done=updated`,
        303,
      );
    } catch (error) {
      return handleNotFound(request, reply, error);
    }
  });

  const exists = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    try {
      await meetings.getMeeting(request.council.id, request.params.meetingId);
      return true;
    } catch (error) {
      await handleNotFound(request, reply, error);
      return false;
    }
  };

  // One meeting ------------------------------------------------------------------------------------
  const renderMeeting = async (
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
  ) => {
    const meeting = await meetings.getMeeting(request.council.id, request.params.meetingId);
    const [agenda, polls] = await Promise.all([
      meetings.listAgenda(request.council.id, meeting.id),
      deps.module.questions.polls(request.council.id, meeting.id),
    ]);
    return reply.render('meetings/views/staff/meeting.njk', {
      pageTitle: meeting.title,
      meeting,
      agenda,
      polls,
      attendanceLabel: attendanceLabels[meeting.attendance],
      values: {},
      errors: {},
      flash: flash(request),
      ...extra,
    });
  };

  app.get<{ Params: Params }>(paths.staffMeeting, guard, async (request, reply) => {
    try {
      return await renderMeeting(request, reply);
    } catch (error) {
      return handleNotFound(request, reply, error);
    }
  });

  app.post<{ Params: Params }>(paths.staffAgenda, guard, async (request, reply) => {
    // Another council's (or no) meeting is a 404 before anything in the form is looked at.
    if (!(await exists(request, reply))) return;
    const values = {
      title: field(request.body, 'itemTitle'),
      body: field(request.body, 'itemBody'),
      paperTitle: field(request.body, 'paperTitle'),
      paperUrl: field(request.body, 'paperUrl'),
    };
    try {
      await meetings.addAgendaItem(actorOf(request), request.params.meetingId, values);
    } catch (error) {
      if (error instanceof MeetingsError && error.kind === 'validation') {
        reply.code(400);
        return renderMeeting(request, reply, {
          values: {
            itemTitle: values.title,
            itemBody: values.body,
            paperTitle: values.paperTitle,
            paperUrl: values.paperUrl,
          },
          errors: error.fieldErrors,
          errorList: errorList(error.fieldErrors, ['itemTitle', 'paperUrl']),
        });
      }
      return handleNotFound(request, reply, error);
    }
    return reply.redirect(
      `${base(request)}${pathTo(paths.staffMeeting, { meetingId: request.params.meetingId })}?done=item`,
      303,
    );
  });

  app.post<{ Params: Params }>(paths.staffPolls, guard, async (request, reply) => {
    // Another council's (or no) meeting is a 404 before anything in the form is looked at.
    if (!(await exists(request, reply))) return;
    const values = {
      pollQuestion: field(request.body, 'pollQuestion'),
      pollChoices: field(request.body, 'pollChoices'),
    };
    try {
      await moderation.createPoll(
        actorOf(request),
        request.params.meetingId,
        values.pollQuestion,
        values.pollChoices,
      );
    } catch (error) {
      if (error instanceof MeetingsError && error.kind === 'validation') {
        reply.code(400);
        return renderMeeting(request, reply, {
          values,
          errors: error.fieldErrors,
          errorList: errorList(error.fieldErrors, ['pollQuestion', 'pollChoices']),
        });
      }
      return handleNotFound(request, reply, error);
    }
    return reply.redirect(
      `${base(request)}${pathTo(paths.staffMeeting, { meetingId: request.params.meetingId })}?done=poll`,
      303,
    );
  });

  app.post<{ Params: Params }>(paths.staffPoll, guard, async (request, reply) => {
    try {
      await meetings.getMeeting(request.council.id, request.params.meetingId);
      await moderation.closePoll(actorOf(request), request.params.meetingId, request.params.pollId ?? '');
    } catch (error) {
      return handleNotFound(request, reply, error);
    }
    return reply.redirect(
      `${base(request)}${pathTo(paths.staffMeeting, { meetingId: request.params.meetingId })}?done=closed`,
      303,
    );
  });

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
        hub: deps.module.hub,
        db: deps.module.db,
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
    return reply.redirect(
      `${base(request)}${pathTo(target, { meetingId: request.params.meetingId })}?done=done#question-${questionId}`,
      303,
    );
  });

  // Exports ------------------------------------------------------------------------------------------
  const exportOf = async (request: FastifyRequest<{ Params: Params }>) => {
    const board = await moderation.board(request.council.id, request.params.meetingId);
    return { board, rows: exportRows(board.meeting, board.agenda, board.questions) };
  };

  app.get<{ Params: Params }>(paths.staffCsv, guard, async (request, reply) => {
    try {
      const { board, rows } = await exportOf(request);
      return await reply
        .type('text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="questions-${board.meeting.startsAt.toISOString().slice(0, 10)}.csv"`,
        )
        .send(toCsv(rows));
    } catch (error) {
      return handleNotFound(request, reply, error);
    }
  });

  app.get<{ Params: Params }>(paths.staffJson, guard, async (request, reply) => {
    try {
      const { board, rows } = await exportOf(request);
      return await reply
        .type('application/json; charset=utf-8')
        .send(toJson(board.meeting, board.agenda, rows));
    } catch (error) {
      return handleNotFound(request, reply, error);
    }
  });

  // Committees, settings, import -------------------------------------------------------------------
  app.post(paths.staffCommittees, guard, async (request, reply) => {
    try {
      await meetings.createCommittee(
        actorOf(request),
        field(request.body, 'committeeName'),
        field(request.body, 'committeeCategory'),
      );
    } catch (error) {
      if (!(error instanceof MeetingsError) || error.kind !== 'validation') throw error;
      const errors = { committeeName: error.fieldErrors.name ?? 'Enter the committee’s name' };
      reply.code(400);
      return reply.render('meetings/views/staff/list.njk', {
        pageTitle: 'Meetings',
        meetings: await meetings.listMeetings(request.council.id),
        committees: await meetings.listCommittees(request.council.id),
        errors,
        errorList: errorList(errors),
      });
    }
    return reply.redirect(`${base(request)}${paths.staffList}?done=committee`, 303);
  });

  const renderSettings = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown>,
  ) => {
    const rules = await meetings.rules(request.council.id);
    return reply.render('meetings/views/staff/settings.njk', {
      pageTitle: 'Question rules',
      values: {
        deadlineHoursBefore: String(rules.deadlineHoursBefore),
        wordLimit: String(rules.wordLimit),
        votesPerSourcePerHour: String(rules.votesPerSourcePerHour),
        isWardRequired: rules.isWardRequired ? 'yes' : 'no',
        isOnePerPerson: rules.isOnePerPerson ? 'yes' : 'no',
        moderngovUrl: rules.moderngovUrl ?? '',
      },
      errors: {},
      flash: flash(request),
      ...extra,
    });
  };

  app.get(paths.staffSettings, guard, async (request, reply) => renderSettings(request, reply, {}));

  app.post(paths.staffSettings, guard, async (request, reply) => {
    const keys = [
      'deadlineHoursBefore',
      'wordLimit',
      'votesPerSourcePerHour',
      'isWardRequired',
      'isOnePerPerson',
      'moderngovUrl',
    ];
    const values = Object.fromEntries(keys.map((k) => [k, field(request.body, k)]));
    try {
      await meetings.saveRules(actorOf(request), values);
    } catch (error) {
      if (!(error instanceof MeetingsError) || error.kind !== 'validation') throw error;
      reply.code(400);
      return renderSettings(request, reply, {
        values,
        errors: error.fieldErrors,
        errorList: errorList(error.fieldErrors, keys),
      });
    }
    return reply.redirect(`${base(request)}${paths.staffSettings}?done=settings`, 303);
  });

  const renderImport = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown>,
  ) => {
    const rules = await meetings.rules(request.council.id);
    return reply.render('meetings/views/staff/import.njk', {
      pageTitle: 'Import from ModernGov',
      values: { baseUrl: rules.moderngovUrl ?? '', committeeIds: '', fromDate: '', toDate: '' },
      errors: {},
      ...extra,
    });
  };

  app.get(paths.staffImport, guard, async (request, reply) => renderImport(request, reply, {}));

  app.post(paths.staffImport, guard, async (request, reply) => {
    const values = {
      baseUrl: field(request.body, 'baseUrl').trim(),
      committeeIds: field(request.body, 'committeeIds').trim(),
      fromDate: field(request.body, 'fromDate').trim(),
      toDate: field(request.body, 'toDate').trim(),
    };
    const errors: Partial<Record<string, string>> = {};
    if (!/^https?:\/\/[^\s/]+/u.test(values.baseUrl))
      errors.baseUrl = 'Enter the ModernGov site’s address, like https://democracy.example.gov.uk';
    const ids = values.committeeIds.split(/[\s,]+/u).filter(Boolean);
    if (ids.some((id) => !/^\d{1,12}$/u.test(id)))
      errors.committeeIds = 'Committee numbers are digits, separated by commas';
    const date = (v: string, key: string, fallback: Date) => {
      if (!v) return fallback;
      const d = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(v);
      if (!d) {
        errors[key] = 'Enter a date like 2026-03-27';
        return fallback;
      }
      return new Date(Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3])));
    };
    const from = date(values.fromDate, 'fromDate', new Date(Date.now() - 90 * 86400_000));
    const to = date(values.toDate, 'toDate', new Date(Date.now() + 180 * 86400_000));
    if (Object.keys(errors).length === 0) {
      try {
        const summary = await importFromModernGov(deps.module.db, actorOf(request), {
          baseUrl: values.baseUrl,
          committeeIds: ids,
          from,
          to,
          fetch: deps.fetch,
        });
        return await renderImport(request, reply, { values, summary });
      } catch (error) {
        if (!(error instanceof ModernGovError)) throw error;
        errors.baseUrl =
          error.kind === 'malformed'
            ? `ModernGov sent a response that could not be read, so nothing was changed. ${error.message}`
            : `ModernGov could not be reached, so nothing was changed. ${error.message}`;
      }
    }
    reply.code(400);
    return renderImport(request, reply, {
      values,
      errors,
      errorList: errorList(errors, ['baseUrl', 'committeeIds', 'fromDate', 'toDate']),
    });
  });
}
