// Tests run against the real shipped slice (not a fixture) so a bad rebuild of the CSVs fails here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadGazetteer, normalisePostcode, parseCsv } from './gazetteer.ts';

describe('gazetteer: postcodes', () => {
  it('resolves a real Cheltenham postcode to its ward and coordinates, however it is typed', async () => {
    const gaz = await loadGazetteer();
    // GL52 3JH is in Pittville ward (E05015715), the ward whose name is confirmed by code.
    for (const typed of ['GL52 3JH', 'gl52 3jh', 'GL523JH', '  Gl52   3jH ']) {
      const hit = gaz.lookupPostcode(typed);
      assert.ok(hit, `expected ${JSON.stringify(typed)} to resolve`);
      assert.equal(hit.postcode, 'GL52 3JH');
      assert.equal(hit.wardCode, 'E05015715');
      assert.equal(hit.wardName, 'Pittville');
      // Code-Point Open puts it at 51.913675, -2.066335; we ship 5 decimal places.
      assert.ok(Math.abs(hit.lat - 51.91368) < 1e-4, `lat ${hit.lat}`);
      assert.ok(Math.abs(hit.lon - -2.06634) < 1e-4, `lon ${hit.lon}`);
    }
  });

  it('gives the ward name that matches the ward list', async () => {
    const gaz = await loadGazetteer();
    const hit = gaz.lookupPostcode('GL52 3AR'); // High Street, Prestbury
    assert.ok(hit);
    const ward = gaz.wards.find((w) => w.code === hit.wardCode);
    assert.ok(ward);
    assert.equal(hit.wardName, ward.name);
    assert.equal(ward.name, 'Prestbury');
  });

  it('rejects malformed postcodes', async () => {
    const gaz = await loadGazetteer();
    const malformed = [
      '',
      '   ',
      'GL52',
      'GL52 3J',
      'GL52 3JHX',
      '52 3JH',
      'GL52 JH3',
      'Q1 1AA', // Q is never a first letter
      'GL52 3CI', // C and I are never used in the inward code
      'GL52-3JH',
      'not a postcode',
    ];
    for (const text of malformed) {
      assert.equal(normalisePostcode(text), undefined, `normalise ${JSON.stringify(text)}`);
      assert.equal(gaz.lookupPostcode(text), undefined, `lookup ${JSON.stringify(text)}`);
    }
  });

  it('accepts every UK outward-code shape', () => {
    assert.equal(normalisePostcode('m11ae'), 'M1 1AE');
    assert.equal(normalisePostcode('b338th'), 'B33 8TH');
    assert.equal(normalisePostcode('cr26xh'), 'CR2 6XH');
    assert.equal(normalisePostcode('dn551pt'), 'DN55 1PT');
    assert.equal(normalisePostcode('w1a1aa'), 'W1A 1AA');
    assert.equal(normalisePostcode('ec1a1bb'), 'EC1A 1BB');
  });

  it('does not know postcodes outside the council', async () => {
    const gaz = await loadGazetteer();
    // Well-formed, real, but elsewhere: Downing Street (London) and Gloucester city centre.
    for (const text of ['SW1A 2AA', 'GL1 1AD']) {
      assert.notEqual(normalisePostcode(text), undefined, `${text} is well-formed`);
      assert.equal(gaz.lookupPostcode(text), undefined, `${text} is not in the gazetteer`);
    }
  });
});

describe('gazetteer: wards', () => {
  it('lists the 20 Cheltenham wards with names, counts and centroids in the borough', async () => {
    const gaz = await loadGazetteer();
    assert.equal(gaz.wards.length, 20);
    const codes = gaz.wards.map((w) => w.code);
    assert.deepEqual(codes, [...codes].sort(), 'sorted by code');
    for (const w of gaz.wards) {
      assert.match(w.code, /^E05\d{6}$/);
      assert.ok(w.name.length > 0);
      assert.notEqual(w.nameStatus, 'unknown', `${w.code} has a name`);
      assert.ok(w.postcodeCount > 0);
      // Cheltenham's bounding box, roughly.
      assert.ok(w.lat > 51.85 && w.lat < 51.95, `${w.code} lat ${w.lat}`);
      assert.ok(w.lon > -2.16 && w.lon < -2.0, `${w.code} lon ${w.lon}`);
    }
    assert.equal(gaz.wards.find((w) => w.code === 'E05015715')?.nameStatus, 'confirmed');
  });
});

describe('gazetteer: streets', () => {
  it('finds street names in a sentence, whole words, case-insensitively, in order', async () => {
    const gaz = await loadGazetteer();
    const text = 'Fly-tipping on BATH ROAD again, and the lights are out on leckhampton road.';
    const found = gaz.findStreets(text);
    assert.deepEqual(
      found.map((m) => m.street),
      ['Bath Road', 'Leckhampton Road'],
    );
    const [first] = found;
    assert.ok(first);
    assert.equal(first.matchedText, 'BATH ROAD');
    assert.equal(text.slice(first.index, first.index + first.matchedText.length), 'BATH ROAD');
    assert.ok(first.localities.includes('Montpellier'));
    assert.equal(first.ward, undefined);
  });

  it('prefers the longest name and does not match inside other words', async () => {
    const gaz = await loadGazetteer();
    assert.deepEqual(
      gaz.findStreets('Pothole outside 12 Hatherley Road.').map((m) => m.street),
      ['Hatherley Road'],
    );
    // "Bath Roadworks" is not "Bath Road".
    assert.deepEqual(gaz.findStreets('Bath Roadworks are noisy'), []);
  });

  it('treats Saint/St and apostrophes as the same words', async () => {
    const gaz = await loadGazetteer();
    const [hit] = gaz.findStreets('Bins not collected on St Pauls Street North since Monday');
    assert.ok(hit);
    assert.equal(hit.street, 'Saint Pauls Street North');
    assert.equal(hit.matchedText, 'St Pauls Street North');
  });

  it('does not read ordinary phrases like "the street" as a street name', async () => {
    const gaz = await loadGazetteer();
    assert.deepEqual(gaz.findStreets('Rubbish has been left in the street for a week'), []);
    assert.deepEqual(
      gaz.findStreets('Rubbish has been left on The Street for a week').map((m) => m.street),
      ['The Street'],
    );
  });
});

describe('gazetteer: loading', () => {
  it('reads the files once and shares the result', async () => {
    const [a, b] = await Promise.all([loadGazetteer(), loadGazetteer()]);
    assert.equal(a, b);
    assert.equal(await loadGazetteer(), a);
  });

  it('parses quoted CSV fields with commas and doubled quotes', () => {
    assert.deepEqual(parseCsv('street,locality\r\n"Queen\'s Road, North","The ""Old"" Town"\n'), [
      ['street', 'locality'],
      ["Queen's Road, North", 'The "Old" Town'],
    ]);
  });

  it('rejects a folder without gazetteer files', async () => {
    await assert.rejects(loadGazetteer('/nonexistent-gazetteer-dir'));
  });
});
