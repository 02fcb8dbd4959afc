import type { Logger } from "pino";
import { alertRoutes } from "../api/alert-routes.ts";
import { consoleRoutes } from "../api/console-routes.ts";
import { evaluationsRoutes } from "../api/evaluations-routes.ts";
import { evaluatorRoutes } from "../api/evaluator-routes.ts";
import { openApiRoutes } from "../api/openapi-document.ts";
import { TraceBuffer } from "../buffer/trace-buffer.ts";
import type { Config } from "../config/config-schema.ts";
import { Backpressure } from "../ingest/backpressure.ts";
import { ingestRoutes } from "../ingest/ingest-routes.ts";
import type { CountersPublisher } from "../metrics/counters-publisher.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { normalizeSpan } from "../normalize/normalize-span.ts";
import type { RedisConnection } from "../redis/connect-redis.ts";
import type { LlmSpan } from "../span/llm-span.ts";
import type { WebhookDeliverer } from "../webhooks/webhook-deliverer.ts";
import type { Catalogs } from "./catalogs.ts";
import type { Connections } from "./connections.ts";
import type { EngineQueues } from "./engine-queues.ts";
import type { HttpApp } from "./http-app.ts";
import type { Closers } from "./shutdown-sequence.ts";
import type { Stores } from "./stores.ts";

export interface ApiRoleDeps {
  config: Config;
  logger: Logger;
  connections: Pick<Connections, "pool" | "redis">;
  /** Ingest's fail-fast connection. */
  ingestRedis: RedisConnection;
  queues: EngineQueues;
  stores: Stores;
  catalogs: Catalogs;
  deliverer: WebhookDeliverer;
  metrics: Metrics;
  counters: CountersPublisher;
  redact: (span: LlmSpan) => LlmSpan;
}

/**
 * The API role's routes: the OTLP receiver behind its back-pressure, the evaluations, evaluators,
 * alerts and console APIs, and the OpenAPI document.
 */
export async function registerApiRole(
  { app, admit }: HttpApp,
  deps: ApiRoleDeps,
  closers: Closers,
): Promise<void> {
  const { config, logger, connections, ingestRedis, queues, stores, catalogs, metrics } = deps;
  const ingestBuffer = new TraceBuffer(ingestRedis, config.redis_prefix, config.trace_buffer_ttl_s);
  const backpressure = new Backpressure(
    ingestRedis,
    async () => {
      const [waitingEvaluations, pending, queuedTraces, spooledRequests] = await Promise.all([
        queues.evaluations.getWaitingCount(),
        ingestBuffer.pendingCount(),
        queues.traces.getWaitingCount(),
        queues.ingest.getWaitingCount(),
      ]);
      // Quiet or not, a trace not yet assembled waits for assembly.
      return { waitingEvaluations, pendingTraces: pending + queuedTraces, spooledRequests };
    },
    {
      maxWaitingEvaluations: config.backpressure.max_waiting_evaluations,
      maxPendingTraces: config.backpressure.max_pending_traces,
      maxSpooledRequests: config.backpressure.max_spooled_requests,
      retryAfterSeconds: config.backpressure.retry_after_s,
    },
  );
  backpressure.start();
  closers.push(() => backpressure.close());
  await app.register(ingestRoutes, {
    spool: stores.spool,
    metrics,
    backpressure,
    logger,
    maxBodyBytes: config.server.max_body_bytes,
    admit,
    // Strict deployments: ingest reads and redacts, and buffers over its fail-fast connection.
    ...(config.redaction.before_queue
      ? { readBeforeQueue: { normalize: normalizeSpan, redact: deps.redact, buffer: ingestBuffer } }
      : {}),
  });
  await app.register(evaluationsRoutes, { store: stores.evalStore });
  // Open, like /healthz: the document describes the routes and holds no data.
  await app.register(openApiRoutes);
  await app.register(evaluatorRoutes, {
    catalog: catalogs.evaluators,
    // The API only checks that one is configured; the workers build and call it.
    judgeConfigured: config.judge !== undefined,
    guard: catalogs.guard,
  });
  await app.register(consoleRoutes, {
    pool: connections.pool,
    queues: Object.values(queues),
    metrics: metrics.registry,
    deployment: { redis: connections.redis, prefix: config.redis_prefix, self: deps.counters },
    rules: catalogs.alertRules,
    traceUrlTemplate: config.console.trace_url_template,
    queueBoard:
      config.console.queue_board === "off"
        ? false
        : { readOnly: config.console.queue_board === "read_only" },
  });
  await app.register(alertRoutes, {
    rules: catalogs.alertRules,
    states: stores.alertStates,
    deliverer: deps.deliverer,
    webhooks: config.webhooks.map((w) => w.name),
    apiWebhooks: stores.apiWebhooks,
    guard: catalogs.guard,
    allowHosts: config.webhook_delivery.allow_hosts,
  });
}
