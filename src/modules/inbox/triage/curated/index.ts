/**
 * The project's own labelled examples for services FixMyStreet barely covers (council tax,
 * benefits, housing, social care, licensing, noise, anti-social behaviour, meetings...). Written by
 * the project in residents' phrasing; no FixMyStreet or social-media text is copied here.
 * scripts/train-triage.ts adds them to the training set with a higher weight.
 */
import { civicExamples } from './civic.ts';
import { environmentExamples } from './environment.ts';
import { peopleExamples } from './people.ts';
import { wasteExamples } from './waste.ts';

export interface CuratedExample {
  readonly text: string;
  /** `area/category` from service-areas.csv. */
  readonly label: string;
}

/** Every curated example, in a fixed order (training must be reproducible). */
export function curatedExamples(): CuratedExample[] {
  const out: CuratedExample[] = [];
  for (const group of [wasteExamples, environmentExamples, peopleExamples, civicExamples]) {
    for (const [label, texts] of Object.entries(group)) {
      for (const text of texts) out.push({ text, label });
    }
  }
  return out;
}
