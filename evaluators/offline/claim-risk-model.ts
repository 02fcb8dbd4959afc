import { CLAIM_RISK_FEATURE_NAMES, type RiskCalibration } from "./claim-risk-features.ts";
import { CLAIM_RISK_WEIGHTS } from "./claim-risk-weights.ts";
import type { LinearModel } from "./model.ts";

/**
 * A model of how likely each claim of an answer to a question is to be unsupported, fitted by
 * `scripts/fit-answer-model.ts` on RAGTruth's answers to a question as a multiple-instance
 * model: only answers carry labels, and an answer is hallucinated when any claim is (noisy-OR).
 * A claim's risk is softplus of its logit, the answer's the sum over its claims (the expected
 * count of unsupported claims, as the noisy-OR reads it), and the answer's logit of "supported" is
 * `calibration.intercept + calibration.slope · ln(risk)`, on the answer model's scale.
 *
 * Why answers to a question have a model of their own: such an answer fails by one claim the
 * passages lack, more often the more claims it makes. The answer model's averages and minima over
 * claims ranked them at an AUC of about 0.76 cross-validated; this model, judging claims and
 * counting the doubtful ones, at about 0.80. On summaries and on text from records it did worse
 * than the answer model, so it judges only answers to a question.
 */
export interface ClaimRiskModel extends LinearModel {
  featureNames: readonly string[];
  calibration: RiskCalibration;
  fittedOn: string;
  /** Its L2 strength, with which the quality bench refits it without a fold. */
  fit: { lambda: number };
}

export const CLAIM_RISK_MODEL: ClaimRiskModel = CLAIM_RISK_WEIGHTS;

if (CLAIM_RISK_MODEL.featureNames.join() !== CLAIM_RISK_FEATURE_NAMES.join()) {
  // A stale weights file would silently score the wrong features: fail at import instead.
  throw new Error(
    "claim-risk weights do not match CLAIM_RISK_FEATURE_NAMES; run scripts/fit-answer-model.ts",
  );
}
