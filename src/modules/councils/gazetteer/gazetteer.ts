/**
 * The demo council's gazetteer: its postcodes (with ward and coordinates), wards and known street
 * names, read from the CSV slice that `scripts/build-gazetteer.ts` generates next to this file.
 *
 * It is deliberately in-memory and database-free: the slice is small (about 4k postcodes), it is
 * read-only reference data, and keeping it out of Postgres lets message triage and tests use it
 * without a running database. See ATTRIBUTION.md for the data's sources and licences.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** How a ward's name was tied to its GSS code (see ATTRIBUTION.md). */
export type WardNameStatus = 'confirmed' | 'inferred' | 'unknown';

export interface Ward {
  /** ONS GSS ward code, e.g. `E05015715`. */
  readonly code: string;
  readonly name: string;
  /** `inferred` names are very likely right but were not found in a code-to-name list. */
  readonly nameStatus: WardNameStatus;
  /** Number of postcodes in the gazetteer that fall in this ward. */
  readonly postcodeCount: number;
  /** Mean of the ward's postcode points: a label/map anchor, not the boundary centroid. */
  readonly lat: number;
  readonly lon: number;
}

export interface PostcodeLookup {
  /** Normalised form: upper case with a single space before the inward code, e.g. `GL50 9SA`. */
  readonly postcode: string;
  readonly lat: number;
  readonly lon: number;
  readonly wardCode: string;
  readonly wardName: string;
}

export interface Street {
  readonly name: string;
  /** Localities (suburbs) the name was seen in; empty when the source gave none. */
  readonly localities: readonly string[];
}

export interface StreetMatch {
  /** The gazetteer's spelling of the street name. */
  readonly street: string;
  readonly localities: readonly string[];
  /** The text as written in the input, and where it starts (UTF-16 offset). */
  readonly matchedText: string;
  readonly index: number;
  /**
   * The street's ward when the data can say. The shipped street list has no coordinates and its
   * localities are suburbs that straddle ward boundaries, so this is currently always undefined;
   * it is part of the shape so callers are ready for a street list that carries a ward.
   */
  readonly ward: Ward | undefined;
}

export interface Gazetteer {
  /** All wards, sorted by code. */
  readonly wards: readonly Ward[];
  /** Distinct street names, sorted by name. */
  readonly streets: readonly Street[];
  /**
   * Looks up a UK postcode typed by a person.
   *
   * @param text - a postcode in any case or spacing, e.g. `gl509sa` or ` GL50  9SA `.
   * @returns the postcode's position and ward, or `undefined` if the text is not a well-formed UK
   *   postcode or the postcode is not in this council's area.
   */
  lookupPostcode(text: string): PostcodeLookup | undefined;
  /**
   * Finds known street names mentioned in free text.
   *
   * Matching is case-insensitive and on whole words; apostrophes and "Saint"/"St"/"St." are
   * ignored so "St Pauls Rd" style variations of the same words still match. Where names overlap
   * the longest wins ("Lyefield Road East" over "Lyefield Road"). A handful of names that are also
   * ordinary phrases ("The Street", "The Close", ...) only match when capitalised as a name.
   *
   * @param text - free text, e.g. a resident's message.
   * @returns non-overlapping matches in the order they appear in the text.
   */
  findStreets(text: string): StreetMatch[];
}

const UK_POSTCODE =
  /^(?:GIR0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRV-Y])\d[ABD-HJLNP-UW-Z]{2})$/;

/**
 * Normalises and validates a UK postcode.
 *
 * @param text - a postcode in any case, with or without spaces.
 * @returns the canonical `OUTWARD INWARD` form, or `undefined` if it is not a well-formed UK postcode.
 */
export function normalisePostcode(text: string): string | undefined {
  const compact = text.replace(/\s+/g, '').toUpperCase();
  if (!UK_POSTCODE.test(compact)) return undefined;
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
}

