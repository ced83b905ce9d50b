/**
 * Staff pages for a meeting's live polls (opened and closed from the meeting page) and the
 * CSV and JSON exports of its questions for the minutes.
 */
import type { FastifyRequest } from 'fastify';
import { errorList, field } from '../../web/forms.ts';
import { actorOf, seeOther } from '../../web/staff-routes.ts';
import { meetingPaths as paths, pathTo } from './meetings.paths.ts';
import { MeetingsError } from './meetings.types.ts';
import { exportRows, toCsv, toJson } from './exports.ts';
import { type Params, type StaffContext } from './staff.shared.ts';

export function registerStaffPollAndExportRoutes(ctx: StaffContext): void {
  const { app, guard, handleNotFound, exists, renderMeeting } = ctx;
  const { meetings, moderation } = ctx.module;

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
    return seeOther(request, reply, pathTo(paths.staffMeeting, { meetingId: request.params.meetingId }), {
      done: 'poll',
    });
  });

  app.post<{ Params: Params }>(paths.staffPoll, guard, async (request, reply) => {
    try {
      await meetings.getMeeting(request.council.id, request.params.meetingId);
      await moderation.closePoll(actorOf(request), request.params.meetingId, request.params.pollId ?? '');
    } catch (error) {
      return handleNotFound(request, reply, error);
    }
    return seeOther(request, reply, pathTo(paths.staffMeeting, { meetingId: request.params.meetingId }), {
      done: 'closed',
    });
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
}
