import type { Attributes } from "../otlp/otlp-span.ts";
import type { Message, SpanKind } from "../span/llm-span.ts";
import { GEN_AI, LANGFUSE, OPENINFERENCE, OPENLLMETRY, VERCEL } from "./attribute-names.ts";
import { firstText, isRecord, parseJson, toText, unwrapText } from "./attribute-values.ts";

/**
 * Raw input text: tool arguments, chain input, a retriever's query. Values that are JSON stay
 * JSON text; strings JSON-encoded twice are unwrapped. The message keys come last so that a
 * malformed `gen_ai.input.messages` is still visible as text.
 */
const INPUT_KEYS = [
  LANGFUSE.OBSERVATION_INPUT,
  GEN_AI.TOOL_CALL_ARGUMENTS,
  VERCEL.TOOL_CALL_ARGS,
  OPENLLMETRY.ENTITY_INPUT,
  OPENINFERENCE.INPUT_VALUE,
  GEN_AI.RETRIEVAL_QUERY_TEXT,
  OPENINFERENCE.RERANKER_QUERY,
  VERCEL.PROMPT,
  GEN_AI.INPUT_MESSAGES,
] as const;

/** Raw output text, in the same order as the input keys. */
const OUTPUT_KEYS = [
  LANGFUSE.OBSERVATION_OUTPUT,
  GEN_AI.TOOL_CALL_RESULT,
  VERCEL.TOOL_CALL_RESULT,
  OPENLLMETRY.ENTITY_OUTPUT,
  OPENINFERENCE.OUTPUT_VALUE,
  VERCEL.RESPONSE_OBJECT,
  VERCEL.RESULT_OBJECT,
  GEN_AI.OUTPUT_MESSAGES,
] as const;

/** Kinds whose output is not an answer to anyone: documents and vectors. */
const NON_ANSWERING_KINDS: ReadonlySet<SpanKind> = new Set(["RETRIEVER", "RERANKER", "EMBEDDING"]);

/** Keys a JSON-dumped retriever input commonly holds its query under. */
const QUERY_FIELDS = ["query", "input", "question"] as const;

function firstRaw(attrs: Attributes, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = attrs[key];
    if (value === undefined || value === null) continue;
    const text = unwrapText(value);
    if (text !== null && text !== "") return text;
  }
  return null;
}

/** Raw input text (see `INPUT_KEYS`), or null. */
export function readRawInput(attrs: Attributes): string | null {
  return firstRaw(attrs, INPUT_KEYS);
}

/** Raw output text (see `OUTPUT_KEYS`), or null. */
export function readRawOutput(attrs: Attributes): string | null {
  return firstRaw(attrs, OUTPUT_KEYS);
}

/**
 * A query out of a value that may be plain text, a JSON-encoded string, or a JSON object such as
 * LangChain's `{"query": "..."}` (semconv pitfall 8). A `text/plain` mime type means no parsing.
 */
function queryFrom(value: unknown, mimeType: string | null): string | null {
  if (typeof value !== "string") {
    return isRecord(value) ? pickQuery(value) : toText(value);
  }
  if (mimeType?.startsWith("text/plain")) return toText(value);
  const parsed = parseJson(value.trim());
  if (parsed === undefined) return toText(value);
  if (typeof parsed === "string") return toText(parsed);
  return isRecord(parsed) ? pickQuery(parsed) : toText(value);
}

function pickQuery(record: Record<string, unknown>): string | null {
  for (const field of QUERY_FIELDS) {
    const text = toText(record[field]);
    if (text !== null) return text;
  }
  return null;
}

/**
 * A user message that labels nothing but its question ("Question: …", often closed by an answer
 * cue such as "Helpful Answer:", as chat templates write the human turn when the context is in the
 * system message). Any other label or tag in it means the message carries more (its context), so
 * it stays whole for the prompt-template reader at assembly.
 */
const LONE_QUESTION =
  /^\s*(?:question|query|user question|user query)\s*:\s*([\s\S]*?)\s*(?:\n\s*(?:answer|helpful answer|final answer|your answer|response)\s*:\s*)?$/i;
const OTHER_LABEL = /^\s*[A-Za-z][\w '-]{0,30}:|<[A-Za-z_][\w-]*(?:\s[^>]*)?>/m;

function withoutQuestionLabel(text: string): string {
  const question = LONE_QUESTION.exec(text)?.[1];
  return question && !OTHER_LABEL.test(question) ? question : text;
}

function lastUserText(messages: Message[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role === "user" && message.content.trim() !== "") return message.content;
  }
  return null;
}

/**
 * The user's question: on retriever and reranker spans the query (`gen_ai.retrieval.query.text`,
 * `reranker.query`, traceAI `gen_ai.retrieval.query`, then `input.value` or the Langfuse input),
 * otherwise, and as a last resort, the text of the last user message that has text (without a
 * "Question:" label and answer cue when they are all the message holds besides the question).
 */
export function readQuestion(attrs: Attributes, kind: SpanKind, input: Message[]): string | null {
  if (kind === "RETRIEVER" || kind === "RERANKER") {
    const query =
      firstText(attrs, [
        GEN_AI.RETRIEVAL_QUERY_TEXT,
        OPENINFERENCE.RERANKER_QUERY,
        GEN_AI.RETRIEVAL_QUERY,
      ]) ??
      queryFrom(attrs[OPENINFERENCE.INPUT_VALUE], toText(attrs[OPENINFERENCE.INPUT_MIME_TYPE])) ??
      queryFrom(attrs[LANGFUSE.OBSERVATION_INPUT], null);
    if (query !== null) return query;
  }
  const text = lastUserText(input);
  return text === null ? null : withoutQuestionLabel(text);
}

/**
 * The answer: the first assistant output message with text, else the first output message with
 * text; when there are no output messages, the raw output text, except on retriever, reranker
 * and embedding spans, whose output is documents or vectors rather than an answer.
 */
export function readAnswer(
  kind: SpanKind,
  output: Message[],
  rawOutput: string | null,
): string | null {
  const withText = output.filter((m) => m.content.trim() !== "");
  const assistant = withText.find((m) => m.role === "assistant" || m.role === "model");
  const first = assistant ?? withText[0];
  if (first) return first.content;
  // Output messages without text (tool calls only) mean "no answer yet", not "look elsewhere":
  // the raw output then is the same response as JSON.
  if (output.length > 0 || NON_ANSWERING_KINDS.has(kind)) return null;
  return rawOutput;
}
