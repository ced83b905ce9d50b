/**
 * Triage of one resident message: service (area, category), intent, sentiment, urgency, language
 * and places. The same code serves live messages and `npx townsquare triage`.
 *
 * `triage()` never throws: empty, huge, binary, badly encoded, HTML or right-to-left text all get a
 * best-effort result, because a message that fails triage must still reach a person.
 */
import { loadGazetteer, type Gazetteer } from '../../councils/index.ts';
import { stripHtml } from './features.ts';
import { detectIntent, type Intent } from './intent.ts';
import { detectLanguage, type Language } from './language.ts';
import { createPlaceFinder, type Place, type PlaceFinder } from './places.ts';
import { detectSentiment, type Sentiment } from './sentiment.ts';
import {
  loadServiceClassifier,
  type ServiceClassifier,
  type ServicePrediction,
} from './service-classifier.ts';
import { assessUrgency, type UrgencyAssessment, type UrgencyLevel } from './urgency.ts';

export interface TriageResult {
  readonly area: string;
  readonly category: string;
  readonly intent: Intent;
  readonly sentiment: Sentiment;
  readonly urgency: UrgencyLevel;
  readonly language: Language;
  readonly places: readonly Place[];
  readonly confidence: { readonly area: number; readonly category: number };
}

export interface Triage {
  triage(text: string): TriageResult;
}

export interface TriageOptions {
  /** Defaults to the demo council's shipped gazetteer. */
  readonly gazetteer?: Gazetteer;
  /** Defaults to the committed model/service-model.bin. */
  readonly modelFile?: string;
}

/** Analysis reads at most this much; the rest of a 1 MB message is kept, just not analysed. */
const MAX_ANALYSED_CHARS = 50_000;

// C0 controls except tab/newline/carriage return, DEL, and the replacement character that
// invalid UTF-8 decodes to: noise for every analyser.
// Built from code points because a literal control range trips the no-control-regex lint rule.
const CONTROL = new RegExp(
  `[${[
    [0x00, 0x08],
    [0x0b, 0x0c],
    [0x0e, 0x1f],
    [0x7f, 0x7f],
    [0xfffd, 0xfffd],
  ]
    .map(([a, b]) => `${String.fromCharCode(a ?? 0)}-${String.fromCharCode(b ?? 0)}`)
    .join('')}]+`,
  'g',
);

/** Text as the analysers read it: bounded, tags stripped, binary noise blanked. */
export function cleanForAnalysis(text: unknown): string {
  const s = typeof text === 'string' ? text : text == null ? '' : String(text);
  const bounded = s.length > MAX_ANALYSED_CHARS ? s.slice(0, MAX_ANALYSED_CHARS) : s;
  return stripHtml(bounded).replace(CONTROL, ' ');
}

const FALLBACK: TriageResult = {
  area: 'other',
  category: 'general_enquiry',
  intent: 'other',
  sentiment: 'neutral',
  urgency: 'routine',
  language: 'other',
  places: [],
  confidence: { area: 0, category: 0 },
};

const ROUTINE: UrgencyAssessment = { level: 'routine', rules: [] };
const SAFEGUARDING_RULE = /^(?:safeguarding|self_harm)\./;
const SAFEGUARDING: ServicePrediction = {
  area: 'social_care',
  category: 'safeguarding',
  confidence: { area: 1, category: 1 },
};

class DefaultTriage implements Triage {
  constructor(
    private readonly classifier: ServiceClassifier,
    private readonly places: PlaceFinder,
  ) {}

  triage(text: string): TriageResult {
    const clean = cleanForAnalysis(text);
    // Each part is guarded on its own so one analyser's failure cannot cost the others, least of
    // all urgency.
    const assessed = attempt(() => assessUrgency(clean), ROUTINE);
    const urgency = assessed.level;
    const classified = attempt(() => this.classifier.classify(clean), {
      area: FALLBACK.area,
      category: FALLBACK.category,
      confidence: FALLBACK.confidence,
    });
    // A safeguarding or self-harm rule that fired decides the service too: such a message belongs
    // with the safeguarding team whatever street words it also contains.
    const service =
      urgency !== 'routine' && assessed.rules.some((id) => SAFEGUARDING_RULE.test(id))
        ? SAFEGUARDING
        : classified;
    const sentiment = attempt(() => detectSentiment(clean), FALLBACK.sentiment);
    const intent = attempt(
      () =>
        detectIntent(clean, {
          sentiment,
          area: service.area,
          areaConfidence: service.confidence.area,
        }),
      FALLBACK.intent,
    );
    return {
      area: service.area,
      category: service.category,
      intent,
      sentiment,
      urgency,
      language: attempt(() => detectLanguage(clean), FALLBACK.language),
      places: attempt(() => this.places.find(clean), FALLBACK.places),
      confidence: service.confidence,
    };
  }
}

function attempt<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/**
 * Loads the model and gazetteer once and returns a triage function.
 *
 * @example
 * const t = await createTriage();
 * t.triage('Bin not emptied on Hewlett Road GL52 6AA').category // 'missed_collection'
 */
export async function createTriage(options: TriageOptions = {}): Promise<Triage> {
  const [classifier, gazetteer] = await Promise.all([
    loadServiceClassifier(options.modelFile),
    options.gazetteer ? Promise.resolve(options.gazetteer) : loadGazetteer(),
  ]);
  return new DefaultTriage(classifier, createPlaceFinder(gazetteer));
}
