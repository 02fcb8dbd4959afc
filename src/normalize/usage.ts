import type { Attributes } from "../otlp/otlp-span.ts";
import type { Usage } from "../span/llm-span.ts";
import { GEN_AI, LANGFUSE, OPENINFERENCE, OPENLLMETRY, VERCEL } from "./attribute-names.ts";
import { firstNumber, isRecord, structured, toNumber } from "./attribute-values.ts";

const INPUT_KEYS = [
  GEN_AI.USAGE_INPUT_TOKENS,
  GEN_AI.USAGE_PROMPT_TOKENS,
  OPENINFERENCE.TOKEN_COUNT_PROMPT,
  VERCEL.USAGE_INPUT_TOKENS,
  VERCEL.USAGE_PROMPT_TOKENS,
  // Vercel embedding spans report one count, of the embedded input.
  VERCEL.USAGE_TOKENS,
] as const;

const OUTPUT_KEYS = [
  GEN_AI.USAGE_OUTPUT_TOKENS,
  GEN_AI.USAGE_COMPLETION_TOKENS,
  OPENINFERENCE.TOKEN_COUNT_COMPLETION,
  VERCEL.USAGE_OUTPUT_TOKENS,
  VERCEL.USAGE_COMPLETION_TOKENS,
] as const;

const TOTAL_KEYS = [
  GEN_AI.USAGE_TOTAL_TOKENS,
  OPENLLMETRY.USAGE_TOTAL_TOKENS,
  OPENINFERENCE.TOKEN_COUNT_TOTAL,
  VERCEL.USAGE_TOTAL_TOKENS,
  VERCEL.USAGE_TOKENS,
] as const;

/** Langfuse `usage_details` keys, with the OpenAI spellings SDKs pass through unchanged. */
const LANGFUSE_FIELDS = {
  input: ["input", "input_tokens", "prompt_tokens", "promptTokens"],
  output: ["output", "output_tokens", "completion_tokens", "completionTokens"],
  total: ["total", "total_tokens", "totalTokens"],
} as const;

function fromDetails(details: unknown, fields: readonly string[]): number | null {
  if (!isRecord(details)) return null;
  for (const field of fields) {
    const n = toNumber(details[field]);
    if (n !== null) return n;
  }
  return null;
}

/**
 * Token counts, current names before legacy ones; numeric strings are coerced (int64 arrives as
 * a decimal string). Counts the span does not report stay null: a missing total is not derived,
 * because senders disagree on what it includes (semconv pitfall 5).
 */
export function readUsage(attrs: Attributes): Usage {
  const details = structured(attrs[LANGFUSE.OBSERVATION_USAGE_DETAILS]);
  return {
    inputTokens: fromDetails(details, LANGFUSE_FIELDS.input) ?? firstNumber(attrs, INPUT_KEYS),
    outputTokens: fromDetails(details, LANGFUSE_FIELDS.output) ?? firstNumber(attrs, OUTPUT_KEYS),
    totalTokens: fromDetails(details, LANGFUSE_FIELDS.total) ?? firstNumber(attrs, TOTAL_KEYS),
  };
}
