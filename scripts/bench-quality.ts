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
import { TracejudgeError } from "../src/errors.ts";
import { EvaluationResultSchema } from "../src/evaluators/contract.ts";
import type { EvaluationContext, Evaluator } from "../src/index.ts";
import { createJudge, type GuardedJudge } from "../src/judge/create-judge.ts";
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
  const one = async (c: LabelledCase): Promise<void> => {
    // A signal per case, as the engine gives each evaluation its own.
    const ctx: EvaluationContext<unknown> = {
      settings,
      logger: silent,
      signal: new AbortController().signal,
      judge: backend.judge,
    };
    const input = caseToInput(c);
    const t0 = performance.now();
    let raw: unknown;
    try {
      raw = await evaluator.evaluate(input, ctx);
    } catch (err) {
      // A judge that fails one case should not lose the others' (paid-for) verdicts.
      const code = err instanceof TracejudgeError ? err.code : "EVALUATOR_FAILED";
      out.errors.set(code, (out.errors.get(code) ?? 0) + 1);
      return;
    }
    const ms = performance.now() - t0;
    const result = EvaluationResultSchema.parse(raw);
    if (result.usage) {
      out.tokens += result.usage.inputTokens + result.usage.outputTokens;
      out.costUsd =
        out.costUsd === null || result.usage.costUsd === null
          ? null
          : out.costUsd + result.usage.costUsd;
    }
    if (result.status === "skipped" || result.score === null) {
      out.skipped++;
      return;
    }
    out.rows.push({ c, score: result.score, passed: result.passed ?? false, ms });
  };
  // Offline runs one case at a time so its timing is per case on one core; a judge waits on the
  // network, so a few requests in flight.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) await one(cases[next++] as LabelledCase);
  };
  await Promise.all(Array.from({ length: backend.concurrency }, worker));
  return out;
}

/** `limit` cases spread evenly over the file, so each task keeps its share. */
function spread(cases: readonly LabelledCase[], limit: number | undefined): LabelledCase[] {
  if (limit === undefined || limit >= cases.length) return [...cases];
  const step = cases.length / limit;
  return Array.from({ length: limit }, (_, i) => cases[Math.floor(i * step)] as LabelledCase);
}

const NO_ENDPOINT = `--backend judge needs an OpenAI-compatible endpoint, and none is configured.
Set OPENAI_BASE_URL (e.g. http://localhost:11434/v1 for Ollama, a vLLM or LiteLLM URL) and/or
OPENAI_API_KEY (enough on its own for api.openai.com), optionally JUDGE_MODEL or --model, e.g.

  OPENAI_API_KEY=sk-... npm run bench:quality -- --backend judge --limit 100`;

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
  if (!baseUrl && !apiKey) {
    console.error(NO_ENDPOINT);
    process.exit(2);
  }
  const model = values.model ?? process.env.JUDGE_MODEL;
  const config = parseJudgeConfig({
    ...(baseUrl ? { base_url: baseUrl } : {}),
    ...(apiKey ? { api_key: apiKey } : {}),
    ...(model ? { model } : {}),
  });
  return {
    name: "judge",
    judge: createJudge(config),
    ...(model ? { model } : {}),
    concurrency: Math.max(1, Number(values.concurrency ?? 4)),
  };
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
  const cases = spread(parseCases(readFileSync(path, "utf8")), limit);
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
