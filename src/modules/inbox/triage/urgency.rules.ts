/**
 * The urgency phrasings, as data. Emergency means risk to life or a safeguarding concern and
 * overrides whatever the service classifier says; high means a hazard or a vulnerable person
 * needing quick action. Every rule is exercised by urgency.test.ts, positives and negatives.
 *
 * Patterns run on lower-cased text with straight apostrophes and single spaces, one clause at a
 * time (sentences split further at "but" / "however"), so "no smell of gas now, but the boiler is
 * broken" negates only the gas.
 */

export type UrgencyLevel = 'routine' | 'high' | 'emergency';

export interface UrgencyRule {
  readonly id: string;
  readonly level: 'high' | 'emergency';
  readonly pattern: RegExp;
  /**
   * What a negated or hypothetical mention becomes. Safeguarding rules keep `high` even when
   * negated ("I don't want to hurt myself any more" still deserves a person reading it soon).
   */
  readonly whenNegated?: 'high' | 'routine';
  /** False when the pattern itself is a negative ("no heating"), so negation must not cancel it. */
  readonly isNegatable?: false;
  /** Words that must also appear somewhere in the message (e.g. a vulnerable person). */
  readonly requires?: RegExp;
}

const PEOPLE = String.raw`(?:child|children|kid|kids|baby|babies|toddler|boy|girl|teenager|vulnerable|elderly|old (?:man|woman|lady|gentleman)|disabled)`;
const STRUCTURE = String.raw`(?:wall|ceiling|roof|building|balcony|chimney|floor|house|structure|scaffolding|scaffold|bridge|stairs|staircase|extension|garage|porch|canopy)`;
const HOME = String.raw`(?:house|home|flat|kitchen|living room|lounge|bedroom|bathroom|hallway|property|basement|cellar|bungalow|maisonette)`;

