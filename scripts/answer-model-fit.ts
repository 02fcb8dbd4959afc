/**
 * Fitting the answer model (`evaluators/offline/answer-model.ts`) on labelled long answers, for
 * `scripts/fit-answer-model.ts`, which chooses its strengths and writes its weights, and for
 * `scripts/bench-quality.ts`, which scores each answer of the file it was fitted on with a model
 * fitted without that answer's fold. An L2 logistic regression (Newton's method) on
 * `answerFeatureVector`; folds are grouped by context, so the six answers to one source never
 * straddle them.
 */
import { createHash } from "node:crypto";
import { groundingDocuments } from "../evaluators/common.ts";
import { analyseOfflineWith, type OfflineAnalysis } from "../evaluators/offline/analyse.ts";
import {
  ANSWER_FEATURE_NAMES,
  answerFeatureVector,
  judgedWhole,
} from "../evaluators/offline/answer-features.ts";
import type { AnswerModel } from "../evaluators/offline/answer-model.ts";
import {
  calibratedLogit,
  claimRiskVectors,
  logRisk,
  type RiskCalibration,
} from "../evaluators/offline/claim-risk-features.ts";
import type { ClaimRiskModel } from "../evaluators/offline/claim-risk-model.ts";
import { CONTRADICTION_PENALTY, contradicts } from "../evaluators/offline/contradiction.ts";
import {
  type FeaturisedAnswer,
  featurise,
  type OfflineInput,
} from "../evaluators/offline/featurise.ts";
import {
  logit,
  meanProbabilityLogit,
  OFFLINE_MODEL,
  sigmoid,
} from "../evaluators/offline/model.ts";
import { claimProbabilities } from "../evaluators/offline/short-answer.ts";
import { caseToInput, type LabelledCase } from "../evaluators/testing/case-input.ts";
import { fitClaimRisk, type RiskFit, standardisation } from "./claim-risk-fit.ts";

export const MIN_CLAIMS = Number(process.env.FIT_MIN_CLAIMS ?? 3);
export const FOLDS = 5;
/** Ways of drawing the folds: each uses another byte of the context's hash. */
export const FOLD_DRAWS = 4;
/** Which inputs of the vector are crossed with the input's shape. */
const CROSSED = ANSWER_FEATURE_NAMES.map((n) => n.includes("*"));

/** The fold of an answer over `context` in draw `draw`: the answers to one source share it. */
export function foldOf(context: string, draw: number): number {
  return (createHash("sha256").update(context).digest()[draw] as number) % FOLDS;
}

export interface Row {
  c: LabelledCase;
  x: number[];
  /** Each claim alone, as a one-claim answer: groundedness averages their probabilities. */
  claimXs: number[][];
  /** Each claim's input to the claim-risk model. */
  riskXs: number[][];
  hallucinated: boolean;
  /** Some claim contradicts the context (`contradicts`): the answer fails whatever its score. */
  contradiction: boolean;
  /** Its fold in each draw (`FOLD_DRAWS`); the first draw is the one reported. */
  folds: number[];
  /** The input's shape: the strengths are chosen for the AUC of the shape ranked worst. */
  shape: "question" | "structured" | "prose";
}

/** A long answer (`judgedWhole`) as the fit reads it, from its featurised form. */
export function rowOf(c: LabelledCase, f: FeaturisedAnswer): Row {
  // The probabilities the service gives the answer model: claimProbabilities caps a claim only
  // the question holds, so the fit must see the same cap.
  const probabilities = claimProbabilities(f.claims, OFFLINE_MODEL);
  const scored = f.claims.map((claim, i) => ({
    checks: claim.checks,
    p: probabilities[i] as number,
    position: claim.position,
  }));
  const shape = {
    hasQuestion: f.hasQuestion,
    structured: f.structured,
    contextSentences: f.contextSentences,
  };
  return {
    c,
    x: answerFeatureVector(scored, shape),
    claimXs: scored.map((s) => answerFeatureVector([s], shape)),
    riskXs: claimRiskVectors(scored),
    hallucinated: c.label === "hallucinated",
    contradiction: scored.some((s) => contradicts(s.checks, s.p)),
    folds: Array.from({ length: FOLD_DRAWS }, (_, draw) => foldOf(c.context, draw)),
    shape: f.hasQuestion ? "question" : f.structured ? "structured" : "prose",
  };
}

