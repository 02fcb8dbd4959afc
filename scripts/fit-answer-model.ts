/**
 * Fits the offline backend's answer-level models on real LLM answers and writes
 * `evaluators/offline/answer-model-weights.ts` and `evaluators/offline/claim-risk-weights.ts`.
 *
 *   npx tsx scripts/fit-answer-model.ts [ragtruth-dev.jsonl] [--dry-run]
 *
 * Data: RAGTruth dev (`../shared/data/ragtruth-dev.jsonl`, answers six real LLMs wrote over
 * retrieved passages, news and business records, labelled by people). Only answers of at least
 * `MIN_CLAIMS` claims are used, and answers to a question of `MIN_CONTENT_WORDS_WITH_QUESTION`
 * content words (`judgedWhole`): shorter ones stay with the claim model. The model is an L2
 * logistic regression (Newton's method) on `answerFeatureVector`, whose measures appear as they
 * are and crossed with the input's shape (a question, structured data). The crossed terms get a
 * stronger L2 than the shared ones: they let answers to a question and text written from records
 * weigh a measure differently, but summaries (the third shape, 65 hallucinated answers) borrow
 * their weights from all the answers, and shrinking the differences ranked summaries better.
 * Both strengths and both decision points are chosen on 5-fold cross-validation grouped by context
 * (the six answers to one source never straddle folds): the strengths for the best AUC on the
 * shape they rank worst (a team sends one kind of traffic, and the weakest kind is where the
 * evaluator fails it; the mean over shapes was flat within 0.005 over most of the grid), each
 * AUC averaged over four ways of drawing the folds (one draw moves an AUC by a point or two); the
 * decision points for the best F1 of "hallucinated", the measure RAGTruth reports.
 * groundedness's score is the whole answer's logit plus a weight times this mean's: the two
 * together ranked answers better than the mean alone (cross-validated AUC 0.80 against 0.78), and
 * the weight (0.25, 0.5 or 1, never 0) is chosen as the strengths are, for the shape ranked worst.
 * A claim is counted supported when, alone, it reaches the mean's own best decision point.
 * Answers to a question are then judged by the claim-risk model instead (`claim-risk-fit.ts`,
 * fitted on them alone): its L2 strength is chosen for their AUC over the four draws, and its
 * held-out risks on the first draw set the line that maps risk onto the answer model's scale.
 * The decision points are chosen on both models' held-out scores together.
 * The dataset's `task` is never a feature: only what a span carries (a question or not, JSON
 * documents or not) is.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ANSWER_FEATURE_NAMES,
  answerFeatureVector,
  judgedWhole,
} from "../evaluators/offline/answer-features.ts";
import {
  CLAIM_RISK_FEATURE_NAMES,
  calibratedLogit,
  claimRiskVectors,
  logRisk,
  type RiskCalibration,
  riskLogit,
} from "../evaluators/offline/claim-risk-features.ts";
import {
  CONTRADICTION_PENALTY,
  contradicts,
  penalised,
} from "../evaluators/offline/contradiction.ts";
import { type FeaturisedAnswer, featurise } from "../evaluators/offline/featurise.ts";
import {
  logit,
  meanProbabilityLogit,
  OFFLINE_MODEL,
  sigmoid,
} from "../evaluators/offline/model.ts";
import { claimProbabilities, shortAnswerScores } from "../evaluators/offline/short-answer.ts";
import { type LabelledCase, parseCases } from "../evaluators/testing/case-input.ts";
import { auc, classification } from "../evaluators/testing/metrics.ts";
import { calibrate, fitClaimRisk, type RiskFit, standardisation } from "./claim-risk-fit.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const MIN_CLAIMS = Number(process.env.FIT_MIN_CLAIMS ?? 3);
const FOLDS = 5;
/** Ways of drawing the folds: each uses another byte of the context's hash. */
const FOLD_DRAWS = 4;
const LAMBDAS = [1, 3, 10, 30, 100, 300, 1000];
/** The crossed terms' L2 strength, as a multiple of the shared terms'. */
const CROSS_RATIOS = [1, 10, 30, 100];
/** L2 strengths tried for the claim-risk model, which judges answers to a question. */
const RISK_LAMBDAS = [1, 3, 10, 30, 100];
/** Weights tried for the claims' mean in groundedness's logit, beside the whole answer's. */
const CLAIM_MEAN_WEIGHTS = [0.25, 0.5, 1];
/** Which inputs of the vector are crossed with the input's shape. */
const CROSSED = ANSWER_FEATURE_NAMES.map((n) => n.includes("*"));
const TRAIN = resolve(ROOT, "../shared/data/hallucination-train.jsonl");
/**
 * How far below the best F1 a decision point still counts as on its plateau: a point, so that the
 * benchmark file's groundedness AUC rose from 0.856 to 0.874 for 0.6 point of RAGTruth F1.
 */
