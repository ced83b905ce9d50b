/**
 * Who is asking. Pages use the session cookie; `/api/v1` uses `Authorization: Bearer` tokens
 * only, never cookies, so the API needs no CSRF token and a page cannot be driven by a
 * script on another site.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, type AccountsService, type Permission } from '../modules/accounts/index.ts';
import { sendError, isApiRequest } from './errors.ts';
import { problem, sendProblem } from './problem.ts';

export const sessionCookie = 'ts_session';

export function registerAuth(app: FastifyInstance, accounts: AccountsService): void {
  app.decorateRequest('staff', undefined);
  app.decorateRequest('sessionToken', undefined);

  app.addHook('preHandler', async (request) => {
    if (!request.council) return;
    if (request.url.startsWith('/api/')) {
      const header = request.headers.authorization;
      const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
      if (match) request.staff = await accounts.userForApiToken(request.council.id, match[1]!);
      return;
    }
    if (!request.url.startsWith('/staff')) return;
    const token = request.cookies[sessionCookie];
    if (!token) return;
    const user = await accounts.userForSession(request.council.id, token);
    if (user) {
      request.staff = user;
      request.sessionToken = token;
    }
  });

  app.decorate('requireStaff', (permission?: Permission) => {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      if (!request.staff) {
        if (isApiRequest(request)) {
          reply.header('www-authenticate', 'Bearer');
          await sendProblem(
            reply,
            problem(401, 'Send a personal API token as Authorization: Bearer <token>.'),
          );
          return;
        }
        const back = encodeURIComponent(request.url);
        await reply.redirect(`${request.basePath}/staff/sign-in?returnTo=${back}`, 303);
        return;
      }
      if (permission && !can(request.staff.role, permission)) await sendError(request, reply, 403);
    };
  });
}
