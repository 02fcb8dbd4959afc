import type { Attributes, OtlpSpan } from "../otlp/otlp-span.ts";
import type { Convention, SpanKind } from "../span/llm-span.ts";
import {
  GEN_AI,
  LANGFUSE,
  MODEL_KEYS,
  OPENINFERENCE,
  OPENLLMETRY,
  TRACEAI,
  VERCEL,
} from "./attribute-names.ts";
import { hasIndexed, hasPrefix, toText } from "./attribute-values.ts";
import { LEGACY_CONTENT_EVENTS } from "./event-messages.ts";

type KindTable = Readonly<Record<string, SpanKind>>;

/** `span` and `event` are generic Langfuse types: they say nothing, so detection goes on. */
const LANGFUSE_KINDS: KindTable = {
  generation: "LLM",
  embedding: "EMBEDDING",
  agent: "AGENT",
  tool: "TOOL",
  chain: "CHAIN",
  retriever: "RETRIEVER",
  guardrail: "GUARDRAIL",
  evaluator: "EVALUATOR",
};

const OPENINFERENCE_KINDS: KindTable = {
  llm: "LLM",
  embedding: "EMBEDDING",
  chain: "CHAIN",
  retriever: "RETRIEVER",
  reranker: "RERANKER",
  tool: "TOOL",
  agent: "AGENT",
  guardrail: "GUARDRAIL",
  evaluator: "EVALUATOR",
  // A prompt-template span is a step of a pipeline.
  prompt: "CHAIN",
};

const TRACEAI_KINDS: KindTable = {
  ...OPENINFERENCE_KINDS,
  vector_db: "RETRIEVER",
  conversation: "CHAIN",
  a2a_client: "AGENT",
  a2a_server: "AGENT",
};

const TRACELOOP_KINDS: KindTable = {
  workflow: "CHAIN",
  task: "CHAIN",
  session: "CHAIN",
  agent: "AGENT",
  tool: "TOOL",
};

const REQUEST_TYPE_KINDS: KindTable = {
  chat: "LLM",
  completion: "LLM",
  embedding: "EMBEDDING",
  rerank: "RERANKER",
};

const OPERATION_KINDS: KindTable = {
  chat: "LLM",
  generate_content: "LLM",
  text_completion: "LLM",
  // Accepted by Langfuse as LLM operations though not in the OTel registry.
  completion: "LLM",
  generate: "LLM",
  embeddings: "EMBEDDING",
  embedding: "EMBEDDING",
  retrieval: "RETRIEVER",
  execute_tool: "TOOL",
  invoke_agent: "AGENT",
  create_agent: "AGENT",
  invoke_workflow: "CHAIN",
  plan: "CHAIN",
  apply_guardrail: "GUARDRAIL",
};

/** Outer Vercel AI SDK spans wrap one or more provider calls; they are not LLM calls themselves. */
const VERCEL_WRAPPERS = new Set([
  "ai.generateText",
  "ai.streamText",
  "ai.generateObject",
  "ai.streamObject",
]);

function lookup(table: KindTable, value: unknown): SpanKind | null {
  const key = toText(value)?.trim().toLowerCase();
  // Own keys only: "constructor" or "__proto__" must not find Object.prototype's members.
  return key !== undefined && Object.hasOwn(table, key) ? (table[key] ?? null) : null;
}

/** OTel operations, plus the newer memory operations: searches read memory, the rest write it. */
function operationKind(value: unknown): SpanKind | null {
  const known = lookup(OPERATION_KINDS, value);
  if (known) return known;
  const op = toText(value)?.toLowerCase() ?? "";
  if (!op.includes("memory")) return null;
  return /^(search|retrieve|query|get|read)/.test(op) ? "RETRIEVER" : "TOOL";
}

/**
 * The Vercel AI SDK operation: `ai.operationId`, else the first word of `operation.name`
 * (`"<operationId> <functionId>"`), else the span name when the SDK's tracer (scope `ai`) made it.
 */
export function vercelOperationId(span: OtlpSpan): string | null {
  const id = toText(span.attributes[VERCEL.OPERATION_ID]);
  if (id) return id;
  const first = toText(span.attributes[VERCEL.OPERATION_NAME])?.split(" ")[0];
  if (first?.startsWith("ai.")) return first;
  return span.scope.name === VERCEL.SCOPE_NAME && span.name.startsWith("ai.") ? span.name : null;
}

function vercelKind(span: OtlpSpan): SpanKind | null {
  const op = vercelOperationId(span);
  if (op === null) return null;
  if (op === "ai.toolCall") return "TOOL";
  if (op.startsWith("ai.embed")) return "EMBEDDING";
  if (VERCEL_WRAPPERS.has(op)) return "CHAIN";
  if (op.endsWith(".doGenerate") || op.endsWith(".doStream")) {
    const a = span.attributes;
    const hasModel = [VERCEL.MODEL_ID, VERCEL.RESPONSE_MODEL, GEN_AI.REQUEST_MODEL].some(
      (key) => toText(a[key]) !== null,
    );
    return hasModel ? "LLM" : null;
  }
  return null;
}

