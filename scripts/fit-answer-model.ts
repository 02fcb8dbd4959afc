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
 * documents or not) is. The weights record the chosen strengths and the data file's SHA-256:
 * `npm run bench:quality` refits the models without each fold with them (`answer-model-fit.ts`)
 * and scores each answer of that file as on answers never seen.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ANSWER_FEATURE_NAMES, judgedWhole } from "../evaluators/offline/answer-features.ts";
import { CLAIM_RISK_FEATURE_NAMES, riskLogit } from "../evaluators/offline/claim-risk-features.ts";
import { BELOW_HALF, penalised } from "../evaluators/offline/contradiction.ts";
import { logit, OFFLINE_MODEL, sigmoid } from "../evaluators/offline/model.ts";
import { claimProbabilities, shortAnswerScores } from "../evaluators/offline/short-answer.ts";
import { parseCases } from "../evaluators/testing/case-input.ts";
import { auc, classification } from "../evaluators/testing/metrics.ts";
import {
  bagOf,
  blendOf,
  claimMeanLogit,
  crossValidate,
  crossValidateRisk,
  FOLD_DRAWS,
  featuriseCase,
  fitLogistic,
  MIN_CLAIMS,
  type RiskModel,
  type Row,
  rowOf,
  rowsOf,
  type Scores,
  withRisk,
} from "./answer-model-fit.ts";
import { calibrate, fitClaimRisk } from "./claim-risk-fit.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const LAMBDAS = [1, 3, 10, 30, 100, 300, 1000];
/** The crossed terms' L2 strength, as a multiple of the shared terms'. */
const CROSS_RATIOS = [1, 10, 30, 100];
/** L2 strengths tried for the claim-risk model, which judges answers to a question. */
const RISK_LAMBDAS = [1, 3, 10, 30, 100];
/** Weights tried for the claims' mean in groundedness's logit, beside the whole answer's. */
const CLAIM_MEAN_WEIGHTS = [0.25, 0.5, 1];
const TRAIN = resolve(ROOT, "../shared/data/hallucination-train.jsonl");
/**
 * How far below the best F1 a decision point still counts as on its plateau: a point, so that the
 * benchmark file's groundedness AUC rose from 0.856 to 0.874 for 0.6 point of RAGTruth F1.
 */
const PLATEAU_F1 = 0.01;

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

/**
 * AUC and classification of held-out logits `scores` at decision point `t`, overall and per task.
 * The AUC is of the score as the evaluators give it: a contradicted answer's is kept below ½
 * (`penalised`, whose penalty the held-out logits already carry), which ties the contradicted answers the model rates high, and takes a little off
 * the logits' own AUC (0.002 overall, 0.008 on answers to a question, when it came in).
 */
function report(name: string, scores: readonly number[], rows: readonly Row[], t: number): void {
  const parts: string[] = [];
  for (const task of ["all", "qa", "summarization", "data2text"]) {
    const idx = rows.flatMap((r, i) => (task === "all" || r.c.task === task ? [i] : []));
    const s = idx.map((i) => scores[i] as number);
    // The held-out logits already carry the contradiction penalty: only the cap is left.
    const given = idx.map((i) => {
      const p = sigmoid((scores[i] as number) - t);
      return (rows[i] as Row).contradiction ? Math.min(p, BELOW_HALF) : p;
    });
    const sup = idx.map((i) => !(rows[i] as Row).hallucinated);
    const m = verdicts(
      s,
      idx.map((i) => rows[i] as Row),
      t,
    );
    parts.push(
      `${task} AUC ${auc(given, sup).toFixed(3)} P/R/F1 ${(100 * m.precisionHallucinated).toFixed(1)}/${(100 * m.recallHallucinated).toFixed(1)}/${(100 * m.f1Hallucinated).toFixed(1)}`,
    );
  }
  console.log(`${name}: ${parts.join(" | ")}`);
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
  const data = readFileSync(path, "utf8");
  const rows = rowsOf(parseCases(data));
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
  fit: { lambda: ${lambda}, crossRatio: ${crossRatio}, dataSha256: "${createHash("sha256").update(data).digest("hex")}" },
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
  fit: { lambda: ${risk.lambda} },
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
