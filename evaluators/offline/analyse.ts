import { featurise, type OfflineInput } from "./featurise.ts";
import { logit, OFFLINE_MODEL, type OfflineModel, sigmoid } from "./model.ts";
import { RecentCache } from "./recent-cache.ts";

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
  /** The share of supported claims, less a small doubt term that orders ties (see `groundednessScore`). */
  groundedness: number;
  /** Probability that every claim is supported (product of claim scores). */
  noHallucination: number;
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

// A claim none of whose content words is in the documents is capped here whatever the question says.
const QUESTION_ONLY_CAP = 0.05;

// groundedness and hallucination analyse the same span one after the other: the second gets the
// first's analysis. Other jobs' evaluations may run in between (up to `evaluation_concurrency`,
// default 50, in flight), so more are kept than that. Read-only, like everything kept.
const RECENT_ANALYSES = new RecentCache<OfflineAnalysis>(128);

/**
 * Scores an answer against its context with the shipped logistic model. Deterministic, no I/O.
 * The result may be shared with other callers (the latest analyses are kept): never modify it.
 */
export function analyseOffline(
  input: OfflineInput,
  model: OfflineModel = OFFLINE_MODEL,
): OfflineAnalysis {
  if (model !== OFFLINE_MODEL) return analyse(input, model);
  return RECENT_ANALYSES.get([input.answer, input.question, ...input.documents], () =>
    analyse(input, model),
  );
}

function analyse(input: OfflineInput, model: OfflineModel): OfflineAnalysis {
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
  const groundedness = groundednessScore(
    verdicts.map((v) => v.score),
    model.thresholds.claim,
    model.doubtWeight,
  );
  const noHallucination = verdicts.reduce((product, v) => product * v.score, 1);
  return { noClaims: false, refusal, claims: verdicts, groundedness, noHallucination };
}
