import { ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import type { AnyValueMap } from "@opentelemetry/api-logs";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter as OTLPJsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as OTLPProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
} from "@opentelemetry/sdk-logs";
import type { NewEvalEvent } from "../store/eval-event-store.ts";

/** The OpenTelemetry event a verdict becomes (semconv `gen_ai.evaluation.result`). */
export const EVALUATION_EVENT_NAME = "gen_ai.evaluation.result";

export const EVALUATION_ATTRIBUTES = {
  name: "gen_ai.evaluation.name",
  scoreValue: "gen_ai.evaluation.score.value",
  scoreLabel: "gen_ai.evaluation.score.label",
  explanation: "gen_ai.evaluation.explanation",
  errorType: "error.type",
  // Not in the convention, which has no evaluator identity; kept under our own namespace.
  evaluatorVersion: "tracejudge.evaluator.version",
  status: "tracejudge.evaluation.status",
  passed: "tracejudge.evaluation.passed",
  /** The judged answer's id (semconv `gen_ai.response.id`), when its span had one. */
  responseId: "gen_ai.response.id",
} as const;

export interface EvaluationLogExporterOptions {
  /** Full URL of the backend's OTLP logs endpoint, e.g. `http://collector:4318/v1/logs`. */
  url: string;
  headers?: Record<string, string>;
  /** OTLP/HTTP encoding, as `OTEL_EXPORTER_OTLP_PROTOCOL` names it. Default `http/protobuf`. */
  protocol?: "http/protobuf" | "http/json";
  /**
   * The events' resource attributes (`config.resource_attributes`, with the `OTEL_*` resource
   * variables merged in), over the SDK's defaults and `service.name: tracejudge`.
   */
  resourceAttributes?: Record<string, string>;
  /** Another exporter than OTLP/HTTP (an in-memory one, say). */
  exporter?: LogRecordExporter;
}

/** The log record attributes of one verdict. */
export function evaluationAttributes(event: NewEvalEvent): AnyValueMap {
  const attributes: AnyValueMap = {
    [EVALUATION_ATTRIBUTES.name]: event.evaluator,
    [EVALUATION_ATTRIBUTES.evaluatorVersion]: event.evaluatorVersion,
    [EVALUATION_ATTRIBUTES.status]: event.status,
  };
  if (event.score !== null) attributes[EVALUATION_ATTRIBUTES.scoreValue] = event.score;
  if (event.label !== null) attributes[EVALUATION_ATTRIBUTES.scoreLabel] = event.label;
  if (event.passed !== null) attributes[EVALUATION_ATTRIBUTES.passed] = event.passed;
  if (event.explanation) attributes[EVALUATION_ATTRIBUTES.explanation] = event.explanation;
  if (event.responseId) attributes[EVALUATION_ATTRIBUTES.responseId] = event.responseId;
  if (event.status === "error")
    attributes[EVALUATION_ATTRIBUTES.errorType] = event.reason ?? "_OTHER";
  return attributes;
}

/**
 * Sends each stored verdict to the user's own tracing backend as a `gen_ai.evaluation.result`
 * log event, through the OpenTelemetry logs SDK. The record carries the evaluated span's trace
 * and span ids, which is what parents it to that span, so Jaeger, Tempo, Phoenix or any OTLP
 * backend shows the verdict beside the span. Batched; a backend that is down costs only those
 * events, never an evaluation.
 */
export class EvaluationLogExporter {
  private readonly provider: LoggerProvider;
  private readonly logger;
  private closed = false;

  constructor(options: EvaluationLogExporterOptions) {
    const exporterOptions = { url: options.url, headers: options.headers ?? {} };
    const exporter =
      options.exporter ??
      (options.protocol === "http/json"
        ? new OTLPJsonLogExporter(exporterOptions)
        : new OTLPProtoLogExporter(exporterOptions));
    this.provider = new LoggerProvider({
      resource: defaultResource().merge(
        resourceFromAttributes({ "service.name": "tracejudge", ...options.resourceAttributes }),
      ),
      processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 500 })],
    });
    this.logger = this.provider.getLogger("tracejudge.evaluations");
  }

  emit(event: NewEvalEvent): void {
    if (this.closed) return;
    const context = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: event.traceId,
      spanId: event.spanId,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    this.logger.emit({
      eventName: EVALUATION_EVENT_NAME,
      severityNumber: SeverityNumber.INFO,
      severityText: "INFO",
      timestamp: Date.now(),
      context,
      attributes: evaluationAttributes(event),
    });
  }

  async flush(): Promise<void> {
    await this.provider.forceFlush();
  }

  /** Sends what is batched, then stops. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.provider.shutdown();
  }
}
