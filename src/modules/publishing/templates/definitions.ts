/**
 * The built-in post templates: the fields an officer fills, typed, and the default wording in
 * English and Welsh. A council may replace the wording (stored per council); the fields are
 * fixed here, because the import formats and the composer depend on them.
 *
 * Wording syntax: `{field}` is replaced by the field's value; `[ ... ]` is an optional part,
 * left out when any field inside it is empty. Welsh wording avoids putting a value straight
 * after a word that mutates it ("o", "tan", "ar", "am"): it uses "rhwng ... a ..." and
 * "Label: value" instead, so a date or a name typed by an officer always reads correctly.
 * The Welsh was written carefully but should be reviewed by a Welsh speaker before use
 * (see docs/publishing-templates.md).
 */
import type { PostKind } from '../post-form.ts';

export type FieldType = 'text' | 'longtext' | 'date' | 'time' | 'street' | 'url' | 'choice';

export type Choice = { value: string; en: string; cy: string; label: string };

export type TemplateField = {
  name: string;
  label: string;
  /** The label for the Welsh version of a translatable field. */
  labelCy?: string;
  hint?: string;
  type: FieldType;
  isRequired: boolean;
  /** Free text a bilingual council must give in Welsh too (a second input, `<name>Cy`). */
  isTranslatable?: boolean;
  maxLength?: number;
  choices?: Choice[];
  /** A date or time field that must be on or after another one (its name). */
  notBefore?: string;
  /** A date that must not be in the past. */
  isFuture?: boolean;
  /**
   * A date said as a range up to another date field (its name) when that one is filled and
   * later: "Saturday 12 to Sunday 13 July".
   */
  runsUntil?: string;
};

export type Wording = { title: string; body: string; short: string; bodyCy: string; shortCy: string };

export type TemplateDefinition = {
  key: TemplateKey;
  name: string;
  nameCy: string;
  description: string;
  kind: PostKind;
  fields: TemplateField[];
  wording: Wording;
  /** Which fields become the post's link and event details. */
  post: {
    link?: string;
    /** `endDate`, when given, is the last day of an event over more than one day. */
    event?: { date: string; endDate?: string; start: string; end: string; location: string };
  };
};

export const templateKeys = [
  'roadworks',
  'travel',
  'event',
  'bins',
  'weather',
  'consultation',
  'meeting',
] as const;
export type TemplateKey = (typeof templateKeys)[number];

export const isTemplateKey = (value: string): value is TemplateKey =>
  (templateKeys as readonly string[]).includes(value);

/**
 * Choices as [value, English, Welsh, label]: the label an officer picks from is the English
 * with a capital letter unless it is given.
 */
const choices = (...rows: [value: string, en: string, cy: string, label?: string][]): Choice[] =>
  rows.map(([value, en, cy, label]) => ({
    value,
    label: label ?? en.charAt(0).toUpperCase() + en.slice(1),
    en,
    cy,
  }));

/**
 * Street Manager's traffic management types (its `traffic_management_type_ref` values), each
 * said as a sentence a resident understands.
 */
