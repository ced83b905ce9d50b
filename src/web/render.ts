/**
 * `reply.render`: the one place pages get their shared context (council, signed-in staff,
 * CSRF token, CSP nonce, navigation) so that a handler passes only what its page needs.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type nunjucks from 'nunjucks';
import { staffNavigation } from './navigation.ts';

export function makeRender(views: nunjucks.Environment, opts: { attribution: string }) {
  return async function render(
    this: FastifyReply,
    template: string,
    context: Record<string, unknown> = {},
  ): Promise<FastifyReply> {
    const request: FastifyRequest = this.request;
    const council = (request as { council?: unknown }).council;
    const base = request.basePath ?? '';
    const isStaffArea = request.url.startsWith('/staff');
    const nonce = (this as unknown as { cspNonce?: { script: string; style: string } }).cspNonce;
    const csrfToken = typeof this.generateCsrf === 'function' ? this.generateCsrf() : undefined;
    const staff = request.staff;
    const html = views.render(template, {
      council,
      staff,
      isStaffArea,
      csrfToken,
      cspNonce: nonce?.script,
      styleNonce: nonce?.style,
      footerAttribution: opts.attribution,
      url: (path: string) => `${base}${path}`,
      currentPath: request.url.split('?')[0],
      // Set by the publishing module while the council is in incident mode.
      incidentBanner: (request as { incidentBanner?: string }).incidentBanner,
      ...(isStaffArea && staff ? staffNavigation(staff, base, request.url) : {}),
      ...context,
    });
    return this.type('text/html; charset=utf-8').send(html);
  };
}
