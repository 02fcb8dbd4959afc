/**
 * Quality bench of the built-in grounding evaluators on a labelled cases file.
 *
 *   npm run bench:quality [-- path/to/cases.jsonl]
 *   npm run bench:quality -- --backend judge [--model M] [--limit N] [--concurrency C] [path]
 *
 * The default files are RAGTruth dev (`../shared/data/ragtruth-dev.jsonl`, real LLM answers) and
 * the benchmark dev file (`../shared/data/hallucination-dev.jsonl`) beside the repository; paths
 * given replace them. For each evaluator at its own default threshold: AUC (score against
 * "supported"), balanced accuracy, and precision, recall and F1 of "hallucinated" (the positive
 * class), overall and per task; for a RAGTruth file also the paper's response-level table beside
 * the published rows. Offline, also the CPU time per case of both evaluators together. Skipped
 * cases are counted and left out of the metrics.
 *
 * The offline answer model was fitted on RAGTruth dev itself, so its figures there are in-sample.
 * On the file it was fitted on (known by its SHA-256), the offline rows come twice: in-sample, and
 * held out, where each long answer is scored by the models refitted without its fold (five folds
 * grouped by source, as `scripts/fit-answer-model.ts` chose them): what to expect on answers the
 * models have not seen.
 *
 * `--backend judge` asks the LLM judge at `OPENAI_BASE_URL` with `OPENAI_API_KEY` (either may be
 * enough: a local server needs no key, OpenAI needs no URL), model `--model`, else `JUDGE_MODEL`,
 * else the judge's default. It costs money: `--limit N` takes N cases spread evenly over the
 * file. Cases the judge could not score (malformed twice, unavailable) are counted as errors and
 * left out of the metrics; the total tokens and cost are printed.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { builtinEvaluators } from "../evaluators/index.ts";
import type { OfflineAnalysis } from "../evaluators/offline/analyse.ts";
import { ANSWER_MODEL } from "../evaluators/offline/answer-model.ts";
import { CLAIM_RISK_MODEL } from "../evaluators/offline/claim-risk-model.ts";
import { caseToInput, type LabelledCase, parseCases } from "../evaluators/testing/case-input.ts";
import { atThreshold, auc, quantile } from "../evaluators/testing/metrics.ts";
import { spreadCases } from "../src/cases/cases-file.ts";
import { createCasesJudge } from "../src/cases/cases-judge.ts";
import { runCases } from "../src/cases/run-cases.ts";
import { errorMessage } from "../src/errors.ts";
import { toActive } from "../src/evaluators/registry.ts";
import type { Evaluator } from "../src/index.ts";
import type { GuardedJudge } from "../src/judge/create-judge.ts";
import { parseJudgeConfig } from "../src/judge/judge-config.ts";
import { heldOutAnalyses } from "./answer-model-fit.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const silent = { debug() {}, info() {}, warn() {}, error() {} };

interface Row {
  c: LabelledCase;
  score: number;
  passed: boolean;
  ms: number;
}

interface Backend {
  name: "offline" | "judge";
  judge: GuardedJudge | null;
  model?: string;
  concurrency: number;
}

interface Run {
  rows: Row[];
  skipped: number;
  errors: Map<string, number>;
  tokens: number;
  costUsd: number | null;
}

async function run(
  evaluator: Evaluator,
  cases: readonly LabelledCase[],
  backend: Backend,
): Promise<Run> {
  const settings = evaluator.settings.parse({
    backend: backend.name,
    ...(backend.model ? { model: backend.model } : {}),
  });
  const out: Run = { rows: [], skipped: 0, errors: new Map(), tokens: 0, costUsd: 0 };
  // Offline runs one case at a time so its timing is per case on one core; a judge waits on the
  // network, so a few requests in flight. A judge that fails one case does not lose the others'
  // (paid-for) verdicts: it is counted as an error.
  const tally = await runCases(cases, {
    evaluators: [toActive(evaluator, settings)],
    toInput: caseToInput,
    judge: backend.judge,
    concurrency: backend.concurrency,
    timeoutMs: 10 * 60_000,
    logger: silent,
    onOutcome: (o) => {
      if (o.status === "error" || o.status === "not_run") {
        out.errors.set(o.reason, (out.errors.get(o.reason) ?? 0) + 1);
      } else if (o.status === "skipped" || o.result.score === null) {
        out.skipped++;
      } else {
        out.rows.push({
          c: o.case,
          score: o.result.score,
          passed: o.result.passed ?? false,
          ms: o.latencyMs,
        });
      }
    },
  });
  out.tokens = tally.spend.tokens;
  out.costUsd = tally.spend.costUsd;
  return out;
}

/** Which score of the offline analysis each built-in evaluator gives. */
const OFFLINE_SCORE: Readonly<Record<string, (a: OfflineAnalysis) => number>> = {
  groundedness: (a) => a.groundedness,
  hallucination: (a) => a.noHallucination,
};

interface Result {
  name: string;
  rows: Row[];
  threshold: number;
}

