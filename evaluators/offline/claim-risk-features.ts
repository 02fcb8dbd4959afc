import type { ScoredClaimChecks } from "./answer-features.ts";
import { type LinearModel, logit } from "./model.ts";

/**
 * The measures of one claim that the claim-risk model reads: its checks (counts on a log scale),
 * the claim model's logit, and where it stands in the answer.
 */
export const CLAIM_RISK_FEATURE_NAMES = [
  "logContent",
  "coverageDoc",
  "coverageDocQuestion",
  "coverageBest",
  "coverageBestPlain",
  "pairCoverageBest",
  "pairCoverageDoc",
  "verbatim",
  "lcsRatio",
  "sentenceLcsRatio",
  "contentLcsRatio",
  "logNovel",
  "logNovelNumbers",
  "numbersOutsideBest",
  "logNovelEntities",
  "entitiesOutsideBest",
  "negationAdded",
  "negationDropped",
  "deniedAttributes",
  "hoursMismatch",
  "antonyms",
  "calendarMismatch",
  "questionOnly",
  "logUnexplained",
  "claimLogit",
  "novelShare",
  "place",
] as const;

/** The claim-risk model's input for claim `index` of an answer of `count` claims. */
export function claimRiskVector(claim: ScoredClaimChecks, index: number, count: number): number[] {
  const c = claim.checks;
  const p = Math.min(Math.max(claim.p, 1e-9), 1 - 1e-9);
  return [
    Math.log1p(c.contentCount),
    c.coverageDoc,
    c.coverageDocQuestion,
    c.coverageBest,
    c.coverageBestPlain,
    c.pairCoverageBest,
    c.pairCoverageDoc,
    c.verbatim ? 1 : 0,
    c.lcsRatio,
    c.sentenceLcsRatio,
    c.contentLcsRatio,
    Math.log1p(c.novelWords),
    Math.log1p(c.novelNumbers),
    c.numbersOutsideBest,
    Math.log1p(c.novelEntities),
    c.entitiesOutsideBest,
    c.negationAdded,
    c.negationDropped,
    c.deniedAttributes,
    c.hoursMismatch,
    c.antonyms,
    c.calendarMismatch,
    c.questionOnly,
    Math.log1p(c.unexplained),
    Math.log(p / (1 - p)),
    c.contentCount === 0 ? 0 : c.novelWords / c.contentCount,
    count <= 1 ? 0 : index / (count - 1),
  ];
}

/** softplus(z) = ln(1 + e^z), without overflow. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** The answer's risk: the sum over its claims of softplus of each claim's logit. */
export function answerRisk(model: LinearModel, vectors: readonly (readonly number[])[]): number {
  return vectors.reduce((sum, x) => sum + softplus(logit(model, x)), 0);
}

/** How the answer's risk maps to its logit of "supported", on the answer model's scale. */
export interface RiskCalibration {
  intercept: number;
  slope: number;
}

/** ln of the answer's risk; a floor keeps it finite when every claim is as safe as can be. */
export function logRisk(model: LinearModel, vectors: readonly (readonly number[])[]): number {
  return Math.log(Math.max(answerRisk(model, vectors), 1e-12));
}

/** The logit of "supported" that `calibration` gives a ln(risk). */
export const calibratedLogit = (calibration: RiskCalibration, lnRisk: number): number =>
  calibration.intercept + calibration.slope * lnRisk;

/** The answer's logit of "supported", from its risk. */
export function riskLogit(
  model: LinearModel & { calibration: RiskCalibration },
  vectors: readonly (readonly number[])[],
): number {
  return calibratedLogit(model.calibration, logRisk(model, vectors));
}

/** The claim-risk vectors of an answer's claims. */
export const claimRiskVectors = (claims: readonly ScoredClaimChecks[]): number[][] =>
  claims.map((c, i) => claimRiskVector(c, i, claims.length));
