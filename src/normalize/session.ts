import type { Attributes } from "../otlp/otlp-span.ts";
import { GEN_AI, LANGFUSE, OPENLLMETRY, OTEL, VERCEL } from "./attribute-names.ts";
import { firstText } from "./attribute-values.ts";

const SESSION_KEYS = [
  LANGFUSE.SESSION_ID,
  OTEL.SESSION_ID,
  GEN_AI.CONVERSATION_ID,
  OPENLLMETRY.SESSION_ID,
  VERCEL.SESSION_ID,
] as const;

/** Last come the request's `user` parameter, which names the end user only by app convention. */
const USER_KEYS = [
  LANGFUSE.USER_ID,
  OTEL.USER_ID,
  OPENLLMETRY.USER_ID,
  VERCEL.USER_ID,
  OPENLLMETRY.LLM_USER,
  GEN_AI.USER,
] as const;

/** The conversation or session the span belongs to. */
export function readSessionId(attrs: Attributes): string | null {
  return firstText(attrs, SESSION_KEYS);
}

/** The end user the span served. */
export function readUserId(attrs: Attributes): string | null {
  return firstText(attrs, USER_KEYS);
}
