/**
 * What the staff console's route files share, so each handler stays three steps: who is
 * acting (for the audit), the redirect after a POST (POST, redirect, GET, so a refresh never
 * sends a form twice), and the one-line notice the page it lands on shows, named by `?done=`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../modules/accounts/index.ts';

/**
 * The signed-in staff member as services record them in the audit. Only for routes behind
 * `requireStaff`, which has already refused a request without one.
 * @example await inbox.claim(actorOf(request), conversationId)
 */
export function actorOf(request: FastifyRequest): Actor {
  const staff = request.staff!;
  return { councilId: request.council.id, userId: staff.id, label: staff.email, requestId: request.id };
}

/**
 * A 303 to one of the council's own pages, keeping the `/c/{slug}` prefix, with query
 * parameters added (after any the path has already) and an optional `#fragment`.
 * @example return seeOther(request, reply, paths.settings, { done: 'saved' }) // 303 to /staff/inbox/settings?done=saved
 */
export function seeOther(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  query: Readonly<Record<string, string>> = {},
  fragment = '',
): FastifyReply {
  const search = new URLSearchParams(query).toString();
  const joiner = path.includes('?') ? '&' : '?';
  return reply.redirect(`${request.basePath}${path}${search ? joiner + search : ''}${fragment}`, 303);
}

/**
 * The notice for the `?done=` key a redirect carried, from the route file's own list; an
 * unknown or missing key shows nothing (the key is typed by anyone, so it never becomes text).
 * @example flashNotice(request, { saved: 'The settings have been saved' })
 */
export function flashNotice(
  request: FastifyRequest,
  notices: Readonly<Record<string, string>>,
): string | undefined {
  const key = (request.query as Record<string, unknown> | undefined)?.done;
  return typeof key === 'string' && Object.hasOwn(notices, key) ? notices[key] : undefined;
}
