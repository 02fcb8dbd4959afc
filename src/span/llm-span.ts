import { z } from "zod";
import { AttributesSchema, SpanIdSchema, TraceIdSchema } from "../otlp/otlp-span.ts";

/** What a span does in an LLM application, whatever convention named it. */
export const SpanKindSchema = z.enum([
  "LLM",
  "EMBEDDING",
  "RETRIEVER",
  "RERANKER",
  "TOOL",
  "AGENT",
  "CHAIN",
  "GUARDRAIL",
  "EVALUATOR",
  "UNKNOWN",
]);
export type SpanKind = z.infer<typeof SpanKindSchema>;

/** The tracing convention a span was read with. */
export const ConventionSchema = z.enum([
  "otel-genai",
  "otel-genai-legacy",
  "openinference",
  "traceai",
  "openllmetry",
  "langfuse",
  "vercel-ai",
  "unknown",
]);
export type Convention = z.infer<typeof ConventionSchema>;

/** One chat message with its text flattened: parts of type text joined, tool calls kept aside. */
export const MessageSchema = z.object({
  role: z.string(),
  content: z.string(),
  toolCallId: z.string().optional(),
  toolCalls: z
    .array(
      z.object({ id: z.string().optional(), name: z.string(), arguments: z.string().optional() }),
    )
    .optional(),
});
export type Message = z.infer<typeof MessageSchema>;

/** A retrieved document (RETRIEVER/RERANKER spans) or any other piece of context. */
export const DocumentSchema = z.object({
  id: z.string().optional(),
  content: z.string(),
  score: z.number().optional(),
  /** The span the document came from, filled in by trace assembly. */
  sourceSpanId: z.string().optional(),
  /** Where the context came from: a retriever, a tool result, or the prompt itself. */
  origin: z.enum(["retrieval", "tool", "prompt"]).optional(),
});
export type Document = z.infer<typeof DocumentSchema>;

export const UsageSchema = z.object({
  inputTokens: z.number().nullable(),
  outputTokens: z.number().nullable(),
  totalTokens: z.number().nullable(),
});
export type Usage = z.infer<typeof UsageSchema>;

/**
 * The one internal record every convention is normalised into (see shared/semconv.md, table a).
 * Content fields are null when the span did not carry them: content capture is opt-in, so
 * "absent" means "not evaluable", never "empty".
 */
export const LlmSpanSchema = z.object({
  traceId: TraceIdSchema,
  spanId: SpanIdSchema,
  parentSpanId: SpanIdSchema.nullable(),
  name: z.string(),
  kind: SpanKindSchema,
  convention: ConventionSchema,
  startTimeUnixNano: z.string(),
  endTimeUnixNano: z.string(),
  status: z.object({ code: z.number().int(), message: z.string().optional() }),
  /** Span status ERROR, an `error.type`, an exception event or an error level. */
  isError: z.boolean(),
  /** The response model when known, else the request model. */
  model: z.string().nullable(),
  requestModel: z.string().nullable(),
  provider: z.string().nullable(),
  systemInstructions: z.string().nullable(),
  inputMessages: z.array(MessageSchema),
  outputMessages: z.array(MessageSchema),
  /** Raw input text when there are no messages: a retriever's query, a tool's arguments. */
  input: z.string().nullable(),
  /** Raw output text when there are no messages: a tool's result, a chain's output. */
  output: z.string().nullable(),
  /** The user's question: the last user message, or a retriever's query. */
  question: z.string().nullable(),
  /** The answer: the first output message's text, or the output text. */
  answer: z.string().nullable(),
  /** Documents this span retrieved (RETRIEVER/RERANKER spans). */
  documents: z.array(DocumentSchema),
  toolName: z.string().nullable(),
  usage: UsageSchema,
  timeToFirstTokenMs: z.number().nullable(),
  sessionId: z.string().nullable(),
  userId: z.string().nullable(),
  serviceName: z.string().nullable(),
  /** The release: resource `service.version` (or the convention's own release attribute). */
  serviceVersion: z.string().nullable(),
  environment: z.string().nullable(),
  promptName: z.string().nullable(),
  promptVersion: z.string().nullable(),
  route: z.string().nullable(),
  attributes: AttributesSchema,
  resource: AttributesSchema,
  /** The project whose API key sent the span (`default` without API keys). */
  project: z.string().default("default"),
});
export type LlmSpan = z.infer<typeof LlmSpanSchema>;
