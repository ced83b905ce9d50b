/**
 * Template rendering: field checks named against their fields, dates and times said in English
 * and Welsh, optional parts, council wording checks, and each channel's text within its limit.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createConnectorRegistry } from '../../../connectors.ts';
import { countGraphemes, countX, type ChannelAccount } from '../../channels/index.ts';
import { loadGazetteer } from '../../councils/index.ts';
import { builtInTemplates, templateOf } from './definitions.ts';
import { compose, cutAtWord, fitText, variantTexts } from './fit.ts';
import {
  fillWording,
  matchStreet,
  parseTimeOfDay,
  readTemplateFields,
  renderWording,
  sayDate,
  sayTime,
  wordingProblems,
} from './render.ts';

const now = new Date('2026-02-20T12:00:00Z');
const roadworks = templateOf('roadworks')!;

const roadworksBody = {
  street: 'albany rd',
  town: 'Cheltenham',
  promoter: 'Severn Trent Water',
  restriction: 'two_way_signals',
  'startDate-day': '2',
  'startDate-month': '3',
  'startDate-year': '2026',
  'endDate-day': '6',
  'endDate-month': '3',
  'endDate-year': '2026',
  description: 'to replace a water main.',
  descriptionCy: 'i osod prif bibell ddŵr newydd',
  link: 'https://www.example.gov.uk/roadworks',
};

const account = (id: string, kind: string): ChannelAccount =>
  ({
    id,
    kind,
    name: `${kind} account`,
    settings: {
      baseUrl: 'https://social.example',
      service: 'https://bsky.example',
      identifier: 'council.example',
    },
  }) as unknown as ChannelAccount;

describe('template fields', async () => {
  const gazetteer = await loadGazetteer();

  it('reads every field, with the street spelt as the gazetteer spells it', () => {
    const { values, errors } = readTemplateFields(roadworks, roadworksBody, {
      isBilingual: true,
      gazetteer,
      now,
    });
    assert.deepEqual(errors, {});
    assert.deepEqual(values.street, { type: 'street', street: 'Albany Road' });
    assert.deepEqual(values.startDate, { type: 'date', date: { year: 2026, month: 3, day: 2 } });
    assert.equal(values.description?.type === 'text' && values.description.en, 'to replace a water main');
  });

  it('names each empty or invalid field and the fix', () => {
    const { errors } = readTemplateFields(
      roadworks,
      {
        street: 'Nowhere Lane Extension',
        restriction: 'teleport',
        'startDate-day': '31',
        'startDate-month': '2',
        'startDate-year': '2026',
        link: 'http://example',
      },
      { isBilingual: false, gazetteer, now },
    );
    assert.match(errors.street ?? '', /^Enter a street in the council’s area as the gazetteer spells it/u);
    assert.equal(errors.promoter, 'Enter who is doing the works');
    assert.equal(errors.restriction, 'Select how traffic is managed from the list');
    assert.equal(errors['startDate-day'], 'Enter a real date for the first day of the works, like 27 3 2026');
    assert.equal(errors['endDate-day'], 'Enter the last day of the works, like 27 3 2026');
    assert.match(errors.link ?? '', /starting with https:\/\//u);
  });

  it('refuses an end before the start, a finish before the start time, and a closing date in the past', () => {
    const r = readTemplateFields(
      roadworks,
      { ...roadworksBody, 'endDate-day': '1' },
      { isBilingual: false, gazetteer, now },
    );
    assert.equal(
      r.errors['endDate-day'],
      'The last day of the works must be the same as or after the first day of the works',
    );
    const event = readTemplateFields(
      templateOf('event')!,
      {
        name: 'Quiz',
        'date-day': '3',
        'date-month': '3',
        'date-year': '2026',
        startTime: '19:00',
        endTime: '18:00',
        venue: 'Hall',
      },
      { isBilingual: false, now },
    );
    assert.equal(event.errors.endTime, 'The finish time must be after the start time');
    const consultation = readTemplateFields(
      templateOf('consultation')!,
      {
        topic: 'Parks',
        'closingDate-day': '1',
        'closingDate-month': '1',
        'closingDate-year': '2026',
        link: 'https://x.example.gov.uk',
      },
      { isBilingual: false, now },
    );
    assert.equal(consultation.errors['closingDate-day'], 'The closing date must be today or in the future');
  });

  it('asks a bilingual council for the Welsh of translatable text, and only then', () => {
    const body = { ...roadworksBody, descriptionCy: '' };
    assert.equal(
      readTemplateFields(roadworks, body, { isBilingual: true, gazetteer, now }).errors.descriptionCy,
      'Enter the Welsh for “What the works are for”: this council publishes every post in Welsh and English',
    );
    assert.deepEqual(readTemplateFields(roadworks, body, { isBilingual: false, gazetteer, now }).errors, {});
  });

  it('matches streets in any case and with common abbreviations, and suggests one when it cannot', () => {
    assert.deepEqual(matchStreet(gazetteer, 'ALBANY ROAD'), { street: 'Albany Road' });
    assert.deepEqual(matchStreet(gazetteer, 'Albany Rd'), { street: 'Albany Road' });
    const miss = matchStreet(gazetteer, 'Albany Boulevard');
    assert.ok('suggestion' in miss && miss.suggestion?.startsWith('Albany'));
  });
});

describe('saying dates and times', () => {
  it('says dates GOV.UK style in English and lower-case mid-sentence in Welsh, with the year only when not this year', () => {
    assert.equal(sayDate({ year: 2026, month: 3, day: 2 }, 'en', now), 'Monday 2 March');
    assert.equal(sayDate({ year: 2026, month: 3, day: 2 }, 'cy', now), 'dydd Llun 2 Mawrth');
    assert.equal(sayDate({ year: 2027, month: 1, day: 6 }, 'en', now), 'Wednesday 6 January 2027');
    assert.equal(sayDate({ year: 2026, month: 12, day: 25 }, 'cy', now), 'dydd Gwener 25 Rhagfyr');
  });

  it('says times as people do', () => {
    const t = (s: string) => parseTimeOfDay(s)!;
    assert.equal(sayTime(t('09:00'), 'en'), '9am');
    assert.equal(sayTime(t('17:30'), 'en'), '5:30pm');
    assert.equal(sayTime(t('12:00'), 'en'), 'midday');
    assert.equal(sayTime(t('00:00'), 'en'), 'midnight');
    assert.equal(sayTime(t('09:00'), 'cy'), '9yb');
    assert.equal(sayTime(t('14:15'), 'cy'), '2.15yp');
    assert.equal(sayTime(t('19:00'), 'cy'), '7yh');
    assert.equal(parseTimeOfDay('7pm')?.hour, 19);
    assert.equal(parseTimeOfDay('25:00'), undefined);
    assert.equal(parseTimeOfDay('9'), undefined, 'a bare number is not a time');
  });
});

describe('wording', () => {
  it('leaves out an optional part whose field is empty, and tidies the punctuation', () => {
    const values = { a: { type: 'text' as const, en: 'Quiz night!', cy: 'Noson gwis!' } };
    assert.equal(fillWording('{a}.[ Reason: {b}.] Come along', values, 'en', now), 'Quiz night! Come along');
    assert.equal(fillWording('{a}.[ Reason: {b}.]', values, 'cy', now), 'Noson gwis!');
  });

  it('renders every built-in template in both languages without a placeholder left over', async () => {
    const gazetteer = await loadGazetteer();
    const samples: Record<string, Record<string, string>> = {
      roadworks: roadworksBody,
      travel: {
        affected: 'Bus route D',
        affectedCy: 'Llwybr bws D',
        details: 'Buses use London Road',
        detailsCy: "Mae bysiau'n defnyddio London Road",
        'date-day': '3',
        'date-month': '3',
        'date-year': '2026',
      },
      event: {
        name: 'Spring fair',
        nameCy: 'Ffair y gwanwyn',
        'date-day': '3',
        'date-month': '3',
        'date-year': '2026',
        startTime: '10:00',
        endTime: '16:00',
        venue: 'Imperial Gardens',
        venueCy: 'Gerddi Imperial',
      },
      bins: {
        bins: 'all',
        'usualDate-day': '25',
        'usualDate-month': '12',
        'usualDate-year': '2026',
        'newDate-day': '27',
        'newDate-month': '12',
        'newDate-year': '2026',
      },
      weather: {
        level: 'amber',
        weather: 'snow-ice',
        'fromDate-day': '3',
        'fromDate-month': '3',
        'fromDate-year': '2026',
        fromTime: '18:00',
        'untilDate-day': '4',
        'untilDate-month': '3',
        'untilDate-year': '2026',
      },
      consultation: {
        topic: 'A new cycle route',
        topicCy: 'Llwybr beicio newydd',
        'closingDate-day': '30',
        'closingDate-month': '4',
        'closingDate-year': '2026',
        link: 'https://www.example.gov.uk/cycle',
      },
      meeting: {
        committee: 'Planning Committee',
        committeeCy: 'Pwyllgor Cynllunio',
        'date-day': '5',
        'date-month': '3',
        'date-year': '2026',
        startTime: '18:00',
        endTime: '20:30',
        venue: 'Municipal Offices',
        venueCy: 'Swyddfeydd y Cyngor',
      },
    };
    for (const t of builtInTemplates) {
      const { values, errors } = readTemplateFields(t, samples[t.key], { isBilingual: true, gazetteer, now });
      assert.deepEqual(errors, {}, t.key);
      const r = renderWording(t.wording, values, now);
      for (const [part, text] of Object.entries(r)) {
        assert.ok(text.length > 0, `${t.key}.${part} is not empty`);
        assert.doesNotMatch(text, /[{}[\]]/u, `${t.key}.${part} has no placeholder left: ${text}`);
      }
    }
    const w = renderWording(
      templateOf('weather')!.wording,
      readTemplateFields(templateOf('weather')!, samples.weather, { isBilingual: true, now }).values,
      now,
    );
    assert.equal(
      w.body,
      'Met Office amber weather warning for snow and ice from Tuesday 3 March at 6pm until Wednesday 4 March. Check before you travel and look out for neighbours who may need help. #WeatherWarning',
    );
    assert.match(
      w.bodyCy,
      /^Rhybudd tywydd oren gan y Swyddfa Dywydd: eira a rhew, rhwng dydd Mawrth 3 Mawrth am 6yh a dydd Mercher 4 Mawrth\./u,
    );
  });

  it('finds unknown fields and unmatched brackets in a council’s wording', () => {
    assert.deepEqual(wordingProblems(roadworks, 'Roadworks on {street}[ in {town}]'), []);
    assert.match(
      wordingProblems(roadworks, 'Works on {road}').join(),
      /Remove \{road\}: the roadworks template has no field called “road”/u,
    );
    assert.match(wordingProblems(roadworks, 'Works [on {street}').join(), /a “\[” has no “\]” after it/u);
    assert.match(wordingProblems(roadworks, 'Works on {street').join(), /curly brackets/u);
  });
});

describe('fitting each channel', () => {
  const rendered = {
    title: 'T',
    body: 'A long English text that goes on and on about the roadworks on Albany Road. '.repeat(6).trim(),
    short: 'Roadworks: Albany Road, Monday 2 March to Friday 6 March. #Roadworks',
    bodyCy: 'Testun Cymraeg hir am y gwaith ffordd ar Albany Road sy’n mynd ymlaen ac ymlaen. '
      .repeat(6)
      .trim(),
    shortCy: 'Gwaith ffordd: Albany Road, rhwng dydd Llun 2 Mawrth a dydd Gwener 6 Mawrth. #GwaithFfordd',
  };

  it('uses the full text where it fits, the short text where it does not, and keeps the link whole', () => {
    const link = 'https://www.example.gov.uk/roadworks/albany-road';
    assert.equal(
      fitText(rendered, true, link, () => true),
      compose(rendered.body, rendered.bodyCy, link),
    );
    const short = fitText(rendered, true, link, (t) => countGraphemes(t) <= 300)!;
    assert.equal(short, `${rendered.shortCy}\n\n${rendered.short}\n\n${link}`);
  });

  it('cuts both languages to the same share when even the short text is too long', () => {
    const link = 'https://www.example.gov.uk/r';
    const text = fitText(rendered, true, link, (t) => countGraphemes(t) <= 120)!;
    assert.ok(countGraphemes(text) <= 120);
    assert.ok(text.endsWith(link), 'the link is never cut');
    const [cy, en] = text.split('\n\n');
    assert.ok(cy?.endsWith('…') && en?.endsWith('…'), text);
    assert.ok(Math.abs(countGraphemes(cy!) - countGraphemes(en!)) <= 12, 'equal prominence');
  });

  it('counts emoji and Welsh letters as the network does when cutting', () => {
    assert.equal(cutAtWord('Gŵyl 🎉🎉 y gwanwyn yn y parc', 12), 'Gŵyl 🎉🎉 y…');
    assert.equal(cutAtWord('short', 10), 'short');
  });

  it('writes a variant per channel within that channel’s own limit', () => {
    const registry = createConnectorRegistry({ enableX: true });
    const accounts = [account('a1', 'bluesky'), account('a2', 'x'), account('a3', 'facebook')];
    const texts = variantTexts(registry, accounts, rendered, true, 'https://www.example.gov.uk/roadworks');
    assert.ok(countGraphemes(texts.a1!) <= 300, 'Bluesky: 300 graphemes');
    assert.ok(countX(texts.a2!) <= 280, 'X: 280 weighted');
    assert.equal(
      texts.a3,
      compose(rendered.body, rendered.bodyCy, 'https://www.example.gov.uk/roadworks'),
      'Facebook takes the full text',
    );
  });
});
