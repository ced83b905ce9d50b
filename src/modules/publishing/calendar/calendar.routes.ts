/**
 * The content calendar pages: week and month views with filters (a GET form, so it works
 * without JavaScript), a reschedule form per post, and the service tag. Each handler reads the
 * request, calls the calendar service, and renders or redirects.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../../../web/errors.ts';
import { flashNotice, seeOther } from '../../../web/staff-routes.ts';
import { field, type ErrorSummaryItem, type FieldErrors } from '../../../web/forms.ts';
import type { ChannelAccountsService } from '../../channels/index.ts';
import { PublishingError } from '../posts.service.ts';
import type { Publishing } from '../publishing.module.ts';
import { settingsOf, staffOf } from '../publishing.routes.ts';
import {
  calendarRange,
  dateKey,
  hourSlots,
  londonDate,
  parseDateKey,
  type CalendarView,
} from './calendar-range.ts';
import { calendarPaths as paths } from './calendar.paths.ts';
import { calendarStatuses, type CalendarFilter } from './calendar.service.ts';
import { councilServices } from './services.ts';

type Query = { view: CalendarView; date: string; filter: CalendarFilter };

/** A failed move, shown on the calendar page it came from. */
type MoveProblem = {
  postId: string;
  errors: FieldErrors;
  summary: ErrorSummaryItem[];
  values: Record<string, string>;
};

function readQuery(source: unknown): Query {
  const view = field(source, 'view') === 'month' ? 'month' : 'week';
  const date = parseDateKey(field(source, 'date')) ? field(source, 'date') : dateKey(londonDate(new Date()));
  const filter: CalendarFilter = {};
  const channel = field(source, 'channel');
  const service = field(source, 'service');
  const status = field(source, 'status');
  if (channel) filter.channel = channel;
  if (service) filter.service = service;
  if ((calendarStatuses as readonly string[]).includes(status)) filter.status = status;
  return { view, date, filter };
}

/** The notice after a move, by `?done=`: a move into a pre-election period can add an approval step. */
const notices = {
  moved: 'The post has been moved',
  'moved-election':
    'The post has been moved. It is now in a pre-election period and names a councillor or party, so it needs the pre-election approval before it can be published',
};

/** The calendar URL for a query, keeping the filters. */
export function calendarHref(
  q: Query,
  overrides: Partial<{ view: CalendarView; date: string }> = {},
): string {
  const params = new URLSearchParams({ view: overrides.view ?? q.view, date: overrides.date ?? q.date });
  for (const [k, v] of Object.entries(q.filter)) if (v) params.set(k, v);
  return `${paths.calendar}?${params.toString()}`;
}

export function registerCalendarRoutes(
  app: FastifyInstance,
  opts: { publishing: Publishing; channelAccounts: ChannelAccountsService },
): void {
  const { calendar } = opts.publishing;
  const write = { preHandler: app.requireStaff('publishing.write') };

  const render = async (request: FastifyRequest, reply: FastifyReply, q: Query, problem?: MoveProblem) => {
    const range = calendarRange(q.view, parseDateKey(q.date)!);
    const entries = await calendar.entries(request.council.id, range, q.filter);
    const changeDays = new Set(
      range.weeks
        .flat()
        .filter((d) => d.clockChange)
        .map((d) => d.key),
    );
    const byDay: Record<string, ((typeof entries)[number] & { showZone: boolean })[]> = {};
    // On a clock-change day the same wall time can mean two instants, so the zone is shown.
    for (const e of entries) (byDay[e.dayKey] ??= []).push({ ...e, showZone: changeDays.has(e.dayKey) });
    const inUse = await calendar.servicesInUse(request.council.id);
    if (problem) reply.code(400);
    return reply.render('publishing/calendar/views/calendar.njk', {
      pageTitle: `Content calendar: ${range.title}`,
      range,
      // The week view's hours, offered as drop targets while a post is dragged.
      slots:
        q.view === 'week'
          ? Object.fromEntries(range.weeks.flat().map((d) => [d.key, hourSlots(d.date)]))
          : {},
      byDay,
      count: entries.length,
      query: q,
      links: {
        previous: calendarHref(q, { date: range.previous }),
        next: calendarHref(q, { date: range.next }),
        today: calendarHref(q, { date: dateKey(londonDate(new Date())) }),
        week: calendarHref(q, { view: 'week' }),
        month: calendarHref(q, { view: 'month' }),
      },
      accounts: await opts.channelAccounts.list(request.council.id, { includeDisconnected: true }),
      services: [
        ...councilServices,
        ...inUse.filter((s) => !(councilServices as readonly string[]).includes(s)),
      ],
      statuses: calendarStatuses,
      problem,
      errorList: problem?.summary ?? [],
      flash: flashNotice(request, notices),
    });
  };

  app.get(paths.calendar, write, async (request, reply) => render(request, reply, readQuery(request.query)));

  app.post<{ Params: { postId: string } }>(paths.reschedule, write, async (request, reply) => {
    const q = readQuery(request.body);
    const { postId } = request.params;
    const values = {
      day: field(request.body, 'schedule-day'),
      month: field(request.body, 'schedule-month'),
      year: field(request.body, 'schedule-year'),
      time: field(request.body, 'schedule-time'),
    };
    try {
      const { at, needsPreElectionApproval } = await calendar.move(
        staffOf(request),
        postId,
        values,
        settingsOf(request),
      );
      // Back to the calendar page that shows the post's new day.
      const target = calendarHref(q, { date: dateKey(londonDate(at)) });
      const done = needsPreElectionApproval ? 'moved-election' : 'moved';
      return seeOther(request, reply, target, { done }, `#post-${postId}`);
    } catch (error) {
      if (!(error instanceof PublishingError)) throw error;
      if (error.kind === 'not_found') return reply.callNotFound();
      const id = `reschedule-${postId}`;
      const errors: FieldErrors = {};
      if (error.fieldErrors['schedule-day']) errors[`${id}-day`] = error.fieldErrors['schedule-day'];
      if (error.fieldErrors['schedule-time']) errors[`${id}-time`] = error.fieldErrors['schedule-time'];
      const summary = Object.keys(errors).length
        ? Object.entries(errors).map(([k, text]) => ({ text: text ?? '', href: `#${k}` }))
        : [{ text: error.message, href: `#post-${postId}` }];
      return render(request, reply, q, { postId, errors, summary, values });
    }
  });

  app.post<{ Params: { postId: string } }>(paths.setService, write, async (request, reply) => {
    const { postId } = request.params;
    try {
      await opts.publishing.calendar.setService(staffOf(request), postId, field(request.body, 'service'));
    } catch (error) {
      if (error instanceof PublishingError && error.kind === 'not_found') return reply.callNotFound();
      if (!(error instanceof PublishingError) || error.kind !== 'validation') throw error;
      // The form offers only the list, so this is a hand-made request: say what was wrong.
      return sendError(request, reply, 400, error.fieldErrors.service ?? error.message);
    }
    return seeOther(request, reply, `/staff/publishing/posts/${postId}`, { done: 'service' });
  });
}
