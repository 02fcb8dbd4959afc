import { TracejudgeError } from "../errors.ts";
import { RunBudget } from "../judge/budget.ts";
import { createJudge, type GuardedJudge } from "../judge/create-judge.ts";
import { type JudgeConfig, priceFor } from "../judge/judge-config.ts";
import type { Logger } from "../util/logger.ts";

/**
 * What to tell someone who asked for the judge without configuring one: `example` is a command,
 * `configFile` whether the command also reads the config file's `judge:`.
 */
export function noJudgeMessage(example: string, configFile: boolean): string {
  return `the judge backend needs an OpenAI-compatible endpoint, and none is configured.
Set OPENAI_BASE_URL (e.g. http://localhost:11434/v1 for Ollama, a vLLM or LiteLLM URL) and/or
OPENAI_API_KEY (enough on its own for api.openai.com)${configFile ? ", or judge: in the config file" : ""}, e.g.

  OPENAI_API_KEY=sk-... ${example}`;
}

export interface CasesJudgeOptions {
  /** The judge model for this run, over the config's. */
  model?: string;
  /** The most this run may spend, in USD. Default: the config's `daily_budget_usd`, if any. */
  budgetUsd?: number;
  logger?: Pick<Logger, "debug" | "info" | "warn">;
  /** The command to show in the "not configured" message. */
  example: string;
  /** Whether the command reads the config file's `judge:` (default true). */
  configFile?: boolean;
}

/**
 * The judge for a run over a cases file, outside the service: the configured endpoint with its
 * rate limits (token buckets in this process, `createJudge`'s default: there is no Redis to share
 * the service's with), retries and circuit breaker, and a budget counted for this run alone (nor
 * to share the service's daily one with). Throws `USAGE_INVALID` with what to set when no
 * endpoint is configured, or when a budget is asked for a model with no price (it could not be
 * kept).
 */
export function createCasesJudge(
  config: JudgeConfig | undefined,
  options: CasesJudgeOptions,
): { judge: GuardedJudge; budget: RunBudget | null } {
  if (!config || (!config.base_url && !config.api_key)) {
    throw new TracejudgeError(
      "USAGE_INVALID",
      noJudgeMessage(options.example, options.configFile ?? true),
    );
  }
  const judgeConfig = { ...config, ...(options.model ? { model: options.model } : {}) };
  if (options.budgetUsd !== undefined && !priceFor(judgeConfig.prices, judgeConfig.model)) {
    throw new TracejudgeError(
      "USAGE_INVALID",
      `a budget needs the price of the judge model "${judgeConfig.model}": add it under judge.prices in the config (USD per million input and output tokens)`,
    );
  }
  const limit = options.budgetUsd ?? config.daily_budget_usd;
  const budget = limit === undefined ? null : new RunBudget(limit);
  const judge = createJudge(
    { ...judgeConfig, daily_budget_usd: undefined },
    { ...(options.logger ? { logger: options.logger } : {}), ...(budget ? { budget } : {}) },
  );
  return { judge, budget };
}
