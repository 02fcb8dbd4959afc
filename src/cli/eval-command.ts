import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { z } from "zod";
import { EvalCaseSchema, evalCaseToInput } from "../cases/eval-case.ts";
import { errorMessage } from "../errors.ts";
import { runEvaluator } from "../evaluate/run-evaluator.ts";
import type { EvaluatorLogger } from "../evaluators/contract.ts";
import type { ActiveEvaluator } from "../evaluators/registry.ts";
import type { Judge } from "../judge/judge.ts";

export interface EvalCommandOptions {
  casesPath: string;
  evaluators: ActiveEvaluator[];
  timeoutMs: number;
  logger: EvaluatorLogger;
  judge: Judge | null;
  write: (line: string) => void;
  warn: (line: string) => void;
}

/**
 * Evaluates a JSONL cases file without the service: one JSON line per (case, evaluator) on
 * stdout. A line that is not a valid case is reported on stderr with its number, and the run
 * goes on; the result says how many failed.
 */
export async function runEvalCommand(
  options: EvalCommandOptions,
): Promise<{ cases: number; failed: number }> {
  const lines = createInterface({
    input: createReadStream(options.casesPath),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNo = 0;
  let cases = 0;
  let failed = 0;
  for await (const line of lines) {
    lineNo += 1;
    if (line.trim() === "") continue;
    let parsed: z.infer<typeof EvalCaseSchema>;
    try {
      const result = EvalCaseSchema.safeParse(JSON.parse(line));
      if (!result.success) throw new Error(z.prettifyError(result.error).replace(/\n/g, "; "));
      parsed = result.data;
    } catch (err) {
      failed += 1;
      options.warn(`${options.casesPath}:${lineNo}: not a valid case: ${errorMessage(err)}`);
      continue;
    }
    cases += 1;
    const input = evalCaseToInput(parsed);
    for (const active of options.evaluators) {
      const base = {
        id: parsed.id,
        evaluator: active.evaluator.name,
        version: active.evaluator.version,
      };
      try {
        const { result, latencyMs } = await runEvaluator(active, input, {
          logger: options.logger,
          timeoutMs: options.timeoutMs,
          judge: options.judge,
        });
        options.write(
          JSON.stringify({
            ...base,
            status: result.status,
            ...(result.reason ? { reason: result.reason } : {}),
            score: result.score,
            label: result.label,
            passed: result.passed,
            explanation: result.explanation,
            latency_ms: Math.round(latencyMs * 1000) / 1000,
          }),
        );
      } catch (err) {
        failed += 1;
        options.write(
          JSON.stringify({
            ...base,
            status: "error",
            reason: errorMessage(err),
            score: null,
            label: null,
            passed: null,
          }),
        );
      }
    }
  }
  return { cases, failed };
}
