import type { Attributes } from "@opentelemetry/api";
import { context, trace } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

/**
 * Real spans from the OpenTelemetry SDK, for tests that need real OTLP payloads: a RAG trace of a
 * CHAIN root, a RETRIEVER child and an LLM child, in OpenInference attributes.
 */
export function ragTraceSpans(
  options: {
    service?: string;
    release?: string;
    question?: string;
    document?: string;
    answer?: string;
    llmAttributes?: Attributes;
  } = {},
): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      "service.name": options.service ?? "support-bot",
      "service.version": options.release ?? "v42",
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer("test-rag-app");
  const question = options.question ?? "How long do I have to request a refund?";
  const document =
    options.document ?? "Refunds are accepted within 30 days of purchase with a receipt.";
  const answer = options.answer ?? "You can request a refund within 30 days of purchase.";
  const root = tracer.startSpan("rag-pipeline", {
    attributes: { "openinference.span.kind": "CHAIN", "input.value": question },
  });
  const ctx = trace.setSpan(context.active(), root);
  const retriever = tracer.startSpan(
    "retrieve",
    {
      attributes: {
        "openinference.span.kind": "RETRIEVER",
        "input.value": question,
        "retrieval.documents.0.document.id": "doc-1",
        "retrieval.documents.0.document.content": document,
        "retrieval.documents.0.document.score": 0.92,
      },
    },
    ctx,
  );
  retriever.end();
  const llm = tracer.startSpan(
    "ChatCompletion",
    {
      attributes: {
        "openinference.span.kind": "LLM",
        "llm.model_name": "gpt-4o-mini",
        "llm.provider": "openai",
        "llm.input_messages.0.message.role": "system",
        "llm.input_messages.0.message.content": "Answer from the context.",
        "llm.input_messages.1.message.role": "user",
        "llm.input_messages.1.message.content": question,
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": answer,
        "llm.token_count.prompt": 120,
        "llm.token_count.completion": 14,
        ...options.llmAttributes,
      },
    },
    ctx,
  );
  llm.end();
  root.end();
  return exporter.getFinishedSpans();
}

/** A copy of a finished SDK span with some fields replaced (the prototype keeps its methods). */
export function withOverrides(span: ReadableSpan, overrides: Partial<ReadableSpan>): ReadableSpan {
  return Object.assign(Object.create(Object.getPrototypeOf(span)), span, overrides) as ReadableSpan;
}

/** Sends finished spans to a service, the way an app does: the real OTLP/HTTP protobuf exporter. */
export async function exportSpans(baseUrl: string, spans: ReadableSpan[]): Promise<void> {
  const exporter = new OTLPTraceExporter({ url: `${baseUrl}/v1/traces` });
  try {
    await new Promise<void>((resolve, reject) =>
      exporter.export(spans, (result) =>
        result.code === ExportResultCode.SUCCESS
          ? resolve()
          : reject(result.error ?? new Error("export failed")),
      ),
    );
  } finally {
    await exporter.shutdown();
  }
}
