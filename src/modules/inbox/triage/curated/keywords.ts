/**
 * A high-precision phrase layer over the service model. The model learned street-scene services
 * from 68,000 London FixMyStreet reports, so everyday council business ("bin not collected",
 * "collect my old sofa", "council tax bill") reads to it like fly-tipping or litter. When one of
 * these phrases names a service outright, it decides the category, whatever the model says.
 *
 * Rules are written from the taxonomy and residents' usual vocabulary (English and some Welsh),
 * first match wins, so specific rules come before general ones. Each must stay precise on
 * london-dev (scripts/train-triage.ts prints where they fire there): FixMyStreet street reports
 * rarely use these phrases, and a rule firing on them for a service dev never contains would cost
 * macro-F1 as well as accuracy. `unless` vetoes a rule when the text is really about something
 * else (a sofa *dumped* in the street is fly-tipping, not a bulky waste booking).
 *
 * Not tuned on the held-out sanity set (../sanity/): no phrase here is copied from it.
 */
import { unionOf } from '../pattern-union.ts';

export interface KeywordRule {
  /** `area/category` from service-areas.csv. */
  readonly label: string;
  readonly pattern: RegExp;
  readonly unless?: RegExp;
}

const DUMPED =
  /\b(?:dump(?:ed|ing)?|fly[- ]?t\w*p\w*|flytip\w*|tipped|abandoned|(?:been|was|were|being) left|left (?:on|in|by|outside|at|next to|against|beside|behind|under|out)|someone (?:has )?left|dumpsite)\b/;
/** Street-scene words: a message about these is a street report, whatever else it mentions. */
const STREET =
  /\b(?:fly[- ]?t\w*p\w*|fly-?ipping|flytip\w*|dumped|graffiti|tagged|vandalism|pot ?holes?|street ?lights?|lamp ?posts?|litter|signs?|bollards?|railings|pavement|trees?|branch(?:es)?|drains?|sewers?|gully|rubbish chute|abandoned (?:car|vehicle|van)|untaxed|recreation ground|dog foul\w*|foul(?:s|ing)? the)\b/;
const ITEM = String.raw`(?:sofas?|settees?|couch(?:es)?|fridges?|freezers?|fridge[- ]freezers?|mattress(?:es)?|wardrobes?|washing machines?|dishwashers?|tumble dryers?|cookers?|bed ?frames?|armchairs?|furniture|large (?:household )?items?|bulky items?|white goods|chest of drawers|dining table)`;
const BIN = String.raw`(?:bins?|wheelie ?bins?|wheely ?bins?|recycling(?: box(?:es)?| bins?)?|food waste|caddy|caddies|general waste)`;
const NOT_COLLECTED = String.raw`(?:(?:not|n't|never|hasnt|havent|wasnt|werent|didnt)(?: been| got| get| be| yet| even)* (?:collected|colected|collectd|emptied|emptyed|picked up)|(?:got |been |was |were )?(?:missed|skipped|forgotten))`;
const COUNCIL_HOME = String.raw`(?:council (?:flat|house|home|property|bungalow|maisonette|tenant|tenancy|accommodation)|my (?:council )?landlord is the council)`;
const REPAIR = String.raw`(?:repairs?|broken|leak\w*|damp|mould|mold|boiler|heating|hot water|lock|door|windows?|ceiling|toilet|radiators?|electrics|roof|condensation)`;
const ASK = String.raw`(?:can|could|would|will) (?:you|someone|somebody|the council|i|we)(?: please| kindly)?|(?:i|we) (?:want|need|would like|'d like|wish) to|i'd like to|how (?:much|do i|do we|can i|can we)|please|pls|book|booking|arrange|request`;

