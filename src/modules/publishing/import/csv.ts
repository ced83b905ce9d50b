/**
 * Reading an uploaded roadworks or events list. Every problem is collected (the file itself,
 * the header, then each row by number and column, with the fix) so the officer can correct
 * the whole file at once; a file with any problem yields no rows at all. Rows are numbered as
 * a spreadsheet numbers them: the column names are row 1.
 */
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import type { Gazetteer } from '../../councils/index.ts';
import { templateOf, trafficManagement } from '../templates/definitions.ts';
import {
  londonDate,
  parseTimeOfDay,
  readTemplateFields,
  realDate,
  type LocalDate,
  type Values,
} from '../templates/render.ts';
import { maxImportBytes, maxImportRows, type Column, type ImportFormat } from './formats.ts';

export type ImportProblem = { row?: number; column?: string; message: string };

export type ImportRow = { row: number; reference: string; values: Values; hash: string };

export type ReadResult = { ok: true; rows: ImportRow[] } | { ok: false; problems: ImportProblem[] };

const utf8 = new TextDecoder('utf-8', { fatal: true });

const saveAsCsv = 'In Excel, choose File, Save as, and “CSV UTF-8 (Comma delimited)”';

/** The file as text, or why it cannot be read as a CSV file. */
export function decodeCsvFile(filename: string, data: Uint8Array): { text: string } | { problem: string } {
  if (data.length === 0) return { problem: 'The selected file is empty' };
  if (data.length > maxImportBytes)
    return {
      problem: `The selected file must be smaller than ${maxImportBytes / 1024 / 1024}MB: split it into smaller files`,
    };
  const starts = (...bytes: number[]) => bytes.every((b, i) => data[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0xd0, 0xcf, 0x11, 0xe0))
    return { problem: `The selected file is a spreadsheet, not a CSV file. ${saveAsCsv}` };
  if (!/\.(?:csv|txt)$/iu.test(filename)) return { problem: 'The selected file must be a CSV file' };
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff))
    return { problem: `The selected file is in UTF-16, not UTF-8. ${saveAsCsv}` };
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return {
      problem: `The selected file is not in UTF-8, so letters like “ŵ” and “é” would be lost. ${saveAsCsv}`,
    };
  }
  if (text.includes('\u0000')) return { problem: 'The selected file must be a CSV file' };
  return { text };
}

/** `Street Name` and `street-name` both mean `street_name`. */
export const headerKey = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/gu, '_')
    .replace(/^_|_$/gu, '');

const trafficAliases: Record<string, string> = {
  contra_flow: 'contraflow',
  stop_go: 'stop_go_boards',
  stop_and_go_boards: 'stop_go_boards',
  convoy_working: 'convoy_workings',
  two_way_traffic_signals: 'two_way_signals',
  multi_way_traffic_signals: 'multi_way_signals',
  some_carriageway_incursion: 'some_c_incursion',
  no_carriageway_incursion: 'no_c_incursion',
};

/** A date as ISO (2026-03-02), UK (02/03/2026) or Street Manager's date-time (2026-03-01T00:00:00.000Z). */
export function parseCsvDate(value: string): LocalDate | undefined {
  const v = value.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(v);
  if (m) return realDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/u.exec(v);
  if (m) return realDate(Number(m[3]), Number(m[2]), Number(m[1]));
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/u.test(v)) {
    const at = new Date(v);
    if (!Number.isNaN(at.getTime())) return londonDate(at);
  }
  return undefined;
}