/** Minimal RFC 4180 reader (quoted fields, doubled quotes, CRLF/LF); enough for our generated files. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        inQuotes = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      inQuotes = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += ch;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c !== ''));
}

type Rows = { header: string[]; body: string[][] };

async function readRows(
  file: string,
  columns: readonly string[],
): Promise<Rows & { col: (n: string) => number }> {
  const [header, ...body] = parseCsv(await readFile(file, 'utf8'));
  if (!header) throw new Error(`Gazetteer file is empty: ${file}`);
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`Gazetteer file ${file} has no column "${name}"`);
    return i;
  };
  columns.forEach(col); // fail at load time, not at first lookup
  return { header, body, col };
}

function num(value: string | undefined, what: string): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(n)) {
    throw new Error(`Bad number for ${what}: ${value}`);
  }
  return n;
}

function isNameStatus(value: string): value is WardNameStatus {
  return value === 'confirmed' || value === 'inferred' || value === 'unknown';
}

// ---- street matching -------------------------------------------------------------------------

type Token = { norm: string; start: number; end: number };

/** Words, allowing inner apostrophes ("Paul's") so they stay one token. */
const WORD = /[\p{L}\p{N}]+(?:['\u2019][\p{L}\p{N}]+)*/gu;

function tokenise(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(WORD)) {
    let norm = m[0].toLowerCase().replace(/['\u2019]/g, '');
    if (norm === 'saint') norm = 'st'; // "St Paul's" and "Saint Pauls" are the same street words
    tokens.push({ norm, start: m.index, end: m.index + m[0].length });
  }
  return tokens;
}

/**
 * "The X" names where X is a generic word read as ordinary English in lower case ("left in the
 * street", "near the park"); matching those case-insensitively would tag most messages.
 */
const GENERIC_AFTER_THE = new Set([
  'avenue',
  'close',
  'crescent',
  'drive',
  'green',
  'grove',
  'lane',
  'park',
  'road',
  'square',
  'street',
  'walk',
  'way',
]);

/** One spelling-insensitive street key; `variants` are the gazetteer names that normalise to it. */
type Candidate = { tokens: string[]; caseSensitive: boolean; variants: Street[] };

function buildStreetIndex(streets: readonly Street[]): Map<string, Candidate[]> {
  // The source spells some streets two ways ("Saint Paul's Road", "St Paul's Road"); they are one
  // key here so a mention matches once, whichever way it is written.
  const byKey = new Map<string, Candidate>();
  for (const street of streets) {
    const tokens = tokenise(street.name).map((t) => t.norm);
    const first = tokens[0];
    if (first === undefined) continue;
    const key = tokens.join(' ');
    const existing = byKey.get(key);
    if (existing) {
      existing.variants.push(street);
      continue;
    }
    const caseSensitive = tokens.length === 2 && first === 'the' && GENERIC_AFTER_THE.has(tokens[1] ?? '');
    byKey.set(key, { tokens, caseSensitive, variants: [street] });
  }
  const index = new Map<string, Candidate[]>();
  for (const cand of byKey.values()) {
    const first = cand.tokens[0] ?? '';
    const list = index.get(first) ?? [];
    list.push(cand);
    index.set(first, list);
  }
  // Longest first, so the first candidate that fits at a position is the longest possible match.
  for (const list of index.values()) list.sort((a, b) => b.tokens.length - a.tokens.length);
  return index;
}

/** Capitalised as a name: every word starts with an upper-case letter ("The Street"). */
function isTitleCase(text: string): boolean {
  return [...text.matchAll(WORD)].every((m) => /^\p{Lu}/u.test(m[0]));
}

function matchStreets(text: string, index: Map<string, Candidate[]>): StreetMatch[] {
  const tokens = tokenise(text);
  const matches: StreetMatch[] = [];
  let i = 0;
  while (i < tokens.length) {
    const head = tokens[i];
    let consumed = 0;
    for (const cand of head ? (index.get(head.norm) ?? []) : []) {
      const n = cand.tokens.length;
      if (i + n > tokens.length) continue;
      let ok = true;
      for (let k = 1; k < n && ok; k++) ok = tokens[i + k]?.norm === cand.tokens[k];
      if (!ok || !head) continue;
      const last = tokens[i + n - 1];
      if (!last) continue;
      const matchedText = text.slice(head.start, last.end);
      if (cand.caseSensitive && !isTitleCase(matchedText)) continue;
      // Prefer the spelling the writer used; otherwise the first (sorted) spelling.
      const lower = matchedText.toLowerCase();
      const chosen = cand.variants.find((v) => v.name.toLowerCase() === lower) ?? cand.variants[0];
      if (!chosen) continue;
      const localities = [...new Set(cand.variants.flatMap((v) => v.localities))].sort();
      matches.push({
        street: chosen.name,
        localities,
        matchedText,
        index: head.start,
        ward: undefined,
      });
      consumed = n;
      break;
    }
    i += consumed > 0 ? consumed : 1;
  }
  return matches;
}

// ---- loading ---------------------------------------------------------------------------------

const defaultDir = path.dirname(fileURLToPath(import.meta.url));
const cache = new Map<string, Promise<Gazetteer>>();

async function readGazetteer(dir: string): Promise<Gazetteer> {
  const [wardRows, postcodeRows, streetRows] = await Promise.all([
    readRows(path.join(dir, 'wards.csv'), [
      'ward_code',
      'ward_name',
      'name_status',
      'postcode_count',
      'lat',
      'lon',
    ]),
    readRows(path.join(dir, 'postcodes.csv'), ['postcode', 'lat', 'lon', 'ward_code']),
    readRows(path.join(dir, 'streets.csv'), ['street', 'locality']),
  ]);

  const wc = (n: string) => wardRows.col(n);
  const wards: Ward[] = wardRows.body.map((r) => {
    const code = r[wc('ward_code')] ?? '';
    const status = r[wc('name_status')] ?? '';
    if (!isNameStatus(status)) throw new Error(`Bad name_status for ward ${code}: ${status}`);
    return Object.freeze({
      code,
      name: r[wc('ward_name')] ?? '',
      nameStatus: status,
      postcodeCount: num(r[wc('postcode_count')], `ward ${code} postcode_count`),
      lat: num(r[wc('lat')], `ward ${code} lat`),
      lon: num(r[wc('lon')], `ward ${code} lon`),
    });
  });
  wards.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const wardByCode = new Map(wards.map((w) => [w.code, w]));

  const pc = (n: string) => postcodeRows.col(n);
  const postcodes = new Map<string, PostcodeLookup>();
  for (const r of postcodeRows.body) {
    const postcode = normalisePostcode(r[pc('postcode')] ?? '');
    const wardCode = r[pc('ward_code')] ?? '';
    const ward = wardByCode.get(wardCode);
    // A postcode pointing at a ward we do not list means the files were built inconsistently.
    if (!postcode || !ward) throw new Error(`Bad gazetteer postcode row: ${r.join(',')}`);
    postcodes.set(
      postcode,
      Object.freeze({
        postcode,
        lat: num(r[pc('lat')], `${postcode} lat`),
        lon: num(r[pc('lon')], `${postcode} lon`),
        wardCode,
        wardName: ward.name,
      }),
    );
  }

  const sc = (n: string) => streetRows.col(n);
  const localitiesByStreet = new Map<string, Set<string>>();
  for (const r of streetRows.body) {
    const name = (r[sc('street')] ?? '').trim();
    if (name === '') continue;
    const locality = (r[sc('locality')] ?? '').trim();
    const set = localitiesByStreet.get(name) ?? new Set<string>();
    if (locality !== '') set.add(locality);
    localitiesByStreet.set(name, set);
  }
  const streets: Street[] = [...localitiesByStreet.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, set]) => Object.freeze({ name, localities: Object.freeze([...set].sort()) }));
  const streetIndex = buildStreetIndex(streets);

  return Object.freeze({
    wards: Object.freeze(wards),
    streets: Object.freeze(streets),
    lookupPostcode(text: string): PostcodeLookup | undefined {
      const postcode = normalisePostcode(text);
      return postcode === undefined ? undefined : postcodes.get(postcode);
    },
    findStreets(text: string): StreetMatch[] {
      return matchStreets(text, streetIndex);
    },
  });
}

/**
 * Loads the gazetteer, reading the CSV files only once per directory for the life of the process.
 *
 * @param dir - folder holding `wards.csv`, `postcodes.csv` and `streets.csv`; defaults to the slice
 *   shipped next to this module. Tests can point it at a fixture folder.
 * @returns the loaded gazetteer. Rejects if a file is missing or malformed; a failed load is not
 *   cached, so a later call retries.
 */
export function loadGazetteer(dir: string = defaultDir): Promise<Gazetteer> {
  const key = path.resolve(dir);
  let pending = cache.get(key);
  if (!pending) {
    pending = readGazetteer(key);
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return pending;
}
