import { FEATURE_NAMES } from "./features.ts";
import { MODEL_WEIGHTS } from "./model-weights.ts";

/**
 * A logistic model of "this claim is supported", fitted by `scripts/fit-offline-model.ts` on
 * hallucination-train.jsonl and shipped as `model-weights.ts`. An answer is supported when all its
 * claims are (noisy-AND), which is how it was fitted: only whole answers carry labels.
 */
export interface OfflineModel {
  featureNames: readonly string[];
  /** Standardisation of each feature: (x - mean) / std. */
  mean: readonly number[];
  std: readonly number[];
  weights: readonly number[];
  bias: number;
  /**
   * Weight of the doubt term by which groundedness orders answers within a share level of
   * supported claims (see `groundednessScore`).
   */
  doubtWeight: number;
  /** Default thresholds chosen on cross-validated train predictions. */
  thresholds: {
    /** On the groundedness score (the share of supported claims, less a small doubt term). */
    groundedness: number;
    /** On the hallucination score (probability that every claim is supported). */
    hallucination: number;
    /** A claim counts as supported from this probability. */
    claim: number;
  };
  /** How it was fitted, for the record. */
  fittedOn: string;
}

export const OFFLINE_MODEL: OfflineModel = MODEL_WEIGHTS;

if (OFFLINE_MODEL.featureNames.join() !== FEATURE_NAMES.join()) {
  // A stale weights file would silently score the wrong features: fail at import instead.
  throw new Error(
    "offline model weights do not match FEATURE_NAMES; run scripts/fit-offline-model.ts",
  );
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** The inverse of `sigmoid`, with p kept within [1e-9, 1 − 1e-9] so that 0 and 1 stay finite. */
export function logitOf(p: number): number {
  const q = Math.min(Math.max(p, 1e-9), 1 - 1e-9);
  return Math.log(q / (1 - q));
}

/**
 * The logit of the mean probability of some logits: how the answer model reads "the share of an
 * answer's claims that hold", each claim judged alone (analysis and fit alike).
 */
export function meanProbabilityLogit(logits: readonly number[]): number {
  return logitOf(logits.reduce((sum, z) => sum + sigmoid(z), 0) / logits.length);
}

/** A standardised linear model: what `logit` reads of the claim model and the answer model. */
export interface LinearModel {
  mean: readonly number[];
  std: readonly number[];
  weights: readonly number[];
  bias: number;
}

/** The model's logit for one feature vector. */
export function logit(model: LinearModel, x: readonly number[]): number {
  let z = model.bias;
  for (let i = 0; i < x.length; i++) z += logitTerm(model, x, i);
  return z;
}

/** What feature `i` of `x` adds to the model's logit, standardised as the model reads it. */
export function logitTerm(model: LinearModel, x: readonly number[], i: number): number {
  const std = model.std[i] || 1;
  return ((model.weights[i] ?? 0) * ((x[i] as number) - (model.mean[i] ?? 0))) / std;
}