/**
 * The offline results with each long answer scored as on answers the models never saw: by the
 * models refitted without its fold (`heldOutAnalyses`, over the whole file even under --limit, so
 * that each fold's model is fitted as the shipped one was). Short answers keep their scores: the
 * claim model that judges them was fitted on other files.
 */
function heldOut(
  results: readonly (Result & { evaluator: string })[],
  all: readonly LabelledCase[],
): Result[] {
  const analyses = heldOutAnalyses(all, { answer: ANSWER_MODEL, risk: CLAIM_RISK_MODEL });
  return results.map(({ name, rows, threshold, evaluator }) => {
    const score = OFFLINE_SCORE[evaluator];
    if (!score) throw new Error(`no offline score known for evaluator ${evaluator}`);
    return {
      name: `${name} held out`,
      threshold,
      rows: rows.map((r) => {
        const a = analyses.get(r.c);
        if (!a) return r;
        const s = Math.round(score(a) * 10_000) / 10_000;
        return { ...r, score: s, passed: s >= threshold };
      }),
    };
  });
}

/** The backend the flags ask for; exits with a message when the judge has no endpoint. */
function backendFromArgs(values: {
  backend?: string;
  model?: string;
  concurrency?: string;
}): Backend {
  if (values.backend === undefined || values.backend === "offline") {
    return { name: "offline", judge: null, concurrency: 1 };
  }
  if (values.backend !== "judge") {
    console.error(`unknown --backend ${values.backend}: offline or judge`);
    process.exit(2);
  }
  const baseUrl = process.env.OPENAI_BASE_URL;
  const apiKey = process.env.OPENAI_API_KEY;
  const model = values.model ?? process.env.JUDGE_MODEL;
  const config =
    baseUrl || apiKey
      ? parseJudgeConfig({
          ...(baseUrl ? { base_url: baseUrl } : {}),
          ...(apiKey ? { api_key: apiKey } : {}),
        })
      : undefined;
  try {
    const { judge } = createCasesJudge(config, {
      ...(model ? { model } : {}),
      example: "npm run bench:quality -- --backend judge --limit 100",
      configFile: false,
    });
    return {
      name: "judge",
      judge,
      ...(model ? { model } : {}),
      concurrency: Math.max(1, Number(values.concurrency ?? 4)),
    };
  } catch (err) {
    console.error(errorMessage(err));
    process.exit(2);
  }
}

function metrics(rows: readonly Row[], threshold: number) {
  const scores = rows.map((r) => r.score);
  const positive = rows.map((r) => r.c.label === "supported");
  const m = atThreshold(scores, positive, threshold);
  return { n: rows.length, auc: auc(scores, positive), ...m };
}

const f = (x: number): string => (Number.isNaN(x) ? "  n/a" : x.toFixed(3));

/** Published response-level results on the whole RAGTruth test split (shared/data/README.md). */
const PUBLISHED: readonly (readonly string[])[] = [
  ["Prompt gpt-3.5-turbo (published)", "30.8", "77.4", "37.1", "37.1", "92.3", "52.9", ""],
  ["Prompt gpt-4-turbo (published)", "45.6", "78.3", "47.6", "46.9", "97.9", "63.4", ""],
  ["Luna, DeBERTa (published)", "51.3", "75.9", "52.5", "52.7", "86.1", "65.4", ""],
  ["LettuceDetect-large (published)", "70.2", "88.5", "59.7", "80.4", "78.1", "79.2", ""],
];

const pct = (x: number): string => (Number.isNaN(x) ? "n/a" : (100 * x).toFixed(1));

/** Prints a Markdown table, numbers right-aligned. */
function table(header: readonly string[], lines: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const fmt = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(" | ")} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const l of lines) console.log(fmt(l));
}

/**
 * RAGTruth's response-level form: F1 of "hallucinated" per task, overall precision, recall and
 * F1, beside the published rows and "flag every answer"; AUC added, which the paper does not give.
 */
function ragtruthTable(results: readonly Result[]): void {
  const tasks = ["qa", "data2text", "summarization"] as const;
  const lines: string[][] = [];
  const all = results[0]?.rows ?? [];
  const flagAll = (rows: readonly Row[]) =>
    atThreshold(
      rows.map(() => 0),
      rows.map((r) => r.c.label === "supported"),
      1,
    );
  const everyTask = tasks.map((t) =>
    pct(flagAll(all.filter((r) => r.c.task === t)).f1Hallucinated),
  );
  const every = flagAll(all);
  lines.push([
    "flag every answer (this file)",
    ...everyTask,
    pct(every.precisionHallucinated),
    pct(every.recallHallucinated),
    pct(every.f1Hallucinated),
    "",
  ]);
  lines.push(...PUBLISHED.map((l) => [...l]));
  for (const { name, rows, threshold } of results) {
    const m = metrics(rows, threshold);
    const perTask = tasks.map((t) =>
      metrics(
        rows.filter((r) => r.c.task === t),
        threshold,
      ),
    );
    lines.push([
      `${name} @${threshold} (this file)`,
      ...perTask.map((x) => pct(x.f1Hallucinated)),
      pct(m.precisionHallucinated),
      pct(m.recallHallucinated),
      pct(m.f1Hallucinated),
      [m, ...perTask].map((x) => f(x.auc)).join(" / "),
    ]);
  }
  table(
    ["method", "QA F1", "Data2txt F1", "Summary F1", "P", "R", "F1", "AUC all / QA / d2t / sum"],
    lines,
  );
}

