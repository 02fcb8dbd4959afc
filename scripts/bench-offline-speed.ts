/**
 * CPU cost of the offline grounding evaluators, per case, in steady state (after a warm-up pass,
 * so the JIT and the module set-up are paid for). The figure is the process's CPU time (user and
 * system, GC threads included) over the cases, in the fastest of the passes: other processes on a
 * shared machine slow some passes down, never speed one up. The p95 of a case is wall-clock time.
 *
 *   npm run bench:offline [-- path/to/cases.jsonl] [--passes N]
 *
 * Prints, for the dev file by default: each evaluator alone (one evaluator over every case, as
 * `bench:quality` runs them), and both on the same span one after the other (as the engine runs
 * them, the second reusing the first's analysis), in CPU ms per case.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { builtinEvaluators } from "../evaluators/index.ts";
import { caseToInput, parseCases } from "../evaluators/testing/case-input.ts";
import { quantile } from "../evaluators/testing/metrics.ts";
import { offlineContext } from "../evaluators/testing/offline-context.ts";
import type { EvaluationContext, EvaluationInput, Evaluator } from "../src/index.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Runs `evaluators` on each input in turn, `passes` times: CPU ms per input in the fastest pass,
 * and the p95 of each input's wall-clock ms.
 */
async function time(
  evaluators: readonly Evaluator[],
  inputs: readonly EvaluationInput[],
  passes: number,
): Promise<{ best: number; p95: number }> {
  const contexts = evaluators.map((e) => offlineContext(e));
  const perCase: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < passes; pass++) {
    const cpu0 = process.cpuUsage();
    for (const input of inputs) {
      const t0 = performance.now();
      for (let i = 0; i < evaluators.length; i++) {
        await (evaluators[i] as Evaluator).evaluate(
          input,
          contexts[i] as EvaluationContext<unknown>,
        );
      }
      perCase.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpu0);
    best = Math.min(best, (cpu.user + cpu.system) / 1000 / inputs.length);
  }
  return { best, p95: quantile(perCase, 0.95) };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { passes: { type: "string", default: "5" } },
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
    const { best, p95 } = await time(evaluators, inputs, passes);
    console.log(`${name}: ${best.toFixed(3)} ms CPU per case (p95 ${p95.toFixed(3)} ms)`);
  }
}

await main();
