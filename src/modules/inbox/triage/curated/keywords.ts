/**
 * High-precision service keywords for services the FixMyStreet-trained model under-predicts
 * because its training data is dominated by street reports ("bin not collected" reads like
 * fly-tipping to a model that has seen 28,000 fly-tips). A match overrides the model's category
 * only when the model itself is unsure (see service-classifier.ts): in street reports "council
 * tax" is usually a grievance ("I pay my council tax and..."), not the subject.
 * Checked on london-dev in bench/triage.bench.ts: these must not cost street-scene accuracy.
 */
export const SERVICE_KEYWORDS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /\b(?:housing benefit|council tax (?:reduction|support)|free school meals|household support fund|discretionary housing payment|universal credit|hardship (?:fund|payment))\b/,
    'benefits/benefits',
  ],
  [
    /\b(?:council tax (?:bill|band|discount|account|direct debit|arrears|summons|refund|exemption|reminder)|single person discount)\b/,
    'council_tax/council_tax',
  ],
  [
    /\b(?:register to vote|polling card|postal vote|proxy vote|electoral (?:register|roll)|voter id)\b/,
    'democracy/elections',
  ],
  [
    /\b(?:full council meeting|question for (?:the )?(?:full council|committee|cabinet))\b/,
    'democracy/meetings_councillors',
  ],
  [
    /\b(?:(?:object|objection|comment) (?:to|on) (?:the|a|my neighbour's) planning application|do i need planning permission)\b/,
    'planning_building/planning',
  ],
  [
    /\b(?:bulky (?:waste|item)s? (?:collection|booking)|book (?:a )?bulky|collect (?:my|our) old (?:sofa|settee|fridge|freezer|mattress|wardrobe|washing machine|furniture|armchairs?|bed))\b/,
    'waste/bulky_waste',
  ],
  [
    /\b(?:(?:my|our) (?:bins?|wheelie bins?|recycling|food waste|caddy)(?: \w+){0,3} (?:not|wasn't|weren't|never|hasn't|haven't) (?:been )?(?:collected|emptied)|missed (?:bin|collection)|bins? (?:still )?not (?:been )?(?:collected|emptied))\b/,
    'waste/missed_collection',
  ],
  [/\bgarden waste (?:subscription|permit|sticker|licence)\b/, 'waste/garden_waste'],
  [
    /\b(?:register (?:a|the) (?:birth|death)|birth certificate|death certificate|notice of marriage)\b/,
    'licensing_registration/registration',
  ],
  [/\b(?:noise (?:complaint|nuisance)|noisy neighbours?)\b/, 'environmental_health/noise'],
];

/** The curated label for a lower-cased text, if a keyword names one. */
export function keywordLabel(lower: string): string | undefined {
  for (const [re, label] of SERVICE_KEYWORDS) if (re.test(lower)) return label;
  return undefined;
}
