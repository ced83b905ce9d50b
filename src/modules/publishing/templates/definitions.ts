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
  post: { link?: string; event?: { date: string; start: string; end: string; location: string } };
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
 * Street Manager's traffic management types (its `traffic_management_type_ref` values), each
 * said as a sentence a resident understands.
 */
export const trafficManagement: Choice[] = [
  {
    value: 'road_closure',
    label: 'Road closure',
    en: 'The road will be closed',
    cy: 'Bydd y ffordd ar gau',
  },
  {
    value: 'lane_closure',
    label: 'Lane closure',
    en: 'One lane will be closed',
    cy: 'Bydd un lôn ar gau',
  },
  {
    value: 'two_way_signals',
    label: 'Two-way signals',
    en: 'Temporary traffic lights will control traffic',
    cy: "Bydd goleuadau traffig dros dro yn rheoli'r traffig",
  },
  {
    value: 'multi_way_signals',
    label: 'Multi-way signals',
    en: 'Temporary traffic lights will control the junction',
    cy: "Bydd goleuadau traffig dros dro yn rheoli'r gyffordd",
  },
  {
    value: 'stop_go_boards',
    label: 'Stop/go boards',
    en: 'Workers with stop and go signs will control traffic',
    cy: "Bydd gweithwyr ag arwyddion Stop ac Ewch yn rheoli'r traffig",
  },
  {
    value: 'give_and_take',
    label: 'Give and take',
    en: 'The road will be narrower: give way to oncoming traffic',
    cy: "Bydd y ffordd yn gulach: ildiwch i draffig sy'n dod tuag atoch",
  },
  {
    value: 'priority_working',
    label: 'Priority working',
    en: 'Signs will show who has priority through the works',
    cy: "Bydd arwyddion yn dangos pwy sydd â blaenoriaeth drwy'r gwaith",
  },
  {
    value: 'convoy_workings',
    label: 'Convoy workings',
    en: 'A lead vehicle will guide traffic through the works',
    cy: "Bydd cerbyd arweiniol yn tywys y traffig drwy'r gwaith",
  },
  {
    value: 'contraflow',
    label: 'Contraflow',
    en: 'Traffic will use a contraflow',
    cy: 'Bydd y traffig yn defnyddio gwrthlif',
  },
  {
    value: 'some_c_incursion',
    label: 'Some carriageway incursion',
    en: 'The works will take up part of the road',
    cy: "Bydd y gwaith yn cymryd rhan o'r ffordd",
  },
  {
    value: 'no_c_incursion',
    label: 'No carriageway incursion',
    en: 'The works will be off the road, on the pavement or verge',
    cy: "Bydd y gwaith oddi ar y ffordd, ar y palmant neu'r ymyl",
  },
];

const linkField = (label = 'Link for more information (optional)'): TemplateField => ({
  name: 'link',
  label,
  hint: 'A web address starting with https://',
  type: 'url',
  isRequired: false,
});

