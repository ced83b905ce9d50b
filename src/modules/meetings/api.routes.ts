/**
 * The meetings JSON API. Submitting a question is public (no token): a rule broken answers
 * 422 problem+json naming the rule. Approving and listing or creating meetings need a
 * personal API token with the meetings.moderate permission.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { problem, sendProblem } from '../../web/problem.ts';
import { actorOf } from '../../web/staff-routes.ts';
import { meetingPaths as paths } from './meetings.paths.ts';
import { validateMeeting } from './meetings.service.ts';
import { MeetingsError, type Meeting } from './meetings.types.ts';
import type { MeetingsModule } from './module.ts';

/** Stable problem type URIs; documented in the OpenAPI description. */
export const problemTypes = {
  rule: 'https://townsquare.dev/problems/meetings/question-rule',
  validation: 'https://townsquare.dev/problems/validation',
} as const;

function meetingJson(m: Meeting) {
  return {
    id: m.id,
    title: m.title,
    committeeId: m.committeeId,
    committee: m.committeeName,
    startsAt: m.startsAt.toISOString(),
    endsAt: m.endsAt?.toISOString() ?? null,
    location: m.location,
    attendance: m.attendance,
    status: m.status,
    streamUrl: m.streamUrl,
    recordingUrl: m.recordingUrl,
    hashtag: m.hashtag,
    questionKeyword: m.questionKeyword,
  };
}

const str = (body: unknown, key: string): string => {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
};

async function sendMeetingsError(reply: FastifyReply, error: unknown): Promise<FastifyReply> {
  if (!(error instanceof MeetingsError)) throw error;
  const errors = Object.entries(error.fieldErrors).map(([field, message]) => ({
    field,
    message: message ?? '',
  }));
  if (error.kind === 'not_found') return sendProblem(reply, problem(404, error.message));
  if (error.kind === 'rule')
    return sendProblem(
      reply,
      problem(422, error.message, { type: problemTypes.rule, rule: error.rule, errors }),
    );
  return sendProblem(reply, problem(400, error.message, { type: problemTypes.validation, errors }));
}

export function registerMeetingApiRoutes(app: FastifyInstance, deps: { module: MeetingsModule }): void {
  const { meetings, questions, moderation } = deps.module;
  const moderator = { preHandler: app.requireStaff('meetings.moderate') };

  app.post<{ Params: { meetingId: string } }>(
    paths.apiQuestions,
    {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        summary: 'Ask a question for a meeting (public, no token)',
        tags: ['meetings'],
        description:
          'JSON body: `name`, `email`, `ward`, `text` (strings). 201 `{ id }`, or 422 problem+json whose `rule` names the standing order broken.',
        security: [],
      },
    },
    async (request, reply) => {
      // A token that does not work is refused even here, as on every other API route: a
      // client that means to authenticate should hear that it failed. (No body schema, so
      // this answer does not depend on the body.)
      if (request.headers.authorization && !request.staff) {
        reply.header('www-authenticate', 'Bearer');
        return sendProblem(reply, problem(401, 'The API token was not accepted.'));
      }
      try {
        const created = await questions.submit(request.council.id, request.params.meetingId, {
          name: str(request.body, 'name'),
          email: str(request.body, 'email'),
          ward: str(request.body, 'ward'),
          text: str(request.body, 'text'),
        });
        return await reply.code(201).send(created);
      } catch (error) {
        return sendMeetingsError(reply, error);
      }
    },
  );

  app.post<{ Params: { questionId: string } }>(
    paths.apiApprove,
    { ...moderator, schema: { summary: 'Approve a question for the wall', tags: ['meetings'] } },
    async (request, reply) => {
      try {
        const q = await moderation.act(actorOf(request), request.params.questionId, { kind: 'approve' });
        return await reply.send({ id: q.id, status: q.status });
      } catch (error) {
        if (error instanceof MeetingsError && error.kind === 'validation')
          return sendProblem(reply, problem(409, Object.values(error.fieldErrors)[0] ?? error.message));
        return sendMeetingsError(reply, error);
      }
    },
  );

  app.get(
    paths.apiMeetings,
    { ...moderator, schema: { summary: 'List meetings', tags: ['meetings'] } },
    async (request) => ({
      items: (await meetings.listMeetings(request.council.id)).map(meetingJson),
    }),
  );

  app.post(
    paths.apiMeetings,
    {
      ...moderator,
      schema: { summary: 'Create a meeting (startsAt is an ISO 8601 instant)', tags: ['meetings'] },
    },
    async (request, reply) => {
      const startsAt = new Date(str(request.body, 'startsAt'));
      try {
        if (Number.isNaN(startsAt.getTime()))
          throw new MeetingsError('validation', 'startsAt must be an ISO 8601 date and time', {
            startsAt: 'Give startsAt as an ISO 8601 date and time, like 2026-03-27T18:30:00Z',
          });
        const valid = validateMeeting({
          title: str(request.body, 'title'),
          committeeId: str(request.body, 'committeeId'),
          day: String(startsAt.getUTCDate()),
          month: String(startsAt.getUTCMonth() + 1),
          year: String(startsAt.getUTCFullYear()),
          time: '00:00',
          location: str(request.body, 'location'),
          attendance: str(request.body, 'attendance') || 'in_person',
          streamUrl: str(request.body, 'streamUrl'),
          recordingUrl: str(request.body, 'recordingUrl'),
          hashtag: str(request.body, 'hashtag'),
          questionKeyword: str(request.body, 'questionKeyword'),
        });
        const created = await meetings.createMeeting(actorOf(request), { ...valid, startsAt });
        return await reply.code(201).send(meetingJson(created));
      } catch (error) {
        return sendMeetingsError(reply, error);
      }
    },
  );
}
