import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { createHttpMetrics } from "./http-metrics.ts";
import { createJudgeMetrics } from "./judge-metrics.ts";

/** Why an LLM span was not evaluated, as counted in `tracejudge_spans_not_evaluated_total`. */
export type NotEvaluatedReason = "not_sampled" | "no_evaluator";

export interface MetricsOptions {
  /**
   * The running build: adds `tracejudge_build_info{version,node_version}` (always 1) and
   * prom-client's default process and Node.js metrics, under their standard names
   * (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, …) so that ready-made dashboards
   * read them. Off by default: the default metrics start event-loop and GC observers that live as
   * long as the process, too many for tests that build registries by the dozen.
   */
  build?: { version: string };
}

/**
 * The engine's Prometheus metrics, on a registry of their own (no global default registry, so
 * tests and several services in one process never collide).
 */
export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  if (options.build) {
    collectDefaultMetrics({ register: registry });
    new Gauge({
      name: "tracejudge_build_info",
      help: "Always 1: the tracejudge version and the Node.js version this process runs.",
      labelNames: ["version", "node_version"] as const,
      registers: [registry],
    }).set({ version: options.build.version, node_version: process.version }, 1);
  }
  const metrics = {
    registry,
    http: createHttpMetrics(registry),
    judge: createJudgeMetrics(registry),
    spansReceived: new Counter({
      name: "tracejudge_spans_received_total",
      help: "Spans accepted by OTLP ingest.",
      labelNames: ["encoding"] as const,
      registers: [registry],
    }),
    spansRejected: new Counter({
      name: "tracejudge_spans_rejected_total",
      help: "Spans refused by OTLP ingest (partial success, or whole requests that could not be decoded).",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    logRecordsReceived: new Counter({
      name: "tracejudge_log_records_received_total",
      help: "Log records accepted by OTLP ingest (/v1/logs).",
      labelNames: ["encoding"] as const,
      registers: [registry],
    }),
    logRecordsDropped: new Counter({
      name: "tracejudge_log_records_dropped_total",
      help: "Log records not joined to a span, by reason (not_genai_content, no_span, no_content, invalid_log_record, expired_in_spool).",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    requestsRejected: new Counter({
      name: "tracejudge_ingest_requests_rejected_total",
      help: "OTLP requests answered with an error status.",
      labelNames: ["status"] as const,
      registers: [registry],
    }),
    tracesAssembled: new Counter({
      name: "tracejudge_traces_assembled_total",
      help: "Trace assemblies (a trace with late spans is assembled again).",
      registers: [registry],
    }),
    tracesFailed: new Counter({
      name: "tracejudge_traces_failed_total",
      help: "Traces whose assembly failed (logged with the trace id); their spans are not evaluated.",
      registers: [registry],
    }),
    tracesSampled: new Counter({
      name: "tracejudge_traces_sampled_total",
      help: "Assembled traces by sampling decision.",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    spansNotEvaluated: new Counter({
      name: "tracejudge_spans_not_evaluated_total",
      help: "LLM spans that got no evaluation, by reason.",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    evaluations: new Counter({
      name: "tracejudge_evaluations_total",
      help: "Eval events stored, by evaluator and status.",
      labelNames: ["evaluator", "status"] as const,
      registers: [registry],
    }),
    evaluationsInline: new Counter({
      name: "tracejudge_evaluations_inline_total",
      help: "Eval events stored by inline evaluators at assembly, with no queue hop.",
      registers: [registry],
    }),
    evaluationDuration: new Histogram({
      name: "tracejudge_evaluation_duration_seconds",
      help: "Time an evaluator took for one span.",
      labelNames: ["evaluator"] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "tracejudge_queue_depth",
      help: "Jobs in each queue by state, read when scraped.",
      labelNames: ["queue", "state"] as const,
      registers: [registry],
    }),
    alertNotifications: new Counter({
      name: "tracejudge_alert_notifications_total",
      help: "Alert transitions that notified, by rule and type.",
      labelNames: ["rule", "type"] as const,
      registers: [registry],
    }),
    webhooksDead: new Counter({
      name: "tracejudge_webhook_deliveries_dead_total",
      help: "Webhook deliveries dead-lettered after their last attempt.",
      labelNames: ["webhook"] as const,
      registers: [registry],
    }),
    pendingTraces: new Gauge({
      name: "tracejudge_pending_traces",
      help: "Traces buffered and waiting to be quiet for the trace wait.",
      registers: [registry],
    }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
