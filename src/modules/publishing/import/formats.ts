/**
 * The two import formats (documented in docs/import-formats.md): a roadworks list modelled on
 * Street Manager's work and permit data (its field names, so a Street Manager export imports
 * as it is; columns not listed here are ignored), and an events list. Each column feeds one
 * field of the matching post template.
 */
import type { TemplateKey } from '../templates/definitions.ts';

export type ColumnType = 'reference' | 'text' | 'date' | 'time' | 'choice' | 'usrn' | 'url';

export type Column = {
  name: string;
  /** The template field it fills; `cy` for the Welsh twin of a translatable field. */
  field?: string;
  isWelsh?: boolean;
  type: ColumnType;
  isRequired: boolean;
  /** What to call it in an error: "Enter the <what>". */
  what: string;
  /**
   * Added after the format was first published: hashed only when filled, so re-importing a
   * file written before it existed still finds its items unchanged.
   */
  isLater?: boolean;
};

/**
 * A free-text column and its Welsh twin (`<name>_cy`), which fills the Welsh of the same
 * template field and is required where the council publishes in Welsh and the English is given.
 */
const withWelsh = (column: Column, whatInWelsh: string): Column[] => [
  column,
  {
    name: `${column.name}_cy`,
    ...(column.field ? { field: column.field } : {}),
    isWelsh: true,
    type: column.type,
    isRequired: false,
    what: whatInWelsh,
  },
];

export const importKinds = ['roadworks', 'events'] as const;
export type ImportKind = (typeof importKinds)[number];

export type ImportFormat = {
  kind: ImportKind;
  name: string;
  template: TemplateKey;
  /** The column whose value identifies an item across imports. */
  reference: string;
  columns: Column[];
  /** Other names a column goes by (Street Manager sends both the label and the `_ref`). */
  aliases: Record<string, string>;
};

export const maxImportBytes = 1024 * 1024;
export const maxImportRows = 500;

export const roadworksFormat: ImportFormat = {
  kind: 'roadworks',
  name: 'Roadworks list',
  template: 'roadworks',
  reference: 'work_reference_number',
  columns: [
    { name: 'work_reference_number', type: 'reference', isRequired: true, what: 'work reference number' },
    { name: 'usrn', type: 'usrn', isRequired: false, what: 'USRN' },
    { name: 'street_name', field: 'street', type: 'text', isRequired: true, what: 'street name' },
    { name: 'town', field: 'town', type: 'text', isRequired: false, what: 'town' },
    {
      name: 'promoter_organisation',
      field: 'promoter',
      type: 'text',
      isRequired: true,
      what: 'organisation doing the works',
    },
    {
      name: 'traffic_management_type',
      field: 'restriction',
      type: 'choice',
      isRequired: true,
      what: 'traffic management type',
    },
    { name: 'proposed_start_date', field: 'startDate', type: 'date', isRequired: true, what: 'start date' },
    { name: 'proposed_end_date', field: 'endDate', type: 'date', isRequired: true, what: 'end date' },
    ...withWelsh(
      {
        name: 'description_of_work',
        field: 'description',
        type: 'text',
        isRequired: false,
        what: 'description of the works',
      },
      'Welsh description of the works',
    ),
    { name: 'link', field: 'link', type: 'url', isRequired: false, what: 'link' },
  ],
  aliases: { traffic_management_type_ref: 'traffic_management_type' },
};

export const eventsFormat: ImportFormat = {
  kind: 'events',
  name: 'Events list',
  template: 'event',
  reference: 'event_reference',
  columns: [
    { name: 'event_reference', type: 'reference', isRequired: true, what: 'event reference' },
    ...withWelsh(
      { name: 'name', field: 'name', type: 'text', isRequired: true, what: 'name of the event' },
      'Welsh name of the event',
    ),
    { name: 'date', field: 'date', type: 'date', isRequired: true, what: 'date of the event' },
    {
      name: 'end_date',
      field: 'endDate',
      type: 'date',
      isRequired: false,
      what: 'last day of the event',
      isLater: true,
    },
    { name: 'start_time', field: 'startTime', type: 'time', isRequired: true, what: 'start time' },
    { name: 'end_time', field: 'endTime', type: 'time', isRequired: true, what: 'finish time' },
    ...withWelsh(
      { name: 'venue', field: 'venue', type: 'text', isRequired: true, what: 'venue' },
      'Welsh venue',
    ),
    ...withWelsh(
      { name: 'description', field: 'description', type: 'text', isRequired: false, what: 'description' },
      'Welsh description',
    ),
    { name: 'link', field: 'link', type: 'url', isRequired: false, what: 'link' },
  ],
  aliases: {},
};

export const importFormats: Record<ImportKind, ImportFormat> = {
  roadworks: roadworksFormat,
  events: eventsFormat,
};

export const isImportKind = (v: string): v is ImportKind => (importKinds as readonly string[]).includes(v);
