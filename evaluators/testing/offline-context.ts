import type { EvaluationContext, Evaluator } from "../../src/index.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * What an evaluator is given when run outside the engine, by the benchmarks and tests: its settings
 * parsed by its own schema (defaults applied), a silent logger, a signal never aborted, no judge.
 */
export function offlineContext(
  evaluator: Evaluator,
  settings: unknown = {},
): EvaluationContext<unknown> {
  return {
    settings: evaluator.settings.parse(settings),
    logger: silent,
    signal: new AbortController().signal,
    judge: null,
  };
}
