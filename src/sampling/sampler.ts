import type { Config } from "../config/config-schema.ts";
import { matchesSpanFilter } from "../evaluators/span-filter.ts";
import { priceFor } from "../judge/judge-config.ts";
import type { LlmSpan } from "../span/llm-span.ts";

export type SamplingReason = "error" | "tokens" | "cost" | "rule" | "ratio";

/** Why a trace is evaluated, or that it is not (`sampled: false`, counted as `not_sampled`). */
export type SamplingDecision = { sampled: true; reason: SamplingReason } | { sampled: false };

const TWO_POW_64 = 2n ** 64n;

/**
 * Whether a trace falls in the first `rate` share of trace-id space. Like OpenTelemetry's
 * TraceIdRatioBased sampler it reads the id's low 64 bits, which W3C trace ids keep random, so
 * every replica (and the app's own head sampler) agrees on the same traces.
 */
export function traceIdInRatio(traceId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  const low = BigInt(`0x${traceId.slice(16, 32)}`);
  const bound = BigInt(Math.floor(rate * 2 ** 53)) * (TWO_POW_64 / 2n ** 53n);
  return low < bound;
}

/** Only leaf LLM calls: a wrapper span (Vercel's ai.generateText) repeats its child's usage. */
function leafLlmSpans(spans: LlmSpan[]): LlmSpan[] {
  const parents = new Set(spans.map((s) => s.parentSpanId).filter((p): p is string => p !== null));
  return spans.filter((s) => s.kind === "LLM" && !parents.has(s.spanId));
}

/** Tokens and USD a trace's LLM calls consumed (USD null when no price is known). */
export function traceUsage(
  spans: LlmSpan[],
  prices: Config["prices"],
): { tokens: number; costUsd: number | null } {
  let tokens = 0;
  let cost = 0;
  let priced = false;
  for (const span of leafLlmSpans(spans)) {
    const input = span.usage.inputTokens ?? 0;
    const output = span.usage.outputTokens ?? 0;
    tokens += span.usage.totalTokens ?? input + output;
    const model = span.model ?? span.requestModel;
    const price = model ? priceFor(prices, model) : undefined;
    if (price) {
      priced = true;
      cost += (input * price.input + output * price.output) / 1_000_000;
    }
  }
  return { tokens, costUsd: priced ? cost : null };
}

/**
 * Decides once per trace whether its LLM spans are evaluated: every trace with an error, every
 * token or cost outlier, every trace with a span a rule asks for, then `rate` of the rest.
 */
export function decideSampling(
  traceId: string,
  spans: LlmSpan[],
  config: Config,
): SamplingDecision {
  const s = config.sampling;
  if (s.errors && spans.some((span) => span.isError)) return { sampled: true, reason: "error" };
  if (s.min_tokens !== undefined || s.min_cost_usd !== undefined) {
    const usage = traceUsage(spans, config.prices);
    if (s.min_tokens !== undefined && usage.tokens >= s.min_tokens)
      return { sampled: true, reason: "tokens" };
    if (s.min_cost_usd !== undefined && usage.costUsd !== null && usage.costUsd >= s.min_cost_usd) {
      return { sampled: true, reason: "cost" };
    }
  }
  if (s.always.some((filter) => spans.some((span) => matchesSpanFilter(filter, span)))) {
    return { sampled: true, reason: "rule" };
  }
  return traceIdInRatio(traceId, s.rate) ? { sampled: true, reason: "ratio" } : { sampled: false };
}