/** The generic table: per evaluator and task, AUC and the classification at its threshold. */
function taskTable(results: readonly Result[]): void {
  const lines: string[][] = [];
  for (const { name, rows, threshold } of results) {
    const tasks = [...new Set(rows.map((r) => r.c.task))].sort();
    for (const subset of ["all", ...tasks]) {
      const sub = rows.filter((r) => subset === "all" || r.c.task === subset);
      const m = metrics(sub, threshold);
      lines.push([
        `${name}@${threshold} ${subset}`,
        String(m.n),
        f(m.auc),
        f(m.balancedAccuracy),
        pct(m.precisionHallucinated),
        pct(m.recallHallucinated),
        pct(m.f1Hallucinated),
      ]);
    }
  }
  table(["evaluator, subset", "n", "AUC", "balAcc", "P", "R", "F1"], lines);
}

/**
 * CPU time of both offline evaluators together on each case, one case at a time on one core
 * (the second evaluator reuses the first's analysis, as in the service): median and p90.
 */
async function offlineCpu(cases: readonly LabelledCase[]): Promise<string> {
  const ctx = (evaluator: Evaluator) => ({
    settings: evaluator.settings.parse({ backend: "offline" }),
    logger: silent,
    signal: new AbortController().signal,
    judge: null,
  });
  const contexts = builtinEvaluators.map((e) => [e, ctx(e)] as const);
  const once = async (c: LabelledCase): Promise<number> => {
    const input = caseToInput(c);
    const t0 = process.cpuUsage();
    for (const [evaluator, context] of contexts) await evaluator.evaluate(input, context);
    const d = process.cpuUsage(t0);
    return (d.user + d.system) / 1000;
  };
  for (const c of cases.slice(0, 20))
    await once({ ...c, id: `warm-${c.id}`, answer: `${c.answer} ` });
  const ms: number[] = [];
  for (const c of cases) ms.push(await once(c));
  return `median ${quantile(ms, 0.5).toFixed(2)} ms, p90 ${quantile(ms, 0.9).toFixed(2)} ms, mean ${(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(2)} ms`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      backend: { type: "string" },
      model: { type: "string" },
      limit: { type: "string" },
      concurrency: { type: "string" },
    },
  });
  const backend = backendFromArgs(values);
  const paths =
    positionals.length > 0
      ? positionals
      : [
          resolve(ROOT, "../shared/data/ragtruth-dev.jsonl"),
          resolve(ROOT, "../shared/data/hallucination-dev.jsonl"),
        ];
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    console.error(`--limit must be a positive integer, not ${values.limit}`);
    process.exit(2);
  }
  for (const path of paths) {
    const text = readFileSync(path, "utf8");
    const all = parseCases(text);
    const cases = spreadCases(all, limit);
    const judged = backend.judge ? ` with the judge (${backend.model ?? backend.judge.model})` : "";
    console.log(`\n## ${path}: ${cases.length} cases, ${backend.name} backend${judged}\n`);
    const results: (Result & { evaluator: string })[] = [];
    const notes: string[] = [];
    for (const evaluator of builtinEvaluators) {
      const { rows, skipped, errors, tokens, costUsd } = await run(evaluator, cases, backend);
      const threshold = (
        evaluator.settings.parse({ backend: backend.name }) as { threshold: number }
      ).threshold;
      results.push({
        name: `${evaluator.name} ${evaluator.version}`,
        rows,
        threshold,
        evaluator: evaluator.name,
      });
      const failed = [...errors].map(([code, n]) => `${n} ${code}`).join(", ");
      const spent = backend.judge
        ? `; ${tokens} judge tokens, ${costUsd === null ? "cost unknown (unpriced model)" : `$${costUsd.toFixed(4)}`}`
        : "";
      notes.push(
        `${evaluator.name}: skipped ${skipped}${failed ? `; errors: ${failed}` : ""}${spent}`,
      );
    }
    const fittedHere =
      backend.name === "offline" &&
      createHash("sha256").update(text).digest("hex") === ANSWER_MODEL.fit.dataSha256;
    const shown: Result[] = fittedHere ? [...results, ...heldOut(results, all)] : results;
    if (cases.some((c) => c.task === "data2text")) {
      console.log(
        `RAGTruth response level ("hallucinated" is the positive class; published rows are on the whole test split${fittedHere ? ";\nthe offline answer models were fitted on this file: the plain rows are in-sample, the held-out rows score each long\nanswer with the models refitted without its fold (5 folds grouped by source), what to expect on unseen answers" : ""}):\n`,
      );
      ragtruthTable(shown);
      console.log("");
    }
    taskTable(shown);
    console.log(`\n${notes.join("\n")}`);
    if (backend.name === "offline") {
      console.log(`CPU per case, both evaluators together, one core: ${await offlineCpu(cases)}`);
    }
  }
  backend.judge?.close();
}

await main();
