/**
 * Quality bench of the built-in grounding evaluators on a labelled cases file.
 *
 *   npm run bench:quality [-- path/to/cases.jsonl]
 *
 * The default file is `../shared/data/hallucination-dev.jsonl` beside the repository. For each
 * evaluator: AUC (score against "supported"), balanced accuracy and F1 (hallucinated as the
 * positive class) at the evaluator's own default threshold, the same per task, and the time per
 * case. Skipped cases are counted and left out of the metrics.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { builtinEvaluators } from "../evaluators/index.ts";
import { caseToInput, type LabelledCase, parseCases } from "../evaluators/testing/case-input.ts";
import { atThreshold, auc, quantile } from "../evaluators/testing/metrics.ts";
import { EvaluationResultSchema } from "../src/evaluators/contract.ts";
import type { EvaluationContext, Evaluator } from "../src/index.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const silent = { debug() {}, info() {}, warn() {}, error() {} };

interface Row {
  c: LabelledCase;
  score: number;
  passed: boolean;
  ms: number;
}

async function run(
  evaluator: Evaluator,
  cases: readonly LabelledCase[],
): Promise<{ rows: Row[]; skipped: number }> {
  const settings = evaluator.settings.parse({});
  const ctx: EvaluationContext<unknown> = {
    settings,
    logger: silent,
    signal: new AbortController().signal,
    judge: null,
  };
  const rows: Row[] = [];
  let skipped = 0;
  for (const c of cases) {
    const input = caseToInput(c);
    const t0 = performance.now();
    const raw = await evaluator.evaluate(input, ctx);
    const ms = performance.now() - t0;
    const result = EvaluationResultSchema.parse(raw);
    if (result.status === "skipped" || result.score === null) {
      skipped++;
      continue;
    }
    rows.push({ c, score: result.score, passed: result.passed ?? false, ms });
  }
  return { rows, skipped };
}

function metrics(rows: readonly Row[], threshold: number) {
  const scores = rows.map((r) => r.score);
  const positive = rows.map((r) => r.c.label === "supported");
  const m = atThreshold(scores, positive, threshold);
  return { n: rows.length, auc: auc(scores, positive), ...m };
}

const f = (x: number): string => (Number.isNaN(x) ? "  n/a" : x.toFixed(3));

async function main(): Promise<void> {
  const path = process.argv[2] ?? resolve(ROOT, "../shared/data/hallucination-dev.jsonl");
  const cases = parseCases(readFileSync(path, "utf8"));
  console.log(`${path}: ${cases.length} cases\n`);
  const header = ["evaluator", "subset", "n", "AUC", "balAcc", "F1(halluc.)", "accuracy"];
  const lines: string[][] = [];
  const timing: string[] = [];
  for (const evaluator of builtinEvaluators) {
    // Warm-up: the first call pays for module-level set-up, not the per-case cost.
    await run(evaluator, cases.slice(0, 5));
    const { rows, skipped } = await run(evaluator, cases);
    const threshold = (evaluator.settings.parse({}) as { threshold: number }).threshold;
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
    timing.push(
      `${evaluator.name}: mean ${mean.toFixed(2)} ms/case, p95 ${quantile(ms, 0.95).toFixed(2)} ms, max ${Math.max(...ms).toFixed(2)} ms; skipped ${skipped}`,
    );
  }
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
