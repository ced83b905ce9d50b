/**
 * Staff pages for the council's question rules (standing orders) and the ModernGov import.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorList, field } from '../../web/forms.ts';
import { actorOf, seeOther } from '../../web/staff-routes.ts';
import { meetingPaths as paths } from './meetings.paths.ts';
import { MeetingsError } from './meetings.types.ts';
import { ModernGovError } from './moderngov/moderngov.ts';
import { importFromModernGov } from './moderngov/moderngov-import.ts';
import type { MeetingsModule } from './module.ts';
import { flash, type StaffContext } from './staff.shared.ts';

export function registerStaffSettingsRoutes(
  ctx: StaffContext,
  deps: { module: MeetingsModule; fetch?: typeof fetch },
): void {
  const { app, guard } = ctx;
  const { meetings } = ctx.module;

  const renderSettings = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown>,
  ) => {
    const rules = await meetings.rules(request.council.id);
    return reply.render('meetings/views/staff/settings.njk', {
      pageTitle: 'Question rules',
      values: {
        deadlineHoursBefore: String(rules.deadlineHoursBefore),
        wordLimit: String(rules.wordLimit),
        votesPerSourcePerHour: String(rules.votesPerSourcePerHour),
        isWardRequired: rules.isWardRequired ? 'yes' : 'no',
        isOnePerPerson: rules.isOnePerPerson ? 'yes' : 'no',
        moderngovUrl: rules.moderngovUrl ?? '',
      },
      errors: {},
      flash: flash(request),
      ...extra,
    });
  };

  app.get(paths.staffSettings, guard, async (request, reply) => renderSettings(request, reply, {}));

  app.post(paths.staffSettings, guard, async (request, reply) => {
    const keys = [
      'deadlineHoursBefore',
      'wordLimit',
      'votesPerSourcePerHour',
      'isWardRequired',
      'isOnePerPerson',
      'moderngovUrl',
    ];
    const values = Object.fromEntries(keys.map((k) => [k, field(request.body, k)]));
    try {
      await meetings.saveRules(actorOf(request), values);
    } catch (error) {
      if (!(error instanceof MeetingsError) || error.kind !== 'validation') throw error;
      reply.code(400);
      return renderSettings(request, reply, {
        values,
        errors: error.fieldErrors,
        errorList: errorList(error.fieldErrors, keys),
      });
    }
    return seeOther(request, reply, paths.staffSettings, { done: 'settings' });
  });

  const renderImport = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown>,
  ) => {
    const rules = await meetings.rules(request.council.id);
    return reply.render('meetings/views/staff/import.njk', {
      pageTitle: 'Import from ModernGov',
      values: { baseUrl: rules.moderngovUrl ?? '', committeeIds: '', fromDate: '', toDate: '' },
      errors: {},
      ...extra,
    });
  };

  app.get(paths.staffImport, guard, async (request, reply) => renderImport(request, reply, {}));

  app.post(paths.staffImport, guard, async (request, reply) => {
    const values = {
      baseUrl: field(request.body, 'baseUrl').trim(),
      committeeIds: field(request.body, 'committeeIds').trim(),
      fromDate: field(request.body, 'fromDate').trim(),
      toDate: field(request.body, 'toDate').trim(),
    };
    const errors: Partial<Record<string, string>> = {};
    if (!/^https?:\/\/[^\s/]+/u.test(values.baseUrl))
      errors.baseUrl = 'Enter the ModernGov site’s address, like https://democracy.example.gov.uk';
    const ids = values.committeeIds.split(/[\s,]+/u).filter(Boolean);
    if (ids.some((id) => !/^\d{1,12}$/u.test(id)))
      errors.committeeIds = 'Committee numbers are digits, separated by commas';
    const date = (v: string, key: string, fallback: Date) => {
      if (!v) return fallback;
      const d = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(v);
      if (!d) {
        errors[key] = 'Enter a date like 2026-03-27';
        return fallback;
      }
      return new Date(Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3])));
    };
    const from = date(values.fromDate, 'fromDate', new Date(Date.now() - 90 * 86400_000));
    const to = date(values.toDate, 'toDate', new Date(Date.now() + 180 * 86400_000));
    if (Object.keys(errors).length === 0) {
      try {
        const summary = await importFromModernGov(deps.module.db, actorOf(request), {
          baseUrl: values.baseUrl,
          committeeIds: ids,
          from,
          to,
          fetch: deps.fetch,
        });
        return await renderImport(request, reply, { values, summary });
      } catch (error) {
        if (!(error instanceof ModernGovError)) throw error;
        errors.baseUrl =
          error.kind === 'malformed'
            ? `ModernGov sent a response that could not be read, so nothing was changed. ${error.message}`
            : `ModernGov could not be reached, so nothing was changed. ${error.message}`;
      }
    }
    reply.code(400);
    return renderImport(request, reply, {
      values,
      errors,
      errorList: errorList(errors, ['baseUrl', 'committeeIds', 'fromDate', 'toDate']),
    });
  });
}