const PLATEAU_F1 = 0.01;

interface Row {
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
function rowOf(c: LabelledCase, f: FeaturisedAnswer): Row {
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
  const group = createHash("sha256").update(c.context).digest();
  return {
    c,
    x: answerFeatureVector(scored, shape),
    claimXs: scored.map((s) => answerFeatureVector([s], shape)),
    riskXs: claimRiskVectors(scored),
    hallucinated: c.label === "hallucinated",
    contradiction: scored.some((s) => contradicts(s.checks, s.p)),
    folds: Array.from({ length: FOLD_DRAWS }, (_, draw) => (group[draw] as number) % FOLDS),
    shape: f.hasQuestion ? "question" : f.structured ? "structured" : "prose",
  };
}

const featuriseCase = (c: LabelledCase): FeaturisedAnswer =>
  featurise({ answer: c.answer ?? "", question: c.question, documents: [c.context] });

function rowsOf(cases: readonly LabelledCase[]): Row[] {
  const rows: Row[] = [];
  for (const c of cases) {
    const f = featuriseCase(c);
    if (judgedWhole(f.claims, f.hasQuestion, MIN_CLAIMS)) rows.push(rowOf(c, f));
  }
  return rows;
}

interface Fitted {
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

interface Strengths {
  lambda: number;
  /** The crossed terms' strength over `lambda`. */
  crossRatio: number;
}

/** L2-penalised logistic regression of "supported" on standardised features (Newton's method). */
function fitLogistic(rows: readonly Row[], { lambda, crossRatio }: Strengths): Fitted {
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
function claimMeanLogit(model: Fitted, r: Row): number {
  return meanProbabilityLogit(r.claimXs.map((x) => logit(model, x)));
}

/**
 * Held-out scores of each answer: the whole answer's logit (less the contradiction penalty) and
 * the logit of its claims' mean probability, each claim judged alone.
 */
interface Scores {
  answer: number[];
  claims: number[];
}

/** groundedness's logit: the whole answer's, plus `weight` times its claims' mean. */
const blendOf = (scores: Scores, weight: number): number[] =>
  scores.answer.map((a, i) => a + weight * (scores.claims[i] as number));

function crossValidate(rows: readonly Row[], strengths: Strengths, draw = 0): Scores {
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

/** Classification as the evaluators decide: at the threshold, and a contradiction always fails. */
function verdicts(scores: readonly number[], rows: readonly Row[], t: number) {
  return classification(
    scores.map((s, i) => s >= t && !(rows[i] as Row).contradiction),
    rows.map((r) => !r.hallucinated),
  );
}

/**
 * The decision points within a point of the best F1 of "hallucinated" (F1 is flat near its top),
 * and that best F1.
 */
function f1Plateau(
  scores: readonly number[],
  rows: readonly Row[],
): { thresholds: number[]; f1: number } {
  const sorted = [...scores].sort((a, b) => a - b);
  const tried: { t: number; f1: number }[] = [];
  for (let q = 0.05; q <= 0.95; q += 0.005) {
    const t = sorted[Math.floor(q * sorted.length)] as number;
    tried.push({ t, f1: verdicts(scores, rows, t).f1Hallucinated });
  }
  const best = Math.max(...tried.map((x) => x.f1));
  return { thresholds: tried.filter((x) => x.f1 >= best - PLATEAU_F1).map((x) => x.t), f1: best };
}

/** The middle of the plateau: the claim threshold, which no other score is ranked beside. */
function bestF1Threshold(
  scores: readonly number[],
  rows: readonly Row[],
): { t: number; f1: number } {
  const { thresholds, f1 } = f1Plateau(scores, rows);
  return { t: thresholds[Math.floor(thresholds.length / 2)] as number, f1 };
}

/**
 * A long answer's score sits beside a short answer's, which the claim model gives: where a
 * decision point falls on the F1 plateau moves every long answer against every short one. The
 * exact argmax jumped by a logit between two refits, and the benchmark file's groundedness AUC
 * (mostly short answers, some long) fell from 0.876 to 0.856. So, of the points on the plateau,
 * the one that ranks the claim model's training file (hallucination-train.jsonl, never used for
 * measurement) best, short and long answers together.
 */
function mixedThreshold(
  plateau: readonly number[],
  mixed: MixedCases,
  longLogit: (r: Row) => number,
  shortScore: (s: { groundedness: number; noHallucination: number }) => number,
): { t: number; auc: number } {
  const short = mixed.short.map((s) => shortScore(s.scores));
  const logits = mixed.long.map(longLogit);
  const supported = [
    ...mixed.short.map((s) => s.supported),
    ...mixed.long.map((r) => !r.hallucinated),
  ];
  let best = { t: plateau[0] as number, auc: -1 };
  for (const t of plateau) {
    const long = logits.map((z, i) => {
      const contradiction = (mixed.long[i] as Row).contradiction;
      return penalised(z - t, contradiction);
    });
    const a = auc([...short, ...long], supported);
    if (a > best.auc) best = { t, auc: a };
  }
  return best;
}

interface MixedCases {
  short: { scores: { groundedness: number; noHallucination: number }; supported: boolean }[];
  long: Row[];
}

/** The training file's answers: short ones scored by the claim model, long ones as rows. */
function mixedCases(path: string): MixedCases {
  const cases = parseCases(readFileSync(path, "utf8"));
  const mixed: MixedCases = { short: [], long: [] };
  for (const c of cases) {
    const f = featuriseCase(c);
    if (f.claims.length === 0) continue;
    if (judgedWhole(f.claims, f.hasQuestion, MIN_CLAIMS)) {
      mixed.long.push(rowOf(c, f));
      continue;
    }
    mixed.short.push({
      scores: shortAnswerScores(claimProbabilities(f.claims, OFFLINE_MODEL), OFFLINE_MODEL),
      supported: c.label !== "hallucinated",
    });
  }
  return mixed;
}

function report(name: string, scores: readonly number[], rows: readonly Row[], t: number): void {
  const parts: string[] = [];
  for (const task of ["all", "qa", "summarization", "data2text"]) {
    const idx = rows.flatMap((r, i) => (task === "all" || r.c.task === task ? [i] : []));
    const s = idx.map((i) => scores[i] as number);
    const sup = idx.map((i) => !(rows[i] as Row).hallucinated);
    const m = verdicts(
      s,
      idx.map((i) => rows[i] as Row),
      t,
    );
    parts.push(
      `${task} AUC ${auc(s, sup).toFixed(3)} P/R/F1 ${(100 * m.precisionHallucinated).toFixed(1)}/${(100 * m.recallHallucinated).toFixed(1)}/${(100 * m.f1Hallucinated).toFixed(1)}`,
    );
  }
  console.log(`${name}: ${parts.join(" | ")}`);
}

type RiskModel = RiskFit & { calibration: RiskCalibration };

const bagOf = (r: Row) => ({ xs: r.riskXs, hallucinated: r.hallucinated });

/**
 * Held-out ln(risk) of each answer to a question (NaN for the rest): the claim-risk model fitted on
 * the other folds' answers to a question.
 */
function crossValidateRisk(rows: readonly Row[], lambda: number, draw: number): number[] {
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
function withRisk(
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

const SHAPES = ["question", "structured", "prose"] as const;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The AUC of `scores` within each input shape, in `SHAPES` order. */
function shapeAucs(scores: readonly number[], rows: readonly Row[]): number[] {
  return SHAPES.map((shape) => {
    const idx = rows.flatMap((r, i) => (r.shape === shape ? [i] : []));
    return auc(
      idx.map((i) => scores[i] as number),
      idx.map((i) => !(rows[i] as Row).hallucinated),
    );
  });
}

function main(): void {
  const args = process.argv.slice(2);
  const dryRun = args.includes("--dry-run");
  const path =
    args.find((a) => !a.startsWith("--")) ?? resolve(ROOT, "../shared/data/ragtruth-dev.jsonl");
  const rows = rowsOf(parseCases(readFileSync(path, "utf8")));
  console.log(
    `${rows.length} answers judged whole (${MIN_CLAIMS}+ claims, or long answers to a question) from ${path}`,
  );
  const supported = rows.map((r) => !r.hallucinated);
  let chosen = {
    strengths: { lambda: LAMBDAS[0] as number, crossRatio: CROSS_RATIOS[0] as number },
    worstAuc: -1,
    draws: [] as Scores[],
  };
  for (const lambda of LAMBDAS) {
    for (const crossRatio of CROSS_RATIOS) {
      const strengths = { lambda, crossRatio };
      const draws = Array.from({ length: FOLD_DRAWS }, (_, draw) =>
        crossValidate(rows, strengths, draw),
      );
      const byShape = draws.map((d) => shapeAucs(d.answer, rows));
      const perShape = SHAPES.map((_, s) => mean(byShape.map((a) => a[s] as number)));
      const worstAuc = Math.min(...perShape);
      const overall = mean(draws.map((d) => auc(d.answer, supported)));
      const { f1 } = bestF1Threshold((draws[0] as Scores).answer, rows);
      console.log(
        `L2 ${lambda}, crossed terms x${crossRatio}: cross-validated AUC ${overall.toFixed(3)} (question, records, prose ${perShape.map((a) => a.toFixed(3)).join(", ")}; mean ${mean(perShape).toFixed(3)}), best F1 ${(100 * f1).toFixed(1)}`,
      );
      if (worstAuc > chosen.worstAuc) chosen = { strengths, worstAuc, draws };
    }
  }
  const model = fitLogistic(rows, chosen.strengths);

  // Answers to a question: the claim-risk model, its L2 strength chosen for their AUC over the
  // four draws, and its risk mapped onto the answer model's scale on the first draw's held-out risks.
  const questionRows = rows.filter((r) => r.shape === "question");
  let risk = { lambda: RISK_LAMBDAS[0] as number, auc: -1, draws: [] as number[][] };
  for (const lambda of RISK_LAMBDAS) {
    const draws = Array.from({ length: FOLD_DRAWS }, (_, draw) =>
      crossValidateRisk(rows, lambda, draw),
    );
    const aucs = draws.map((d) =>
      auc(
        rows.flatMap((r, i) => (r.shape === "question" ? [-(d[i] as number)] : [])),
        questionRows.map((r) => !r.hallucinated),
      ),
    );
    console.log(
      `claim-risk model, L2 ${lambda}: cross-validated AUC on answers to a question ${mean(aucs).toFixed(3)} (${aucs.map((a) => a.toFixed(3)).join(", ")})`,
    );
    if (mean(aucs) > risk.auc) risk = { lambda, auc: mean(aucs), draws };
  }
  const firstRisks = risk.draws[0] as number[];
  const calibration = calibrate(
    rows.flatMap((r, i) => (r.shape === "question" ? [firstRisks[i] as number] : [])),
    questionRows.map((r) => !r.hallucinated),
  );
  const riskModel: RiskModel = {
    ...fitClaimRisk(questionRows.map(bagOf), risk.lambda),
    calibration,
  };
  // Every draw's held-out scores as the evaluators give them: answers to a question by the
  // claim-risk model.
  const draws = chosen.draws.map((d, i) =>
    withRisk(d, rows, risk.draws[i] as number[], calibration),
  );
  const scores = draws[0] as Scores;

  // groundedness weighs its claims' mean beside the whole answer's logit: the weight is chosen,
  // like the strengths, for the AUC of the shape ranked worst over the four draws. It is never 0:
  // groundedness would then be hallucination's score and no longer read its claims.
  let blend = { weight: CLAIM_MEAN_WEIGHTS[0] as number, worstAuc: -1 };
  for (const weight of CLAIM_MEAN_WEIGHTS) {
    const byShape = draws.map((d) => shapeAucs(blendOf(d, weight), rows));
    const perShape = SHAPES.map((_, s) => mean(byShape.map((a) => a[s] as number)));
    const overall = mean(draws.map((d) => auc(blendOf(d, weight), supported)));
    console.log(
      `groundedness, claims' mean weighed ${weight}: cross-validated AUC ${overall.toFixed(3)} (question, records, prose ${perShape.map((a) => a.toFixed(3)).join(", ")})`,
    );
    if (Math.min(...perShape) > blend.worstAuc) blend = { weight, worstAuc: Math.min(...perShape) };
  }
  const claimMeanWeight = blend.weight;
  const answerLogit = (r: Row) =>
    r.shape === "question" ? riskLogit(riskModel, r.riskXs) : logit(model, r.x);
  const mixed = mixedCases(TRAIN);
  // The claim threshold flags the claims of the answers the answer model judges: answers to a
  // question have theirs flagged by the claim-risk model, so it is chosen on the others.
  const judgedByAnswerModel = rows.flatMap((r, i) => (r.shape === "question" ? [] : [i]));
  const tClaim = bestF1Threshold(
    judgedByAnswerModel.map((i) => scores.claims[i] as number),
    judgedByAnswerModel.map((i) => rows[i] as Row),
  ).t;
  const hall = mixedThreshold(
    f1Plateau(scores.answer, rows).thresholds,
    mixed,
    answerLogit,
    (s) => s.noHallucination,
  );
  const ground = mixedThreshold(
    f1Plateau(blendOf(scores, claimMeanWeight), rows).thresholds,
    mixed,
    (r) => answerLogit(r) + claimMeanWeight * claimMeanLogit(model, r),
    (s) => s.groundedness,
  );
  const tHall = hall.t;
  const tGround = ground.t;
  console.log(
    `decision points on the F1 plateau that rank ${TRAIN} (${mixed.short.length} short, ${mixed.long.length} long answers) best: hallucination ${tHall.toFixed(3)} (AUC ${hall.auc.toFixed(3)}), groundedness ${tGround.toFixed(3)} (AUC ${ground.auc.toFixed(3)})`,
  );
  const { lambda, crossRatio } = chosen.strengths;
  console.log(
    `chosen L2 ${lambda}, crossed terms x${crossRatio}; cross-validated (first draw), at the chosen decision points:`,
  );
  report("hallucination (answer)", scores.answer, rows, tHall);
  report("mean claim alone", scores.claims, rows, tClaim);
  report(
    `groundedness (answer + ${claimMeanWeight} x mean claim)`,
    blendOf(scores, claimMeanWeight),
    rows,
    tGround,
  );
  if (dryRun) return;
  const r6 = (v: number) => Math.round(v * 1e6) / 1e6;
  const f1 = bestF1Threshold(scores.answer, rows).f1;
  writeGenerated(
    "answer-model-weights.ts",
    `export const ANSWER_MODEL_WEIGHTS = {
  featureNames: ${JSON.stringify(ANSWER_FEATURE_NAMES)},
  mean: ${JSON.stringify(model.mean.map(r6))},
  std: ${JSON.stringify(model.std.map(r6))},
  weights: ${JSON.stringify(model.weights.map(r6))},
  bias: ${r6(model.bias)},
  minClaims: ${MIN_CLAIMS},
  claimMeanWeight: ${claimMeanWeight},
  logitThresholds: { hallucination: ${r6(tHall)}, groundedness: ${r6(tGround)}, claim: ${r6(tClaim)} },
  fittedOn: ${JSON.stringify(`ragtruth-dev.jsonl (${rows.length} answers judged whole), L2 logistic, lambda ${lambda} (crossed terms x${crossRatio}), cross-validated F1 ${(100 * f1).toFixed(1)}`)},
};
`,
  );
  writeGenerated(
    "claim-risk-weights.ts",
    `export const CLAIM_RISK_WEIGHTS = {
  featureNames: ${JSON.stringify(CLAIM_RISK_FEATURE_NAMES)},
  mean: ${JSON.stringify(riskModel.mean.map(r6))},
  std: ${JSON.stringify(riskModel.std.map(r6))},
  weights: ${JSON.stringify(riskModel.weights.map(r6))},
  bias: ${r6(riskModel.bias)},
  calibration: { intercept: ${r6(calibration.intercept)}, slope: ${r6(calibration.slope)} },
  fittedOn: ${JSON.stringify(`ragtruth-dev.jsonl (${questionRows.length} answers to a question judged whole), noisy-OR multiple-instance logistic, lambda ${risk.lambda}, cross-validated AUC ${risk.auc.toFixed(3)}`)},
};
`,
  );
}

/** Writes a generated weights file into evaluators/offline/, in the repository's format. */
function writeGenerated(name: string, body: string): void {
  const target = resolve(ROOT, "evaluators/offline", name);
  writeFileSync(
    target,
    `// Generated by scripts/fit-answer-model.ts: do not edit by hand.
// Typed where it is used, so that the weights and their model do not import each other.

${body}`,
  );
  // In the repository's format, so that the lint check passes on a generated file too.
  execFileSync(resolve(ROOT, "node_modules/.bin/biome"), ["format", "--write", target]);
  console.log(`wrote evaluators/offline/${name}`);
}

main();
