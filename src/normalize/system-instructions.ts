import type { OtlpSpan } from "../otlp/otlp-span.ts";
import type { Message } from "../span/llm-span.ts";
import { GEN_AI } from "./attribute-names.ts";
import { isRecord, structured } from "./attribute-values.ts";
import { operationDetails } from "./event-messages.ts";
import { textOfParts } from "./message-shapes.ts";

/** Roles that carry instructions rather than conversation (OpenAI renamed system to developer). */
const INSTRUCTION_ROLES = new Set(["system", "developer"]);

/**
 * The system prompt: `gen_ai.system_instructions` (a parts array, structured or as JSON text; a
 * plain or malformed string is kept as it is), else the text of the system messages.
 */
export function readSystemInstructions(span: OtlpSpan, inputMessages: Message[]): string | null {
  const value =
    span.attributes[GEN_AI.SYSTEM_INSTRUCTIONS] ??
    operationDetails(span)[GEN_AI.SYSTEM_INSTRUCTIONS];
  const parsed = structured(value);
  const declared = Array.isArray(parsed)
    ? textOfParts(parsed)
    : isRecord(parsed)
      ? textOfParts([parsed])
      : typeof parsed === "string"
        ? parsed
        : "";
  if (declared.trim() !== "") return declared;
  const texts = inputMessages
    .filter((m) => INSTRUCTION_ROLES.has(m.role) && m.content.trim() !== "")
    .map((m) => m.content);
  return texts.length > 0 ? texts.join("\n") : null;
}
