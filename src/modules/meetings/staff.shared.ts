/**
 * What the staff console's meetings route files share: the flash messages after a redirect,
 * the guard (permission meetings.moderate), and the staff meeting page, which the agenda and
 * poll forms show again with their errors. Who is acting and the redirect after a POST are the
 * whole console's (web/staff-routes.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../../web/errors.ts';
import { flashNotice } from '../../web/staff-routes.ts';
import { attendanceLabels, MeetingsError } from './meetings.types.ts';
import type { MeetingsModule } from './module.ts';

export type Params = { meetingId: string; questionId?: string; pollId?: string };

export const notices: Record<string, string> = {
  created: 'The meeting has been created',
  updated: 'The meeting has been updated',
  item: 'The agenda item has been added',
  settings: 'The question rules have been saved',
  committee: 'The committee has been added',
  done: 'Done',
  poll: 'The poll is open',
  closed: 'The poll is closed',
};

export const flash = (request: FastifyRequest) => flashNotice(request, notices);

export type StaffContext = ReturnType<typeof staffContext>;

/** Built once by registerStaffMeetingRoutes and handed to each route file. */
export function staffContext(app: FastifyInstance, module: MeetingsModule) {
  const { meetings } = module;
  const guard = { preHandler: app.requireStaff('meetings.moderate') };

  const handleNotFound = async (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    if (error instanceof MeetingsError && error.kind === 'not_found') return sendError(request, reply, 404);
    throw error;
  };

  const exists = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    try {
      await meetings.getMeeting(request.council.id, request.params.meetingId);
      return true;
    } catch (error) {
      await handleNotFound(request, reply, error);
      return false;
    }
  };

  const renderMeeting = async (
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
  ) => {
    const meeting = await meetings.getMeeting(request.council.id, request.params.meetingId);
    const [agenda, polls] = await Promise.all([
      meetings.listAgenda(request.council.id, meeting.id),
      module.questions.polls(request.council.id, meeting.id),
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

  return { app, module, guard, handleNotFound, exists, renderMeeting };
}
