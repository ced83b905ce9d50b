/**
 * Staff console pages for meetings (permission meetings.moderate), one file per area: meetings
 * and agendas, moderation and the chair, polls and exports, the question rules and the
 * ModernGov import.
 */
import type { FastifyInstance } from 'fastify';
import type { MeetingsModule } from './module.ts';
import { registerStaffMeetingPages } from './staff-meetings.routes.ts';
import { registerStaffModerationRoutes } from './staff-moderation.routes.ts';
import { registerStaffPollAndExportRoutes } from './staff-polls.routes.ts';
import { registerStaffSettingsRoutes } from './staff-settings.routes.ts';
import { staffContext } from './staff.shared.ts';

export function registerStaffMeetingRoutes(
  app: FastifyInstance,
  deps: { module: MeetingsModule; fetch?: typeof fetch },
): void {
  const ctx = staffContext(app, deps.module);
  registerStaffMeetingPages(ctx);
  registerStaffModerationRoutes(ctx);
  registerStaffPollAndExportRoutes(ctx);
  registerStaffSettingsRoutes(ctx, deps);
}
