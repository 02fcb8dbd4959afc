import { readCasesFile, spreadCases } from "../cases/cases-file.ts";
import { type EvalCase, evalCaseToInput } from "../cases/eval-case.ts";
import {
  caseLabel,
  formatQualityTable,
  type LabelledVerdict,
  qualityRows,
} from "../cases/quality-report.ts";
import { type CaseOutcome, type RunTally, runCases } from "../cases/run-cases.ts";
import type { JudgeUsage } from "../evaluators/contract.ts";
import type { ActiveEvaluator } from "../evaluators/registry.ts";
import type { Judge } from "../judge/judge.ts";
import type { Logger } from "../util/logger.ts";
import type { EvalProgress } from "./eval-progress.ts";

export interface EvalCommandOptions {
  casesPath: string;
  evaluators: ActiveEvaluator[];
  timeoutMs: number;
  logger: Logger;
  judge: Judge | null;
  /** Evaluations in flight at once. */
  concurrency: number;
  /** Only this many cases, spread evenly over the file. */
  limit?: number;
  /** Says where the judge is, for the run's first line ("gpt-4o-mini at https://…"). */
  judgeDescription?: string;
  /** The progress display for a run of this many evaluations. */
  progress: (total: number) => EvalProgress;
  /** A line on stdout. */
  write: (line: string) => void;
  /** A line on stderr. */
  warn: (line: string) => void;
}

/** The stdout line of one evaluation: today's fields, and the judge's usage when it was called. */
function outcomeLine(outcome: CaseOutcome<EvalCase>): string {
  const base = {
    id: outcome.case.id,
    evaluator: outcome.evaluator.evaluator.name,
    version: outcome.evaluator.evaluator.version,
  };
  // Not run (budget spent) is a skip, as the service records it; a failure is an error line.
  if (outcome.status === "error" || outcome.status === "not_run") {
    return JSON.stringify({
      ...base,
      status: outcome.status === "not_run" ? "skipped" : "error",
      reason: outcome.reason,
      score: null,
      label: null,
      passed: null,
      explanation: outcome.message,
      ...usageFields(outcome.status === "error" ? outcome.usage : undefined),
    });
  }
  const { result, latencyMs } = outcome;
  return JSON.stringify({
    ...base,
    status: result.status,
    ...(result.reason ? { reason: result.reason } : {}),
    score: result.score,
    label: result.label,
    passed: result.passed,
    explanation: result.explanation,
    latency_ms: Math.round(latencyMs * 1000) / 1000,
    ...usageFields(result.usage),
  });
}

function usageFields(u: JudgeUsage | undefined) {
  if (!u) return {};
  return {
    usage: {
      model: u.model,
      input_tokens: u.inputTokens,
      output_tokens: u.outputTokens,
      cost_usd: u.costUsd,
    },
  };
}

function backendOf(active: ActiveEvaluator): string {
  const settings = active.settings as { backend?: unknown } | null;
  return typeof settings?.backend === "string" ? ` (${settings.backend})` : "";
}

/**
 * Evaluates a JSONL cases file without the service: one JSON line per (case, evaluator) on
 * stdout, `concurrency` evaluations at a time. On stderr: a line that is not a valid case, with
 * its number (the run goes on); progress; then a summary: counts, the judge's tokens and cost,
 * why the run stopped early if it did, and, when cases carry a `label`, precision, recall and F1
 * of "hallucinated" and AUC per evaluator (and per `task`). Resolves to the exit code: 1 when a
 * line was invalid, an evaluation failed, or the budget left some not run; else 0.
 */
export async function runEvalCommand(options: EvalCommandOptions): Promise<number> {
  const { cases: all, invalid } = await readCasesFile(options.casesPath);
  for (const bad of invalid) {
    options.warn(`${options.casesPath}:${bad.line}: not a valid case: ${bad.message}`);
  }
  const cases = spreadCases(all, options.limit);
  const names = options.evaluators.map((a) => `${a.evaluator.name}${backendOf(a)}`).join(", ");
  const judged = options.judgeDescription ? `; judge ${options.judgeDescription}` : "";
  options.warn(
    `${options.casesPath}: ${cases.length} case(s)${cases.length < all.length ? ` of ${all.length}` : ""}, evaluator(s) ${names}, ${options.concurrency} at a time${judged}`,
  );

  const verdicts: LabelledVerdict[] = [];
  let labelled = 0;
  const progress = options.progress(cases.length * options.evaluators.length);
  let tally: RunTally;
  try {
    tally = await runCases(cases, {
      evaluators: options.evaluators,
      toInput: evalCaseToInput,
      judge: options.judge,
      concurrency: options.concurrency,
      timeoutMs: options.timeoutMs,
      logger: options.logger,
      onOutcome: (outcome, t) => {
        options.write(outcomeLine(outcome));
        const label = caseLabel(outcome.case.label);
        if (label) labelled += 1;
        if (label && outcome.status === "ok") {
          const { score, passed } = outcome.result;
          if (score !== null && passed !== null) {
            verdicts.push({
              evaluator: outcome.evaluator.evaluator.name,
              task: typeof outcome.case.task === "string" ? outcome.case.task : null,
              label,
              score,
              passed,
            });
          }
        }
        progress.update(t);
      },
    });
  } finally {
    progress.stop();
  }

  options.warn(
    `evaluated ${cases.length} case(s) with ${options.evaluators.length} evaluator(s): ${tally.ok} ok, ${tally.skipped} skipped, ${tally.errors} error(s), ${tally.notRun} not run; ${invalid.length} invalid line(s)`,
  );
  if (tally.spend.evaluations > 0 || options.judge) options.warn(tally.spend.describe());
  if (tally.stopped !== null) {
    options.warn(
      `stopped calling the judge: ${tally.stopped}; ${tally.notRun} evaluation(s) not run (reported as skipped, reason "budget")`,
    );
  }
  if (labelled > 0) {
    const left = labelled - verdicts.length;
    options.warn(
      `against the cases' labels ("hallucinated" is the positive class, predicted by a verdict that did not pass; AUC of the score)${left > 0 ? `, ${left} evaluation(s) without a verdict left out` : ""}:`,
    );
    options.warn(formatQualityTable(qualityRows(verdicts)).trimEnd());
  }
  return invalid.length > 0 || tally.errors > 0 || tally.notRun > 0 ? 1 : 0;
}
