import type { Attributes } from "../otlp/otlp-span.ts";
import type { SpanKind } from "../span/llm-span.ts";
import { GEN_AI, OPENINFERENCE, OPENLLMETRY, VERCEL } from "./attribute-names.ts";
import { firstText } from "./attribute-values.ts";

/**
 * The tool a span executed: `gen_ai.tool.name`, OpenInference `tool.name`, Vercel
 * `ai.toolCall.name`; on Traceloop tool spans the entity name is the tool's name.
 */
export function readToolName(attrs: Attributes, kind: SpanKind): string | null {
  const named = firstText(attrs, [
    GEN_AI.TOOL_NAME,
    OPENINFERENCE.TOOL_NAME,
    VERCEL.TOOL_CALL_NAME,
  ]);
  if (named !== null || kind !== "TOOL") return named;
  return firstText(attrs, [OPENLLMETRY.ENTITY_NAME]);
}
