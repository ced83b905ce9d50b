/**
 * Registers every meetings route: the public pages and stream, the staff console and the API.
 */
import type { FastifyInstance } from 'fastify';
import { registerMeetingApiRoutes } from './api.routes.ts';
import { registerMeetingAssetRoutes } from './assets.routes.ts';
import { registerInboxFilingRoutes } from './inbox-filing.routes.ts';
import type { MeetingsModule } from './module.ts';
import { registerPublicMeetingRoutes } from './public.routes.ts';
import { registerStaffMeetingRoutes } from './staff.routes.ts';

export function registerMeetingRoutes(
  app: FastifyInstance,
  deps: { module: MeetingsModule; secret: Buffer; secureCookies: boolean; fetch?: typeof fetch },
): void {
  registerPublicMeetingRoutes(app, deps);
  registerStaffMeetingRoutes(app, deps);
  registerMeetingApiRoutes(app, deps);
  registerInboxFilingRoutes(app, deps);
  registerMeetingAssetRoutes(app);
}
