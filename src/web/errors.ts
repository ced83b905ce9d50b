/**
 * Error pages and problem+json. No response ever carries a stack trace; the log has it,
 * keyed by the request id that the page shows.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problem, sendProblem } from './problem.ts';

const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** True when an error means the database is out of reach, not that the request was wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && unavailableCodes.has(e.code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  if (
    /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error/.test(
      message,
    )
  )
    return true;
  return e.cause !== undefined && e.cause !== error && isDatabaseUnavailable(e.cause);
}

export function isApiRequest(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/') || (request.headers.accept ?? '').startsWith('application/json');
}

const pageFor: Record<number, { template: string; title: string }> = {
  400: { template: 'errors/400.njk', title: 'Sorry, there is a problem with your request' },
  403: { template: 'errors/403.njk', title: 'You do not have permission to view this page' },
  404: { template: 'errors/404.njk', title: 'Page not found' },
  429: { template: 'errors/429.njk', title: 'Sorry, you have made too many requests' },
  500: { template: 'errors/500.njk', title: 'Sorry, there is a problem with the service' },
  503: { template: 'errors/503.njk', title: 'Sorry, the service is unavailable' },
};

export async function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  detail?: string,
) {
  if (status === 503) reply.header('retry-after', '10');
  if (isApiRequest(request)) return sendProblem(reply, problem(status, detail));
  const page = pageFor[status] ?? pageFor[status >= 500 ? 500 : 400]!;
  reply.code(status);
  // A page may fail before the council is known (unknown host, database down): render
  // without one rather than fail again.
  try {
    return await reply.render(page.template, { pageTitle: page.title, detail, requestId: request.id });
  } catch (error) {
    request.log.error({ err: error }, 'error page failed to render');
    return reply.type('text/plain; charset=utf-8').send(`${page.title}\n`);
  }
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler(async (request, reply) => sendError(request, reply, 404));
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (isDatabaseUnavailable(error)) {
      request.log.warn(
        { err: { code: (error as { code?: string }).code, message: error.message } },
        'database unavailable',
      );
      return sendError(request, reply, 503, 'The database cannot be reached. Try again in a few seconds.');
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    if (
      error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      (status === 400 && error.message.includes('JSON'))
    ) {
      return sendError(request, reply, 400, 'The request body is not valid JSON.');
    }
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return sendError(
        request,
        reply,
        403,
        'The form expired or did not come from this site. Go back, reload the page and try again.',
      );
    }
    if (error.validation) return sendError(request, reply, 400, error.message);
    if (status === 429) return sendError(request, reply, 429, 'Wait a minute, then try again.');
    if (status < 500) return sendError(request, reply, status, error.message);
    return sendError(request, reply, 500);
  });
}
