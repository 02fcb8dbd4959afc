import type { Config } from "../config/config-schema.ts";
import { TracejudgeError } from "../errors.ts";
import type { ActiveEvaluator } from "../evaluators/registry.ts";
import { parseCommandArgs } from "./usage.ts";

/** What `tracejudge eval` was asked, checked. */
export interface EvalArgs {
  cases: string;
  /** A name, or `all`. */
  evaluator: string;
  backend?: "offline" | "judge";
  model?: string;
  concurrency?: number;
  limit?: number;
  budgetUsd?: number;
}

/** A flag's value as a positive number (an integer unless `fraction`), or a usage error. */
function positive(flag: string, value: string | undefined, fraction = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0) || (!fraction && !Number.isInteger(n))) {
    throw new TracejudgeError(
      "USAGE_INVALID",
      `eval: --${flag} must be a positive ${fraction ? "number" : "integer"}, not "${value}"`,
    );
  }
  return n;
}

/**
 * The evaluator with the backend and model the command line asks for, parsed by its own settings
 * schema over its configured settings (so a configured threshold stays, and a default one follows
 * the backend). Null when it has no such backend setting.
 */
function withOverrides(
  config: Config,
  active: ActiveEvaluator,
  backend: string | undefined,
  model: string | undefined,
): ActiveEvaluator | null {
  if (backend === undefined && model === undefined) return active;
  const configured = config.evaluators.find((e) => e.name === active.evaluator.name)?.settings;
  const parsed = active.evaluator.settings.safeParse({
    ...configured,
    ...(backend ? { backend } : {}),
    ...(model ? { model } : {}),
  });
  const settings = parsed.success ? (parsed.data as { backend?: unknown }) : null;
  if (backend !== undefined && settings?.backend !== backend) return null;
  // A model the settings do not take (an evaluator without a judge) changes nothing.
  return settings ? { ...active, settings } : active;
}

/** The command shown when a judge run finds no judge configured. */
export const EVAL_EXAMPLE =
  "tracejudge eval --cases ../shared/data/ragtruth-dev.jsonl --evaluator hallucination --backend judge --limit 100";

/** Parses `tracejudge eval`'s flags; throws `USAGE_INVALID` naming the bad one. */
export function parseEvalArgs(args: string[]): EvalArgs {
  const { values } = parseCommandArgs("eval", args, {
    cases: { type: "string" },
    evaluator: { type: "string", default: "all" },
    backend: { type: "string" },
    model: { type: "string" },
    concurrency: { type: "string" },
    limit: { type: "string" },
    budget: { type: "string" },
  });
  if (!values.cases)
    throw new TracejudgeError("USAGE_INVALID", "eval: --cases FILE.jsonl is required");
  const { backend, model } = values;
  if (backend !== undefined && backend !== "offline" && backend !== "judge") {
    throw new TracejudgeError(
      "USAGE_INVALID",
      `eval: --backend must be offline or judge, not "${backend}"`,
    );
  }
  const concurrency = positive("concurrency", values.concurrency);
  const limit = positive("limit", values.limit);
  const budgetUsd = positive("budget", values.budget, true);
  return {
    cases: values.cases,
    evaluator: values.evaluator ?? "all",
    ...(backend ? { backend } : {}),
    ...(model ? { model } : {}),
    ...(concurrency ? { concurrency } : {}),
    ...(limit ? { limit } : {}),
    ...(budgetUsd ? { budgetUsd } : {}),
  };
}

/**
 * The evaluators to run: the one named (or all), with the backend and model asked for. With
 * `all`, those without a backend setting are left out of a `--backend` run; a named one without
 * it is a usage error, as is an unknown name.
 */
export function chooseEvaluators(
  config: Config,
  active: readonly ActiveEvaluator[],
  args: EvalArgs,
): ActiveEvaluator[] {
  const known = active.map((a) => a.evaluator.name).join(", ");
  const named =
    args.evaluator === "all" ? active : active.filter((a) => a.evaluator.name === args.evaluator);
  if (named.length === 0) {
    throw new TracejudgeError(
      "USAGE_INVALID",
      `eval: no evaluator named "${args.evaluator}" (known: ${known}, or all)`,
    );
  }
  const chosen: ActiveEvaluator[] = [];
  for (const a of named) {
    const over = withOverrides(config, a, args.backend, args.model);
    if (over) chosen.push(over);
    else if (args.evaluator !== "all") {
      throw new TracejudgeError(
        "USAGE_INVALID",
        `eval: evaluator "${a.evaluator.name}" has no backend setting, so --backend ${args.backend} does not apply to it`,
      );
    }
  }
  if (chosen.length === 0) {
    throw new TracejudgeError(
      "USAGE_INVALID",
      `eval: no evaluator has a ${args.backend} backend (known: ${known})`,
    );
  }
  return chosen;
}
