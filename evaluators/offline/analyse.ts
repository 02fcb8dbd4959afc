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
  /** Mean claim score: the soft share of supported claims. */
  groundedness: number;
  /** Probability that every claim is supported (product of claim scores). */
  noHallucination: number;
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
  const groundedness = verdicts.reduce((sum, v) => sum + v.score, 0) / verdicts.length;
  const noHallucination = verdicts.reduce((product, v) => product * v.score, 1);
  return { noClaims: false, refusal, claims: verdicts, groundedness, noHallucination };
}
