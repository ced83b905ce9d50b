// Language, places, intent and service examples in the project's own words, and bad input.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTriage, type Triage } from './triage.ts';
import { detectLanguage } from './language.ts';
import { detectSentiment } from './sentiment.ts';

let t: Triage;
before(async () => {
  t = await createTriage();
});

describe('language', () => {
  const cases: ReadonlyArray<readonly [string, 'en' | 'cy' | 'other']> = [
    ['Mae sbwriel ar y stryd ers wythnos, diolch', 'cy'],
    ["Dydy'r bin ddim wedi cael ei gasglu heddiw", 'cy'],
    ['Diolch yn fawr am eich help', 'cy'],
    ['Mae twll mawr yn y ffordd gyda dŵr ynddo', 'cy'],
    ['Ble mae fy nhreth cyngor?', 'cy'],
    ['Oes modd casglu biniau ailgylchu yfory os gwelwch yn dda', 'cy'],
    ['Shwmae, mae golau stryd wedi torri ar Heol y Parc', 'cy'],
    ['The bin was not emptied on our street', 'en'],
    ['Pothole on Bath Road near the school', 'en'],
    ['Can you send me a new recycling box please', 'en'],
    ['Fly tipping in the alley behind the shops', 'en'],
    ['Llandaff Road street light is out', 'en'],
    ['Le camion poubelle ne passe pas dans notre rue depuis une semaine', 'other'],
    ['La basura no se ha recogido en mi calle', 'other'],
    ['Śmieci nie zostały odebrane, jak to zgłosić', 'other'],
    ['لم يتم جمع القمامة في شارعنا', 'other'],
    ['我们街上的垃圾没有收', 'other'],
    ['', 'other'],
    ['👍👍', 'other'],
  ];
  for (const [text, lang] of cases) {
    it(`${lang}: ${text}`, () => assert.equal(detectLanguage(text), lang));
  }
});

describe('sentiment', () => {
  it('reads thanks as positive, anger as negative and a plain report as neutral', () => {
    assert.equal(detectSentiment('Thank you so much, brilliant service'), 'positive');
    assert.equal(detectSentiment('Absolutely disgusting, third time this month, fed up'), 'negative');
    assert.equal(detectSentiment('Street light out on Hales Road'), 'neutral');
    assert.equal(detectSentiment('Not happy at all'), 'negative');
  });
});

describe('places', () => {
  it('resolves a Cheltenham postcode with coordinates and ward', () => {
    const r = t.triage('Bin missed at gl52 3jh again');
    const pc = r.places.find((p) => p.kind === 'postcode');
    assert.equal(pc?.text, 'GL52 3JH');
    assert.equal(pc?.wardName, 'Pittville');
    assert.ok(pc?.lat !== undefined && pc.lon !== undefined);
  });
  it('keeps a valid UK postcode elsewhere without coordinates, and drops invalid ones', () => {
    const r = t.triage('I live at SW1A 1AA now, not QQ1 1QQ');
    assert.deepEqual(r.places, [{ kind: 'postcode', text: 'SW1A 1AA' }]);
  });
  it('finds street names and wards from the gazetteer', () => {
    const r = t.triage('Pothole on Hewlett Road in Battledown ward');
    assert.ok(r.places.some((p) => p.kind === 'street' && p.text === 'Hewlett Road'));
    const ward = r.places.find((p) => p.kind === 'ward');
    assert.equal(ward?.text, 'Battledown');
    assert.ok(ward?.wardCode?.startsWith('E05'));
  });
  it('does not read everyday words as wards', () => {
    const r = t.triage('Litter in the park by the college');
    assert.equal(r.places.filter((p) => p.kind === 'ward').length, 0);
  });
});

describe('intent and service', () => {
  const cases: ReadonlyArray<readonly [string, string, string?]> = [
    ['There is a huge pothole outside number 3 Hewlett Road', 'report_problem', 'road_surface'],
    ['Mattress and bags dumped in the lane behind the shops', 'report_problem', 'fly_tipping'],
    ['Can you please book a bulky waste collection for my old sofa', 'request_service', 'bulky_waste'],
    ['I would like to order a new recycling box', 'request_service', 'bin_request'],
    ['How do I apply for the single person discount on council tax?', 'question', 'council_tax'],
    ['When is the garden waste subscription renewed?', 'question', 'garden_waste'],
    ['I reported this three weeks ago and still nobody has come, useless council', 'complaint'],
    ['Bin still not collected, this is the fourth time', 'complaint'],
    ['Our recycling was not collected today', 'report_problem', 'missed_collection'],
    ['Thank you to the crew who fixed the street light so quickly', 'compliment'],
    ['Well done to the parks team, the gardens look lovely', 'compliment'],
    ['I have a question for the next full council meeting about bus lanes', 'meeting_question'],
    ['My neighbours play loud music every night until 3am', 'report_problem', 'noise'],
    ['Black mould in my council flat bedroom', 'report_problem', 'housing_repairs'],
    ['I need help with my housing benefit claim', 'request_service', 'benefits'],
    ['hello', 'other'],
  ];
  for (const [text, intent, category] of cases) {
    it(`${intent}${category ? ` / ${category}` : ''}: ${text}`, () => {
      const r = t.triage(text);
      assert.equal(r.intent, intent);
      if (category) assert.equal(r.category, category);
    });
  }
});

describe('bad input gets a best-effort result and never throws', () => {
  const inputs: ReadonlyArray<readonly [string, string]> = [
    ['empty', ''],
    ['whitespace', '   \n\t '],
    ['1 MB', 'fly tipping on the corner '.repeat(42_000)],
    ['binary', String.fromCharCode(...Array.from({ length: 2000 }, (_, i) => (i * 37) % 256))],
    [
      'invalid UTF-8',
      Buffer.from([0x66, 0x6c, 0x79, 0xff, 0xfe, 0xc3, 0x28, 0x74, 0x69, 0x70]).toString('utf8'),
    ],
    ['lone surrogate', 'pothole \ud800 on road'],
    ['HTML and script', '<script>alert(1)</script><p>Dog <b>fouling</b> on the pavement</p>'],
    ['emoji', '🗑️🗑️🚮 bins overflowing 😡😡'],
    ['right-to-left', 'סלים לא נאספו ברחוב שלנו ‏GL50 1AD'],
  ];
  for (const [name, text] of inputs) {
    it(name, () => {
      const r = t.triage(text);
      assert.equal(typeof r.area, 'string');
      assert.equal(typeof r.category, 'string');
      assert.ok(r.confidence.area >= 0 && r.confidence.area <= 1);
      assert.doesNotThrow(() => JSON.stringify(r));
    });
  }
  it('strips HTML before analysis', () => {
    assert.equal(t.triage('<p>Dog <b>fouling</b> on the pavement</p>').category, 'dog_fouling');
  });
  it('classifies the right-to-left message place', () => {
    const r = t.triage('סלים לא נאספו ברחוב שלנו ‏GL50 1AD');
    assert.equal(r.places[0]?.text, 'GL50 1AD');
    assert.equal(r.language, 'other');
  });
});