export const URGENCY_RULES: readonly UrgencyRule[] = [
  // ---- self-harm and suicide -----------------------------------------------------------------
  {
    id: 'self_harm.suicide',
    level: 'emergency',
    pattern: /\bsuicid(?:e|al)\b(?! (?:prevention|awareness|statistics|rates?)\b)/,
    whenNegated: 'high',
  },
  {
    id: 'self_harm.kill_self',
    level: 'emergency',
    pattern:
      /\b(?:kill|hurt|harm|hang|cut|end) (?:myself|herself|himself|themselves|themself)\b(?! (?:on|by tripping|tripping|falling|slipping)\b)|\bself[- ]?harm(?:ing)?\b/,
    whenNegated: 'high',
  },
  {
    id: 'self_harm.end_life',
    level: 'emergency',
    pattern:
      /\b(?:end (?:it all|my life|their life|her life|his life)|take (?:my|his|her|their) (?:own )?life|want(?:s|ed)? to die|(?:don't|do not|doesn't|does not) want to (?:live|be alive|be here) any ?more|no reason to (?:live|go on)|better off dead|overdos(?:e|ed|ing)|can't go on any ?more|cannot go on any ?more)\b/,
    whenNegated: 'high',
  },
  // ---- abuse and safeguarding ----------------------------------------------------------------
  {
    id: 'safeguarding.abuse',
    level: 'emergency',
    pattern:
      /\b(?:being|been|getting|is|was) (?:abused|beaten|hit|assaulted|raped|attacked|strangled|choked|molested)\b|\b(?:domestic (?:abuse|violence)|sexual(?:ly)? (?:abuse|abused|assault|assaulted|exploit\w*)|child abuse|elder abuse)\b/,
    whenNegated: 'high',
  },
  {
    id: 'safeguarding.threat',
    level: 'emergency',
    pattern:
      /\bthreaten(?:s|ed|ing)? to (?:kill|stab|hurt|burn)\b|\b(?:waving|with|carrying|holding|pulled) an? (?:knife|gun|machete|weapon)\b/,
    whenNegated: 'high',
  },
  {
    id: 'safeguarding.child_at_risk',
    level: 'emergency',
    pattern: new RegExp(
      String.raw`\b${PEOPLE}(?: \w+){0,4} (?:is |are |was |were |being |been )?(?:at risk|in danger|unsafe|neglected|left alone|left on (?:their|his|her) own|home alone|locked (?:in|out)|not been fed|starving|screaming for help|being hurt|being exploited|groomed|being groomed|missing)\b` +
        String.raw`|\b(?:welfare|safety) of (?:a|the|this|my|our|his|her|their) ${PEOPLE}` +
        String.raw`|\b(?:worried|concerned|scared|frightened) (?:about|for) (?:a|the|this|my|our|his|her|their)(?: \w+){0,2} ${PEOPLE}`,
    ),
    whenNegated: 'high',
  },
  {
    id: 'safeguarding.exploitation',
    level: 'emergency',
    pattern:
      /\b(?:cuckoo(?:ed|ing)|county lines|modern slavery|trafficked|trafficking|being exploited|groomed|grooming|safeguarding (?:concern|issue|alert|referral|risk))\b/,
    whenNegated: 'high',
  },
  // ---- physical danger to life ----------------------------------------------------------------
  {
    id: 'danger.gas',
    level: 'emergency',
    pattern:
      /\b(?:smell(?:s|ing|ed)? (?:of |like )?gas|gas (?:leak|leaking|smell|escape|escaping)|leak(?:ing)? (?:of )?gas|gassy smell)\b/,
  },
  {
    id: 'danger.carbon_monoxide',
    level: 'emergency',
    pattern:
      /\b(?:carbon monoxide|co (?:alarm|detector) (?:is )?(?:going off|sounding|beeping|keeps going off))\b/,
  },
  {
    id: 'danger.structure_collapse',
    level: 'emergency',
    pattern: new RegExp(
      String.raw`\b${STRUCTURE}s?(?: \w+){0,4} (?:has |have |had |is |are |was |were )?(?:collapsed|collapsing|caved in|caving in|fallen down|falling down|about to (?:collapse|fall|come down)|going to (?:collapse|fall down)|coming down)\b` +
        String.raw`|\bcollapse(?:d)? (?:of )?(?:the |a |our |my )?${STRUCTURE}`,
    ),
  },
  {
    id: 'danger.flooding_home',
    level: 'emergency',
    pattern: new RegExp(
      String.raw`\b(?:flood(?:ed|ing|s)?|water (?:is )?(?:pouring|coming|gushing|pour(?:s|ed)|pouring|everywhere|rising|leaking))(?: \w+){0,3} (?:in|into|inside|through|under) (?:my |our |the |her |his |their )?(?:own )?${HOME}\b` +
        String.raw`|\b${HOME} (?:is |are |has |has been |have been )?(?:flooded|flooding|under water|underwater)\b` +
        String.raw`|\bwater (?:is )?(?:pouring|coming|gushing) (?:in )?through (?:the |my |our )?(?:ceiling|light fittings?|roof)\b`,
    ),
  },
  {
    id: 'danger.fire',
    level: 'emergency',
    pattern:
      /\b(?:on fire|ablaze|in flames|alight|house fire|flat fire|fire in (?:the|my|our|a|their) (?:house|flat|building|block|kitchen|home|stairwell|loft|shop)|there(?:'s| is) a fire|smoke (?:is )?(?:pouring|coming|billowing) (?:out|from)|fire (?:is )?spreading)\b/,
  },
  {
    id: 'danger.trapped',
    level: 'emergency',
    pattern:
      /\b(?:(?:someone|somebody|person|people|man|woman|child|kid|he|she|they|i|we|i'm|we're|(?:am|is|are) )\s?(?:is |are |am |was |were |got |been |being )?(?:trapped|stuck) (?:in|inside|under|on)|trapped (?:in|inside|under)|can't get out of (?:the|my|our) (?:house|flat|lift|car|building))\b/,
  },
  {
    id: 'danger.live_wires',
    level: 'emergency',
    pattern:
      /\b(?:(?:exposed|live|bare|hanging|dangling|sparking|loose) (?:electric(?:al|ity)? |live |power )?(?:wires?|wiring|cables?)|(?:wires?|wiring|cables?) (?:is |are )?(?:exposed|sparking|hanging (?:down|out|loose)|live)|electric shock|electrocut\w*|sparks? (?:coming|flying) (?:from|out))\b/,
  },
  {
    id: 'danger.medical',
    level: 'emergency',
    pattern:
      /\b(?:(?:someone|somebody|man|woman|person|he|she|neighbour|child) (?:has |had |just )?collapsed|not breathing|unconscious|unresponsive|heart attack|bleeding (?:heavily|badly|a lot)|(?:fallen|fell) and (?:can't|cannot|can not) get up)\b/,
  },
  // ---- high: hazards and vulnerable people -----------------------------------------------------
  {
    id: 'high.road_defect',
    level: 'high',
    pattern:
      /\b(?:(?:deep|huge|massive|enormous|dangerous|large) pot ?holes?|sink ?hole|(?:manhole|drain|gully|inspection|utility) (?:cover|lid) (?:is )?(?:missing|broken|open|loose|lifted|gone|collapsed|cracked)|(?:missing|open|broken) (?:manhole|drain|gully) cover|open manhole|road (?:has )?collapsed|pot ?hole(?: \w+){0,6} (?:accident|burst (?:my |a )?tyre|came off|fell off|damaged (?:my|the) (?:car|wheel|tyre)|dangerous))\b/,
  },
  {
    id: 'high.blocked_road',
    level: 'high',
    pattern:
      /\b(?:(?:road|lane|street|junction|carriageway|roundabout)(?: \w+){0,2} (?:is |are |completely )?(?:blocked|impassable|flooded|under water)|(?:tree|branch|pole|lamp post|column)(?: \w+){0,3} (?:has )?(?:fallen|come down|down|collapsed)(?: \w+){0,3} (?:across|on|onto|into|blocking) (?:the )?(?:road|lane|street|carriageway|pavement|path)|blocking the (?:road|whole road|carriageway)|flood(?:ing|ed|water) (?:on|across|covering) the (?:road|street|lane|carriageway|underpass)|(?:oil|diesel|fuel) (?:spill|spillage|slick) on the road|traffic lights? (?:are |is )?(?:all )?(?:out|not working|broken|stuck|failed|off))\b/,
  },
  {
    id: 'high.no_heating_vulnerable',
    level: 'high',
    pattern:
      /\b(?:no|without|broken|not working|no working) (?:heating|heat|hot water|boiler)\b|\b(?:heating|boiler|hot water)(?: \w+){0,2} (?:is |has )?(?:not working|broken|broken down|failed)\b/,
    isNegatable: false,
    requires:
      /\b(?:elderly|older|pensioner|\d{2} ?(?:years old|year old|yo)|disabled|disability|vulnerable|baby|newborn|infant|toddler|frail|dementia|oxygen|wheelchair|terminal|cancer|chemo)\b/,
  },
  {
    id: 'high.missed_assisted_collection',
    level: 'high',
    pattern: /\bassisted (?:bin |waste |refuse )?collection\b/,
    requires: /\b(?:miss\w*|not (?:been )?(?:collected|emptied)|forgot\w*|again|never came|didn't come)\b/,
  },
  {
    id: 'high.sharps',
    level: 'high',
    pattern: /\b(?:needles?|syringes?|sharps)\b/,
    requires: /\b(?:play ?ground|play area|school|park|nursery|children|kids|pavement|street)\b/,
  },
  {
    id: 'high.dangerous_object',
    level: 'high',
    pattern:
      /\b(?:dangerous|unsafe|hanging|leaning) (?:tree|branch|wall|building|lamp post|column|street light|sign|scaffold(?:ing)?)\b|\b(?:branch|tree)(?: \w+){0,3} (?:about to fall|could fall|hanging over the road)\b|\bbroken glass (?:in|on|around) (?:the )?(?:play ?ground|play area|school)\b/,
  },
  {
    id: 'high.sewage',
    level: 'high',
    pattern:
      /\b(?:raw )?sewage (?:is )?(?:overflowing|leaking|flooding|coming up|everywhere|in (?:my|the|our) (?:garden|street|road|flat|house))\b/,
  },
  {
    id: 'high.homeless_tonight',
    level: 'high',
    pattern:
      /\b(?:homeless|nowhere to (?:sleep|stay|go)|evicted|on the streets)(?: \w+){0,3} (?:tonight|today|this evening|right now)\b|\b(?:sleeping rough|rough sleeper)(?: \w+){0,5} (?:unwell|ill|freezing|cold|injured|confused)\b/,
  },
  {
    id: 'high.dangerous_dog',
    level: 'high',
    pattern: /\b(?:dangerous dog|dog attack|attacked by (?:a|the) dog|dog (?:bit|bitten|attacked))\b/,
  },
  {
    id: 'high.lift_vulnerable',
    level: 'high',
    pattern: /\blifts? (?:is |are |has been )?(?:broken|out of order|not working|out of service)\b/,
    requires: /\b(?:wheelchair|disabled|elderly|pram|buggy|oxygen|mobility|frail)\b/,
  },
];
