import type { AttrValue, OtlpSpan } from "../otlp/otlp-span.ts";
import type { Message, SpanKind } from "../span/llm-span.ts";
import { GEN_AI, LANGFUSE, OPENINFERENCE, OPENLLMETRY } from "./attribute-names.ts";
import { isRecord, parseJson, structured } from "./attribute-values.ts";
import { eventInputMessages, eventOutputMessages, operationDetails } from "./event-messages.ts";
import {
  openInferenceMessages,
  openInferenceTexts,
  openLlmetryMessages,
} from "./flattened-messages.ts";
import { parseMessageList, toMessages } from "./message-shapes.ts";
import { vercelInputMessages, vercelOutputMessages } from "./vercel-messages.ts";

/** A span's chat messages, in the order the sender recorded them. */
export interface SpanMessages {
  input: Message[];
  output: Message[];
}

/**
 * Input and output messages from whichever convention's keys the span carries. Sources are
 * tried in order and the first that yields messages wins; the order follows Langfuse's
 * `extractInputAndOutput` for the overlaps (an explicit `langfuse.observation.*` value beats the
 * instrumentation's own keys) and puts whole request/response bodies in `input.value` and
 * `output.value` last, since they are only a fallback on LLM spans (semconv pitfall 8).
 *
 * The Vercel AI SDK's own keys come before the OpenInference flattened ones: a span processor that
 * converts its spans (traceAI's `@traceai/vercel` 0.1.0) adds `llm.input_messages.*` beside the
 * `ai.prompt.messages` it reads, and loses what it does not know, such as the content of ai 6
 * tool results (`output`, where it reads `result`) and the arguments of tool calls (`input`,
 * where it reads `args`).
 */
export function readMessages(span: OtlpSpan, kind: SpanKind): SpanMessages {
  const attrs = span.attributes;
  const details = operationDetails(span);
  const input = firstNonEmpty([
    () => langfuseMessages(attrs[LANGFUSE.OBSERVATION_INPUT], "user", kind),
    () => parseMessageList(attrs[GEN_AI.INPUT_MESSAGES], "user"),
    () => parseMessageList(details[GEN_AI.INPUT_MESSAGES], "user"),
    // traceAI Python flattens under the same key the other conventions use whole.
    () => openInferenceMessages(attrs, GEN_AI.INPUT_MESSAGES, "user"),
    () => vercelInputMessages(attrs),
    () => openInferenceMessages(attrs, OPENINFERENCE.INPUT_MESSAGES_PREFIX, "user"),
    () => openLlmetryMessages(attrs, OPENLLMETRY.PROMPT_PREFIX, "user"),
    () => eventInputMessages(span),
    // Some v1.26-era instrumentations put the content attribute on the span, not on an event.
    () => parseMessageList(attrs[GEN_AI.PROMPT], "user"),
    () => openInferenceTexts(attrs, OPENINFERENCE.PROMPTS_PREFIX, "prompt.text", "user"),
    () => (kind === "LLM" ? requestBodyMessages(attrs[OPENINFERENCE.INPUT_VALUE]) : []),
  ]);
  const output = firstNonEmpty([
    () => langfuseMessages(attrs[LANGFUSE.OBSERVATION_OUTPUT], "assistant", kind),
    () => parseMessageList(attrs[GEN_AI.OUTPUT_MESSAGES], "assistant"),
    () => parseMessageList(details[GEN_AI.OUTPUT_MESSAGES], "assistant"),
    () => openInferenceMessages(attrs, GEN_AI.OUTPUT_MESSAGES, "assistant"),
    () => vercelOutputMessages(attrs),
    () => openInferenceMessages(attrs, OPENINFERENCE.OUTPUT_MESSAGES_PREFIX, "assistant"),
    () => openLlmetryMessages(attrs, OPENLLMETRY.COMPLETION_PREFIX, "assistant"),
    () => eventOutputMessages(span),
    () => parseMessageList(attrs[GEN_AI.COMPLETION], "assistant"),
    () => openInferenceTexts(attrs, OPENINFERENCE.CHOICES_PREFIX, "completion.text", "assistant"),
    () => (kind === "LLM" ? responseBodyMessages(attrs[OPENINFERENCE.OUTPUT_VALUE]) : []),
  ]);
  return { input, output };
}

function firstNonEmpty(sources: (() => Message[])[]): Message[] {
  for (const source of sources) {
    const messages = source();
    if (messages.length > 0) return messages;
  }
  return [];
}

/**
 * Langfuse SDKs JSON-encode every input and output, whatever it is. Only message-shaped values
 * become messages; a plain string counts as one message on generations (LLM spans), where it is
 * the prompt or the completion. Anything else stays raw input/output text.
 */
function langfuseMessages(value: AttrValue | undefined, role: string, kind: SpanKind): Message[] {
  if (value === undefined) return [];
  const parsed = typeof value === "string" ? (parseJson(value) ?? value) : value;
  if (Array.isArray(parsed)) {
    const looksLikeMessages = parsed.every((item) => isRecord(item) && "role" in item);
    return looksLikeMessages && parsed.length > 0 ? parseMessageList(parsed, role) : [];
  }
  if (isRecord(parsed)) {
    if (Array.isArray(parsed.messages)) return parseMessageList(parsed.messages, role);
    return "role" in parsed ? toMessages(parsed, role) : [];
  }
  if (typeof parsed === "string" && parsed !== "" && kind === "LLM") {
    return [{ role, content: parsed }];
  }
  return [];
}

/** An OpenAI-style request body (`{model, messages}`), as traceAI TS and OpenInference record it. */
function requestBodyMessages(value: AttrValue | undefined): Message[] {
  const body = structured(value);
  return isRecord(body) && Array.isArray(body.messages)
    ? parseMessageList(body.messages, "user")
    : [];
}

/** An OpenAI-style response body (`{choices: [{message}]}`) or an Anthropic one (`{role, content}`). */
function responseBodyMessages(value: AttrValue | undefined): Message[] {
  const body = structured(value);
  if (!isRecord(body)) return [];
  if (Array.isArray(body.choices)) {
    return body.choices.flatMap((choice) => {
      if (!isRecord(choice)) return [];
      if (isRecord(choice.message)) return toMessages(choice.message, "assistant");
      return typeof choice.text === "string" ? [{ role: "assistant", content: choice.text }] : [];
    });
  }
  return body.role === "assistant" ? toMessages(body, "assistant") : [];
}