/** Upper-case place names from Street Manager ("CHELTENHAM") read as names ("Cheltenham"). */
const readable = (v: string) =>
  /\p{Ll}/u.test(v)
    ? v
    : v.toLowerCase().replace(/(^|[\s'-])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase());

/**
 * Reads and checks a whole file. `isBilingual` makes the Welsh columns required wherever their
 * English column is filled, as for the same template in the composer.
 */
export function readImportFile(
  format: ImportFormat,
  filename: string,
  data: Uint8Array,
  ctx: { isBilingual: boolean; gazetteer?: Gazetteer; now: Date },
): ReadResult {
  const decoded = decodeCsvFile(filename, data);
  if ('problem' in decoded) return { ok: false, problems: [{ message: decoded.problem }] };
  let records: string[][];
  try {
    records = parse(decoded.text, { bom: true, relax_column_count: true, relax_quotes: true }) as string[][];
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    return {
      ok: false,
      problems: [
        {
          ...(line ? { row: line } : {}),
          message:
            'The file could not be read as CSV: a value starts with a quote mark (") that is never closed. Close the quote, or remove it',
        },
      ],
    };
  }
  const [header, ...body] = records;
  if (!header || header.every((h) => !h.trim()))
    return { ok: false, problems: [{ message: 'The selected file is empty' }] };
  const keys = header.map((h) => {
    const k = headerKey(h);
    return format.aliases[k] ?? k;
  });
  const known = new Set(format.columns.map((c) => c.name));
  const problems: ImportProblem[] = [];
  if (!keys.some((k) => known.has(k)))
    return {
      ok: false,
      problems: [
        {
          row: 1,
          message: `The first row must be the column names, like ${format.columns
            .filter((c) => c.isRequired)
            .map((c) => c.name)
            .join(',')}`,
        },
      ],
    };
  for (const c of format.columns)
    if (c.isRequired && !keys.includes(c.name))
      problems.push({ row: 1, column: c.name, message: `Add a column called “${c.name}” for the ${c.what}` });
  for (const [i, k] of keys.entries())
    if (known.has(k) && keys.indexOf(k) !== i)
      problems.push({
        row: 1,
        column: k,
        message: `Remove the second column called “${header[i]?.trim() ?? k}”`,
      });
  if (problems.length) return { ok: false, problems };

  const dataRows = body
    .map((r, i) => ({ cells: r, row: i + 2 }))
    .filter((r) => r.cells.some((c) => c.trim()));
  if (dataRows.length === 0)
    return { ok: false, problems: [{ message: 'The file has column names but no rows to import' }] };
  if (dataRows.length > maxImportRows)
    return {
      ok: false,
      problems: [
        {
          message: `The file has ${dataRows.length} rows: import at most ${maxImportRows} at a time by splitting the file`,
        },
      ],
    };

  const template = templateOf(format.template)!;
  const seen = new Map<string, number>();
  const rows: ImportRow[] = [];
  for (const { cells, row } of dataRows) {
    if (cells.length > header.length) {
      problems.push({
        row,
        message: `Row ${row} has ${cells.length} values but there are ${header.length} column names: put any value containing a comma in double quotes`,
      });
      continue;
    }
    const cell = (name: string) => {
      const i = keys.indexOf(name);
      return i === -1 ? '' : (cells[i] ?? '').trim();
    };
    const before = problems.length;
    const form: Record<string, string> = {};
    const add = (c: Column, message: string) => problems.push({ row, column: c.name, message });
    for (const c of format.columns) {
      const v = cell(c.name);
      if (!v) {
        if (c.isRequired) add(c, `Enter the ${c.what}: it is required`);
        continue;
      }
      if (c.type === 'reference') {
        if (v.length > 100) add(c, `The ${c.what} must be 100 characters or fewer`);
        continue;
      }
      if (c.type === 'usrn') {
        if (!/^\d+$/u.test(v) || Number(v) < 100001 || Number(v) > 99999999)
          add(c, 'Enter the USRN as a number from 100001 to 99999999, or leave it empty');
        continue;
      }
      const name = `${c.field ?? c.name}${c.isWelsh ? 'Cy' : ''}`;
      if (c.type === 'date') {
        const d = parseCsvDate(v);
        if (!d) {
          add(c, `Enter the ${c.what} as a real date like 2026-03-02 (or 02/03/2026)`);
          continue;
        }
        form[`${name}-day`] = String(d.day);
        form[`${name}-month`] = String(d.month);
        form[`${name}-year`] = String(d.year);
      } else if (c.type === 'time') {
        if (!parseTimeOfDay(v)) add(c, `Enter the ${c.what} on the 24-hour clock, like 18:30`);
        else form[name] = v;
      } else if (c.type === 'choice') {
        const key = headerKey(v);
        const value = trafficAliases[key] ?? key;
        if (!trafficManagement.some((t) => t.value === value))
          add(
            c,
            `Enter a traffic management type Street Manager uses: ${trafficManagement.map((t) => t.label).join(', ')}`,
          );
        else form[name] = value;
      } else form[name] = c.name === 'town' ? readable(v) : v;
    }
    const reference = cell(format.reference);
    const earlier = seen.get(reference.toLowerCase());
    if (reference && earlier !== undefined)
      problems.push({
        row,
        column: format.reference,
        message: `${reference} is also on row ${earlier}: keep one row for each reference`,
      });
    else if (reference) seen.set(reference.toLowerCase(), row);
    if (problems.length > before) continue;

    // The same rules as the template's form: gazetteer streets, end not before start, Welsh.
    const { values, errors } = readTemplateFields(template, form, ctx);
    for (const [id, message] of Object.entries(errors)) {
      if (!message) continue;
      const fieldName = id.replace(/-day$/u, '');
      const isWelsh = fieldName.endsWith('Cy') && !template.fields.some((f) => f.name === fieldName);
      const base = isWelsh ? fieldName.slice(0, -2) : fieldName;
      const column = format.columns.find((c) => c.field === base && Boolean(c.isWelsh) === isWelsh);
      problems.push({ row, ...(column ? { column: column.name } : {}), message });
    }
    if (Object.keys(errors).length) continue;
    const raw = Object.fromEntries(
      format.columns.filter((c) => !c.isLater || cell(c.name)).map((c) => [c.name, cell(c.name)]),
    );
    rows.push({
      row,
      reference,
      values,
      hash: createHash('sha256').update(JSON.stringify(raw)).digest('hex'),
    });
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, rows };
}
