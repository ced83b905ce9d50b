// Table-driven: every urgency rule with phrasings that must fire and near-misses that must not.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assessUrgency } from './urgency.ts';
import { URGENCY_RULES } from './urgency.rules.ts';

type Case = readonly [text: string, level: 'routine' | 'high' | 'emergency', rule?: string];

const EMERGENCY: readonly Case[] = [
  ["I can't cope anymore and I'm thinking about suicide", 'emergency', 'self_harm.suicide'],
  ['I feel suicidal since the eviction notice', 'emergency', 'self_harm.suicide'],
  ['I am going to kill myself if they take my home', 'emergency', 'self_harm.kill_self'],
  ['My son has been self harming and the school did nothing', 'emergency', 'self_harm.kill_self'],
  ['She said she wants to end it all', 'emergency', 'self_harm.end_life'],
  ["I don't want to live any more", 'emergency', 'self_harm.end_life'],
  ['My neighbour told me he took an overdose last night', 'emergency', 'self_harm.end_life'],
  ['My mum is being abused by her carer', 'emergency', 'safeguarding.abuse'],
  ['I am suffering domestic violence and need to get out', 'emergency', 'safeguarding.abuse'],
  ['He threatened to kill me and the kids', 'emergency', 'safeguarding.threat'],
  ['A man waving a knife outside the flats', 'emergency', 'safeguarding.threat'],
  ['The children next door are left alone all night', 'emergency', 'safeguarding.child_at_risk'],
  ['I am worried about the little girl at number 4', 'emergency', 'safeguarding.child_at_risk'],
  ['There is a vulnerable man in danger in the flat below', 'emergency', 'safeguarding.child_at_risk'],
  ['Drug dealers have cuckooed my disabled neighbour', 'emergency', 'safeguarding.exploitation'],
  ['I think a teenager is being groomed by older men', 'emergency', 'safeguarding.exploitation'],
  ['I can smell gas in the kitchen', 'emergency', 'danger.gas'],
  ['Strong smell of gas on Hewlett Road', 'emergency', 'danger.gas'],
  ['Gas leak outside the school', 'emergency', 'danger.gas'],
  ['It smells like gas in the stairwell', 'emergency', 'danger.gas'],
  ['Our carbon monoxide alarm keeps going off', 'emergency', 'danger.carbon_monoxide'],
  ['The garden wall has collapsed onto the pavement', 'emergency', 'danger.structure_collapse'],
  ['The ceiling in my bedroom is about to collapse', 'emergency', 'danger.structure_collapse'],
  ['Scaffolding is coming down in the wind', 'emergency', 'danger.structure_collapse'],
  ['Water pouring through the ceiling into my flat', 'emergency', 'danger.flooding_home'],
  ['Our house is flooded after the storm', 'emergency', 'danger.flooding_home'],
  ['Flooding in my kitchen from the flat above', 'emergency', 'danger.flooding_home'],
  ['The block of flats is on fire', 'emergency', 'danger.fire'],
  ["There's a fire in the stairwell", 'emergency', 'danger.fire'],
  ['Smoke pouring out of the empty house', 'emergency', 'danger.fire'],
  ['Someone is trapped in the lift', 'emergency', 'danger.trapped'],
  ['An elderly man is stuck inside his flat and cannot open the door', 'emergency', 'danger.trapped'],
  ['Exposed wires hanging from the lamp post', 'emergency', 'danger.live_wires'],
  ['The street light door is missing and the cables are exposed', 'emergency', 'danger.live_wires'],
  ['Sparks coming from the junction box', 'emergency', 'danger.live_wires'],
  ['A man has collapsed at the bus stop', 'emergency', 'danger.medical'],
  ['My neighbour is unconscious on the floor', 'emergency', 'danger.medical'],
  ['SMELL OF GAS!!!', 'emergency', 'danger.gas'],
  ['<p>I smell <b>gas</b> in the hall</p>', 'emergency', 'danger.gas'],
];

