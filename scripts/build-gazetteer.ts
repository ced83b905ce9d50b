/**
 * Builds the demo council's shipped gazetteer slice from the shared open geography data.
 *
 * The demo council ("Vale of Chelt Borough Council", slug `demo`) is invented, but it sits on the
 * real Cheltenham Borough Council district (E07000078) so that postcodes, wards and street names
 * behave like a real council's. This script cuts that district out of the shared extracts and
 * writes a small, deterministic slice into `src/modules/councils/gazetteer/`:
 *
 * - `postcodes.csv`  postcode, lat, lon, ward_code   (Code-Point Open, OGL v3)
 * - `streets.csv`    street, locality                (FixMyStreet/OpenStreetMap/OS derived, ODbL)
 * - `wards.csv`      ward_code, ward_name, name_status, postcode_count, lat, lon
 * - `ATTRIBUTION.md` the licence credits those sources require us to ship with the data
 *
 * Run: `node --import tsx scripts/build-gazetteer.ts` (from the project root). The output is sorted
 * and rounded identically on every run, so re-running on unchanged input gives a zero diff.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = path.resolve(projectRoot, '../shared/data/geo');
const outDir = path.join(projectRoot, 'src/modules/councils/gazetteer');

const DISTRICT_CODE = 'E07000078';
const DISTRICT_NAME = 'Cheltenham Borough Council';

/** 5 decimal places is ~1 m; the source's OSGB36->WGS84 Helmert conversion is only good to a few metres. */
const COORD_DP = 5;

type NameStatus = 'confirmed' | 'inferred' | 'unknown';

/**
 * Ward names are not in Code-Point Open, so they are kept here with how each was established.
 * The codes are the 2024 ward set made by the Cheltenham (Electoral Changes) Order 2023
 * (SI 2023/820, in force from the May 2024 elections: 20 wards, same names as the 2002 set).
 *
 * - `confirmed`: a public source maps this exact GSS code to this name.
 * - `inferred`: no code->name source was found; the name follows from ONS allocating a new ward
 *   set's codes in alphabetical order of ward name (checked against known codes of the previous
 *   Cheltenham set and against the confirmed 2024 code) AND a landmark postcode named after the
 *   place falls inside the code. See ATTRIBUTION.md and the build report for the evidence.
 */
const WARD_NAMES: ReadonlyMap<string, { name: string; status: NameStatus }> = new Map([
  ['E05015704', { name: 'All Saints', status: 'inferred' }],
  ['E05015705', { name: 'Battledown', status: 'inferred' }],
  ['E05015706', { name: 'Benhall and The Reddings', status: 'inferred' }],
  ['E05015707', { name: 'Charlton Kings', status: 'inferred' }],
  ['E05015708', { name: 'Charlton Park', status: 'inferred' }],
  ['E05015709', { name: 'College', status: 'inferred' }],
  ['E05015710', { name: 'Hesters Way', status: 'inferred' }],
  ['E05015711', { name: 'Lansdown', status: 'inferred' }],
  ['E05015712', { name: 'Leckhampton', status: 'inferred' }],
  ['E05015713', { name: 'Oakley', status: 'inferred' }],
  ['E05015714', { name: 'Park', status: 'inferred' }],
  ['E05015715', { name: 'Pittville', status: 'confirmed' }],
  ['E05015716', { name: 'Prestbury', status: 'inferred' }],
  ['E05015717', { name: 'Springbank', status: 'inferred' }],
  ['E05015718', { name: "St Mark's", status: 'inferred' }],
  ['E05015719', { name: "St Paul's", status: 'inferred' }],
  ['E05015720', { name: "St Peter's", status: 'inferred' }],
  ['E05015721', { name: 'Swindon Village', status: 'inferred' }],
  ['E05015722', { name: 'Up Hatherley', status: 'inferred' }],
  ['E05015723', { name: 'Warden Hill', status: 'inferred' }],
]);

