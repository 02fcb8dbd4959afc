import { featurise, type OfflineInput } from "./featurise.ts";
import { logit, OFFLINE_MODEL, type OfflineModel, sigmoid } from "./model.ts";

export type { OfflineInput } from "./featurise.ts";

/** One claim's verdict. */
export interface ClaimVerdict {
  text: string;
  /** Probability that the context supports the claim, in [0, 1]. */
  score: number;
  supported: boolean;
  /** The context passage the claim aligns to best, or null when nothing matched. */
  evidence: string | null;
  /** What the checks found wrong, worst first. */
  issues: string[];
}

export interface OfflineAnalysis {
  /** Nothing checkable: a refusal, filler, an empty answer. Scores are then 1. */
  noClaims: boolean;
  refusal: boolean;
  claims: ClaimVerdict[];
  /** The share of supported claims, each counted softly around the claim threshold (see `supportedShare`). */
  groundedness: number;
  /** Probability that every claim is supported (product of claim scores). */
  noHallucination: number;
}

/**
 * The share of claims that are supported, counting each claim by a soft step at the claim
 * threshold: σ(k·(logit p − logit t)). A claim well above the threshold counts (nearly) 1, one well
 * below (nearly) 0, one at the threshold ½; k → ∞ is the hard share, k = 1 with t = ½ the plain
 * mean of the probabilities. The plain mean lets one edited clause among three move the score by a
 * third of its probability drop only, and the claim probabilities of a minimal edit and of its
 * faithful twin differ by little; the step makes a claim that falls below the threshold count.
 * `k` and `t` are chosen on cross-validated train data (scripts/fit-offline-model.ts).
 */
export function supportedShare(
  scores: readonly number[],
  threshold: number,
  sharpness: number,
): number {
  if (scores.length === 0) return 1;
  const logitOf = (p: number): number => {
    const q = Math.min(1 - 1e-9, Math.max(1e-9, p));
    return Math.log(q / (1 - q));
  };
  const centre = logitOf(threshold);
  let sum = 0;
  for (const p of scores) sum += sigmoid(sharpness * (logitOf(p) - centre));
  return sum / scores.length;
}

// A claim none of whose content words is in the documents is capped here whatever the question says.
const QUESTION_ONLY_CAP = 0.05;

/**
 * Scores an answer against its context with the shipped logistic model. Deterministic, no I/O.
 */
export function analyseOffline(
  input: OfflineInput,
  model: OfflineModel = OFFLINE_MODEL,
): OfflineAnalysis {
  const { refusal, claims } = featurise(input);
  if (claims.length === 0) {
    return { noClaims: true, refusal, claims: [], groundedness: 1, noHallucination: 1 };
  }
  const verdicts = claims.map((c): ClaimVerdict => {
    let score = sigmoid(logit(model, c.features));
    if (c.unsupportedByDocuments) score = Math.min(score, QUESTION_ONLY_CAP);
    return {
      text: c.claim.text,
      score,
      supported: score >= model.thresholds.claim,
      evidence: c.evidence,
      issues: c.issues,
    };
  });
  const groundedness = supportedShare(
    verdicts.map((v) => v.score),
    model.thresholds.claim,
    model.shareSharpness,
  );
  const noHallucination = verdicts.reduce((product, v) => product * v.score, 1);
  return { noClaims: false, refusal, claims: verdicts, groundedness, noHallucination };
}
