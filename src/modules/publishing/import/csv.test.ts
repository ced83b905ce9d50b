/**
 * Reading roadworks and events lists: the documented examples import; real-world files (Excel's
 * BOM and CRLF, quoted commas, Welsh letters, emoji, Street Manager's upper case and date-times)
 * read correctly; and every bad row is reported by number and column, with nothing returned.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadGazetteer } from '../../councils/index.ts';
import { decodeCsvFile, parseCsvDate, readImportFile, type ReadResult } from './csv.ts';
import { eventsFormat, maxImportBytes, maxImportRows, roadworksFormat } from './formats.ts';

const now = new Date('2026-11-20T12:00:00Z');
const bytes = (s: string) => new TextEncoder().encode(s);
const header =
  'work_reference_number,usrn,street_name,town,promoter_organisation,traffic_management_type,proposed_start_date,proposed_end_date,description_of_work';

const problemsOf = (r: ReadResult) => {
  assert.equal(r.ok, false, 'the file is refused');
  return r.ok ? [] : r.problems;
};

describe('reading an import file', async () => {
  const gazetteer = await loadGazetteer();
  const ctx = { isBilingual: false, gazetteer, now };
  const roadworks = (text: string, name = 'roadworks.csv', c = ctx) =>
    readImportFile(roadworksFormat, name, bytes(text), c);

  it('imports the documented examples', async () => {
    const r = readImportFile(
      roadworksFormat,
      'roadworks.csv',
      await readFile('docs/examples/roadworks.csv'),
      ctx,
    );
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
    assert.equal(r.rows.length, 4);
    const first = r.rows[0]!;
    assert.equal(first.row, 2, 'rows are numbered as a spreadsheet numbers them');
    assert.equal(first.reference, 'TSR001-0042');
    assert.deepEqual(
      first.values.street,
      { type: 'street', street: 'Hewlett Road' },
      'upper case read as the gazetteer spells it',
    );
    assert.equal(first.values.town?.type === 'text' && first.values.town.en, 'Cheltenham');
    assert.equal(
      first.values.description?.type === 'text' && first.values.description.en,
      'to replace 200 metres of water main, outside numbers 12 to 40',
      'a quoted comma stays in its value',
    );
    assert.deepEqual(
      r.rows[1]!.values.startDate,
      { type: 'date', date: { year: 2027, month: 3, day: 1 } },
      'UK dates',
    );
    const events = readImportFile(
      eventsFormat,
      'events.csv',
      await readFile('docs/examples/events.csv'),
      ctx,
    );
    assert.ok(events.ok, JSON.stringify(!events.ok && events.problems));
    assert.equal(
      events.rows[1]!.values.name?.type === 'text' && events.rows[1]!.values.name.en,
      'Café for carers',
    );
  });

  it('reads Excel’s byte order mark and CRLF line ends, Welsh letters and emoji', () => {
    const text =
      '\uFEFF' +
      [
        'event_reference,name,name_cy,date,start_time,end_time,venue,venue_cy,description,description_cy',
        'EV1,Spring fair 🌼,Ffair y gwanwyn 🌼,2027-04-03,10:00,16:00,"Town Hall, Imperial Square","Neuadd y Dref, Sgwâr Imperial",Stalls and music,Stondinau a cherddoriaeth – croeso i bawb ŵ ŷ',
        '',
      ].join('\r\n');
    const r = readImportFile(eventsFormat, 'events.CSV', bytes(text), { ...ctx, isBilingual: true });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
    const v = r.rows[0]!.values;
    assert.deepEqual(v.name, { type: 'text', en: 'Spring fair 🌼', cy: 'Ffair y gwanwyn 🌼' });
    assert.equal(v.venue?.type === 'text' && v.venue.cy, 'Neuadd y Dref, Sgwâr Imperial');
    assert.equal(
      v.description?.type === 'text' && v.description.cy,
      'Stondinau a cherddoriaeth – croeso i bawb ŵ ŷ',
    );
  });

  it('takes Street Manager’s date-times in London time and its _ref names for traffic management', () => {
    // Street Manager sends midnight in summer as 23:00 the day before, in UTC.
    assert.deepEqual(parseCsvDate('2025-06-15T23:00:00.000Z'), { year: 2025, month: 6, day: 16 });
    assert.deepEqual(parseCsvDate('31/12/2026'), { year: 2026, month: 12, day: 31 });
    assert.equal(parseCsvDate('2026-02-30'), undefined);
    assert.equal(parseCsvDate('March 3rd'), undefined);
    const r = roadworks(
      'Work Reference Number,Street Name,Promoter Organisation,traffic_management_type_ref,Proposed Start Date,Proposed End Date\n' +
        'X1,LONDON ROAD,Severn Trent Water,multi_way_signals,2025-06-15T23:00:00.000Z,2025-06-20T22:59:00.000Z\n',
    );
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
    assert.equal(
      r.rows[0]!.values.restriction?.type === 'choice' && r.rows[0]!.values.restriction.choice.value,
      'multi_way_signals',
    );
    assert.deepEqual(r.rows[0]!.values.endDate, { type: 'date', date: { year: 2025, month: 6, day: 20 } });
  });

  it('reports every bad row by number and column, with the fix', () => {
    const r = roadworks(
      [
        header,
        'R1,23601234,Hewlett Road,,Severn Trent Water,Two-way signals,2027-03-01,2027-03-12,ok',
        'R2,12,Hewlett Road,,,Road closure,2027-03-01,2027-02-12,',
        'R3,,Nowhere Avenue Extension,,Openreach,Teleporter,1st March,2027-03-12,',
        'R1,,Bath Road,,Openreach,Lane closure,2027-03-01,2027-03-02,',
        'R5,,Bath Road,,Openreach,Lane closure,2027-03-01,2027-03-02,"a, b",extra',
      ].join('\n'),
    );
    const problems = problemsOf(r);
    const at = (row: number, column?: string) => problems.filter((p) => p.row === row && p.column === column);
    assert.match(at(3, 'usrn')[0]?.message ?? '', /USRN as a number from 100001 to 99999999/u);
    assert.equal(
      at(3, 'promoter_organisation')[0]?.message,
      'Enter the organisation doing the works: it is required',
    );
    assert.match(
      at(4, 'traffic_management_type')[0]?.message ?? '',
      /^Enter a traffic management type Street Manager uses: Road closure, Lane closure/u,
    );
    assert.match(at(4, 'proposed_start_date')[0]?.message ?? '', /like 2027-03-02|like 2026-03-02/u);
    assert.match(at(5, 'work_reference_number')[0]?.message ?? '', /R1 is also on row 2/u);
    assert.match(at(6)[0]?.message ?? '', /Row 6 has 10 values but there are 9 column names/u);
    // Row 3's other problems stop it before the end date is compared; a row with only that:
    const end = problemsOf(roadworks(`${header}\nR9,,Hewlett Road,,BT,Road closure,2027-03-05,2027-03-01,`));
    assert.deepEqual(end, [
      {
        row: 2,
        column: 'proposed_end_date',
        message: 'The last day of the works must be the same as or after the first day of the works',
      },
    ]);
    const street = problemsOf(
      roadworks(`${header}\nR9,,Nowhere Avenue Extension,,BT,Road closure,2027-03-01,2027-03-05,`),
    );
    assert.equal(street[0]?.column, 'street_name');
    assert.match(street[0]?.message ?? '', /gazetteer/u);
  });

  it('asks a bilingual council for the Welsh wherever the English is given', () => {
    const problems = problemsOf(
      roadworks(
        `${header},description_of_work_cy\nR1,,Hewlett Road,,BT,Road closure,2027-03-01,2027-03-05,to mend a cable,\n`,
        'r.csv',
        {
          ...ctx,
          isBilingual: true,
        },
      ),
    );
    assert.deepEqual(
      problems.map((p) => [p.row, p.column]),
      [[2, 'description_of_work_cy']],
    );
  });

  it('refuses a wrong header, naming each missing column', () => {
    const problems = problemsOf(
      roadworks('work_reference_number,street_name,start,end\nR1,Bath Road,2027-03-01,2027-03-02\n'),
    );
    assert.deepEqual(
      problems.map((p) => p.column),
      ['promoter_organisation', 'traffic_management_type', 'proposed_start_date', 'proposed_end_date'],
    );
    assert.ok(problems.every((p) => p.row === 1));
    const noHeader = problemsOf(roadworks('R1,Bath Road,BT,Road closure,2027-03-01,2027-03-02\n'));
    assert.match(
      noHeader[0]?.message ?? '',
      /^The first row must be the column names, like work_reference_number,street_name/u,
    );
    const twice = problemsOf(roadworks(`${header},street_name\n`));
    assert.match(twice[0]?.message ?? '', /Remove the second column called “street_name”/u);
  });

  it('refuses files that are not UTF-8 CSV, too large, empty or too long', () => {
    const latin1 = new Uint8Array([...bytes(`${header}\nR1,,Caf`), 0xe9, ...bytes(',x\n')]);
    const decoded = decodeCsvFile('r.csv', latin1);
    assert.match('problem' in decoded ? decoded.problem : '', /not in UTF-8/u);
    const xlsx = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]);
    assert.match(problemsOf(roadworks('', 'r.xlsx')).at(0)?.message ?? '', /empty/u);
    assert.match(
      problemsOf(readImportFile(roadworksFormat, 'r.xlsx', xlsx, ctx))[0]?.message ?? '',
      /spreadsheet, not a CSV file/u,
    );
    assert.equal(
      problemsOf(roadworks(header, 'notes.pdf'))[0]?.message,
      'The selected file must be a CSV file',
    );
    assert.match(
      problemsOf(
        readImportFile(roadworksFormat, 'r.csv', new Uint8Array(maxImportBytes + 1).fill(65), ctx),
      )[0]?.message ?? '',
      /smaller than 1MB/u,
    );
    const utf16 = new Uint8Array([0xff, 0xfe, 0x77, 0x00]);
    assert.match(
      problemsOf(readImportFile(roadworksFormat, 'r.csv', utf16, ctx))[0]?.message ?? '',
      /UTF-16/u,
    );
    assert.match(problemsOf(roadworks(`${header}\n`))[0]?.message ?? '', /no rows to import/u);
    const many = [
      header,
      ...Array.from(
        { length: maxImportRows + 1 },
        (_v, i) => `R${i},,Bath Road,,BT,Road closure,2027-03-01,2027-03-02,`,
      ),
    ];
    assert.match(problemsOf(roadworks(many.join('\n')))[0]?.message ?? '', /import at most 500/u);
    const unclosed = problemsOf(
      roadworks(`${header}\nR1,,Bath Road,,"BT,Road closure,2027-03-01,2027-03-02,\n`),
    );
    assert.match(unclosed[0]?.message ?? '', /that is never closed/u);
  });

  const eventsHeader = 'event_reference,name,date,end_date,start_time,end_time,venue';
  const events = (rows: string[], c = ctx) =>
    readImportFile(eventsFormat, 'events.csv', bytes([eventsHeader, ...rows].join('\n')), c);

  it('imports the multi-day example rows of docs/import-formats.md', async () => {
    const doc = await readFile('docs/import-formats.md', 'utf8');
    const block = /### Events over more than one day[\s\S]*?```csv\n([\s\S]*?)```/u.exec(doc)?.[1];
    assert.ok(block, 'the events section has a CSV example');
    const r = readImportFile(eventsFormat, 'events.csv', bytes(block), ctx);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
    assert.deepEqual(r.rows[0]!.values.date, {
      type: 'date',
      date: { year: 2027, month: 7, day: 10 },
      until: { year: 2027, month: 7, day: 11 },
    });
    assert.deepEqual(r.rows[2]!.values.date, { type: 'date', date: { year: 2027, month: 7, day: 14 } });
  });

  it('takes an end date, where the finish on the last day may be earlier than the start', () => {
    const r = events([
      'F1,Summer festival,2027-07-10,2027-07-11,10:00,18:00,Montpellier Gardens',
      'F2,New Year party,2027-12-31,2028-01-01,20:00,01:00,Imperial Gardens',
      'F3,Craft morning,2027-07-14,2027-07-14,10:00,12:00,Central Library',
      'F4,Craft morning,2027-07-15,,10:00,12:00,Central Library',
    ]);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
    assert.equal(r.rows[1]!.values.date?.type === 'date' && r.rows[1]!.values.date.until?.year, 2028);
    assert.deepEqual(
      r.rows[2]!.values.date,
      { type: 'date', date: { year: 2027, month: 7, day: 14 } },
      'the same last day is a one-day event',
    );
  });

  it('reports every bad event row by number and column: end before start, unreadable end date', () => {
    const problems = problemsOf(
      events([
        'B1,Fine,2027-07-10,2027-07-11,10:00,18:00,Park',
        'B2,Backwards,2027-07-11,2027-07-10,10:00,18:00,Park',
        'B3,Same-day finish too early,2027-07-10,,18:00,10:00,Park',
        'B4,Bad end date,2027-07-10,11th July,10:00,18:00,Park',
        'B5,Same last day finish too early,2027-07-10,2027-07-10,18:00,18:00,Park',
      ]),
    );
    assert.deepEqual(
      problems.map((p) => [p.row, p.column, p.message]),
      [
        [3, 'end_date', 'The last day must be the same as or after the date'],
        [4, 'end_time', 'The finish time must be after the start time'],
        [5, 'end_date', 'Enter the last day of the event as a real date like 2026-03-02 (or 02/03/2026)'],
        [6, 'end_time', 'The finish time must be after the start time'],
      ],
    );
  });

  it('keeps the hash of a row written before end_date existed, so re-importing it is unchanged', () => {
    const before = readImportFile(
      eventsFormat,
      'e.csv',
      bytes('event_reference,name,date,start_time,end_time,venue\nE1,Fair,2027-04-03,10:00,16:00,Hall\n'),
      ctx,
    );
    const after = events(['E1,Fair,2027-04-03,,10:00,16:00,Hall']);
    const longer = events(['E1,Fair,2027-04-03,2027-04-04,10:00,16:00,Hall']);
    assert.ok(before.ok && after.ok && longer.ok);
    assert.equal(before.rows[0]!.hash, after.rows[0]!.hash);
    assert.notEqual(after.rows[0]!.hash, longer.rows[0]!.hash, 'a new last day updates the draft');
  });

  it('hashes a row by its values, so the same row imported again is recognised', () => {
    const a = roadworks(`${header}\nR1,,Bath Road,,BT,Road closure,2027-03-01,2027-03-02,x\n`);
    const b = roadworks(`${header}\r\nR1,,Bath Road,,BT,Road closure,2027-03-01,2027-03-02,x\r\n`);
    const c = roadworks(`${header}\nR1,,Bath Road,,BT,Road closure,2027-03-01,2027-03-03,x\n`);
    assert.ok(a.ok && b.ok && c.ok);
    assert.equal(a.rows[0]!.hash, b.rows[0]!.hash);
    assert.notEqual(a.rows[0]!.hash, c.rows[0]!.hash);
  });
});