/** Minimal RFC 4180 reader: quoted fields, doubled quotes, CRLF or LF line ends. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
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
  return rows;
}

/** Reads a CSV with a header row into records keyed by column name; fails loudly on a missing column. */
async function readCsv(file: string, required: readonly string[]): Promise<Record<string, string>[]> {
  const [header, ...body] = parseCsv(await readFile(file, 'utf8'));
  if (!header) throw new Error(`${file}: empty file`);
  for (const col of required) {
    if (!header.includes(col)) throw new Error(`${file}: missing column ${col}`);
  }
  return body
    .filter((cells) => cells.some((c) => c !== ''))
    .map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])));
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/** Code-point order, not localeCompare: the output must not depend on the machine's locale. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function field(rec: Record<string, string>, key: string): string {
  return (rec[key] ?? '').trim();
}

async function main(): Promise<void> {
  const postcodeRecords = await readCsv(path.join(sourceDir, 'gloucestershire_postcodes.csv'), [
    'postcode',
    'lat',
    'lon',
    'admin_district_code',
    'admin_ward_code',
  ]);

  type Pc = { postcode: string; lat: number; lon: number; ward: string };
  const seen = new Set<string>();
  const postcodes: Pc[] = [];
  let skippedNoCoords = 0;
  for (const rec of postcodeRecords) {
    if (field(rec, 'admin_district_code') !== DISTRICT_CODE) continue;
    const latText = field(rec, 'lat');
    const lonText = field(rec, 'lon');
    // Positional quality 90 rows have no coordinates; they cannot be placed on a map or in a ward centroid.
    if (latText === '' || lonText === '') {
      skippedNoCoords++;
      continue;
    }
    const lat = Number(latText);
    const lon = Number(lonText);
    const ward = field(rec, 'admin_ward_code');
    const postcode = field(rec, 'postcode').toUpperCase().replace(/\s+/g, ' ');
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || ward === '' || postcode === '') {
      throw new Error(`Unusable postcode row: ${JSON.stringify(rec)}`);
    }
    if (seen.has(postcode)) throw new Error(`Duplicate postcode ${postcode}`);
    seen.add(postcode);
    postcodes.push({ postcode, lat, lon, ward });
  }
  postcodes.sort((a, b) => byCodePoint(a.postcode, b.postcode));

  // Ward centroid = mean of its postcode points: a label/map anchor, not a boundary centroid.
  const wardAgg = new Map<string, { n: number; lat: number; lon: number }>();
  for (const p of postcodes) {
    const agg = wardAgg.get(p.ward) ?? { n: 0, lat: 0, lon: 0 };
    agg.n++;
    agg.lat += p.lat;
    agg.lon += p.lon;
    wardAgg.set(p.ward, agg);
  }
  const wardRows: string[][] = [];
  for (const code of [...wardAgg.keys()].sort(byCodePoint)) {
    const agg = wardAgg.get(code);
    if (!agg) continue;
    const known = WARD_NAMES.get(code);
    if (!known) {
      // A new Code-Point release can bring new ward codes; ship them visibly unnamed rather than guess.
      console.warn(`warning: no name for ward ${code}; shipping it as unconfirmed`);
    }
    wardRows.push([
      code,
      known?.name ?? `Unconfirmed ward (${code})`,
      known?.status ?? 'unknown',
      String(agg.n),
      (agg.lat / agg.n).toFixed(COORD_DP),
      (agg.lon / agg.n).toFixed(COORD_DP),
    ]);
  }

  const streetRecords = await readCsv(path.join(sourceDir, 'cheltenham_area_streets.csv'), [
    'street',
    'locality',
    'lad_name',
  ]);
  const streetKeys = new Set<string>();
  const streetRows: [string, string][] = [];
  for (const rec of streetRecords) {
    if (field(rec, 'lad_name') !== DISTRICT_NAME) continue;
    const street = field(rec, 'street').replace(/\s+/g, ' ');
    const locality = field(rec, 'locality').replace(/\s+/g, ' ');
    if (street === '') continue;
    const key = `${street}\u0000${locality}`;
    if (streetKeys.has(key)) continue;
    streetKeys.add(key);
    streetRows.push([street, locality]);
  }
  streetRows.sort((a, b) => byCodePoint(a[0], b[0]) || byCodePoint(a[1], b[1]));

  await mkdir(outDir, { recursive: true });
  const outputs: [string, string][] = [
    [
      'postcodes.csv',
      toCsv(
        ['postcode', 'lat', 'lon', 'ward_code'],
        postcodes.map((p) => [p.postcode, p.lat.toFixed(COORD_DP), p.lon.toFixed(COORD_DP), p.ward]),
      ),
    ],
    ['streets.csv', toCsv(['street', 'locality'], streetRows)],
    ['wards.csv', toCsv(['ward_code', 'ward_name', 'name_status', 'postcode_count', 'lat', 'lon'], wardRows)],
    ['ATTRIBUTION.md', attribution()],
  ];
  for (const [name, content] of outputs) {
    await writeFile(path.join(outDir, name), content, 'utf8');
  }

  const distinctStreets = new Set(streetRows.map((r) => r[0])).size;
  console.log(
    [
      `postcodes.csv  ${postcodes.length} postcodes (${skippedNoCoords} skipped without coordinates)`,
      `streets.csv    ${streetRows.length} street/locality rows, ${distinctStreets} distinct street names`,
      `wards.csv      ${wardRows.length} wards`,
      `written to ${path.relative(projectRoot, outDir)}`,
    ].join('\n'),
  );
}

function attribution(): string {
  return `# Gazetteer data: sources and attribution

This folder is generated by \`scripts/build-gazetteer.ts\`; do not edit the CSV files by hand.
The council it serves, "Vale of Chelt Borough Council", is invented; the geography under it is the
real Cheltenham Borough Council district (GSS E07000078).

## Postcodes and wards (\`postcodes.csv\`, \`wards.csv\`)

Derived from Ordnance Survey Code-Point Open (extract of TotalDwarf03/aeroGIS, commit
b27053dab24e33c10ede54c0854b4f64f9026322; coordinates converted from OSGB36 to WGS84 with a Helmert
transform, accurate to a few metres). Licensed under the Open Government Licence v3.0:
https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/

Contains OS data © Crown copyright and database right 2025
Contains Royal Mail data © Royal Mail copyright and database right 2025
Contains National Statistics data © Crown copyright and database right 2025

Ward centroids in \`wards.csv\` are the mean of each ward's postcode points, not boundary centroids.

Ward names are not part of Code-Point Open. They are the names of the 20 wards created by the
Cheltenham (Electoral Changes) Order 2023 (SI 2023/820), which took effect at the May 2024
elections. The \`name_status\` column says how each code was tied to its name:

- \`confirmed\`: a public source maps that exact GSS code to the name (E05015715 Pittville, a ward
  of Cheltenham in a test fixture of alphagov/emergency-alerts-admin, spelt "Pitville" there).
- \`inferred\`: no code-to-name list was found. The name follows from ONS numbering a new ward set
  alphabetically by ward name (consistent with the confirmed code, and with the codes of the
  previous Cheltenham set: E05004290 Benhall and the Reddings, E05004294 Hesters Way, E05004299
  Pittville) and was checked by placing a postcode named for the place in the code (for example
  Prestbury High Street GL52 3AR in E05015716, Benhall Avenue GL51 6AF in E05015706, Swindon
  Village GL51 9QP in E05015721). Replace with the ONS "Ward to LAD (May 2024)" names when available.
- \`unknown\`: a ward code with no name at all; shipped as "Unconfirmed ward (code)".

## Streets (\`streets.csv\`)

Street names seen in FixMyStreet (mySociety) reports in the Cheltenham area, from each report's
"nearest road" text, which FixMyStreet generates from OpenStreetMap or the Ordnance Survey Places
API; kept where the nearest Code-Point postcode is in Cheltenham Borough. Not a complete street
list: only streets that had a report.

© OpenStreetMap contributors. Street data is available under the Open Database Licence 1.0
(https://opendatacommons.org/licenses/odbl/1-0/); see https://www.openstreetmap.org/copyright.
\`streets.csv\` is a derived database and is made available under the same licence.

Contains OS data © Crown copyright and database right 2025
`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
