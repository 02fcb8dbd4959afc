import type { ChatCompletion } from "openai/resources/chat/completions";
import { z } from "zod";
import { TracejudgeError } from "../errors.ts";
import type { JudgeUsage } from "../evaluators/contract.ts";

/** The outcome of reading one judge answer against the request's schema. */
export type AnswerOutcome<T> =
  | { ok: true; value: T }
  /** `content` is what the model said, sent back with `reason` in the one corrective retry. */
  | { ok: false; reason: string; content: string };

const jsonSchemas = new WeakMap<z.ZodType, Record<string, unknown>>();

/**
 * The JSON schema sent as the structured-output format, cached per zod schema. Strict structured
 * outputs (OpenAI) need an object at the root and every property required: use `.nullable()`,
 * not `.optional()`, for fields the model may leave empty.
 */
export function jsonSchemaFor(schema: z.ZodType, schemaName: string): Record<string, unknown> {
  let json = jsonSchemas.get(schema);
  if (!json) {
    try {
      // `$schema` is dropped: some OpenAI-compatible servers refuse unknown keywords.
      const { $schema: _dialect, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
      json = rest;
    } catch (err) {
      throw new TracejudgeError(
        "EVALUATOR_INVALID",
        `judge schema ${schemaName} cannot be expressed as JSON schema: ${(err as Error).message}`,
        { cause: err },
      );
    }
    jsonSchemas.set(schema, json);
  }
  return json;
}

/** A structured-output format name: OpenAI accepts `[a-zA-Z0-9_-]{1,64}`. */
export function formatName(schemaName: string): string {
  const cleaned = schemaName.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64);
  return cleaned.length > 0 ? cleaned : "verdict";
}

// Servers without structured outputs (or a model that ignores them) often wrap JSON in a Markdown
// code block; unwrapping it costs nothing and spares a corrective round trip.
const CODE_BLOCK = /^```[a-zA-Z]*\s*\n?([\s\S]*?)\n?```$/;

/** Reads the first choice as JSON and validates it; says what was wrong otherwise. */
export function readAnswer<T>(completion: ChatCompletion, schema: z.ZodType<T>): AnswerOutcome<T> {
  const choice = completion.choices?.[0];
  if (!choice) return { ok: false, reason: "the response had no choices", content: "" };
  const message = choice.message;
  if (message?.refusal) {
    return { ok: false, reason: `the model refused: ${message.refusal}`, content: "" };
  }
  const content = (message?.content ?? "").trim();
  if (content === "") return { ok: false, reason: "the answer was empty", content };
  const cutOff = choice.finish_reason === "length" ? " (cut off at the output token limit)" : "";
  let json: unknown;
  try {
    json = JSON.parse(content.match(CODE_BLOCK)?.[1] ?? content);
  } catch (err) {
    return {
      ok: false,
      reason: `the answer is not JSON${cutOff}: ${(err as Error).message}`,
      content,
    };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = z.prettifyError(parsed.error).replace(/\n+/g, "; ");
    return { ok: false, reason: `the answer does not match the schema: ${issues}`, content };
  }
  return { ok: true, value: parsed.data };
}

/** Usage of one completion, before cost and latency. */
export interface CallUsage {
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** False when the server reported no usage (some compatible servers omit it). */
  reported: boolean;
}

export function callUsage(completion: ChatCompletion, requestedModel: string): CallUsage {
  const usage = completion.usage;
  return {
    model: completion.model || requestedModel,
    inputTokens: usage?.prompt_tokens ?? 0,
    outputTokens: usage?.completion_tokens ?? 0,
    reported: usage !== undefined && usage !== null,
  };
}

/**
 * Sums the calls behind one verdict (the corrective retry costs too). The cost is null when any
 * call's model has no price or a call reported no usage: a partial sum would understate it.
 */
export function sumUsage(
  calls: CallUsage[],
  price: (call: CallUsage) => number | null,
  latencyMs: number,
): JudgeUsage {
  let costUsd: number | null = 0;
  for (const call of calls) {
    const cost = call.reported ? price(call) : null;
    costUsd = cost === null || costUsd === null ? null : costUsd + cost;
  }
  return {
    model: calls.at(-1)?.model ?? null,
    inputTokens: calls.reduce((n, c) => n + c.inputTokens, 0),
    outputTokens: calls.reduce((n, c) => n + c.outputTokens, 0),
    costUsd,
    latencyMs,
  };
}
