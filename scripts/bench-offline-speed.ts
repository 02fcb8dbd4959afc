/**
 * CPU cost of the offline grounding evaluators, per case, in steady state (after a warm-up pass,
 * so the JIT and the module set-up are paid for).
 *
 *   npm run bench:offline [-- path/to/cases.jsonl] [--passes N]
 *
 * Prints, for the dev file by default: each evaluator alone (one evaluator over every case, as
 * `bench:quality` runs them), and both on the same span one after the other (as the engine runs
 * them), in ms per case: the mean over all passes and the p95 of a case.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { builtinEvaluators } from "../evaluators/index.ts";
import { caseToInput, parseCases } from "../evaluators/testing/case-input.ts";
import { quantile } from "../evaluators/testing/metrics.ts";
import type { EvaluationContext, EvaluationInput, Evaluator } from "../src/index.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function contextFor(evaluator: Evaluator): EvaluationContext<unknown> {
  return {
    settings: evaluator.settings.parse({}),
    logger: silent,
    signal: new AbortController().signal,
    judge: null,
  };
}

/** Runs `evaluators` on each input in turn, `passes` times; ms per input: each one, and the mean. */
async function time(
  evaluators: readonly Evaluator[],
  inputs: readonly EvaluationInput[],
  passes: number,
): Promise<{ mean: number; p95: number }> {
  const contexts = evaluators.map(contextFor);
  const perCase: number[] = [];
  let total = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (const input of inputs) {
      const t0 = performance.now();
      for (let i = 0; i < evaluators.length; i++) {
        await (evaluators[i] as Evaluator).evaluate(
          input,
          contexts[i] as EvaluationContext<unknown>,
        );
      }
      const ms = performance.now() - t0;
      total += ms;
      perCase.push(ms);
    }
  }
  return { mean: total / (passes * inputs.length), p95: quantile(perCase, 0.95) };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { passes: { type: "string", default: "3" } },
  });
  const path = positionals[0] ?? resolve(ROOT, "../shared/data/hallucination-dev.jsonl");
  const passes = Math.max(1, Number(values.passes));
  const inputs = parseCases(readFileSync(path, "utf8")).map(caseToInput);
  console.log(`${path}: ${inputs.length} cases, ${passes} timed passes after one warm-up pass\n`);
  const runs: [string, readonly Evaluator[]][] = [
    ...builtinEvaluators.map((e): [string, Evaluator[]] => [`${e.name} alone`, [e]]),
    [`${builtinEvaluators.map((e) => e.name).join(" + ")} on one span`, builtinEvaluators],
  ];
  for (const [, evaluators] of runs) await time(evaluators, inputs, 1);
  for (const [name, evaluators] of runs) {
    const { mean, p95 } = await time(evaluators, inputs, passes);
    console.log(`${name}: ${mean.toFixed(3)} ms per case (p95 ${p95.toFixed(3)} ms)`);
  }
}

await main();
