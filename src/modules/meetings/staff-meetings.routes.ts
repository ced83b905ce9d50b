/**
 * Staff pages for meetings themselves: the list, adding and editing a meeting (with its hashtag
 * and keyword), the meeting page with its agenda, and committees.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorList, field } from '../../web/forms.ts';
import { actorOf, seeOther } from '../../web/staff-routes.ts';
import { meetingPaths as paths, pathTo } from './meetings.paths.ts';
import { validateMeeting, type MeetingInput } from './meetings.service.ts';
import { attendanceLabels, MeetingsError, type Meeting } from './meetings.types.ts';
import { londonParts } from './london-time.ts';
import { flash, type Params, type StaffContext } from './staff.shared.ts';

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
  'questionKeyword',
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
    questionKeyword: m.questionKeyword ?? '',
  };
}

export function registerStaffMeetingPages(ctx: StaffContext): void {
  const { app, guard, handleNotFound, exists, renderMeeting } = ctx;
  const { meetings } = ctx.module;

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
      return seeOther(request, reply, pathTo(paths.staffMeeting, { meetingId: meeting.id }), {
        done: 'created',
      });
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
      return seeOther(request, reply, pathTo(paths.staffMeeting, { meetingId: meeting.id }), {
        done: 'updated',
      });
    } catch (error) {
      return handleNotFound(request, reply, error);
    }
  });

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
    return seeOther(request, reply, pathTo(paths.staffMeeting, { meetingId: request.params.meetingId }), {
      done: 'item',
    });
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
    return seeOther(request, reply, paths.staffList, { done: 'committee' });
  });
}
