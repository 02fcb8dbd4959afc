import { z } from "zod";
import { TracejudgeError } from "../errors.ts";
import { globMatch } from "../util/glob-match.ts";

/** A model's price in USD per million tokens. */
export const JudgePriceSchema = z
  .object({
    /** USD per million input (prompt) tokens. */
    input: z.number().nonnegative(),
    /** USD per million output (completion) tokens. */
    output: z.number().nonnegative(),
  })
  .strict();
export type JudgePrice = z.infer<typeof JudgePriceSchema>;

/**
 * OpenAI LIST PRICES as published when this table was written (standard tier, USD per million
 * tokens). VERIFY them against https://openai.com/api/pricing before trusting costs: prices change
 * and discounts (batch, cached input, contracts) are not reflected. Entries given in the config are
 * merged over these. Globs: `*` matches any run of characters (dated snapshots such as
 * `gpt-4o-mini-2024-07-18`); the longest matching pattern wins.
 */
export const DEFAULT_JUDGE_PRICES: Readonly<Record<string, JudgePrice>> = Object.freeze({
  "gpt-4o-mini*": { input: 0.15, output: 0.6 },
  "gpt-4o*": { input: 2.5, output: 10 },
  "gpt-4.1-nano*": { input: 0.1, output: 0.4 },
  "gpt-4.1-mini*": { input: 0.4, output: 1.6 },
  "gpt-4.1*": { input: 2, output: 8 },
  "o4-mini*": { input: 1.1, output: 4.4 },
  "o3-mini*": { input: 1.1, output: 4.4 },
  "gpt-3.5-turbo*": { input: 0.5, output: 1.5 },
});

/**
 * The LLM judge: any OpenAI-compatible chat completions endpoint (OpenAI, Azure OpenAI v1, vLLM,
 * Ollama, a LiteLLM proxy). Parsed once at the entry point; the entry point applies
 * `OPENAI_BASE_URL`/`OPENAI_API_KEY` to `base_url`/`api_key` when they are not set here.
 */
export const JudgeConfigSchema = z
  .object({
    /** The endpoint, e.g. `http://localhost:11434/v1`. Absent: `https://api.openai.com/v1`. */
    base_url: z.url().optional(),
    /** Absent: required for the default OpenAI endpoint, a placeholder is sent to others. */
    api_key: z.string().min(1).optional(),
    /** The default judge model (default `gpt-4o-mini`). */
    model: z.string().min(1).default("gpt-4o-mini"),
    /** Per attempt, in ms (default 30000). */
    timeout_ms: z.number().int().positive().default(30_000),
    /** Retries on 429/5xx/timeouts/connection errors, after the first attempt (default 4). */
    max_retries: z.number().int().min(0).max(20).default(4),
    /**
     * Per endpoint, for the whole deployment: the service's processes share one bucket in Redis
     * (`tracejudge eval` keeps its own, in process). Default 500.
     */
    requests_per_minute: z.number().positive().default(500),
    /** Per endpoint, shared like `requests_per_minute`; estimated as characters / 4 (default 200000). */
    tokens_per_minute: z.number().positive().default(200_000),
    /** Default 0 for repeatable verdicts; null sends none (reasoning models refuse one). */
    temperature: z.number().min(0).max(2).nullable().default(0),
    /** Model name or glob → USD per million tokens, merged over `DEFAULT_JUDGE_PRICES`. */
    prices: z
      .record(z.string().min(1), JudgePriceSchema)
      .default({})
      .transform((given) => ({ ...DEFAULT_JUDGE_PRICES, ...given })),
    /** Judge spend per UTC day across all workers; past it evaluations are skipped (default none). */
    daily_budget_usd: z.number().positive().optional(),
    circuit_breaker: z
      .object({
        /** Consecutive unavailable answers that open the circuit (default 5). */
        failures: z.number().int().positive().default(5),
        /** How long it stays open before a probe (default 30000 ms). */
        cooldown_ms: z.number().int().positive().default(30_000),
      })
      .strict()
      .default({ failures: 5, cooldown_ms: 30_000 }),
  })
  .strict();
export type JudgeConfig = z.infer<typeof JudgeConfigSchema>;
export type JudgeConfigInput = z.input<typeof JudgeConfigSchema>;

/** Parses a judge config; throws `CONFIG_INVALID` naming each bad field (prefixed by `where`). */
export function parseJudgeConfig(raw: unknown, where = "judge"): JudgeConfig {
  const result = JudgeConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  // Formatted here rather than with the config loader's helper: the main config schema may embed
  // this one, and importing the loader from here would make a cycle.
  const lines = result.error.issues.map(
    (issue) => `  ${[where, ...issue.path].join(".")}: ${issue.message}`,
  );
  throw new TracejudgeError("CONFIG_INVALID", `invalid judge configuration:\n${lines.join("\n")}`);
}

/** The price for a model: an exact entry, else the longest matching glob; undefined if none. */
export function priceFor(
  prices: Readonly<Record<string, JudgePrice>>,
  model: string,
): JudgePrice | undefined {
  const exact = prices[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const pattern of Object.keys(prices)) {
    if (globMatch(pattern, model) && (!best || pattern.length > best.length)) best = pattern;
  }
  return best === undefined ? undefined : prices[best];
}

/** USD for one call's tokens, or null when the model has no price. */
export function costUsd(
  prices: Readonly<Record<string, JudgePrice>>,
  model: string,
  inputTokens: number,
  outputTokens: number,
): number | null {
  const price = priceFor(prices, model);
  if (!price) return null;
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}
