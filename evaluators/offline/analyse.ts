import {
  ANSWER_FEATURE_NAMES,
  type AnswerShape,
  answerFeatureVector,
  backwardSteps,
  judgedWhole,
  type ScoredClaimChecks,
} from "./answer-features.ts";
import { ANSWER_MODEL, type AnswerModel } from "./answer-model.ts";
import { claimRiskVectors, riskLogit } from "./claim-risk-features.ts";
import { CLAIM_RISK_MODEL, type ClaimRiskModel } from "./claim-risk-model.ts";
import { BELOW_HALF, contradicts, penalised } from "./contradiction.ts";
import { featurise, type OfflineInput } from "./featurise.ts";
import {
  logit,
  logitTerm,
  meanProbabilityLogit,
  OFFLINE_MODEL,
  type OfflineModel,
  sigmoid,
} from "./model.ts";
import { RecentCache } from "./recent-cache.ts";
import { claimProbabilities, shortAnswerScores } from "./short-answer.ts";

export type { OfflineInput } from "./featurise.ts";
export { groundednessScore } from "./short-answer.ts";

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
  /**
   * groundedness's score, 0.5 at its default decision point: for a short answer the share of
   * supported claims less a small doubt term (`groundednessScore`), for a long one the answer
   * model's logit (for an answer to a question, the claim-risk model's) plus a weighted logit of
   * the mean of its claims' probabilities (each claim judged alone by the answer model,
   * `claimMeanWeight`); each mapped so that its own decision point is ½.
   */
  groundedness: number;
  /**
   * hallucination's score, 0.5 at its default decision point: for a short answer the probability
   * that every claim is supported, for a long one the answer model's (for an answer to a question,
   * the claim-risk model's); each mapped so that its own decision point is ½.
   */
  noHallucination: number;
  /**
   * What the answer model held against the answer as a whole rather than against one claim: its
   * claims jumping back and forth through the context. Empty for short answers.
   */
  answerIssues: string[];
}

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

/**
 * Scores an answer as `analyseOffline` does, with other long-answer models than the shipped ones:
 * the quality bench's, refitted without the fold of the answer it scores. Never cached.
 */
export function analyseOfflineWith(
  input: OfflineInput,
  models: { answer: AnswerModel; risk: ClaimRiskModel },
): OfflineAnalysis {
  return analyse(input, OFFLINE_MODEL, models.answer, models.risk);
}

