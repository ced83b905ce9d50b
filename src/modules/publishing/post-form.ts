/**
 * What the composer form sends, read once from the request body, and the checks that decide
 * whether a post may be submitted. Field names are the form's input ids, so each error links
 * to its field in the GOV.UK error summary.
 */
import type { FieldErrors } from '../../web/forms.ts';
import { isWebAddress } from './checks.ts';
import { dateKey, londonDate } from './calendar/calendar-range.ts';
import { expandRecurrence, parseLocalSchedule, toFields, type DateFields } from './schedule.ts';

export const postKinds = ['news', 'alert', 'event'] as const;
export type PostKind = (typeof postKinds)[number];

/** A GOV.UK date input's three boxes, without a time. */
export type DayFields = Pick<DateFields, 'day' | 'month' | 'year'>;

export type PostForm = {
  kind: string;
  title: string;
  body: string;
  bodyCy: string;
  link: string;
  showOnWebsite: boolean;
  /** A pre-approved emergency message: approved now, published only when incident mode starts. */
  isEmergency: boolean;
  accountIds: string[];
  /** Text per channel account, when the officer changed it from the body. */
  variantText: Record<string, string>;
  mediaIds: string[];
  schedule: DateFields;
  repeat: string;
  repeatUntil: DateFields;
  eventStart: DateFields;
  /** The last day of an event over several days; blank for an event on one day. */
  eventEndDate: DayFields;
  /** The finishing time, on the last day when there is one, else on the first. */
  eventEndTime: string;
  eventLocation: string;
};

const str = (body: Record<string, unknown>, name: string) => {
  const v = body[name];
  return typeof v === 'string' ? v : '';
};
const list = (body: Record<string, unknown>, name: string) => {
  const v = body[name];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string' && x !== '');
};
const dateFields = (b: Record<string, unknown>, prefix: string, time = ''): DateFields => ({
  day: str(b, `${prefix}-day`),
  month: str(b, `${prefix}-month`),
  year: str(b, `${prefix}-year`),
  time: time || str(b, `${prefix}-time`),
});

const dayFields = (b: Record<string, unknown>, prefix: string): DayFields => ({
  day: str(b, `${prefix}-day`),
  month: str(b, `${prefix}-month`),
  year: str(b, `${prefix}-year`),
});

/**
 * The composer's event boxes for a saved event: its first day and start, and its finish, with
 * the last day filled only when the event ends on a later London day than it starts.
 */
export function eventFields(
  start: Date | null,
  end: Date | null,
): Pick<PostForm, 'eventStart' | 'eventEndDate' | 'eventEndTime'> {
  const { day, month, year, time } = toFields(end);
  const isOverDays = !!start && !!end && dateKey(londonDate(end)) > dateKey(londonDate(start));
  return {
    eventStart: toFields(start),
    eventEndDate: isOverDays ? { day, month, year } : { day: '', month: '', year: '' },
    eventEndTime: time,
  };
}

export function readPostForm(raw: unknown): PostForm {
  const b = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const accountIds = list(b, 'accounts');
  return {
    kind: str(b, 'kind') || 'news',
    title: str(b, 'title').trim(),
    body: str(b, 'body').replace(/\r\n/gu, '\n').trim(),
    bodyCy: str(b, 'bodyCy').replace(/\r\n/gu, '\n').trim(),
    link: str(b, 'link').trim(),
    showOnWebsite: str(b, 'showOnWebsite') !== 'no',
    isEmergency: str(b, 'isEmergency') === 'yes',
    accountIds,
    variantText: Object.fromEntries(
      accountIds
        .map((id) => [id, str(b, `variant-${id}`).replace(/\r\n/gu, '\n').trim()])
        .filter(([, t]) => t),
    ),
    mediaIds: list(b, 'media'),
    schedule: dateFields(b, 'schedule'),
    repeat: str(b, 'repeat'),
    repeatUntil: dateFields(b, 'repeatUntil', '23:59'),
    eventStart: dateFields(b, 'eventStart'),
    eventEndDate: dayFields(b, 'eventEndDate'),
    eventEndTime: str(b, 'eventEndTime'),
    eventLocation: str(b, 'eventLocation').trim(),
  };
}

/** The text a channel account publishes: the officer's own, or Welsh then English, then the link. */
export function defaultVariantText(
  form: Pick<PostForm, 'body' | 'bodyCy' | 'link'>,
  isBilingual: boolean,
): string {
  const text = isBilingual && form.bodyCy ? `${form.bodyCy}\n\n${form.body}` : form.body;
  return form.link && !text.includes(form.link) ? `${text}\n\n${form.link}` : text;
}

