import type { Attributes } from "../otlp/otlp-span.ts";
import {
  GEN_AI,
  LANGFUSE,
  OPENINFERENCE,
  OPENLLMETRY,
  TRACEAI,
  VERCEL,
} from "./attribute-names.ts";
import { firstText, isRecord, structured, toText } from "./attribute-values.ts";

const NAME_KEYS = [
  LANGFUSE.OBSERVATION_PROMPT_NAME,
  TRACEAI.PROMPT_TEMPLATE_NAME,
  OPENLLMETRY.PROMPT_KEY,
  GEN_AI.PROMPT_NAME,
  OPENINFERENCE.PROMPT_ID,
] as const;

const VERSION_KEYS = [
  LANGFUSE.OBSERVATION_PROMPT_VERSION,
  TRACEAI.PROMPT_TEMPLATE_VERSION,
  OPENLLMETRY.PROMPT_VERSION,
  OPENINFERENCE.PROMPT_TEMPLATE_VERSION,
] as const;

/** The managed prompt a span used, so results can be compared across prompt versions. */
export interface PromptRef {
  promptName: string | null;
  promptVersion: string | null;
}

/**
 * Prompt name and version from the prompt-management keys of each convention; Vercel spans
 * carry Langfuse's `ai.telemetry.metadata.langfusePrompt` JSON `{name, version}` instead.
 * Numeric versions become text.
 */
export function readPromptRef(attrs: Attributes): PromptRef {
  const linked = structured(attrs[VERCEL.LANGFUSE_PROMPT]);
  const vercel = isRecord(linked) ? linked : {};
  return {
    promptName: firstText(attrs, NAME_KEYS) ?? toText(vercel.name),
    promptVersion: firstText(attrs, VERSION_KEYS) ?? toText(vercel.version),
  };
}