const HIGH: readonly Case[] = [
  ['Huge pothole on the A40, a cyclist came off', 'high', 'high.road_defect'],
  ['The manhole cover is missing on our road', 'high', 'high.road_defect'],
  ['A sinkhole has opened up in the road', 'high', 'high.road_defect'],
  ['A tree has fallen across the road', 'high', 'high.blocked_road'],
  ['The road is completely blocked by a lorry', 'high', 'high.blocked_road'],
  ['Traffic lights not working at the junction', 'high', 'high.blocked_road'],
  ['Diesel spill on the road by the roundabout', 'high', 'high.blocked_road'],
  ['My 89 year old mother has no heating', 'high', 'high.no_heating_vulnerable'],
  ['The boiler is broken and I have a newborn baby', 'high', 'high.no_heating_vulnerable'],
  ['My assisted collection was missed again', 'high', 'high.missed_assisted_collection'],
  ['Needles in the playground', 'high', 'high.sharps'],
  ['A dangerous tree is leaning over the footpath', 'high', 'high.dangerous_object'],
  ['Raw sewage overflowing in the garden', 'high', 'high.sewage'],
  ['I will be homeless tonight', 'high', 'high.homeless_tonight'],
  ['Dog attack in the park this morning', 'high', 'high.dangerous_dog'],
  ['The lift is broken and I use a wheelchair', 'high', 'high.lift_vulnerable'],
];

const NEGATED_OR_ROUTINE: readonly Case[] = [
  ['The bench has a broken slat, someone will hurt themselves on it', 'routine'],
  ['No smell of gas now, thanks for coming out', 'routine'],
  ['The gas leak was fixed yesterday', 'routine'],
  ['What should I do if I smell gas?', 'routine'],
  ['Who do I call about a gas safety check?', 'routine'],
  ['There is no fire, just a bonfire smell', 'routine'],
  ['We had a flood in our house last year and want flood defences', 'routine'],
  ['Nobody is trapped, the lift just needs a service', 'routine'],
  ['Suicide prevention training for staff: who runs it?', 'routine'],
  ['This noise is killing me', 'routine'],
  ['The bin men are a disaster', 'routine'],
  ['Flooding on the road by the school', 'high'],
  ['Fire door in the communal hall is propped open', 'routine'],
  ['Fireworks every night', 'routine'],
  ['The pothole on my road needs filling', 'routine'],
  ['Street light not working', 'routine'],
  ['My heating is broken', 'routine'],
  ['Bin not collected', 'routine'],
  ['Please collect the needles someone left by the bins', 'routine'],
  ['The wall needs repainting', 'routine'],
  ['Children playing football in the street', 'routine'],
  ['Gas works on the high street are overrunning', 'routine'],
  ['The old house on the corner fell down in 1990', 'routine'],
  // Negated safeguarding mentions are still read by a person soon.
  ["I'm not suicidal, just exhausted by the council", 'high'],
  ["He isn't being abused as far as I know but I'm not sure", 'high'],
  ['', 'routine'],
  ['🙂🙂🙂', 'routine'],
];

describe('urgency rules', () => {
  for (const [text, level, rule] of [...EMERGENCY, ...HIGH, ...NEGATED_OR_ROUTINE]) {
    it(`${level}: ${JSON.stringify(text)}`, () => {
      const got = assessUrgency(text);
      assert.equal(got.level, level, `rules fired: ${got.rules.join(', ')}`);
      if (rule) assert.ok(got.rules.includes(rule), `expected ${rule}, got ${got.rules.join(', ')}`);
    });
  }

  it('every rule has at least one positive case in this table', () => {
    const covered = new Set([...EMERGENCY, ...HIGH].map((c) => c[2]));
    const missing = URGENCY_RULES.map((r) => r.id).filter((id) => !covered.has(id));
    assert.deepEqual(missing, []);
  });

  it('emergency wins over high in the same message', () => {
    assert.equal(assessUrgency('Tree fallen across the road and the house is on fire').level, 'emergency');
  });

  it('is fast and safe on 1 MB of text', () => {
    const big = 'pothole '.repeat(131_072) + 'smell of gas';
    const started = Date.now();
    const got = assessUrgency(big);
    assert.ok(Date.now() - started < 1000);
    assert.equal(got.level, 'routine'); // beyond the scanned prefix
  });
});
