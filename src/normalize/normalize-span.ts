import type { OtlpSpan } from "../otlp/otlp-span.ts";
import type { Convention, LlmSpan, SpanKind } from "../span/llm-span.ts";
import { withKeyCache } from "./attribute-values.ts";
import { detectConvention, detectKind } from "./detect-kind.ts";
import { readDocuments } from "./documents.ts";
import { readAnswer, readQuestion, readRawInput, readRawOutput } from "./io-text.ts";
import { readMessages, type SpanMessages } from "./messages.ts";
import { readModels } from "./model.ts";
import { readPromptRef } from "./prompt-ref.ts";
import { readProvider } from "./provider.ts";
import { readRoute } from "./route.ts";
import { readEnvironment, readServiceName, readServiceVersion } from "./service.ts";
import { readSessionId, readUserId } from "./session.ts";
import { readIsError } from "./status.ts";
import { readSystemInstructions } from "./system-instructions.ts";
import { readTimeToFirstTokenMs } from "./timing.ts";
import { readToolName } from "./tool-name.ts";
import { readUsage } from "./usage.ts";

/**
 * Each field is read on its own and a reader that fails yields its fallback: spans come from
 * every SDK version in the wild, and one odd attribute must not cost the rest of the record.
 */
function attempt<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/**
 * Normalises one decoded OTLP span into the internal `LlmSpan`, whatever convention wrote it
 * (OTel GenAI current and legacy, OpenInference, traceAI, OpenLLMetry, Langfuse, Vercel AI SDK;
 * see shared/semconv.md). Pure and total: it never throws, malformed JSON in an attribute is
 * ignored (or kept as raw text), and absent content leaves content fields null or empty.
 * `attributes` and `resource` are passed through as given.
 */
export function normalizeSpan(span: OtlpSpan): LlmSpan {
  return withKeyCache(() => readSpan(span));
}

function readSpan(span: OtlpSpan): LlmSpan {
  const attrs = span.attributes;
  const resource = span.resource;
  const convention = attempt<Convention>(() => detectConvention(span), "unknown");
  const kind = attempt<SpanKind>(() => detectKind(span), "UNKNOWN");
  const messages = attempt<SpanMessages>(() => readMessages(span, kind), {
    input: [],
    output: [],
  });
  const rawInput = messages.input.length > 0 ? null : attempt(() => readRawInput(attrs), null);
  const rawOutput = attempt(() => readRawOutput(attrs), null);
  const models = attempt(() => readModels(attrs, convention, kind), {
    model: null,
    requestModel: null,
  });
  const prompt = attempt(() => readPromptRef(attrs), { promptName: null, promptVersion: null });

  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId || null,
    name: span.name,
    kind,
    convention,
    startTimeUnixNano: span.startTimeUnixNano,
    endTimeUnixNano: span.endTimeUnixNano,
    status: span.status,
    isError: attempt(() => readIsError(span), span.status.code === 2),
    model: models.model,
    requestModel: models.requestModel,
    provider: attempt(() => readProvider(attrs, convention), null),
    systemInstructions: attempt(() => readSystemInstructions(span, messages.input), null),
    inputMessages: messages.input,
    outputMessages: messages.output,
    input: rawInput,
    output: messages.output.length > 0 ? null : rawOutput,
    question: attempt(() => readQuestion(attrs, kind, messages.input), null),
    answer: attempt(() => readAnswer(kind, messages.output, rawOutput), null),
    documents: attempt(() => readDocuments(span), []),
    toolName: attempt(() => readToolName(attrs, kind), null),
    usage: attempt(() => readUsage(attrs), {
      inputTokens: null,
      outputTokens: null,
      totalTokens: null,
    }),
    timeToFirstTokenMs: attempt(() => readTimeToFirstTokenMs(span), null),
    sessionId: attempt(() => readSessionId(attrs), null),
    userId: attempt(() => readUserId(attrs), null),
    serviceName: attempt(() => readServiceName(resource), null),
    serviceVersion: attempt(() => readServiceVersion(attrs, resource), null),
    environment: attempt(() => readEnvironment(attrs, resource), null),
    promptName: prompt.promptName,
    promptVersion: prompt.promptVersion,
    route: attempt(() => readRoute(attrs), null),
    attributes: attrs,
    resource,
    // Ingest sets the sender's project; the normaliser only reads the span.
    project: "default",
  };
}
