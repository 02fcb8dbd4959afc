import { context, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";

/** One fact of the demo's knowledge base, with a right answer and a hallucinated one. */
interface Fact {
  question: string;
  document: string;
  good: string;
  bad: string;
}

const FACTS: Fact[] = [
  {
    question: "How long do I have to request a refund?",
    document: "Refunds are accepted within 30 days of purchase with the original receipt.",
    good: "Within 30 days of purchase, with the original receipt.",
    bad: "You have 90 days to request a refund, and no receipt is needed.",
  },
  {
    question: "Do you ship to Canada?",
    document:
      "We ship to the United States and Canada. Canadian orders arrive in 5 to 8 business days.",
    good: "Yes, Canadian orders arrive in 5 to 8 business days.",
    bad: "No, we only ship within the United States.",
  },
  {
    question: "What does the premium plan cost?",
    document: "The premium plan costs 12 dollars per month or 120 dollars per year.",
    good: "12 dollars per month, or 120 dollars per year.",
    bad: "The premium plan costs 20 dollars per month and includes a free phone.",
  },
  {
    question: "When is customer support open?",
    document: "Customer support is open Monday to Friday from 9 am to 6 pm Central European Time.",
    good: "Monday to Friday, 9 am to 6 pm Central European Time.",
    bad: "Support is available around the clock, seven days a week.",
  },
  {
    question: "Can I change my delivery address after ordering?",
    document:
      "The delivery address can be changed until the order is packed, usually within 2 hours of ordering.",
    good: "Yes, until the order is packed, usually within 2 hours of ordering.",
    bad: "No, the delivery address can never be changed once the order is placed.",
  },
];

export interface DemoAppOptions {
  endpoint: string;
  service: string;
  /** Release name and the share of its answers that are hallucinated. */
  releases: { version: string; badShare: number }[];
}

/**
 * A small RAG app instrumented with the real OpenTelemetry SDK, OpenInference attributes: each
 * question is a CHAIN span with a RETRIEVER span and an LLM span under it. One tracer provider
 * per release, as two deployments would have.
 */
export class DemoApp {
  private readonly providers: {
    version: string;
    badShare: number;
    provider: BasicTracerProvider;
  }[];
  private sent = 0;

  constructor(options: DemoAppOptions) {
    this.providers = options.releases.map((release) => ({
      ...release,
      provider: new BasicTracerProvider({
        resource: resourceFromAttributes({
          "service.name": options.service,
          "service.version": release.version,
        }),
        spanProcessors: [
          new BatchSpanProcessor(new OTLPTraceExporter({ url: options.endpoint }), {
            scheduledDelayMillis: 200,
          }),
        ],
      }),
    }));
  }

  /** Answers one question with the next release in turn; returns whether it hallucinated. */
  ask(): { release: string; hallucinated: boolean } {
    const release = this.providers[
      this.sent % this.providers.length
    ] as (typeof this.providers)[number];
    const fact = FACTS[Math.floor(this.sent / this.providers.length) % FACTS.length] as Fact;
    this.sent += 1;
    // Deterministic per release: the n-th answer is bad when the running share falls short.
    const n = Math.floor(this.sent / this.providers.length);
    const hallucinated = Math.floor((n + 1) * release.badShare) > Math.floor(n * release.badShare);
    const tracer = release.provider.getTracer("tracejudge-demo");
    const root = tracer.startSpan("answer-question", {
      attributes: { "openinference.span.kind": "CHAIN", "input.value": fact.question },
    });
    const ctx = trace.setSpan(context.active(), root);
    tracer
      .startSpan(
        "retrieve",
        {
          attributes: {
            "openinference.span.kind": "RETRIEVER",
            "input.value": fact.question,
            "retrieval.documents.0.document.content": fact.document,
            "retrieval.documents.0.document.score": 0.9,
          },
        },
        ctx,
      )
      .end();
    tracer
      .startSpan(
        "llm",
        {
          attributes: {
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o-mini",
            "llm.provider": "openai",
            "llm.input_messages.0.message.role": "system",
            "llm.input_messages.0.message.content": "Answer from the retrieved documents only.",
            "llm.input_messages.1.message.role": "user",
            "llm.input_messages.1.message.content": fact.question,
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": hallucinated ? fact.bad : fact.good,
            "llm.token_count.prompt": 180,
            "llm.token_count.completion": 24,
          },
        },
        ctx,
      )
      .end();
    root.end();
    return { release: release.version, hallucinated };
  }

  async close(): Promise<void> {
    await Promise.all(this.providers.map((p) => p.provider.shutdown()));
  }
}