export const trafficManagement: Choice[] = choices(
  ['road_closure', 'The road will be closed', 'Bydd y ffordd ar gau', 'Road closure'],
  ['lane_closure', 'One lane will be closed', 'Bydd un lôn ar gau', 'Lane closure'],
  [
    'two_way_signals',
    'Temporary traffic lights will control traffic',
    "Bydd goleuadau traffig dros dro yn rheoli'r traffig",
    'Two-way signals',
  ],
  [
    'multi_way_signals',
    'Temporary traffic lights will control the junction',
    "Bydd goleuadau traffig dros dro yn rheoli'r gyffordd",
    'Multi-way signals',
  ],
  [
    'stop_go_boards',
    'Workers with stop and go signs will control traffic',
    "Bydd gweithwyr ag arwyddion Stop ac Ewch yn rheoli'r traffig",
    'Stop/go boards',
  ],
  [
    'give_and_take',
    'The road will be narrower: give way to oncoming traffic',
    "Bydd y ffordd yn gulach: ildiwch i draffig sy'n dod tuag atoch",
    'Give and take',
  ],
  [
    'priority_working',
    'Signs will show who has priority through the works',
    "Bydd arwyddion yn dangos pwy sydd â blaenoriaeth drwy'r gwaith",
    'Priority working',
  ],
  [
    'convoy_workings',
    'A lead vehicle will guide traffic through the works',
    "Bydd cerbyd arweiniol yn tywys y traffig drwy'r gwaith",
    'Convoy workings',
  ],
  ['contraflow', 'Traffic will use a contraflow', 'Bydd y traffig yn defnyddio gwrthlif', 'Contraflow'],
  [
    'some_c_incursion',
    'The works will take up part of the road',
    "Bydd y gwaith yn cymryd rhan o'r ffordd",
    'Some carriageway incursion',
  ],
  [
    'no_c_incursion',
    'The works will be off the road, on the pavement or verge',
    "Bydd y gwaith oddi ar y ffordd, ar y palmant neu'r ymyl",
    'No carriageway incursion',
  ],
);

// ---- field builders: each kind of field is described once ---------------------------------

type FieldExtras = Omit<Partial<TemplateField>, 'name' | 'label' | 'type' | 'isRequired'>;

/** A field the officer must fill. */
const must = (type: FieldType, name: string, label: string, extras: FieldExtras = {}): TemplateField => ({
  name,
  label,
  type,
  isRequired: true,
  ...extras,
});

/** A field that may be left empty: its label says so, as the GOV.UK Design System asks. */
const may = (type: FieldType, name: string, label: string, extras: FieldExtras = {}): TemplateField => ({
  name,
  label: `${label} (optional)`,
  type,
  isRequired: false,
  ...extras,
});

/**
 * Free text a bilingual council also gives in Welsh: the field gets its Welsh twin, labelled
 * after the English one ("Venue" and "Venue, in Welsh").
 */
const inWelsh = (f: TemplateField): TemplateField => ({
  ...f,
  labelCy: `${f.label.replace(/ \(optional\)$/u, '')}, in Welsh`,
  isTranslatable: true,
});

const webAddressHint = 'A web address starting with https://';

const link = (label = 'Link for more information'): TemplateField =>
  may('url', 'link', label, { hint: webAddressHint });

const reason = (hint: string): TemplateField =>
  inWelsh(may('text', 'reason', 'Reason', { hint, maxLength: 120 }));

/** Optional longer text, in both languages. */
const more = (name: string, label: string, maxLength: number, hint?: string): TemplateField =>
  inWelsh(may('longtext', name, label, { ...(hint ? { hint } : {}), maxLength }));

/**
 * The date, times and venue of something residents can go to: an event or a meeting. With
 * `lastDay`, an event may run over several days (a festival across a weekend): its date is
 * then said as a range, and the times are when it opens on the first day and closes on the last.
 */
function whenAndWhere(o: {
  startHint: string;
  finish: string;
  finishHint: string;
  venueHint: string;
  lastDay?: boolean;
}): TemplateField[] {
  return [
    must('date', 'date', 'Date', o.lastDay ? { runsUntil: 'endDate' } : {}),
    ...(o.lastDay
      ? [
          may('date', 'endDate', 'Last day', {
            hint: 'Only for an event over more than one day, like a festival across a weekend. For example, 13 7 2027',
            notBefore: 'date',
          }),
        ]
      : []),
    must('time', 'startTime', 'Start time', { hint: o.startHint }),
    must('time', 'endTime', o.finish, { hint: o.finishHint, notBefore: 'startTime' }),
    inWelsh(must('text', 'venue', 'Venue', { hint: o.venueHint, maxLength: 120 })),
  ];
}

/** Which fields of an event or a meeting become the post's event details. */
const goesInEventsCalendar = {
  link: 'link',
  event: { date: 'date', start: 'startTime', end: 'endTime', location: 'venue' },
};

