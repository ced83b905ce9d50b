/**
 * Filing an inbox conversation as a question for a meeting, by hand: for messages triage took
 * for a meeting question when no single meeting was taking questions, or any message a person
 * judges to be one. Linked from the conversation view; permission inbox.work, because it is
 * the agent reading the conversation who decides. The question then waits for moderation like
 * any other, under the same rules.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorList, field } from '../../web/forms.ts';
import { sendError } from '../../web/errors.ts';
import { isUuid } from './meetings.service.ts';
import { meetingPaths as paths, pathTo } from './meetings.paths.ts';
import { MeetingsError } from './meetings.types.ts';
import type { MeetingsModule } from './module.ts';

type Params = { conversationId: string };

const outcomeLabels: Record<string, string> = {
  filed: 'Filed as a question',
  refused: 'Refused under the question rules (the resident was told why)',
  unfiled: 'Waiting for a person to choose the meeting',
  pending: 'Being filed',
};

export function registerInboxFilingRoutes(app: FastifyInstance, deps: { module: MeetingsModule }): void {
  const filing = deps.module.inboxQuestions;
  const guard = { preHandler: app.requireStaff('inbox.work') };

  const render = async (
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    extra: { errors?: Partial<Record<string, string>>; flash?: string } = {},
  ) => {
    const { conversationId } = request.params;
    if (!isUuid(conversationId)) return sendError(request, reply, 404);
    try {
      const view = await filing.forConversation(request.council.id, conversationId);
      const errors = extra.errors ?? {};
      return await reply.render('meetings/views/staff/file-from-inbox.njk', {
        pageTitle: 'File as a question for a meeting',
        ...view,
        outcomeLabels,
        errors,
        errorList: errorList(errors),
        flash: extra.flash,
      });
    } catch (error) {
      if (error instanceof MeetingsError && error.kind === 'not_found') return sendError(request, reply, 404);
      throw error;
    }
  };

  app.get<{ Params: Params }>(paths.staffFileFromInbox, guard, async (request, reply) =>
    render(request, reply),
  );

  app.post<{ Params: Params }>(paths.staffFileFromInbox, guard, async (request, reply) => {
    const { conversationId } = request.params;
    if (!isUuid(conversationId)) return sendError(request, reply, 404);
    const meetingId = field(request.body, 'meetingId');
    const staff = request.staff!;
    const actor = {
      councilId: request.council.id,
      userId: staff.id,
      label: staff.email,
      requestId: request.id,
    };
    try {
      if (!isUuid(meetingId))
        throw new MeetingsError('validation', 'No meeting', {
          meetingId: 'Select the meeting the question is for',
        });
      const outcome = await filing.fileByHand(actor, conversationId, meetingId);
      if (outcome.status === 'filed')
        return await reply.redirect(
          `${request.basePath}${pathTo(paths.staffModeration, { meetingId })}#question-${outcome.questionId}`,
          303,
        );
      reply.code(400);
      return await render(request, reply, {
        errors: {
          meetingId:
            outcome.status === 'refused'
              ? `The question breaks the rules: ${outcome.message}. The resident has been told`
              : 'Select the meeting the question is for',
        },
      });
    } catch (error) {
      if (!(error instanceof MeetingsError) || error.kind !== 'validation') throw error;
      reply.code(400);
      return render(request, reply, { errors: error.fieldErrors });
    }
  });
}