export type ScheduleResult = {
  scheduledAt: Date | null;
  occurrences: Date[];
  eventStart: Date | null;
  eventEnd: Date | null;
};

const isBlank = (d: DayFields & { time?: string }) =>
  !d.day.trim() && !d.month.trim() && !d.year.trim() && !d.time?.trim();

/** Schedule, recurrence and event times; every problem goes into `errors` under its field id. */
export function readSchedule(form: PostForm, errors: FieldErrors, now: Date): ScheduleResult {
  let scheduledAt: Date | null = null;
  let occurrences: Date[] = [];
  if (!isBlank(form.schedule)) {
    const parsed = parseLocalSchedule(form.schedule, now);
    if (parsed.ok) scheduledAt = parsed.at;
    else errors[parsed.field === 'date' ? 'schedule-day' : 'schedule-time'] = parsed.message;
  }
  if (form.repeat && form.repeat !== 'none') {
    if (form.repeat !== 'weekly' && form.repeat !== 'monthly')
      errors.repeat = 'Select how often the post repeats';
    else if (!scheduledAt && !errors['schedule-day'] && !errors['schedule-time'])
      errors['schedule-day'] = 'Enter the date and time of the first post to make it repeat';
    else if (scheduledAt) {
      const until = parseLocalSchedule(form.repeatUntil, now);
      if (!until.ok) errors['repeatUntil-day'] = 'Enter the last date the post repeats, like 27 3 2026';
      else {
        const r = expandRecurrence(scheduledAt, { frequency: form.repeat, until: until.at });
        if (r.ok) occurrences = r.dates.slice(1);
        else errors['repeatUntil-day'] = r.message;
      }
    }
  }
  let eventStart: Date | null = null;
  let eventEnd: Date | null = null;
  if (form.kind === 'event') ({ eventStart, eventEnd } = readEventTimes(form, errors));
  return { scheduledAt, occurrences, eventStart, eventEnd };
}

/**
 * An event's start and finish. The finish is on the last day when the officer gave one (a
 * weekend festival finishing on the Sunday, perhaps earlier in the day than it started on the
 * Saturday), else on the first day and after the start.
 */
function readEventTimes(
  form: PostForm,
  errors: FieldErrors,
): { eventStart: Date | null; eventEnd: Date | null } {
  if (!form.eventLocation) errors.eventLocation = 'Enter where the event is, like Town Hall, High Street';
  // Midnight exists on every UK day (the clocks change at 1am), so only the date is checked.
  const last = isBlank(form.eventEndDate)
    ? undefined
    : parseLocalSchedule({ ...form.eventEndDate, time: '00:00' }, new Date(0));
  if (last && !last.ok)
    errors['eventEndDate-day'] =
      'Enter the last day of the event as a real date, like 21 3 2027, or leave it blank for an event on one day';
  const start = parseLocalSchedule(form.eventStart, new Date(0));
  if (!start.ok) {
    errors['eventStart-day'] = 'Enter when the event starts, like 27 3 2026 and 18:30';
    return { eventStart: null, eventEnd: null };
  }
  if (last && !last.ok) return { eventStart: start.at, eventEnd: null };
  const firstDay = dateKey(londonDate(start.at));
  const lastDay = last ? dateKey(londonDate(last.at)) : firstDay;
  if (lastDay < firstDay) {
    errors['eventEndDate-day'] =
      'The last day of the event must be the same as or after the date of the event';
    return { eventStart: start.at, eventEnd: null };
  }
  const isOverDays = lastDay > firstDay;
  const finishDay = isOverDays ? form.eventEndDate : form.eventStart;
  const end = parseLocalSchedule({ ...finishDay, time: form.eventEndTime }, new Date(0));
  if (end.ok && end.at > start.at) return { eventStart: start.at, eventEnd: end.at };
  errors.eventEndTime = isOverDays
    ? 'Enter the time the event finishes on its last day, like 16:00'
    : 'Enter a finishing time after the start, like 20:00';
  return { eventStart: start.at, eventEnd: null };
}

/** Problems that stop a draft being saved at all. */
export function draftErrors(form: PostForm): FieldErrors {
  const errors: FieldErrors = {};
  if (!(postKinds as readonly string[]).includes(form.kind)) errors.kind = 'Select news, alert or event';
  if (!form.title) errors.title = 'Enter a title, like “Roadworks on the High Street”';
  else if (form.title.length > 200) errors.title = 'Title must be 200 characters or fewer';
  if (form.link && !isWebAddress(form.link))
    errors.link = 'Enter a web address starting with https://, like https://www.example.gov.uk/roadworks';
  return errors;
}
