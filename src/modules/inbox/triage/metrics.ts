/**
 * Accuracy and macro-F1 as scikit-learn computes them (`f1_score(average='macro')`: the mean over
 * every label that occurs in the truth or the predictions), so Townsquare and the baseline are
 * scored the same way.
 */

export interface ServiceScores {
  readonly area_accuracy: number;
  readonly area_macro_f1: number;
  readonly category_accuracy: number;
  readonly category_macro_f1: number;
}

export function accuracy(truth: readonly string[], pred: readonly string[]): number {
  let right = 0;
  truth.forEach((t, i) => {
    if (pred[i] === t) right++;
  });
  return truth.length === 0 ? 0 : right / truth.length;
}

export function macroF1(truth: readonly string[], pred: readonly string[]): number {
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const labels = new Set([...truth, ...pred]);
  truth.forEach((t, i) => {
    const p = pred[i] ?? '';
    if (p === t) tp.set(t, (tp.get(t) ?? 0) + 1);
    else {
      fn.set(t, (fn.get(t) ?? 0) + 1);
      fp.set(p, (fp.get(p) ?? 0) + 1);
    }
  });
  let sum = 0;
  for (const l of labels) {
    const a = tp.get(l) ?? 0;
    const denom = 2 * a + (fp.get(l) ?? 0) + (fn.get(l) ?? 0);
    sum += denom === 0 ? 0 : (2 * a) / denom;
  }
  return labels.size === 0 ? 0 : sum / labels.size;
}

/**
 * Scores `area/category` labels; the area is the part before the slash.
 *
 * @example scoreLabels(['waste/missed_collection'], ['waste/bin_request']).area_accuracy // 1
 */
export function scoreLabels(truth: readonly string[], pred: readonly string[]): ServiceScores {
  const area = (l: string) => l.slice(0, Math.max(0, l.indexOf('/')));
  const ta = truth.map(area);
  const pa = pred.map(area);
  return {
    area_accuracy: accuracy(ta, pa),
    area_macro_f1: macroF1(ta, pa),
    category_accuracy: accuracy(truth, pred),
    category_macro_f1: macroF1(truth, pred),
  };
}
