import type { FeaturisedClaim } from "./featurise.ts";
import { logit, logitOf, type OfflineModel, sigmoid } from "./model.ts";

/**
 * How the claim model scores an answer of one or two claims (a chat reply, a benchmark answer):
 * claim by claim, every claim must hold. Apart from `analyse.ts` so that the answer-model fit can
 * place long answers' scores beside short ones' without loading the weights it replaces.
 */

// A claim none of whose content words is in the documents is capped here whatever the question says.
const QUESTION_ONLY_CAP = 0.05;

/** Each claim's probability of being supported, capped where only the question holds it. */
export function claimProbabilities(
  claims: readonly FeaturisedClaim[],
  model: OfflineModel,
): number[] {
  return claims.map((c) => {
    const score = sigmoid(logit(model, c.features));
    return c.unsupportedByDocuments ? Math.min(score, QUESTION_ONLY_CAP) : score;
  });
}

/**
 * groundedness's score: the share of the claims that are supported (probability ≥ the claim
 * threshold), with the last `doubtWeight` of the scale given to how sure the claims are:
 * `(1 − doubtWeight) · share + doubtWeight · Π p`, where Π p is the probability that every claim
 * holds. It stays in [0, 1]: 1 only when every claim is certain, 0 only when none is supported and
 * some claim is certainly not.
 *
 * The share alone has few distinct values (a summary has one to three claims, so 0, ½, ⅔, 1), and
 * most answers share the top one: an edited summary whose claims all stay above the threshold ties
 * with its faithful twin. The doubt term orders answers within a share level by how sure the
 * claims are, without crossing levels while it is below the gap between two share levels (0.05
 * keeps that order for up to four claims, and nearly for five), so one more supported claim
 * outranks less doubt. The score therefore reads as the share, and `details.claims` (each claim
 * with `supported`) says how it was counted.
 *
 * Chosen on cross-validated train data (scripts/fit-offline-model.ts): the product beat the mean
 * and the weakest claim as the doubt term, and clause-level claims beat sentence-level ones (a
 * sentence supported only when all its clauses are). The soft step it replaces (each claim counted
 * by σ(k·(logit p − logit ½))) ranked summaries worse.
 */
export function groundednessScore(
  scores: readonly number[],
  claimThreshold: number,
  doubtWeight: number,
): number {
  if (scores.length === 0) return 1;
  let supported = 0;
  let all = 1;
  for (const p of scores) {
    if (p >= claimThreshold) supported++;
    all *= p;
  }
  return (1 - doubtWeight) * (supported / scores.length) + doubtWeight * all;
}

/** A score moved on the logit scale so that `threshold` lands on ½: the order stays. */
export const centred = (p: number, threshold: number): number =>
  sigmoid(logitOf(p) - logitOf(threshold));

/** Both evaluators' scores of a short answer, each ½ at its decision point. */
export function shortAnswerScores(
  claimScores: readonly number[],
  model: OfflineModel,
): { groundedness: number; noHallucination: number } {
  const share = groundednessScore(claimScores, model.thresholds.claim, model.doubtWeight);
  const all = claimScores.reduce((product, p) => product * p, 1);
  return {
    groundedness: centred(share, model.thresholds.groundedness),
    noHallucination: centred(all, model.thresholds.hallucination),
  };
}
