import { ANSWER_FEATURE_NAMES } from "./answer-features.ts";
import { ANSWER_MODEL_WEIGHTS } from "./answer-model-weights.ts";
import type { LinearModel } from "./model.ts";

/**
 * A logistic model of "this whole answer is supported", fitted by `scripts/fit-answer-model.ts` on
 * real LLM answers (RAGTruth dev) and shipped as `answer-model-weights.ts`. It judges answers of
 * `minClaims` claims or more; shorter ones are judged claim by claim (`OfflineModel`), which is
 * what the benchmark files' short answers were fitted with.
 */
export interface AnswerModel extends LinearModel {
  featureNames: readonly string[];
  /** Answers with at least this many claims are judged by this model. */
  minClaims: number;
  /**
   * groundedness's logit is the whole answer's plus this times the logit of the mean of its
   * claims' probabilities (each claim judged alone).
   */
  claimMeanWeight: number;
  /**
   * Decision points on the logit, chosen on cross-validated predictions (grouped by context) for
   * the best F1 of "hallucinated": `hallucination` on the whole answer's logit, `groundedness` on
   * that plus the weighted logit of its claims' mean (`claimMeanWeight`), and `claim` on that mean
   * alone, which is where one claim counts as supported.
   */
  logitThresholds: { hallucination: number; groundedness: number; claim: number };
  /** How it was fitted, for the record. */
  fittedOn: string;
  /**
   * What refits it: its L2 strengths (`crossRatio` times `lambda` on the crossed terms) and the
   * SHA-256 of the file it was fitted on, by which the quality bench knows that file and scores
   * each of its answers with the model refitted without that answer's fold.
   */
  fit: { lambda: number; crossRatio: number; dataSha256: string };
}

export const ANSWER_MODEL: AnswerModel = ANSWER_MODEL_WEIGHTS;

if (ANSWER_MODEL.featureNames.join() !== ANSWER_FEATURE_NAMES.join()) {
  // A stale weights file would silently score the wrong features: fail at import instead.
  throw new Error(
    "answer model weights do not match ANSWER_FEATURE_NAMES; run scripts/fit-answer-model.ts",
  );
}
