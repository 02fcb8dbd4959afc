import type { Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";

/**
 * Attribute names of tracejudge's own spans. Deliberately not `gen_ai.*`: where a collector sends
 * tracejudge's spans on to tracejudge itself (one pipeline for every service), a judge call
 * described in GenAI terms would be an LLM span, judged, and its judge call judged in turn.
 */
export const SELF_SPAN_ATTRIBUTES = {
  evaluatorName: "tracejudge.evaluator.name",
  evaluatorVersion: "tracejudge.evaluator.version",
  attempt: "tracejudge.evaluation.attempt",
  /** What was stored: `ok`, `error`, `skipped`, or `missing` (handed back to another worker). */
  status: "tracejudge.evaluation.status",
  judgedTraceId: "tracejudge.judged.trace_id",
  judgedSpanId: "tracejudge.judged.span_id",
  judgeModel: "tracejudge.judge.model",
  judgeSchema: "tracejudge.judge.schema",
  judgeOutcome: "tracejudge.judge.outcome",
  judgeInputTokens: "tracejudge.judge.input_tokens",
  judgeOutputTokens: "tracejudge.judge.output_tokens",
  judgeCostUsd: "tracejudge.judge.cost_usd",
} as const;

export interface SelfTracingOptions {
  /** Full URL of the OTLP/HTTP traces endpoint, e.g. `http://collector:4318/v1/traces`. */
  url: string;
  headers?: Record<string, string>;
  /** The resource, as the evaluation events have it (`service.name` is `tracejudge` unless set). */
  resourceAttributes?: Record<string, string>;
  /** Another exporter than OTLP/HTTP protobuf (an in-memory one, say). */
  exporter?: SpanExporter;
}

/**
 * tracejudge's own tracer, its spans batched to an OTLP/HTTP endpoint. A provider of its own,
 * never the global one: a user's evaluator module that sets up OpenTelemetry keeps its own. The
 * SDK reads its usual variables for what the config does not set (`OTEL_TRACES_SAMPLER`,
 * `OTEL_BSP_*`, `OTEL_EXPORTER_OTLP_HEADERS`). A backend that is down costs only spans.
 */
export class SelfTracing {
  readonly tracer: Tracer;
  private readonly provider: BasicTracerProvider;
  private closing: Promise<void> | undefined;

  constructor(options: SelfTracingOptions) {
    const exporter =
      options.exporter ??
      new OTLPTraceExporter({ url: options.url, headers: options.headers ?? {} });
    this.provider = new BasicTracerProvider({
      resource: defaultResource().merge(
        resourceFromAttributes({ "service.name": "tracejudge", ...options.resourceAttributes }),
      ),
      spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 })],
    });
    this.tracer = this.provider.getTracer("tracejudge");
  }

  async flush(): Promise<void> {
    await this.provider.forceFlush();
  }

  /** Sends what is batched, then stops. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.provider.shutdown();
    return this.closing;
  }
}