function returnsDocuments(span: OtlpSpan): boolean {
  const a = span.attributes;
  return (
    span.events.some((event) => event.name === OPENLLMETRY.DB_QUERY_RESULT_EVENT) ||
    hasIndexed(a, OPENINFERENCE.RETRIEVAL_DOCUMENTS_PREFIX) ||
    a[GEN_AI.RETRIEVAL_DOCUMENTS] !== undefined
  );
}

function hasAny(attrs: Attributes, keys: readonly string[]): boolean {
  return keys.some((key) => attrs[key] !== undefined && attrs[key] !== null);
}

/**
 * The span kind, following semconv's "Recommended kind-detection order": Langfuse type,
 * OpenInference kind, traceAI kind, Traceloop kind and request type, OTel operation, Vercel
 * operation, tool attributes, any model attribute; then, beyond semconv's list, retrieved
 * documents (OpenLLMetry vector-DB spans carry no kind, only `db.query.result` events), so that
 * trace assembly finds their context. Values compare case-insensitively; a value a step does not
 * know hands over to the next step.
 */
export function detectKind(span: OtlpSpan): SpanKind {
  const a = span.attributes;
  const steps: (() => SpanKind | null)[] = [
    () => lookup(LANGFUSE_KINDS, a[LANGFUSE.OBSERVATION_TYPE]),
    () => lookup(OPENINFERENCE_KINDS, a[OPENINFERENCE.SPAN_KIND]),
    () => lookup(TRACEAI_KINDS, a[TRACEAI.SPAN_KIND] ?? a[TRACEAI.FI_SPAN_KIND]),
    () => lookup(TRACELOOP_KINDS, a[OPENLLMETRY.SPAN_KIND]),
    () => lookup(REQUEST_TYPE_KINDS, a[OPENLLMETRY.REQUEST_TYPE]),
    () => operationKind(a[GEN_AI.OPERATION_NAME]),
    () => vercelKind(span),
    () => (hasAny(a, [GEN_AI.TOOL_NAME, GEN_AI.TOOL_CALL_ID]) ? "TOOL" : null),
    () => (MODEL_KEYS.some((key) => toText(a[key]) !== null) ? "LLM" : null),
    () => (returnsDocuments(span) ? "RETRIEVER" : null),
  ];
  for (const step of steps) {
    const kind = step();
    if (kind) return kind;
  }
  return "UNKNOWN";
}

/**
 * Which convention wrote the span, from the keys only that convention uses. Explicit markers
 * (a convention's own kind key or prefix) come first, because several conventions also write
 * `gen_ai.*` keys; OTel current vs legacy is told apart by `gen_ai.system` and the event-era
 * content attributes.
 */
export function detectConvention(span: OtlpSpan): Convention {
  const a = span.attributes;
  if (hasPrefix(a, LANGFUSE.PREFIX)) return "langfuse";
  if (a[OPENINFERENCE.SPAN_KIND] !== undefined) return "openinference";
  if (a[TRACEAI.SPAN_KIND] !== undefined || a[TRACEAI.FI_SPAN_KIND] !== undefined) {
    return "traceai";
  }
  if (
    hasPrefix(a, OPENLLMETRY.PREFIX) ||
    a[OPENLLMETRY.REQUEST_TYPE] !== undefined ||
    hasIndexed(a, OPENLLMETRY.PROMPT_PREFIX) ||
    hasIndexed(a, OPENLLMETRY.COMPLETION_PREFIX)
  ) {
    return "openllmetry";
  }
  if (vercelOperationId(span) !== null || span.scope.name === VERCEL.SCOPE_NAME) {
    return "vercel-ai";
  }
  // Only traceAI Python flattens the OTel message keys.
  if (hasIndexed(a, GEN_AI.INPUT_MESSAGES) || hasIndexed(a, GEN_AI.OUTPUT_MESSAGES)) {
    return "traceai";
  }
  const legacyContent =
    span.events.some((event) => LEGACY_CONTENT_EVENTS.has(event.name)) ||
    hasAny(a, [GEN_AI.PROMPT, GEN_AI.COMPLETION]);
  if (legacyContent) return "otel-genai-legacy";
  if (
    hasAny(a, [
      GEN_AI.OPERATION_NAME,
      GEN_AI.PROVIDER_NAME,
      GEN_AI.INPUT_MESSAGES,
      GEN_AI.OUTPUT_MESSAGES,
      GEN_AI.SYSTEM_INSTRUCTIONS,
    ])
  ) {
    return "otel-genai";
  }
  if (a[GEN_AI.SYSTEM] !== undefined) return "otel-genai-legacy";
  if (hasPrefix(a, GEN_AI.PREFIX)) return "otel-genai";
  if (
    hasPrefix(a, OPENINFERENCE.LLM_PREFIX) ||
    hasAny(a, [OPENINFERENCE.INPUT_VALUE, OPENINFERENCE.OUTPUT_VALUE]) ||
    hasIndexed(a, OPENINFERENCE.RETRIEVAL_DOCUMENTS_PREFIX)
  ) {
    return "openinference";
  }
  return "unknown";
}