/** A case featurised as the evaluators read it (`offlineInputOf`). */
export const featuriseCase = (c: LabelledCase): FeaturisedAnswer => featurise(offlineInputOf(c));

export function rowsOf(cases: readonly LabelledCase[]): Row[] {
  const rows: Row[] = [];
  for (const c of cases) {
    const f = featuriseCase(c);
    if (judgedWhole(f.claims, f.hasQuestion, MIN_CLAIMS)) rows.push(rowOf(c, f));
  }
  return rows;
}

export interface Fitted {
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

/** Solves A·x = b in place by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  for (let i = 0; i < n; i++) {
    let pivot = i;
    for (let r = i + 1; r < n; r++) {
      if (Math.abs((a[r] as number[])[i] as number) > Math.abs((a[pivot] as number[])[i] as number))
        pivot = r;
    }
    [a[i], a[pivot]] = [a[pivot] as number[], a[i] as number[]];
    [b[i], b[pivot]] = [b[pivot] as number, b[i] as number];
    const row = a[i] as number[];
    for (let r = i + 1; r < n; r++) {
      const other = a[r] as number[];
      const f = (other[i] as number) / (row[i] as number);
      if (f === 0) continue;
      for (let k = i; k < n; k++) other[k] = (other[k] as number) - f * (row[k] as number);
      b[r] = (b[r] as number) - f * (b[i] as number);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    const row = a[i] as number[];
    let s = b[i] as number;
    for (let k = i + 1; k < n; k++) s -= (row[k] as number) * (x[k] as number);
    x[i] = s / (row[i] as number);
  }
  return x;
}

export interface Strengths {
  lambda: number;
  /** The crossed terms' strength over `lambda`. */
  crossRatio: number;
}