export const SERVICE_KEYWORDS: readonly KeywordRule[] = [
  // ---- money and paperwork: named outright, rarely in street reports -------------------------
  {
    label: 'benefits/benefits',
    pattern:
      /\b(?:housing benefit|council tax (?:reduction|support)|free school meals|household support fund|discretionary housing payment|universal credit|hardship (?:fund|payment|grant)|benefits? (?:claim|application|form)|crisis (?:fund|grant))\b/,
  },
  {
    label: 'council_tax/council_tax',
    pattern:
      /\b(?:council tax (?:bill|band|banding|account|direct debit|payments?|instal\w*|arrears|summons|refund|exemption|reminder|letter|statement|liability)|(?:single person|student|empty property) (?:council tax )?discount|(?:close|open|cancel|set up|move|transfer|register for) (?:my |our |the )?council tax|pay (?:my |our )?council tax (?:in|by|online|monthly)|treth (?:y |gyngor)?cyngor)\b/,
    unless: STREET,
  },
  {
    label: 'democracy/elections',
    pattern:
      /\b(?:register(?:ed)? to vote|polling (?:card|day)|postal vote|proxy vote|electoral (?:register|roll|registration)|voter id|(?:where|how) (?:do|can) i vote|vote in the (?:local |general |council )?elections?)\b/,
    unless: STREET,
  },
  {
    label: 'democracy/meetings_councillors',
    pattern:
      /\b(?:full council meeting|council meeting|(?:cabinet|scrutiny|planning|licensing) committee meeting|next (?:\w+ )?committee meeting|(?:contact|email|write to|speak to|who is|find) (?:my |our )?(?:local |ward )?councill?ors?|my (?:local |ward )?councill?or (?:is|for)|ward councill?ors? for|question (?:for|at|to) (?:the )?(?:next )?(?:full council|cabinet|council meeting)|meeting agenda|agenda (?:for|online))\b/,
    unless: STREET,
  },
  {
    label: 'licensing_registration/registration',
    pattern:
      /\b(?:register (?:a |the |my |our )?(?:\w+'s )?(?:birth|death)|birth certificate|death certificate|register office|registry office|notice of marriage|civil partnership|citizenship ceremony|(?:wedding|marriage) ceremony)\b/,
    unless: STREET,
  },
  {
    label: 'licensing_registration/licensing',
    pattern:
      /\b(?:premises licen[cs]e|personal licen[cs]e|alcohol licen[cs]e|licen[cs]e to sell alcohol|taxi (?:licen[cs]e|licensing|driver licen[cs]e)|private hire (?:licen[cs]e|driver|vehicle)|street trading licen[cs]e|temporary event notice|animal (?:boarding |welfare )?licen[cs]e|gambling licen[cs]e|(?:do i need|apply(?:ing)? for) a (?:\w+ )?licen[cs]e|(?:report|complain about) (?:a |the |him |her )?(?:\w+ )?(?:to )?licensing|licensing (?:team|department|officer|authority))\b/,
  },
  {
    label: 'social_care/children_services',
    pattern:
      /\b(?:school (?:place|places|admissions?)|primary school application|secondary school application|ehcp|education,? health and care plan|special educational needs|children'?s services|(?:fostering|foster carer|adoption) (?:enquiry|information|process)|become a foster carer)\b/,
    unless: STREET,
  },
  {
    label: 'social_care/adult_social_care',
    pattern:
      /\b(?:(?:apply for|renew|renewing|application for|get) (?:a |my |her |his )?blue badge|blue badge (?:application|renewal|has expired|expired)|adult social care|care assessment|needs assessment|carers? assessment|home care|care package|meals on wheels|meals at home|personal alarm|telecare|(?:mum|dad|mother|father|wife|husband|parent)(?: \w+){0,3} (?:has|with) (?:dementia|alzheimer'?s)|(?:dementia|alzheimer'?s)(?: \w+){0,4} (?:can'?t|cannot|struggling to) (?:cope|manage))\b/,
    unless: STREET,
  },
  {
    label: 'housing/homelessness',
    pattern:
      /\b(?:(?:i am|i'm|we are|we're|i will be|we will be|i'll be|we'll be|about to be|going to be|i've been|we've been|i have been|we have been|made) (?:\w+ )?(?:homeless|evicted)|homeless (?:next|this|from|by|in)|nowhere to (?:sleep|stay|live)|kicked (?:me|us) out|eviction notice|section 21|no fault eviction|sofa surfing|homelessness (?:team|application|officer|advice))\b/,
    unless: DUMPED,
  },
  {
    label: 'housing/housing_other',
    pattern:
      /\b(?:housing register|housing waiting list|waiting list for (?:a )?(?:council )?(?:house|flat|home|property)|mutual exchange|swap my (?:council )?(?:house|flat|home|tenancy)|rent account|(?:council|housing) rent|tenancy agreement|housing application|bidding for (?:a )?(?:council )?(?:house|flat|propert\w+)|homefinder|home ?choice)\b/,
  },
  // ---- homes ---------------------------------------------------------------------------------
  {
    label: 'housing/housing_repairs',
    pattern: new RegExp(
      String.raw`\b(?:smell(?:s|ing)? (?:of )?gas|gas (?:leak|leaking|smell)|leak(?:ing)? gas|carbon monoxide)\b` +
        String.raw`|\b${COUNCIL_HOME}\b(?:.{0,120})\b${REPAIR}\b` +
        String.raw`|\b${REPAIR}\b(?:.{0,120})\b${COUNCIL_HOME}\b` +
        String.raw`|\b(?:report|book|chasing|chase)(?: up)? (?:a |my |the )?(?:housing )?repairs?\b`,
    ),
    unless: STREET,
  },
  {
    label: 'environmental_health/env_health_other',
    pattern:
      /\b(?:private (?:landlord|rented (?:flat|house|home|property)|tenant)|landlord (?:won'?t|will not|refuses to|never) (?:fix|repair|sort|do)|(?:empty|derelict|abandoned|vacant) (?:house|home|bungalow)|house next door (?:is|has been) (?:empty|abandoned|derelict))\b/,
    unless: new RegExp(`${DUMPED.source}|${STREET.source}`),
  },
  // ---- environmental health and community safety --------------------------------------------
  {
    label: 'environmental_health/food_safety',
    pattern:
      /\b(?:food poisoning|food hygiene|hygiene rating|(?:restaurant|takeaway|cafe|café|kitchen of|food shop|butcher'?s?)(?: \w+){0,8} (?:mice|rats|cockroach\w*|dirty|filthy|unhygienic|out of date|mouldy|raw chicken))\b/,
  },
  {
    label: 'environmental_health/noise',
    pattern:
      /(?:\b(?:noise (?:complaint|nuisance|from (?:next door|(?:my |the )?neighbours?|upstairs|downstairs|the (?:flat|house|pub|club|bar)))|noisy neighbours?|loud music|music (?:is |was )?(?:so |too |really |very )?loud|(?:dog|dogs)(?: \w+){0,3} (?:barks?|barking|howls?|howling) (?:all|every|day|night|constantly|non ?stop)|barking dogs?|thumping (?:bass|music)|bass (?:thumping|booming)|parties (?:every|all night)|house party|party flat|drilling (?:at|before|from) \d|sŵn|cerddoriaeth (?:uchel|swnllyd))\b|#noise\b)/,
    unless: STREET,
  },
  {
    label: 'environmental_health/pests',
    pattern:
      /\b(?:pest control|rats? (?:in|coming into|running (?:around|in)|under|inside) (?:my |our |the )?(?:house|home|garden|kitchen|loft|flat|walls?|floor|shed)|(?:mice|mouse) in (?:my|our|the) (?:house|home|kitchen|flat|loft)|(?:cockroach\w*|bed ?bugs?|fleas) in|(?:wasps?|hornets?|bees)'? nest (?:in|above|under|on) (?:my|our|the) (?:house|roof|eaves|loft|shed|wall|front|back|garden|chimney))\b/,
    unless: new RegExp(`\\b(?:dead|rubbish|nappies)\\b|${DUMPED.source}|${STREET.source}`),
  },
  {
    label: 'environmental_health/pollution',
    pattern:
      /\b(?:bonfires?|burning (?:rubbish|waste|plastic|tyres)|smoke (?:from|coming|blowing|pouring)(?: \w+){0,4} (?:garden|chimney|wood ?burner|stove|bonfire|factory)|air quality|(?:oil|diesel|chemical|sewage) (?:in|on|spill\w*|film)(?: \w+){0,3} (?:river|brook|stream|canal|water)|(?:oily|chemical) film|wood ?burner smoke)\b/,
    unless: new RegExp(`\\b(?:commercial|rubbish)\\b|${DUMPED.source}|${STREET.source}`),
  },
  {
    label: 'community_safety/cctv',
    pattern:
      /\b(?:(?:request|get|obtain|access|copy of) (?:the |any )?cctv|cctv (?:camera|cameras) (?:is |are |has been |have been )?(?:broken|smashed|damaged|not working|vandalised|down))\b/,
    unless: new RegExp(`${DUMPED.source}|\\brubbish\\b|${STREET.source}`),
  },
  {
    label: 'community_safety/antisocial_behaviour',
    pattern:
      /\b(?:anti[- ]?social behaviour|drug dealing|dealing drugs|drug dealers?|(?:teenagers|youths|kids|lads|gangs?|groups? of \w+)(?: \w+){0,4} (?:drinking|shouting|fighting|throwing|smoking weed|causing trouble|intimidating)|(?:motor ?bikes?|scramblers?|quad bikes?|off[- ]road bikes?)(?: \w+){0,3} (?:racing|tearing|speeding|revving)|throwing (?:stones|eggs|rocks) at|nuisance neighbours?)\b/,
    unless: new RegExp(`${DUMPED.source}|\\b(?:rubbish|bins?|light|lights|lighting)\\b|${STREET.source}`),
  },
  // ---- waste ----------------------------------------------------------------------------------
  {
    label: 'waste/garden_waste',
    pattern:
      /\b(?:garden waste (?:subscription|permit|sticker|licence|collection|service|renewal|bin)|(?:brown|garden) bins?(?: \w+){0,6} (?:not|n't|never) (?:been )?(?:collected|emptied)|(?:sign up|subscribe|renew)(?: \w+){0,3} garden waste)\b/,
    unless: DUMPED,
  },
  {
    label: 'waste/bulky_waste',
    pattern: new RegExp(
      String.raw`\b(?:bulky (?:waste|items?) (?:collection|booking|service)|book (?:a |an )?(?:bulky|large item)|(?:large|bulky) items? (?:collection|pick ?up|pickup)|gwastraff swmpus)\b` +
        String.raw`|\b(?:${ASK})(?: \w+){0,3} (?:collect|collection|pick up|pickup|take away|taken away|get rid of|dispose of|removal of|remove)(?: \w+){0,5} ${ITEM}\b`,
    ),
    unless: new RegExp(`\\b(?:rubbish)\\b|${DUMPED.source}|${STREET.source}`),
  },
  {
    label: 'waste/trade_waste',
    pattern:
      /\b(?:(?:trade|business|commercial) waste (?:collection|contract|service|agreement|account)|(?:arrange|set up|need|get|sign up for) (?:a )?(?:trade|business|commercial) (?:waste|bin|bins)(?: collection)?)\b/,
    unless: DUMPED,
  },
  {
    label: 'waste/recycling',
    pattern:
      /\b(?:(?:bottle|glass|clothes?|clothing|textile|book) banks? (?:is |are )?(?:full|overflowing)|household (?:waste )?recycling centre (?:opening|booking|hours)|what (?:can|can't|cannot) (?:i|we|you) recycle|(?:can|should) (?:i|we|you) (?:put|recycle)(?: \w+){0,6} (?:in|into) (?:the |my |our )?recycling|is (?:this|it) recyclable)\b/,
    unless: DUMPED,
  },
  {
    label: 'waste/missed_collection',
    pattern: new RegExp(
      String.raw`\b${BIN}(?: \w+){0,6} ${NOT_COLLECTED}\b` +
        String.raw`|\b(?:missed|skipped) (?:our |my |the )?(?:bin|bins|collection|recycling|rubbish)\b` +
        String.raw`|\bcollection (?:was |has been )?(?:missed|skipped)\b` +
        String.raw`|\b(?:bins?|biniau|sbwriel|ailgylchu)\b.{0,40}\b(?:casglu|gasglu|chasglu|casglwyd|chasglwyd)\b`,
    ),
    unless:
      /\b(?:litter|dog|street|grit|public|communal|communical|estate|blocks?|container|overflowing|fly[- ]?t\w*p\w*|dumped|park|bags? (?:left|dumped)|all over)\b/,
  },
  {
    label: 'waste/bin_request',
    pattern:
      /\b(?:(?:need|want|order|request|get|have|deliver|can i|could i|could we|can we|please)(?: \w+){0,3} (?:new|replacement|extra|additional|another|spare|bigger|larger|smaller) (?:wheelie |wheely |recycling |food waste |kitchen |black |grey |blue |green )?(?:bins?|recycling box(?:es)?|caddy|caddies|box(?:es)?)|(?:my|our) (?:wheelie |wheely |recycling |food waste |black |grey |blue |green )?(?:bins?|caddy|recycling box)(?: \w+){0,2} (?:was |were |has been |have been |got |is )?(?:stolen|cracked|split|damaged|broken)|(?:my|our) (?:\w+ )?bin lid|lid (?:has )?(?:snapped|come) off|no bins at all|wheels? (?:has |have )?(?:come|fallen|snapped) off)\b/,
    unless:
      /\b(?:litter|dog|street|grit|public|communal|estate|blocks?|overflowing|dumped|fly[- ]?t\w*p\w*|park)\b/,
  },
  // ---- street: the model knows these well; only phrases it confuses --------------------------
  {
    label: 'street_cleansing/needles',
    pattern:
      /\b(?:used needles?|needles? and syringes?|syringes?|discarded needles?|drug needles?|sharps bins?)\b/,
  },
  {
    label: 'highways/winter_gritting',
    pattern:
      /\b(?:grit bins? (?:is |are )?(?:empty|needs? (?:filling|refilling))|(?:not|never|hasn't|haven't) been (?:gritted|salted)|needs? gritting|(?:road|roads|hill|street|pavements?) (?:is |are )?(?:not )?gritted|sheet ice|black ice)\b/,
    unless: /\b(?:graffiti|tagged|dumped|pile)\b/,
  },
  {
    label: 'highways/road_safety',
    pattern:
      /\b(?:(?:need|want|install|put in|ask for|request|get|petition for|campaign for|chance of)(?: \w+){0,2} (?:speed (?:bumps|humps|cameras)|traffic calming|(?:zebra|pedestrian|safe) crossing)|speeding (?:cars|drivers|traffic|vehicles)|cars? (?:speed|speeding|racing) (?:down|along|through|up)|lollipop (?:man|lady|person))\b/,
    unless: new RegExp(`\\b(?:damaged|broken|surface|rubbish)\\b|${STREET.source}`),
  },
  {
    label: 'parking_vehicles/parking_other',
    pattern:
      /\b(?:(?:residents?'?|visitor|visitors'?|business) (?:parking )?permits?|parking permit (?:application|renewal|has|hasn't|never|for)|apply for a (?:\w+ )?parking permit|(?:pay|parking|ticket) machines? (?:is |are )?(?:broken|not working|eating|out of order|keeps|won't|doesn't)|(?:appeal|challenge)(?: \w+){0,2} (?:parking (?:ticket|fine)|pcn|penalty charge))\b/,
    unless: new RegExp(`\\bsigns?\\b|${DUMPED.source}`),
  },
  {
    label: 'highways/obstruction',
    pattern: /\ba[- ]boards?\b/,
  },
  {
    label: 'planning_building/dangerous_structure',
    pattern:
      /\b(?:(?:wall|roof tiles?|slates?|chimney|building|structure|gable end|balcony)(?: \w+){0,4} (?:about to collapse|could collapse|collapsing|crumbling|falling off|sliding off|coming loose)|dangerous structure)\b/,
    unless: new RegExp(`${DUMPED.source}|${STREET.source}|\\b(?:graffiti|tags?|posters?)\\b`),
  },
  {
    label: 'planning_building/planning',
    pattern:
      /\b(?:planning application|planning enforcement|(?:object|objection|comment) (?:to|on) (?:the |a |an |my neighbour'?s? )?(?:plans|planning|application|development)|(?:built|building|erected|put up|extension|outbuilding|dormer)(?: \w+){0,4} without (?:any )?planning permission|do i need planning permission|listed building consent)\b/,
    unless: new RegExp(`${DUMPED.source}|${STREET.source}`),
  },
  {
    label: 'other/not_council',
    pattern:
      /\b(?:crime (?:number|reference)|stagecoach|national express|train (?:company|operator)|bus (?:company|operator)|keyed my car|(?:my|our) (?:car|bike|van|phone) (?:was |has been |got )?(?:broken into|stolen)|(?:we|i) (?:were|was|have been|got) burgled)\b/,
    unless: DUMPED,
  },
  {
    label: 'other/general_enquiry',
    pattern:
      /\b(?:(?:council|office|offices|reception|customer services?|contact centre|one stop shop|civic centre|town hall) (?:opening (?:hours|times))|opening (?:hours|times) (?:of|for) (?:the )?(?:council|offices?|reception|customer services?|municipal offices|civic centre|town hall|contact centre)|(?:phone|telephone|contact) (?:number|details) for the council|how (?:do|can) i (?:contact|speak to|get hold of|email) (?:the council|someone at the council|customer services)|speak to a (?:real )?(?:person|human))\b/,
    unless: DUMPED,
  },
];

/** Lower case, straight apostrophes, single spaces: the form rules are written against. */
export function normaliseForKeywords(text: string): string {
  let s = (text.length > 2000 ? text.slice(0, 2000) : text).toLowerCase();
  if (/[\u2018\u2019\u02bc`]/.test(s)) s = s.replace(/[\u2018\u2019\u02bc`]/g, "'");
  return s.replace(/\s+/g, ' ');
}

/**
 * Every rule's pattern in one alternation: one scan says whether any rule can fire, and most
 * messages (every street report) need no more.
 */
const ANY_KEYWORD = unionOf(SERVICE_KEYWORDS.map((r) => r.pattern));

/** The label the first firing rule gives a normalised text, if any rule fires. */
export function keywordLabel(normalised: string): string | undefined {
  if (!ANY_KEYWORD.test(normalised)) return undefined;
  for (const rule of SERVICE_KEYWORDS) {
    if (rule.pattern.test(normalised) && !(rule.unless && rule.unless.test(normalised))) return rule.label;
  }
  return undefined;
}

/** Index of the first firing rule (for evaluation: where do rules fire), or -1. */
export function keywordRuleIndex(normalised: string): number {
  return SERVICE_KEYWORDS.findIndex(
    (rule) => rule.pattern.test(normalised) && !(rule.unless && rule.unless.test(normalised)),
  );
}