export const builtInTemplates: readonly TemplateDefinition[] = [
  {
    key: 'roadworks',
    name: 'Roadworks',
    nameCy: 'Gwaith ffordd',
    description: 'Planned works on a street: where, when, who and how traffic is affected.',
    kind: 'alert',
    fields: [
      must('street', 'street', 'Street', { hint: 'As the council’s gazetteer spells it, like Albany Road' }),
      may('text', 'town', 'Town or area', { maxLength: 60 }),
      must('text', 'promoter', 'Who is doing the works', {
        hint: 'Like Severn Trent Water, or the council',
        maxLength: 80,
      }),
      must('choice', 'restriction', 'How traffic is managed', { choices: trafficManagement }),
      must('date', 'startDate', 'First day of the works'),
      must('date', 'endDate', 'Last day of the works', { notBefore: 'startDate' }),
      more('description', 'What the works are for', 300, 'Like “to replace a water main”'),
      link(),
    ],
    wording: {
      title: 'Roadworks: {street}',
      body: 'Roadworks on {street}[, {town}] from {startDate} to {endDate}. {restriction}. {promoter} is doing the works[ {description}]. Please allow extra time for your journey. #Roadworks',
      short: 'Roadworks: {street}[, {town}], {startDate} to {endDate}. {restriction}. #Roadworks',
      bodyCy:
        "Gwaith ffordd: {street}[, {town}], rhwng {startDate} a {endDate}. {restriction}. {promoter} sy'n gwneud y gwaith[: {description}]. Caniatewch amser ychwanegol ar gyfer eich taith. #GwaithFfordd",
      shortCy:
        'Gwaith ffordd: {street}[, {town}], rhwng {startDate} a {endDate}. {restriction}. #GwaithFfordd',
    },
    post: { link: 'link' },
  },
  {
    key: 'travel',
    name: 'Travel disruption',
    nameCy: 'Tarfu ar deithio',
    description: 'Bus, rail or road disruption today or soon: what is affected, when and why.',
    kind: 'alert',
    fields: [
      inWelsh(
        must('text', 'affected', 'What is affected', {
          hint: 'Like “bus route D in Charlton Kings”',
          maxLength: 120,
        }),
      ),
      inWelsh(
        must('longtext', 'details', 'What is happening', {
          hint: 'Like “Buses are diverted along London Road”',
          maxLength: 300,
        }),
      ),
      must('date', 'date', 'Date'),
      may('time', 'startTime', 'Start time', { hint: 'Like 07:30' }),
      may('time', 'endTime', 'End time', { hint: 'Like 18:00', notBefore: 'startTime' }),
      reason('Like “a burst water main”'),
      link(),
    ],
    wording: {
      title: 'Travel disruption: {affected}',
      body: 'Travel disruption: {affected}, {date}[ from {startTime}][ until {endTime}]. {details}.[ Reason: {reason}.] Check before you travel. #TravelUpdate',
      short: 'Travel disruption: {affected}, {date}. {details}. #TravelUpdate',
      bodyCy:
        'Tarfu ar deithio: {affected}, {date}[ o {startTime}][ tan {endTime}]. {details}.[ Rheswm: {reason}.] Gwiriwch cyn teithio. #TarfuArDeithio',
      shortCy: 'Tarfu ar deithio: {affected}, {date}. {details}. #TarfuArDeithio',
    },
    post: { link: 'link' },
  },
  {
    key: 'event',
    name: 'Event',
    nameCy: 'Digwyddiad',
    description: 'A council or community event: what, when and where. It also goes in the events calendar.',
    kind: 'event',
    fields: [
      inWelsh(must('text', 'name', 'Name of the event', { maxLength: 120 })),
      ...whenAndWhere({
        startHint: 'Like 18:30',
        finish: 'Finish time',
        finishHint: 'Like 20:00',
        venueHint: 'Like “Town Hall, Imperial Square”',
        lastDay: true,
      }),
      more('description', 'About the event', 400),
      link('Link to book or find out more'),
    ],
    wording: {
      title: '{name}',
      body: '{name}: {date}, {startTime} to {endTime}. Where: {venue}.[ {description}.] #WhatsOn',
      short: '{name}: {date}, {startTime} to {endTime}. Where: {venue}. #WhatsOn',
      bodyCy: '{name}: {date}, {startTime} tan {endTime}. Lleoliad: {venue}.[ {description}.] #BethSyMlaen',
      shortCy: '{name}: {date}, {startTime} tan {endTime}. Lleoliad: {venue}. #BethSyMlaen',
    },
    post: { ...goesInEventsCalendar, event: { ...goesInEventsCalendar.event, endDate: 'endDate' } },
  },
  {
    key: 'bins',
    name: 'Bin collection change',
    nameCy: 'Newid i gasgliadau biniau',
    description: 'A collection moved to another day, for a bank holiday or bad weather.',
    kind: 'news',
    fields: [
      must('choice', 'bins', 'Which collections change', {
        choices: choices(
          ['all', 'all collections', 'pob casgliad'],
          ['rubbish', 'rubbish collections', 'casgliadau sbwriel', 'Rubbish'],
          ['recycling', 'recycling collections', 'casgliadau ailgylchu', 'Recycling'],
          ['garden', 'garden waste collections', 'casgliadau gwastraff gardd', 'Garden waste'],
          ['food', 'food waste collections', 'casgliadau gwastraff bwyd', 'Food waste'],
        ),
      }),
      must('date', 'usualDate', 'Usual collection day'),
      must('date', 'newDate', 'New collection day'),
      inWelsh(may('text', 'area', 'Which area', { hint: 'Leave empty if it is everywhere', maxLength: 80 })),
      reason('Like “the Christmas bank holiday”'),
      link(),
    ],
    wording: {
      title: 'Bin collection change: {usualDate}',
      body: 'Bin collection change[ in {area}]: {bins} due on {usualDate} will be on {newDate}.[ Reason: {reason}.] Put your bins out by 7am. #BinDay',
      short: '{bins} due on {usualDate} will be on {newDate}[ in {area}]. #BinDay',
      bodyCy:
        'Newid i gasgliadau biniau[ ({area})]: {bins}. Diwrnod casglu arferol: {usualDate}. Diwrnod casglu newydd: {newDate}.[ Rheswm: {reason}.] Rhowch eich biniau allan erbyn 7yb. #DiwrnodBiniau',
      shortCy:
        '{bins}[ ({area})]. Diwrnod casglu arferol: {usualDate}. Diwrnod newydd: {newDate}. #DiwrnodBiniau',
    },
    post: { link: 'link' },
  },
  {
    key: 'weather',
    name: 'Severe weather',
    nameCy: 'Tywydd garw',
    description: 'A Met Office warning, with what the council is doing and what residents should do.',
    kind: 'alert',
    fields: [
      must('choice', 'level', 'Warning level', {
        choices: choices(['yellow', 'yellow', 'melyn'], ['amber', 'amber', 'oren'], ['red', 'red', 'coch']),
      }),
      must('choice', 'weather', 'Weather', {
        choices: choices(
          ['rain', 'rain', 'glaw'],
          ['snow', 'snow', 'eira'],
          ['snow-ice', 'snow and ice', 'eira a rhew'],
          ['ice', 'ice', 'rhew'],
          ['wind', 'wind', 'gwynt'],
          ['thunderstorms', 'thunderstorms', 'stormydd mellt a tharanau'],
          ['fog', 'fog', 'niwl'],
          ['heat', 'extreme heat', 'gwres eithafol'],
        ),
      }),
      must('date', 'fromDate', 'Start date of the warning'),
      may('time', 'fromTime', 'Start time', { hint: 'Like 06:00' }),
      must('date', 'untilDate', 'End date of the warning', { notBefore: 'fromDate' }),
      may('time', 'untilTime', 'End time', { hint: 'Like 21:00' }),
      more(
        'advice',
        'What the council is doing or advises',
        300,
        'Like “Gritters are out on all main roads”',
      ),
      link(),
    ],
    wording: {
      title: 'Met Office {level} weather warning: {weather}',
      body: 'Met Office {level} weather warning for {weather} from {fromDate}[ at {fromTime}] until {untilDate}[ at {untilTime}].[ {advice}.] Check before you travel and look out for neighbours who may need help. #WeatherWarning',
      short: 'Met Office {level} warning for {weather}, {fromDate} to {untilDate}. #WeatherWarning',
      bodyCy:
        'Rhybudd tywydd {level} gan y Swyddfa Dywydd: {weather}, rhwng {fromDate}[ am {fromTime}] a {untilDate}[ am {untilTime}].[ {advice}.] Gwiriwch cyn teithio a chadwch lygad ar gymdogion a allai fod angen help. #RhybuddTywydd',
      shortCy:
        'Rhybudd tywydd {level} gan y Swyddfa Dywydd: {weather}, rhwng {fromDate} a {untilDate}. #RhybuddTywydd',
    },
    post: { link: 'link' },
  },
  {
    key: 'consultation',
    name: 'Consultation',
    nameCy: 'Ymgynghoriad',
    description: 'Ask residents for their views, with the closing date and where to respond.',
    kind: 'news',
    fields: [
      inWelsh(
        must('text', 'topic', 'What the consultation is about', {
          hint: 'Like “plans for a cycle route on Bath Road”',
          maxLength: 150,
        }),
      ),
      must('date', 'closingDate', 'Closing date', { isFuture: true }),
      more('details', 'More detail', 300),
      must('url', 'link', 'Where to respond', { hint: webAddressHint }),
    ],
    wording: {
      title: 'Have your say: {topic}',
      body: 'Have your say: {topic}. The consultation closes on {closingDate}.[ {details}.] #HaveYourSay',
      short: 'Have your say: {topic}. Closes {closingDate}. #HaveYourSay',
      bodyCy: 'Dweud eich dweud: {topic}. Dyddiad cau: {closingDate}.[ {details}.] #DweudEichDweud',
      shortCy: 'Dweud eich dweud: {topic}. Dyddiad cau: {closingDate}. #DweudEichDweud',
    },
    post: { link: 'link' },
  },
  {
    key: 'meeting',
    name: 'Council meeting',
    nameCy: 'Cyfarfod y cyngor',
    description: 'A committee or full council meeting that residents can attend or watch.',
    kind: 'event',
    fields: [
      inWelsh(must('text', 'committee', 'Committee', { hint: 'Like “Planning Committee”', maxLength: 100 })),
      ...whenAndWhere({
        startHint: 'Like 18:00',
        finish: 'Expected finish time',
        finishHint: 'Like 20:30. You can change it later.',
        venueHint: 'Like “Council Chamber, Municipal Offices”',
      }),
      more('topics', 'What it will discuss', 300),
      link('Link to the agenda or webcast'),
    ],
    wording: {
      title: '{committee}: {date}',
      body: '{committee} meeting: {date}, {startTime}. Where: {venue}.[ On the agenda: {topics}.] Everyone is welcome. #CouncilMeeting',
      short: '{committee} meeting: {date}, {startTime}. Where: {venue}. #CouncilMeeting',
      bodyCy:
        'Cyfarfod {committee}: {date}, {startTime}. Lleoliad: {venue}.[ Ar yr agenda: {topics}.] Croeso i bawb. #CyfarfodCyngor',
      shortCy: 'Cyfarfod {committee}: {date}, {startTime}. Lleoliad: {venue}. #CyfarfodCyngor',
    },
    post: goesInEventsCalendar,
  },
];

export function templateOf(key: string): TemplateDefinition | undefined {
  return builtInTemplates.find((t) => t.key === key);
}
