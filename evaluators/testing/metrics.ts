/**
 * Ranking and classification metrics for the quality bench, the fit script and the tests.
 * Positives are supported cases; scores are "higher = more supported".
 */

/**
 * Area under the ROC curve: the chance that a random positive outscores a random negative, ties
 * counting half. Optional case weights. NaN when a class is missing.
 */
export function auc(
  scores: readonly number[],
  positive: readonly boolean[],
  weights?: readonly number[],
): number {
  const items = scores.map((s, i) => ({ s, p: positive[i] === true, w: weights?.[i] ?? 1 }));
  items.sort((a, b) => a.s - b.s);
  let negBelow = 0; // weight of negatives with a lower score
  let area = 0;
  let pos = 0;
  let neg = 0;
  let i = 0;
  while (i < items.length) {
    let j = i;
    let posTie = 0;
    let negTie = 0;
    while (j < items.length && items[j]?.s === items[i]?.s) {
      const item = items[j] as { p: boolean; w: number };
      if (item.p) posTie += item.w;
      else negTie += item.w;
      j++;
    }
    area += posTie * (negBelow + negTie / 2);
    negBelow += negTie;
    pos += posTie;
    neg += negTie;
    i = j;
  }
  if (pos === 0 || neg === 0) return Number.NaN;
  return area / (pos * neg);
}

export interface ThresholdMetrics {
  balancedAccuracy: number;
  accuracy: number;
  /** Of the cases predicted hallucinated, the share that are (0 when none is predicted). */
  precisionHallucinated: number;
  /** Of the hallucinated cases, the share predicted so (0 when there are none). */
  recallHallucinated: number;
  /** F1 with hallucinated (score below threshold) as the positive class. */
  f1Hallucinated: number;
}

/** Classification at a threshold: predicted supported when score >= threshold. */
export function atThreshold(
  scores: readonly number[],
  positive: readonly boolean[],
  threshold: number,
  weights?: readonly number[],
): ThresholdMetrics {
  return classification(
    scores.map((s) => s >= threshold),
    positive,
    weights,
  );
}

/**
 * Classification metrics of given predictions (true = predicted supported), for verdicts that
 * carry their own pass/fail rather than a score and a threshold.
 */
export function classification(
  predictedSupported: readonly boolean[],
  positive: readonly boolean[],
  weights?: readonly number[],
): ThresholdMetrics {
  let tp = 0; // supported, predicted supported
  let tn = 0; // hallucinated, predicted hallucinated
  let fp = 0;
  let fn = 0;
  predictedSupported.forEach((predicted, i) => {
    const w = weights?.[i] ?? 1;
    if (positive[i] && predicted) tp += w;
    else if (positive[i]) fn += w;
    else if (predicted) fp += w;
    else tn += w;
  });
  const tpr = tp + fn === 0 ? Number.NaN : tp / (tp + fn);
  const tnr = tn + fp === 0 ? Number.NaN : tn / (tn + fp);
  const precisionH = tn + fn === 0 ? 0 : tn / (tn + fn);
  const recallH = tn + fp === 0 ? 0 : tn / (tn + fp);
  return {
    balancedAccuracy: (tpr + tnr) / 2,
    accuracy: (tp + tn) / Math.max(1e-12, tp + tn + fp + fn),
    precisionHallucinated: precisionH,
    recallHallucinated: recallH,
    f1Hallucinated:
      precisionH + recallH === 0 ? 0 : (2 * precisionH * recallH) / (precisionH + recallH),
  };
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** The threshold that maximises balanced accuracy (midpoint between adjacent distinct scores). */
export function bestThreshold(
  scores: readonly number[],
  positive: readonly boolean[],
  weights?: readonly number[],
): { threshold: number; balancedAccuracy: number } {
  const distinct = [...new Set(scores)].sort((a, b) => a - b);
  let best = { threshold: 0.5, balancedAccuracy: -1 };
  for (let i = 0; i < distinct.length; i++) {
    const lo = distinct[i - 1];
    const t = lo === undefined ? (distinct[i] as number) : (lo + (distinct[i] as number)) / 2;
    const m = atThreshold(scores, positive, t, weights);
    if (m.balancedAccuracy > best.balancedAccuracy)
      best = { threshold: t, balancedAccuracy: m.balancedAccuracy };
  }
  return best;
}
