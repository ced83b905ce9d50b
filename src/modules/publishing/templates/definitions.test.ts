/**
 * The built-in templates as data: each optional field says so in its label, each translatable
 * field has its Welsh twin, and the event template takes a last day, said as a range ("Saturday
 * 12 to Sunday 13 July") in both languages, with the event's start and finish as UK instants.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtInTemplates, templateOf } from './definitions.ts';
import { eventSpan, readTemplateFields, renderWording, sayDateRange } from './render.ts';

const now = new Date('2027-02-20T12:00:00Z');
const event = templateOf('event')!;
const date = (name: string, day: number, month: number, year: number) => ({
  [`${name}-day`]: String(day),
  [`${name}-month`]: String(month),
  [`${name}-year`]: String(year),
});
const festival = {
  name: 'Summer festival',
  nameCy: 'Gŵyl yr haf',
  ...date('date', 10, 7, 2027),
  ...date('endDate', 11, 7, 2027),
  startTime: '10:00',
  endTime: '18:00',
  venue: 'Montpellier Gardens',
  venueCy: 'Gerddi Montpellier',
};

describe('built-in template definitions', () => {
  it('labels every optional field as optional and gives every translatable field a Welsh label', () => {
    for (const t of builtInTemplates) {
      const names = t.fields.map((f) => f.name);
      assert.equal(new Set(names).size, names.length, `${t.key}: each field once`);
      for (const f of t.fields) {
        assert.equal(f.label.endsWith(' (optional)'), !f.isRequired, `${t.key}.${f.name}: ${f.label}`);
        if (f.isTranslatable) assert.match(f.labelCy ?? '', /, in Welsh$/u, `${t.key}.${f.name}`);
        if (f.notBefore) assert.ok(names.includes(f.notBefore), `${t.key}.${f.name} compares a field`);
      }
      for (const name of Object.values(t.post.event ?? {})) assert.ok(names.includes(name), t.key);
    }
  });
});

describe('events over more than one day', () => {
  it('says date ranges the way each language does, the month and year once where shared', () => {
    const cases: [from: string, to: string, en: string, cy: string][] = [
      [
        '2027-07-10',
        '2027-07-11',
        'Saturday 10 to Sunday 11 July',
        'dydd Sadwrn 10 i ddydd Sul 11 Gorffennaf',
      ],
      [
        '2027-05-31',
        '2027-06-01',
        'Monday 31 May to Tuesday 1 June',
        'dydd Llun 31 Mai i ddydd Mawrth 1 Mehefin',
      ],
      [
        '2027-12-31',
        '2028-01-01',
        'Friday 31 December 2027 to Saturday 1 January 2028',
        'dydd Gwener 31 Rhagfyr 2027 i ddydd Sadwrn 1 Ionawr 2028',
      ],
      [
        '2028-07-08',
        '2028-07-09',
        'Saturday 8 to Sunday 9 July 2028',
        'dydd Sadwrn 8 i ddydd Sul 9 Gorffennaf 2028',
      ],
    ];
    const local = (iso: string) => {
      const [year, month, day] = iso.split('-').map(Number) as [number, number, number];
      return { year, month, day };
    };
    for (const [from, to, en, cy] of cases) {
      assert.equal(sayDateRange(local(from), local(to), 'en', now), en);
      assert.equal(sayDateRange(local(from), local(to), 'cy', now), cy);
    }
  });

  it('drafts a weekend festival with the range in English and Welsh', () => {
    const { values, errors } = readTemplateFields(event, festival, { isBilingual: true, now });
    assert.deepEqual(errors, {});
    const r = renderWording(event.wording, values, now);
    assert.equal(
      r.body,
      'Summer festival: Saturday 10 to Sunday 11 July, 10am to 6pm. Where: Montpellier Gardens. #WhatsOn',
    );
    assert.equal(
      r.bodyCy,
      'Gŵyl yr haf: dydd Sadwrn 10 i ddydd Sul 11 Gorffennaf, 10yb tan 6yh. Lleoliad: Gerddi Montpellier. #BethSyMlaen',
    );
    assert.equal(
      r.short,
      'Summer festival: Saturday 10 to Sunday 11 July, 10am to 6pm. Where: Montpellier Gardens. #WhatsOn',
    );
    const span = eventSpan(event, values)!;
    assert.equal(span.start.toISOString(), '2027-07-10T09:00:00.000Z');
    assert.equal(span.end.toISOString(), '2027-07-11T17:00:00.000Z', 'it ends on the last day');
  });

  it('keeps a one-day event as it was: no range, the finish the same day', () => {
    const oneDay = { ...festival, 'endDate-day': '', 'endDate-month': '', 'endDate-year': '' };
    const { values, errors } = readTemplateFields(event, oneDay, { isBilingual: true, now });
    assert.deepEqual(errors, {});
    assert.deepEqual(values.date, { type: 'date', date: { year: 2027, month: 7, day: 10 } });
    assert.match(
      renderWording(event.wording, values, now).body,
      /^Summer festival: Saturday 10 July, 10am to 6pm\./u,
    );
    assert.equal(eventSpan(event, values)?.end.toISOString(), '2027-07-10T17:00:00.000Z');
  });

  it('refuses a last day before the first, and a same-day finish not after the start', () => {
    const backwards = readTemplateFields(
      event,
      { ...festival, ...date('endDate', 9, 7, 2027) },
      { isBilingual: false, now },
    );
    assert.deepEqual(backwards.errors, {
      'endDate-day': 'The last day must be the same as or after the date',
    });
    const early = readTemplateFields(
      event,
      { ...festival, ...date('endDate', 10, 7, 2027), endTime: '09:00' },
      { isBilingual: false, now },
    );
    assert.deepEqual(early.errors, { endTime: 'The finish time must be after the start time' });
    const overnight = readTemplateFields(
      event,
      { ...festival, ...date('endDate', 11, 7, 2027), startTime: '20:00', endTime: '01:00' },
      { isBilingual: false, now },
    );
    assert.deepEqual(overnight.errors, {}, 'over two days, 1am on the last day is after 8pm on the first');
  });

  it('ends an event across the October clock change at the right instant', () => {
    // Saturday 30 October 2027 is BST; the clocks go back on Sunday 31 October.
    const { values } = readTemplateFields(
      event,
      { ...festival, ...date('date', 30, 10, 2027), ...date('endDate', 31, 10, 2027) },
      { isBilingual: false, now },
    );
    const span = eventSpan(event, values)!;
    assert.equal(span.start.toISOString(), '2027-10-30T09:00:00.000Z');
    assert.equal(span.end.toISOString(), '2027-10-31T18:00:00.000Z', '6pm GMT');
  });
});