/** L2-penalised logistic regression of "supported" on standardised features (Newton's method). */
export function fitLogistic(rows: readonly Row[], { lambda, crossRatio }: Strengths): Fitted {
  const d = ANSWER_FEATURE_NAMES.length;
  const { mean, std } = standardisation(
    rows.map((r) => r.x),
    d,
  );
  const z = rows.map((r) => [
    ...r.x.map((v, j) => (v - (mean[j] as number)) / (std[j] as number)),
    1,
  ]);
  const y = rows.map((r) => (r.hallucinated ? 0 : 1));
  const penalty = CROSSED.map((crossed) => (crossed ? lambda * crossRatio : lambda));
  let beta = new Array<number>(d + 1).fill(0);
  for (let iter = 0; iter < 30; iter++) {
    const grad = beta.map((b, j) => (j < d ? (penalty[j] as number) * b : 0));
    const hess = Array.from({ length: d + 1 }, (_, i) =>
      Array.from({ length: d + 1 }, (_, j) => (i === j && i < d ? (penalty[i] as number) : 0)),
    );
    z.forEach((zi, n) => {
      const p = sigmoid(zi.reduce((s, v, j) => s + v * (beta[j] as number), 0));
      const w = p * (1 - p);
      const err = p - (y[n] as number);
      for (let i = 0; i <= d; i++) {
        grad[i] = (grad[i] as number) + err * (zi[i] as number);
        const hi = hess[i] as number[];
        for (let j = 0; j <= d; j++)
          hi[j] = (hi[j] as number) + w * (zi[i] as number) * (zi[j] as number);
      }
    });
    const step = solve(hess, grad);
    beta = beta.map((b, j) => b - (step[j] as number));
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return { mean, std, weights: beta.slice(0, d), bias: beta[d] as number };
}

/** The mean over claims of the model's probability (each claim judged alone), as a logit. */
export function claimMeanLogit(model: Fitted, r: Row): number {
  return meanProbabilityLogit(r.claimXs.map((x) => logit(model, x)));
}

/**
 * Held-out scores of each answer: the whole answer's logit (less the contradiction penalty) and
 * the logit of its claims' mean probability, each claim judged alone.
 */
export interface Scores {
  answer: number[];
  claims: number[];
}

/** groundedness's logit: the whole answer's, plus `weight` times its claims' mean. */
export const blendOf = (scores: Scores, weight: number): number[] =>
  scores.answer.map((a, i) => a + weight * (scores.claims[i] as number));

export function crossValidate(rows: readonly Row[], strengths: Strengths, draw = 0): Scores {
  const answer = new Array<number>(rows.length).fill(0);
  const claims = new Array<number>(rows.length).fill(0);
  for (let k = 0; k < FOLDS; k++) {
    const model = fitLogistic(
      rows.filter((r) => r.folds[draw] !== k),
      strengths,
    );
    rows.forEach((r, i) => {
      if (r.folds[draw] !== k) return;
      answer[i] = logit(model, r.x);
      claims[i] = claimMeanLogit(model, r);
      // As the evaluators do: a penalty on the logit, and a fail whatever the threshold (`report`
      // reads the flag).
      if (r.contradiction) answer[i] = (answer[i] as number) - CONTRADICTION_PENALTY;
    });
  }
  return { answer, claims };
}

export type RiskModel = RiskFit & { calibration: RiskCalibration };

export const bagOf = (r: Row) => ({ xs: r.riskXs, hallucinated: r.hallucinated });

/**
 * Held-out ln(risk) of each answer to a question (NaN for the rest): the claim-risk model fitted on
 * the other folds' answers to a question.
 */
export function crossValidateRisk(rows: readonly Row[], lambda: number, draw: number): number[] {
  const out = new Array<number>(rows.length).fill(Number.NaN);
  for (let k = 0; k < FOLDS; k++) {
    const train = rows.filter((r) => r.shape === "question" && r.folds[draw] !== k);
    const model = fitClaimRisk(train.map(bagOf), lambda);
    rows.forEach((r, i) => {
      if (r.shape === "question" && r.folds[draw] === k) out[i] = logRisk(model, r.riskXs);
    });
  }
  return out;
}

/**
 * Answers to a question judged by the claim-risk model instead: their answer logit becomes the
 * calibrated held-out risk, less the contradiction penalty.
 */
export function withRisk(
  scores: Scores,
  rows: readonly Row[],
  logRisks: readonly number[],
  calibration: RiskCalibration,
): Scores {
  const answer = [...scores.answer];
  rows.forEach((r, i) => {
    if (r.shape !== "question") return;
    const z = calibratedLogit(calibration, logRisks[i] as number);
    answer[i] = z - (r.contradiction ? CONTRADICTION_PENALTY : 0);
  });
  return { answer, claims: scores.claims };
}

/** The models that judge long answers, as `analyseOfflineWith` takes them. */
export interface LongAnswerModels {
  answer: AnswerModel;
  risk: ClaimRiskModel;
}

/**
 * The shipped models refitted without each fold of the first draw (fold k's never saw an answer
 * of fold k), with the shipped strengths, and the shipped decision points, claims' mean weight and
 * calibration: those were chosen on held-out scores already.
 */
export function foldModels(rows: readonly Row[], shipped: LongAnswerModels): LongAnswerModels[] {
  return Array.from({ length: FOLDS }, (_, k) => {
    const train = rows.filter((r) => r.folds[0] !== k);
    const questions = train.filter((r) => r.shape === "question").map(bagOf);
    return {
      answer: {
        ...shipped.answer,
        ...fitLogistic(train, shipped.answer.fit),
        fittedOn: `fold ${k} of ${FOLDS} left out`,
      },
      risk: {
        ...shipped.risk,
        ...fitClaimRisk(questions, shipped.risk.fit.lambda),
        fittedOn: `fold ${k} of ${FOLDS} left out`,
      },
    };
  });
}

/** What the offline backend reads of a case, as the grounding evaluators take it from a span. */
export function offlineInputOf(c: LabelledCase): OfflineInput {
  const input = caseToInput(c);
  return {
    answer: input.answer ?? "",
    question: input.question,
    documents: groundingDocuments(input),
  };
}

/**
 * Each long answer of `cases` (`judgedWhole`) analysed by the models fitted without its fold: on
 * the file the shipped models were fitted on, what they would score on answers they have not
 * seen. Short answers are not in the map: the claim model judges them, fitted on other files.
 */
export function heldOutAnalyses(
  cases: readonly LabelledCase[],
  shipped: LongAnswerModels,
): Map<LabelledCase, OfflineAnalysis> {
  const rows = rowsOf(cases);
  const models = foldModels(rows, shipped);
  return new Map(
    rows.map((r) => [
      r.c,
      analyseOfflineWith(offlineInputOf(r.c), models[r.folds[0] as number] as LongAnswerModels),
    ]),
  );
}
