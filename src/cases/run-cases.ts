import { errorMessage, failureReason, TracejudgeError } from "../errors.ts";
import { runEvaluator } from "../evaluate/run-evaluator.ts";
import type { EvaluationInput, EvaluationResult, JudgeUsage } from "../evaluators/contract.ts";
import type { ActiveEvaluator } from "../evaluators/registry.ts";
import type { Judge } from "../judge/judge.ts";
import { JudgeMalformedError } from "../judge/judge.ts";
import type { Logger } from "../util/logger.ts";
import { JudgeSpend } from "./judge-spend.ts";

/** One (case, evaluator) evaluation of a run, as it ended. */
export type CaseOutcome<C> = {
  case: C;
  evaluator: ActiveEvaluator;
} & (
  | { status: "ok" | "skipped"; result: EvaluationResult; latencyMs: number }
  /** `reason` is the error's code in lower case (`judge_unavailable`), as in stored eval events. */
  | { status: "error"; reason: string; message: string; usage?: JudgeUsage }
  /** Not run because the judge budget was spent (`reason: "budget"`, as the service says). */
  | { status: "not_run"; reason: "budget"; message: string }
);

export interface RunCasesOptions<C> {
  evaluators: readonly ActiveEvaluator[];
  /** Builds a case's evaluation input (each case's once, shared by its evaluators). */
  toInput: (c: C) => EvaluationInput;
  judge: Judge | null;
  /** Evaluations in flight at once (at least 1). A judge's rate limiter still applies under it. */
  concurrency: number;
  /** Per evaluation, as the service's `workers.evaluation_timeout_ms`. */
  timeoutMs: number;
  logger: Logger;
  /** Called as each evaluation ends, in the order they end. */
  onOutcome?: (outcome: CaseOutcome<C>, tally: RunTally) => void;
}

/** What a run has done so far. */
export interface RunTally {
  /** Evaluations to do: cases × evaluators. */
  total: number;
  done: number;
  ok: number;
  skipped: number;
  errors: number;
  notRun: number;
  spend: JudgeSpend;
  /** Why the run stopped calling the judge (its budget is spent), or null. */
  stopped: string | null;
}

const usesJudge = (active: ActiveEvaluator): boolean =>
  active.evaluator.usesJudge?.(active.settings as never) === true;

/**
 * Runs every evaluator on every case, `concurrency` evaluations at a time, without the service:
 * what `tracejudge eval` and the quality bench share. A failure (judge unavailable, malformed
 * answer, timeout) ends that evaluation as an `error` outcome and the run goes on. Once the judge's
 * budget is spent, the evaluations still waiting that need the judge are not run (`not_run`,
 * reason `budget`); the others still are.
 */
export async function runCases<C>(
  cases: readonly C[],
  options: RunCasesOptions<C>,
): Promise<RunTally> {
  const tally: RunTally = {
    total: cases.length * options.evaluators.length,
    done: 0,
    ok: 0,
    skipped: 0,
    errors: 0,
    notRun: 0,
    spend: new JudgeSpend(),
    stopped: null,
  };
  const inputs = new Map<number, EvaluationInput>();
  const inputOf = (index: number): EvaluationInput => {
    let input = inputs.get(index);
    if (!input) {
      input = options.toInput(cases[index] as C);
      inputs.set(index, input);
    }
    return input;
  };
  const pending = new Map<number, number>(); // case index → evaluations not yet ended
  const finish = (index: number, outcome: CaseOutcome<C>): void => {
    tally.done += 1;
    if (outcome.status === "ok") tally.ok += 1;
    else if (outcome.status === "skipped") tally.skipped += 1;
    else if (outcome.status === "error") tally.errors += 1;
    else tally.notRun += 1;
    // A case's input is dropped once its last evaluator is done: a long file stays small in memory.
    const left = (pending.get(index) ?? options.evaluators.length) - 1;
    if (left === 0) {
      pending.delete(index);
      inputs.delete(index);
    } else pending.set(index, left);
    options.onOutcome?.(outcome, tally);
  };

  const one = async (index: number, active: ActiveEvaluator): Promise<CaseOutcome<C>> => {
    const base = { case: cases[index] as C, evaluator: active };
    if (tally.stopped !== null && usesJudge(active)) {
      return { ...base, status: "not_run", reason: "budget", message: tally.stopped };
    }
    try {
      const { result, latencyMs } = await runEvaluator(active, inputOf(index), {
        logger: options.logger,
        timeoutMs: options.timeoutMs,
        judge: options.judge,
      });
      tally.spend.add(result.usage);
      return { ...base, status: result.status, result, latencyMs };
    } catch (err) {
      if (err instanceof TracejudgeError && err.code === "JUDGE_BUDGET") {
        tally.stopped ??= err.message;
        return { ...base, status: "not_run", reason: "budget", message: err.message };
      }
      // The malformed answers were paid for: the run's cost says so.
      const usage = err instanceof JudgeMalformedError ? err.usage : undefined;
      tally.spend.add(usage);
      const reason = failureReason(err);
      return {
        ...base,
        status: "error",
        reason,
        message: errorMessage(err),
        ...(usage ? { usage } : {}),
      };
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tally.total) {
      const unit = next++;
      const index = Math.floor(unit / options.evaluators.length);
      const active = options.evaluators[unit % options.evaluators.length] as ActiveEvaluator;
      finish(index, await one(index, active));
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(options.concurrency), tally.total));
  await Promise.all(Array.from({ length: workers }, worker));
  return tally;
}
