/**
 * Quality bench of the built-in grounding evaluators on a labelled cases file.
 *
 *   npm run bench:quality [-- path/to/cases.jsonl]
 *   npm run bench:quality -- --backend judge [--model M] [--limit N] [--concurrency C] [path]
 *
 * The default file is `../shared/data/hallucination-dev.jsonl` beside the repository. For each
 * evaluator: AUC (score against "supported"), balanced accuracy and F1 (hallucinated as the
 * positive class) at the evaluator's own default threshold, the same per task, and the time per
 * case. Skipped cases are counted and left out of the metrics.
 *
 * `--backend judge` asks the LLM judge at `OPENAI_BASE_URL` with `OPENAI_API_KEY` (either may be
 * enough: a local server needs no key, OpenAI needs no URL), model `--model`, else `JUDGE_MODEL`,
 * else the judge's default. It costs money: `--limit N` takes N cases spread evenly over the
 * file. Cases the judge could not score (malformed twice, unavailable) are counted as errors and
 * left out of the metrics; the total tokens and cost are printed.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { builtinEvaluators } from "../evaluators/index.ts";
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
  const path = positionals[0] ?? resolve(ROOT, "../shared/data/hallucination-dev.jsonl");
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    console.error(`--limit must be a positive integer, not ${values.limit}`);
    process.exit(2);
  }
  const cases = spreadCases(parseCases(readFileSync(path, "utf8")), limit);
  const judged = backend.judge ? ` with the judge (${backend.model ?? backend.judge.model})` : "";
  console.log(`${path}: ${cases.length} cases, ${backend.name} backend${judged}\n`);
  const header = ["evaluator", "subset", "n", "AUC", "balAcc", "F1(halluc.)", "accuracy"];
  const lines: string[][] = [];
  const timing: string[] = [];
  for (const evaluator of builtinEvaluators) {
    // Warm-up: the first call pays for module-level set-up, not the per-case cost. Not with a
    // judge: its calls cost money and there is nothing local to warm.
    if (backend.name === "offline") await run(evaluator, cases.slice(0, 5), backend);
    const { rows, skipped, errors, tokens, costUsd } = await run(evaluator, cases, backend);
    const threshold = (evaluator.settings.parse({ backend: backend.name }) as { threshold: number })
      .threshold;
    for (const subset of ["all", "qa", "summarization", "dialogue"]) {
      const sub = rows.filter((r) => subset === "all" || r.c.task === subset);
      if (sub.length === 0) continue;
      const m = metrics(sub, threshold);
      lines.push([
        `${evaluator.name}@${threshold}`,
        subset,
        String(m.n),
        f(m.auc),
        f(m.balancedAccuracy),
        f(m.f1Hallucinated),
        f(m.accuracy),
      ]);
    }
    const ms = rows.map((r) => r.ms);
    const mean = ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length);
    const failed = [...errors].map(([code, n]) => `${n} ${code}`).join(", ");
    const spent = backend.judge
      ? `; ${tokens} judge tokens, ${costUsd === null ? "cost unknown (unpriced model)" : `$${costUsd.toFixed(4)}`}`
      : "";
    timing.push(
      `${evaluator.name}: mean ${mean.toFixed(2)} ms/case, p95 ${quantile(ms, 0.95).toFixed(2)} ms, max ${Math.max(...ms).toFixed(2)} ms; skipped ${skipped}${failed ? `; errors: ${failed}` : ""}${spent}`,
    );
  }
  backend.judge?.close();
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => (l[i] as string).length)),
  );
  const fmt = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(" | ")} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const l of lines) console.log(fmt(l));
  console.log(`\n${timing.join("\n")}`);
}

await main();
