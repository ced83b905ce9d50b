/**
 * What the composer form sends, read once from the request body, and the checks that decide
 * whether a post may be submitted. Field names are the form's input ids, so each error links
 * to its field in the GOV.UK error summary.
 */
import type { FieldErrors } from '../../web/forms.ts';
import { isWebAddress } from './checks.ts';
import { expandRecurrence, parseLocalSchedule, type DateFields } from './schedule.ts';

export const postKinds = ['news', 'alert', 'event'] as const;
export type PostKind = (typeof postKinds)[number];

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

const isBlank = (d: DateFields) => !d.day.trim() && !d.month.trim() && !d.year.trim() && !d.time.trim();

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
  if (form.kind === 'event') {
    const start = parseLocalSchedule(form.eventStart, new Date(0));
    if (!start.ok) errors['eventStart-day'] = 'Enter when the event starts, like 27 3 2026 and 18:30';
    else {
      eventStart = start.at;
      const end = parseLocalSchedule({ ...form.eventStart, time: form.eventEndTime }, new Date(0));
      if (!end.ok || end.at.getTime() <= start.at.getTime())
        errors.eventEndTime = 'Enter a finishing time after the start, like 20:00';
      else eventEnd = end.at;
    }
    if (!form.eventLocation) errors.eventLocation = 'Enter where the event is, like Town Hall, High Street';
  }
  return { scheduledAt, occurrences, eventStart, eventEnd };
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