export const builtInTemplates: readonly TemplateDefinition[] = [
  {
    key: 'roadworks',
    name: 'Roadworks',
    nameCy: 'Gwaith ffordd',
    description: 'Planned works on a street: where, when, who and how traffic is affected.',
    kind: 'alert',
    fields: [
      {
        name: 'street',
        label: 'Street',
        hint: 'As the council’s gazetteer spells it, like Albany Road',
        type: 'street',
        isRequired: true,
      },
      { name: 'town', label: 'Town or area (optional)', type: 'text', isRequired: false, maxLength: 60 },
      {
        name: 'promoter',
        label: 'Who is doing the works',
        hint: 'Like Severn Trent Water, or the council',
        type: 'text',
        isRequired: true,
        maxLength: 80,
      },
      {
        name: 'restriction',
        label: 'How traffic is managed',
        type: 'choice',
        isRequired: true,
        choices: trafficManagement,
      },
      { name: 'startDate', label: 'First day of the works', type: 'date', isRequired: true },
      {
        name: 'endDate',
        label: 'Last day of the works',
        type: 'date',
        isRequired: true,
        notBefore: 'startDate',
      },
      {
        name: 'description',
        label: 'What the works are for (optional)',
        labelCy: 'What the works are for, in Welsh',
        hint: 'Like “to replace a water main”',
        type: 'longtext',
        isRequired: false,
        isTranslatable: true,
        maxLength: 300,
      },
      linkField(),
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
      {
        name: 'affected',
        label: 'What is affected',
        labelCy: 'What is affected, in Welsh',
        hint: 'Like “bus route D in Charlton Kings”',
        type: 'text',
        isRequired: true,
        isTranslatable: true,
        maxLength: 120,
      },
      {
        name: 'details',
        label: 'What is happening',
        labelCy: 'What is happening, in Welsh',
        hint: 'Like “Buses are diverted along London Road”',
        type: 'longtext',
        isRequired: true,
        isTranslatable: true,
        maxLength: 300,
      },
      { name: 'date', label: 'Date', type: 'date', isRequired: true },
      {
        name: 'startTime',
        label: 'Start time (optional)',
        hint: 'Like 07:30',
        type: 'time',
        isRequired: false,
      },
      {
        name: 'endTime',
        label: 'End time (optional)',
        hint: 'Like 18:00',
        type: 'time',
        isRequired: false,
        notBefore: 'startTime',
      },
      {
        name: 'reason',
        label: 'Reason (optional)',
        labelCy: 'Reason, in Welsh',
        hint: 'Like “a burst water main”',
        type: 'text',
        isRequired: false,
        isTranslatable: true,
        maxLength: 120,
      },
      linkField(),
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
      {
        name: 'name',
        label: 'Name of the event',
        labelCy: 'Name of the event, in Welsh',
        type: 'text',
        isRequired: true,
        isTranslatable: true,
        maxLength: 120,
      },
      { name: 'date', label: 'Date', type: 'date', isRequired: true },
      { name: 'startTime', label: 'Start time', hint: 'Like 18:30', type: 'time', isRequired: true },
      {
        name: 'endTime',
        label: 'Finish time',
        hint: 'Like 20:00',
        type: 'time',
        isRequired: true,
        notBefore: 'startTime',
      },
      {
        name: 'venue',
        label: 'Venue',
        labelCy: 'Venue, in Welsh',
        hint: 'Like “Town Hall, Imperial Square”',
        type: 'text',
        isRequired: true,
        isTranslatable: true,
        maxLength: 120,
      },
      {
        name: 'description',
        label: 'About the event (optional)',
        labelCy: 'About the event, in Welsh',
        type: 'longtext',
        isRequired: false,
        isTranslatable: true,
        maxLength: 400,
      },
      linkField('Link to book or find out more (optional)'),
    ],
    wording: {
      title: '{name}',
      body: '{name}: {date}, {startTime} to {endTime}. Where: {venue}.[ {description}.] #WhatsOn',
      short: '{name}: {date}, {startTime} to {endTime}. Where: {venue}. #WhatsOn',
      bodyCy: '{name}: {date}, {startTime} tan {endTime}. Lleoliad: {venue}.[ {description}.] #BethSyMlaen',
      shortCy: '{name}: {date}, {startTime} tan {endTime}. Lleoliad: {venue}. #BethSyMlaen',
    },
    post: { link: 'link', event: { date: 'date', start: 'startTime', end: 'endTime', location: 'venue' } },
  },
  {
    key: 'bins',
    name: 'Bin collection change',
    nameCy: 'Newid i gasgliadau biniau',
    description: 'A collection moved to another day, for a bank holiday or bad weather.',
    kind: 'news',
    fields: [
      {
        name: 'bins',
        label: 'Which collections change',
        type: 'choice',
        isRequired: true,
        choices: [
          { value: 'all', label: 'All collections', en: 'all collections', cy: 'pob casgliad' },
          { value: 'rubbish', label: 'Rubbish', en: 'rubbish collections', cy: 'casgliadau sbwriel' },
          {
            value: 'recycling',
            label: 'Recycling',
            en: 'recycling collections',
            cy: 'casgliadau ailgylchu',
          },
          {
            value: 'garden',
            label: 'Garden waste',
            en: 'garden waste collections',
            cy: 'casgliadau gwastraff gardd',
          },
          {
            value: 'food',
            label: 'Food waste',
            en: 'food waste collections',
            cy: 'casgliadau gwastraff bwyd',
          },
        ],
      },
      { name: 'usualDate', label: 'Usual collection day', type: 'date', isRequired: true },
      { name: 'newDate', label: 'New collection day', type: 'date', isRequired: true },
      {
        name: 'area',
        label: 'Which area (optional)',
        labelCy: 'Which area, in Welsh',
        hint: 'Leave empty if it is everywhere',
        type: 'text',
        isRequired: false,
        isTranslatable: true,
        maxLength: 80,
      },
      {
        name: 'reason',
        label: 'Reason (optional)',
        labelCy: 'Reason, in Welsh',
        hint: 'Like “the Christmas bank holiday”',
        type: 'text',
        isRequired: false,
        isTranslatable: true,
        maxLength: 120,
      },
      linkField(),
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
      {
        name: 'level',
        label: 'Warning level',
        type: 'choice',
        isRequired: true,
        choices: [
          { value: 'yellow', label: 'Yellow', en: 'yellow', cy: 'melyn' },
          { value: 'amber', label: 'Amber', en: 'amber', cy: 'oren' },
          { value: 'red', label: 'Red', en: 'red', cy: 'coch' },
        ],
      },
      {
        name: 'weather',
        label: 'Weather',
        type: 'choice',
        isRequired: true,
        choices: [
          { value: 'rain', label: 'Rain', en: 'rain', cy: 'glaw' },
          { value: 'snow', label: 'Snow', en: 'snow', cy: 'eira' },
          { value: 'snow-ice', label: 'Snow and ice', en: 'snow and ice', cy: 'eira a rhew' },
          { value: 'ice', label: 'Ice', en: 'ice', cy: 'rhew' },
          { value: 'wind', label: 'Wind', en: 'wind', cy: 'gwynt' },
          {
            value: 'thunderstorms',
            label: 'Thunderstorms',
            en: 'thunderstorms',
            cy: 'stormydd mellt a tharanau',
          },
          { value: 'fog', label: 'Fog', en: 'fog', cy: 'niwl' },
          { value: 'heat', label: 'Extreme heat', en: 'extreme heat', cy: 'gwres eithafol' },
        ],
      },
      { name: 'fromDate', label: 'Start date of the warning', type: 'date', isRequired: true },
      {
        name: 'fromTime',
        label: 'Start time (optional)',
        hint: 'Like 06:00',
        type: 'time',
        isRequired: false,
      },
      {
        name: 'untilDate',
        label: 'End date of the warning',
        type: 'date',
        isRequired: true,
        notBefore: 'fromDate',
      },
      {
        name: 'untilTime',
        label: 'End time (optional)',
        hint: 'Like 21:00',
        type: 'time',
        isRequired: false,
      },
      {
        name: 'advice',
        label: 'What the council is doing or advises (optional)',
        labelCy: 'What the council is doing or advises, in Welsh',
        hint: 'Like “Gritters are out on all main roads”',
        type: 'longtext',
        isRequired: false,
        isTranslatable: true,
        maxLength: 300,
      },
      linkField(),
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
      {
        name: 'topic',
        label: 'What the consultation is about',
        labelCy: 'What the consultation is about, in Welsh',
        hint: 'Like “plans for a cycle route on Bath Road”',
        type: 'text',
        isRequired: true,
        isTranslatable: true,
        maxLength: 150,
      },
      { name: 'closingDate', label: 'Closing date', type: 'date', isRequired: true, isFuture: true },
      {
        name: 'details',
        label: 'More detail (optional)',
        labelCy: 'More detail, in Welsh',
        type: 'longtext',
        isRequired: false,
        isTranslatable: true,
        maxLength: 300,
      },
      {
        name: 'link',
        label: 'Where to respond',
        hint: 'A web address starting with https://',
        type: 'url',
        isRequired: true,
      },
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
      {
        name: 'committee',
        label: 'Committee',
        labelCy: 'Committee, in Welsh',
        hint: 'Like “Planning Committee”',
        type: 'text',
        isRequired: true,
        isTranslatable: true,
        maxLength: 100,
      },
      { name: 'date', label: 'Date', type: 'date', isRequired: true },
      { name: 'startTime', label: 'Start time', hint: 'Like 18:00', type: 'time', isRequired: true },
      {
        name: 'endTime',
        label: 'Expected finish time',
        hint: 'Like 20:30. You can change it later.',
        type: 'time',
        isRequired: true,
        notBefore: 'startTime',
      },
      {
        name: 'venue',
        label: 'Venue',
        labelCy: 'Venue, in Welsh',
        hint: 'Like “Council Chamber, Municipal Offices”',
        type: 'text',
        isRequired: true,
        isTranslatable: true,
        maxLength: 120,
      },
      {
        name: 'topics',
        label: 'What it will discuss (optional)',
        labelCy: 'What it will discuss, in Welsh',
        type: 'longtext',
        isRequired: false,
        isTranslatable: true,
        maxLength: 300,
      },
      linkField('Link to the agenda or webcast (optional)'),
    ],
    wording: {
      title: '{committee}: {date}',
      body: '{committee} meeting: {date}, {startTime}. Where: {venue}.[ On the agenda: {topics}.] Everyone is welcome. #CouncilMeeting',
      short: '{committee} meeting: {date}, {startTime}. Where: {venue}. #CouncilMeeting',
      bodyCy:
        'Cyfarfod {committee}: {date}, {startTime}. Lleoliad: {venue}.[ Ar yr agenda: {topics}.] Croeso i bawb. #CyfarfodCyngor',
      shortCy: 'Cyfarfod {committee}: {date}, {startTime}. Lleoliad: {venue}. #CyfarfodCyngor',
    },
    post: { link: 'link', event: { date: 'date', start: 'startTime', end: 'endTime', location: 'venue' } },
  },
];

export function templateOf(key: string): TemplateDefinition | undefined {
  return builtInTemplates.find((t) => t.key === key);
}
