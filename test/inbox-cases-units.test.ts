/**
 * The pure parts of cases: references, distance, reading a satisfaction answer, and the case
 * panel the conversation page includes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'cheerio';
import { createViews } from '../src/web/views.ts';
import {
  formatReference,
  haversineMetres,
  isNearby,
  parseSatisfaction,
  satisfactionQuestion,
} from '../src/modules/inbox/cases/index.ts';
import { londonYear } from '../src/modules/inbox/cases/reference.ts';

describe('case references', () => {
  it('are TS-year-six digits, and grow past a million rather than wrap', () => {
    assert.equal(formatReference(2026, 123), 'TS-2026-000123');
    assert.equal(formatReference(2026, 1_234_567), 'TS-2026-1234567');
  });
  it('take the year in London', () => {
    // 23:30 UTC on 31 December is still that year in London (GMT); 23:30 UTC on 30 June is BST.
    assert.equal(londonYear(new Date('2026-12-31T23:30:00Z')), 2026);
    assert.equal(londonYear(new Date('2027-01-01T00:10:00Z')), 2027);
  });
});

describe('similar places', () => {
  it('measures great-circle distance in metres', () => {
    // One thousandth of a degree of latitude is about 111 m.
    assert.ok(Math.abs(haversineMetres(51.5, -0.12, 51.501, -0.12) - 111.2) < 0.5);
    assert.equal(Math.round(haversineMetres(51.5, -0.12, 51.5, -0.12)), 0);
  });
  it('uses ward and street words when coordinates are missing', () => {
    const a = { lat: null, lon: null, wardCode: 'W1', placeText: '12 High St.' };
    assert.ok(isNearby(a, { lat: null, lon: null, wardCode: 'W1', placeText: 'High St' }));
    assert.ok(!isNearby(a, { lat: null, lon: null, wardCode: 'W2', placeText: 'High St' }));
    assert.ok(!isNearby(a, { lat: null, lon: null, wardCode: 'W1', placeText: 'Mill Lane' }));
    assert.ok(!isNearby(a, { lat: null, lon: null, wardCode: 'W1', placeText: null }));
  });
});

describe('satisfaction answers', () => {
  const cases: [string, number | undefined, (string | null)?][] = [
    ['5', 5, null],
    ['  3 ', 3, null],
    ['4/5', 4, null],
    ['2 out of 5', 2, null],
    ['@council 4 - quick work', 4, 'quick work'],
    ['@townsquare@social.example 1, nobody came', 1, 'nobody came'],
    ['Very satisfied', 5, null],
    ['very dissatisfied. Took weeks', 1, 'Took weeks'],
    ['Dissatisfied', 2, null],
    ['Satisfied, thanks', 4, 'thanks'],
    ['neither', 3, null],
    ['10', undefined],
    ['0', undefined],
    ['6', undefined],
    ['1.5', undefined],
    ['1st of the month is bin day', undefined],
    ['45 Elm Road still has a light out', undefined],
    ['When will you come back?', undefined],
    ['', undefined],
  ];
  for (const [text, score, comment] of cases) {
    it(`reads ${JSON.stringify(text)} as ${score ?? 'not an answer'}`, () => {
      const answer = parseSatisfaction(text);
      assert.equal(answer?.score, score);
      if (score !== undefined && comment !== undefined) assert.equal(answer?.comment, comment);
    });
  }
  it('asks in plain English with the scale', () => {
    assert.equal(
      satisfactionQuestion('TS-2026-000123'),
      'How satisfied are you with how we handled TS-2026-000123? Reply 1 (very dissatisfied) to 5 (very satisfied).',
    );
  });
});

describe('the case panel for the conversation page', () => {
  const views = createViews({ isDevelopment: false });
  const render = (cases: unknown[]) =>
    load(
      views.render('inbox/cases/views/_case-panel.njk', {
        conversation: { id: 'c0ffee00-0000-4000-8000-000000000001' },
        cases,
        csrfToken: 'tok',
        url: (p: string) => `/c/demo${p}`,
      }),
    );
  it('offers one-click creation with the CSRF token, and a form with details', () => {
    const $ = render([]);
    const form = $('form');
    assert.equal(
      form.attr('action'),
      '/c/demo/staff/inbox/conversations/c0ffee00-0000-4000-8000-000000000001/cases/new',
    );
    assert.equal(form.find('input[name="_csrf"]').attr('value'), 'tok');
    assert.equal(form.find('input[name="quick"]').attr('value'), 'yes');
    assert.match($('section').text(), /not part of a case yet/);
  });
  it('lists the conversation’s cases with status and how many reported them, escaped', () => {
    const $ = render([
      {
        id: 'abc',
        reference: 'TS-2026-000007',
        status: 'in_progress',
        statusLabel: 'In progress',
        category: '<b>x</b>',
        reportCount: 3,
      },
    ]);
    assert.equal($('a[href="/c/demo/staff/cases/abc"]').text(), 'TS-2026-000007');
    assert.match($('li').text(), /In progress/);
    assert.match($('li').text(), /reported by 3 residents/);
    assert.equal($('li b').length, 0, 'category text is escaped');
  });
});
