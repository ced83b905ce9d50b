/**
 * Incident mode pages: start (reason, banner, emergency message), end, and the review of posts
 * whose time passed during the incident.
 */
import type { FastifyInstance } from 'fastify';
import { errorList, field } from '../../web/forms.ts';
import { seeOther } from '../../web/staff-routes.ts';
import { PublishingError } from './posts.service.ts';
import type { Publishing } from './publishing.module.ts';
import { publishingPaths as paths } from './publishing.paths.ts';
import { staffOf } from './publishing.routes.ts';

export function registerIncidentRoutes(app: FastifyInstance, publishing: Publishing): void {
  const guard = { preHandler: app.requireStaff('publishing.approve') };
  const { incidents } = publishing;

  const page = async (councilId: string, extra: Record<string, unknown> = {}) => {
    // Only pre-approved emergency messages stay in 'approved'; every other post moves on to scheduled.
    const emergencies = await publishing.posts.list(councilId, { status: 'approved' });
    return {
      pageTitle: 'Incident mode',
      incident: await incidents.current(councilId),
      emergencies,
      missed: await incidents.missed(councilId),
      errors: {},
      values: {},
      ...extra,
    };
  };

  app.get(paths.incident, guard, async (request, reply) => {
    const done = field(request.query, 'done');
    return reply.render('publishing/views/incident.njk', {
      ...(await page(request.council.id)),
      flash:
        done === 'started'
          ? 'Incident mode is on'
          : done === 'ended'
            ? 'Incident mode is off'
            : done === 'resumed'
              ? 'The post is being published'
              : undefined,
    });
  });

  app.post(paths.incident, guard, async (request, reply) => {
    const { actor, role } = staffOf(request);
    const input = {
      reason: field(request.body, 'reason'),
      banner: field(request.body, 'banner'),
      ...(field(request.body, 'emergencyPostId')
        ? { emergencyPostId: field(request.body, 'emergencyPostId') }
        : {}),
    };
    const resume = field(request.body, 'resumePostId');
    try {
      if (resume) {
        await incidents.publishMissedNow(actor, resume);
        return seeOther(request, reply, paths.incident, { done: 'resumed' });
      }
      await incidents.start(actor, role, input);
    } catch (error) {
      if (!(error instanceof PublishingError) || error.kind === 'not_found') throw error;
      reply.code(400);
      const errors = Object.keys(error.fieldErrors).length ? error.fieldErrors : { reason: error.message };
      return reply.render('publishing/views/incident.njk', {
        ...(await page(request.council.id, { errors, values: input })),
        errorList: errorList(errors, ['reason', 'banner', 'emergencyPostId']),
      });
    }
    return seeOther(request, reply, paths.incident, { done: 'started' });
  });

  app.post(paths.incidentEnd, guard, async (request, reply) => {
    const { actor, role } = staffOf(request);
    try {
      await incidents.end(actor, role);
    } catch (error) {
      if (!(error instanceof PublishingError)) throw error;
      reply.code(400);
      return reply.render('publishing/views/incident.njk', {
        ...(await page(request.council.id)),
        errorList: [{ text: error.message, href: '#reason' }],
      });
    }
    return seeOther(request, reply, paths.incident, { done: 'ended' });
  });
}