function analyse(
  input: OfflineInput,
  model: OfflineModel,
  answerModel: AnswerModel = ANSWER_MODEL,
  riskModel: ClaimRiskModel = CLAIM_RISK_MODEL,
): OfflineAnalysis {
  const featurised = featurise(input);
  const { refusal, claims } = featurised;
  if (claims.length === 0) {
    return {
      noClaims: true,
      refusal,
      claims: [],
      groundedness: 1,
      noHallucination: 1,
      answerIssues: [],
    };
  }
  const claimScores = claimProbabilities(claims, model);
  if (!judgedWhole(claims, featurised.hasQuestion, answerModel.minClaims)) {
    // Short answers, as the benchmark files hold: every claim must hold (noisy-AND).
    const verdicts = claims.map(
      (c, i): ClaimVerdict => ({
        text: c.claim.text,
        score: claimScores[i] as number,
        supported: (claimScores[i] as number) >= model.thresholds.claim,
        evidence: c.evidence,
        issues: c.issues,
      }),
    );
    return {
      noClaims: false,
      refusal,
      claims: verdicts,
      ...shortAnswerScores(claimScores, model),
      answerIssues: [],
    };
  }
  // Long answers, as real LLMs write them: judged as a whole by how much of them the context
  // holds and by the hard facts they add; a claim is flagged when, judged alone, it would fail.
  const shape = {
    hasQuestion: featurised.hasQuestion,
    structured: featurised.structured,
    contextSentences: featurised.contextSentences,
  };
  const scored = claims.map((c, i) => ({
    checks: c.checks,
    p: claimScores[i] as number,
    position: c.position,
  }));
  const { logitThresholds } = answerModel;
  // Each claim judged alone, as a one-claim answer: supported from the decision point that is
  // best for the mean of these probabilities.
  const alone = scored.map((s) => logit(answerModel, answerFeatureVector([s], shape)));
  // An answer to a question fails by one claim the passages lack: the claim-risk model, which
  // counts doubtful claims, ranks those better than the answer model's averages. It then also
  // says which claims fail, so that the claims an explanation names are the ones its score
  // counted: each claim judged alone as a one-claim answer (its own risk), failing where the
  // answer would.
  const risks = shape.hasQuestion ? claimRiskVectors(scored) : null;
  const claimLogits = risks ? risks.map((x) => riskLogit(riskModel, [x])) : alone;
  const claimThreshold = risks ? logitThresholds.hallucination : logitThresholds.claim;
  // A contradicted claim takes CONTRADICTION_PENALTY off both logits and keeps them below ½: the
  // answer fails, yet stays ordered among its peers by everything else it holds.
  const contradicted = scored.map((s) => contradicts(s.checks, s.p));
  const contradiction = contradicted.some(Boolean);
  const verdicts = claims.map((c, i): ClaimVerdict => {
    const score = sigmoid((claimLogits[i] as number) - claimThreshold);
    return {
      text: c.claim.text,
      score: contradicted[i] ? Math.min(score, BELOW_HALF) : score,
      supported: !contradicted[i] && (claimLogits[i] as number) >= claimThreshold,
      evidence: c.evidence,
      issues: c.issues,
    };
  });
  // The claims' order weighs only in the answer model's logit, so only it names their jumps.
  const whole = risks
    ? { logit: riskLogit(riskModel, risks), issues: [] }
    : byAnswerModel(scored, shape, answerModel);
  const answerLogit = whole.logit;
  return {
    noClaims: false,
    refusal,
    claims: verdicts,
    groundedness: penalised(
      answerLogit +
        answerModel.claimMeanWeight * meanProbabilityLogit(alone) -
        logitThresholds.groundedness,
      contradiction,
    ),
    noHallucination: penalised(answerLogit - logitThresholds.hallucination, contradiction),
    answerIssues: whole.issues,
  };
}

/** The answer model's logit for a long answer, and what it held against the answer as a whole. */
function byAnswerModel(
  scored: readonly ScoredClaimChecks[],
  shape: AnswerShape,
  model: AnswerModel,
): { logit: number; issues: string[] } {
  const vector = answerFeatureVector(scored, shape);
  return { logit: logit(model, vector), issues: orderIssues(scored, vector, model) };
}

/** How much the order of the claims must lower the answer's logit to be named: a visible share. */
const ORDER_NOTE_LOGIT = 0.2;

// The answer model's inputs that read the claims' order: the measure and its crossings.
const ORDER_FEATURES = ANSWER_FEATURE_NAMES.flatMap((name, i) =>
  name.startsWith("backwardJumps") ? [i] : [],
);

/**
 * The claims' jumps back through the context, named when they lowered the answer's logit by
 * `ORDER_NOTE_LOGIT` or more (the model's weights on them, standardised as it reads them).
 */
function orderIssues(
  scored: readonly ScoredClaimChecks[],
  vector: readonly number[],
  model: AnswerModel,
): string[] {
  const contribution = ORDER_FEATURES.reduce((sum, i) => sum + logitTerm(model, vector, i), 0);
  if (contribution > -ORDER_NOTE_LOGIT) return [];
  const { steps } = backwardSteps(scored);
  const widest = [...steps].sort((a, b) => b.from - b.to - (a.from - a.to)).slice(0, 2);
  const where = widest.map((s) => `from its sentence ${s.from + 1} back to ${s.to + 1}`).join(", ");
  return [
    `the claims jump back through the context ${steps.length} time${steps.length === 1 ? "" : "s"} (${where}); answers that do often join facts the context keeps apart`,
  ];
}
