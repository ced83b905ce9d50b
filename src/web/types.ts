/**
 * What Townsquare adds to Fastify's request and reply. Declared once, here.
 */
import type { Council } from '../modules/councils/index.ts';
import type { StaffUser, Permission } from '../modules/accounts/index.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The council this request is for; set for every route except health and assets. */
    council: Council;
    /** '' or '/c/{slug}': prefix for links that keep the path-based council choice. */
    basePath: string;
    /** The signed-in staff member (session cookie on pages, bearer token on the API). */
    staff: StaffUser | undefined;
    /** The session cookie value, when the request came with a valid one. */
    sessionToken: string | undefined;
  }
  interface FastifyReply {
    /** Renders a Nunjucks page with the layout's shared context. */
    render(template: string, context?: Record<string, unknown>): Promise<FastifyReply>;
  }
  interface FastifyContextConfig {
    /** Routes that work without a council (health, metrics, assets). */
    isCouncilFree?: boolean;
  }
  interface FastifyInstance {
    requireStaff(permission?: Permission): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

export {};
