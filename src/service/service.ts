import type { Queue } from "bullmq";
import Fastify, { type FastifyInstance } from "fastify";
import pg from "pg";
import type { Logger } from "pino";
import { AlertEngine } from "../alerts/alert-engine.ts";
import { AlertRuleCatalog } from "../alerts/alert-rule-catalog.ts";
import { AlertScheduler } from "../alerts/alert-scheduler.ts";
import { AlertStateStore } from "../alerts/alert-state-store.ts";
import { alertRoutes } from "../api/alert-routes.ts";
import { installAuth } from "../api/auth.ts";
import { consoleRoutes } from "../api/console-routes.ts";
import { installErrorShape } from "../api/error-shape.ts";
import { evaluationsRoutes } from "../api/evaluations-routes.ts";
import { evaluatorRoutes } from "../api/evaluator-routes.ts";
import { healthRoutes } from "../api/health-routes.ts";
import { openApiRoutes } from "../api/openapi-document.ts";
import { TraceBuffer } from "../buffer/trace-buffer.ts";
import { packageVersion } from "../cli/package-version.ts";
import type { Config } from "../config/config-schema.ts";
import { errorMessage } from "../errors.ts";
import { EvaluatorPresence } from "../evaluate/evaluator-presence.ts";
import { EvaluatorCatalog } from "../evaluators/evaluator-catalog.ts";
import { EvaluatorConfigStore } from "../evaluators/evaluator-config-store.ts";
import type { ActiveEvaluator } from "../evaluators/registry.ts";
import { Backpressure } from "../ingest/backpressure.ts";
import { ingestRoutes } from "../ingest/ingest-routes.ts";
import { RequestSpool } from "../ingest/request-spool.ts";
import { createJudge } from "../judge/create-judge.ts";
import { SharedRateLimiters } from "../judge/shared-token-bucket.ts";
import { CountersPublisher } from "../metrics/counters-publisher.ts";
import { installHttpMetrics } from "../metrics/http-metrics.ts";
import { createMetrics } from "../metrics/metrics.ts";
import { normalizeSpan } from "../normalize/normalize-span.ts";
import {
  createAlertsQueue,
  createEvaluationsQueue,
  createIngestQueue,
  createTracesQueue,
  createWebhooksQueue,
} from "../queues/create-queues.ts";
import { connectRedis } from "../redis/connect-redis.ts";
import { redisSetting, waitForRedis } from "../redis/wait-for-redis.ts";
import { createGuardedFetch } from "../security/guarded-fetch.ts";
import { UrlGuard } from "../security/url-guard.ts";
import type { LlmSpan } from "../span/llm-span.ts";
import { EvalEventStore } from "../store/eval-event-store.ts";
import { ensureDatabase, migrate } from "../store/migrate.ts";
import { SpanStore } from "../store/span-store.ts";
import { WebhookDeliverer } from "../webhooks/webhook-deliverer.ts";
import { WebhookStore } from "../webhooks/webhook-store.ts";
import { EVALUATOR_WAIT_DEFAULTS, EvaluatorWait, type EvaluatorWaitOptions } from "./hand-back.ts";
import { startWorkers } from "./start-workers.ts";

export interface ServiceRoles {
  /** The OTLP receiver and the HTTP API. */
  api: boolean;
  /** The trace scanner and the BullMQ workers. */
  workers: boolean;
}

export interface ServiceDeps {
  config: Config;
  logger: Logger;
  evaluators: ActiveEvaluator[];
  redact: (span: LlmSpan) => LlmSpan;
  /** How long a job waits for a worker with its evaluator versions (tests shorten it). */
  evaluatorWait?: Partial<EvaluatorWaitOptions>;
}

/** The engine's queues, built once per process by `startService` and closed by it. */
export interface EngineQueues {
  ingest: Queue;
  traces: Queue;
  evaluations: Queue;
  alerts: Queue;
  webhooks: Queue;
}

export interface RunningService {
  /** `http://host:port`: the API, or only health and metrics for a worker. */
  url: string;
  app: FastifyInstance;
  /** For adding jobs as the service does (`tracejudge reevaluate`); open until `close()`. */
  queues: EngineQueues;
  close(): Promise<void>;
}

/**
 * The composition root: builds every component from the config, in start order, and closes them
 * in reverse (stop accepting, drain workers, close queues, then Redis and Postgres). `close()` is
 * idempotent.
 */
export async function startService(
  deps: ServiceDeps,
  roles: ServiceRoles,
): Promise<RunningService> {
  const { config, logger } = deps;
  const closers: (() => Promise<unknown> | unknown)[] = [];
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const closer of closers.reverse()) {
        try {
          await closer();
        } catch (err) {
          logger.warn({ err: errorMessage(err) }, "error while closing");
        }
      }
    })();
    return closing;
  };

  try {
    await ensureDatabase(config.database_url, { timeoutMs: config.startup_wait_ms });
    const pool = new pg.Pool({
      connectionString: config.database_url,
      max: 10,
      connectionTimeoutMillis: 5000,
    });
    pool.on("error", (err) => logger.warn({ err: err.message }, "postgres connection error"));
    closers.push(() => pool.end());
    const applied = await migrate(pool);
    if (applied.length > 0) logger.info({ applied }, "migrations applied");

    const redis = connectRedis(config);
    closers.push(() => redis.quit().catch(() => redis.disconnect()));
    // Bounded: a Redis that is not there at start ends the start, naming the setting.
    const redisWait = { timeoutMs: config.startup_wait_ms, setting: redisSetting(config) };
    await waitForRedis(redis, redisWait);
    redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));

    const metrics = createMetrics({ build: { version: packageVersion() } });
    // Every role publishes its counters, so the console can sum them over the deployment. Closed
    // after the workers drain: its last publish counts their last jobs.
    const counters = new CountersPublisher(redis, config.redis_prefix, metrics.registry, {
      role: roles.api && roles.workers ? "api+worker" : roles.api ? "api" : "worker",
      intervalMs: config.console.counters_interval_ms,
      logger,
    });
    counters.start();
    closers.push(() => counters.close());
    const buffer = new TraceBuffer(redis, config.redis_prefix, config.trace_buffer_ttl_s);
    // Ingest's own connection fails fast: while Redis is away a request gets 503 at once
    // instead of waiting, unanswered, for it to come back.
    const ingestRedis = roles.api ? connectRedis(config, { failFast: true }) : null;
    if (ingestRedis) {
      // Errors are the shared connection's to log; this one only answers 503 meanwhile.
      ingestRedis.on("error", () => {});
      closers.push(() => ingestRedis.quit().catch(() => ingestRedis.disconnect()));
      await waitForRedis(ingestRedis, redisWait);
    }
    // Each queue is built once per process, here, and handed to what adds to it or reads it.
    const queueOptions = { connection: redis, prefix: config.redis_prefix };
    const tracesQueue = createTracesQueue(queueOptions);
    const evaluationsQueue = createEvaluationsQueue(queueOptions, config.workers);
    // Only the API adds to it: requests are spooled over ingest's fail-fast connection.
    const ingestQueue = createIngestQueue({
      connection: ingestRedis ?? redis,
      prefix: config.redis_prefix,
    });
    const webhooksQueue = createWebhooksQueue(queueOptions);
    const alertsQueue = createAlertsQueue(queueOptions);
    const queues: EngineQueues = {
      ingest: ingestQueue,
      traces: tracesQueue,
      evaluations: evaluationsQueue,
      alerts: alertsQueue,
      webhooks: webhooksQueue,
    };
    // Closed after everything that adds to them (closers run in reverse).
    closers.push(...Object.values(queues).map((queue) => () => queue.close()));
    // Connection errors while Redis is away are expected; ioredis reconnects by itself. Those of
    // ingest's connection are the shared connection's to log, as its own are.
    for (const queue of Object.values(queues)) {
      if (queue === ingestQueue && ingestRedis) queue.on("error", () => {});
      else
        queue.on("error", (err: Error) =>
          logger.warn({ err: err.message, queue: queue.name }, "queue error"),
        );
    }
    // Where acknowledged requests wait: written by the API, read back by the workers.
    const spool = new RequestSpool(
      redis,
      ingestQueue,
      config.redis_prefix,
      config.trace_buffer_ttl_s,
      ingestRedis ?? redis,
    );
    const evalStore = new EvalEventStore(pool);
    // URLs set through the API (webhooks, remote evaluators) may not reach private addresses;
    // the guarded fetch checks every connection, the config's own URLs are trusted as written.
    const guard = new UrlGuard(config.security);
    const apiFetch = createGuardedFetch(guard);
    const catalog = new EvaluatorCatalog(deps.evaluators, new EvaluatorConfigStore(pool), {
      logger,
      remoteFetch: apiFetch,
    });
    await catalog.start();
    closers.push(() => catalog.close());

    // Alerts: rules from the config and the API, states in Postgres, signed webhook deliveries.
    const alertRules = new AlertRuleCatalog(config.alert_rules, pool, { logger });
    await alertRules.start();
    closers.push(() => alertRules.close());
    const alertStates = new AlertStateStore(pool);
    const apiWebhooks = new WebhookStore(pool, logger);
    const deliverer = new WebhookDeliverer({
      pool,
      queue: webhooksQueue,
      connection: redis,
      prefix: config.redis_prefix,
      logger,
      webhooks: config.webhooks,
      apiWebhooks,
      apiFetch,
      settings: config.webhook_delivery,
      worker: roles.workers,
      deadLettered: metrics.webhooksDead,
    });
    await deliverer.waitUntilReady();
    closers.push(() => deliverer.close());
    const alertScheduler = new AlertScheduler(alertsQueue, alertRules, {
      debounceMs: config.alerts.debounce_ms,
      tickMs: config.alerts.tick_ms,
    });
    const alertEngine = new AlertEngine({
      pool,
      states: alertStates,
      rules: alertRules,
      deliverer,
      logger,
    });

    // One judge per process, shared by every evaluator. While the provider is down the circuit
    // opens and the evaluations queue is paused (for every replica) instead of burning attempts.
    // Its rate limits are kept in Redis: every process under the prefix shares them.
    const limiters = new SharedRateLimiters({ redis, prefix: config.redis_prefix });
    closers.push(() => limiters.close());
    const judge = config.judge
      ? createJudge(config.judge, {
          redis,
          prefix: config.redis_prefix,
          logger,
          limiters,
          observer: metrics.judge.observer,
          hooks: {
            onOpen: () => {
              logger.warn("judge unavailable: pausing the evaluations queue");
              evaluationsQueue
                .pause()
                .catch((err) => logger.warn({ err: errorMessage(err) }, "cannot pause"));
            },
            onClose: () => {
              logger.info("judge available again: resuming the evaluations queue");
              evaluationsQueue
                .resume()
                .catch((err) => logger.warn({ err: errorMessage(err) }, "cannot resume"));
            },
          },
        })
      : null;
    if (judge) closers.push(() => judge.close());
    const spanStore = new SpanStore(pool);

    if (roles.workers) {
      const waitOptions = { ...EVALUATOR_WAIT_DEFAULTS, ...deps.evaluatorWait };
      // Advertised several times per grace, so a live worker's versions never read as gone.
      const presence = new EvaluatorPresence(redis, config.redis_prefix, {
        intervalMs: Math.min(5000, waitOptions.graceMs / 6),
        logger,
      });
      await presence.start(() => catalog.knownKeys());
      closers.push(() => presence.close());
      await startWorkers({
        config,
        logger,
        closers,
        metrics,
        spool,
        normalize: normalizeSpan,
        redact: deps.redact,
        buffer,
        spanStore,
        evalStore,
        tracesQueue,
        evaluationsQueue,
        catalog,
        evaluatorWait: new EvaluatorWait({ evaluators: catalog, presence }, waitOptions),
        judge,
        alertScheduler,
        alertEngine,
        deliverer,
      });
    }

    // Every role serves /healthz, /readyz and /metrics; only the API role takes traces and queries.
    const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
    installHttpMetrics(app, metrics.http.requestDuration);
    // Before any route: with API keys configured, every endpoint but /healthz needs one.
    const { admit } = installAuth(app, config.auth.keys);
    // Unknown routes and Fastify's own rejections answer in the API's error shape.
    installErrorShape(app, logger);
    if (ingestRedis) {
      const ingestBuffer = new TraceBuffer(
        ingestRedis,
        config.redis_prefix,
        config.trace_buffer_ttl_s,
      );
      const backpressure = new Backpressure(
        ingestRedis,
        async () => {
          const [waitingEvaluations, pending, queuedTraces, spooledRequests] = await Promise.all([
            evaluationsQueue.getWaitingCount(),
            ingestBuffer.pendingCount(),
            tracesQueue.getWaitingCount(),
            ingestQueue.getWaitingCount(),
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
        spool,
        metrics,
        backpressure,
        logger,
        maxBodyBytes: config.server.max_body_bytes,
        admit,
        // Strict deployments: ingest reads and redacts, and buffers over its fail-fast connection.
        ...(config.redaction.before_queue
          ? {
              readBeforeQueue: {
                normalize: normalizeSpan,
                redact: deps.redact,
                buffer: ingestBuffer,
              },
            }
          : {}),
      });
      await app.register(evaluationsRoutes, { store: evalStore });
      // Open, like /healthz: the document describes the routes and holds no data.
      await app.register(openApiRoutes);
      await app.register(evaluatorRoutes, { catalog, judgeConfigured: judge !== null, guard });
      await app.register(consoleRoutes, {
        pool,
        queues: Object.values(queues),
        metrics: metrics.registry,
        deployment: { redis, prefix: config.redis_prefix, self: counters },
        rules: alertRules,
        traceUrlTemplate: config.console.trace_url_template,
        queueBoard:
          config.console.queue_board === "off"
            ? false
            : { readOnly: config.console.queue_board === "read_only" },
      });
      await app.register(alertRoutes, {
        rules: alertRules,
        states: alertStates,
        deliverer,
        webhooks: config.webhooks.map((w) => w.name),
        apiWebhooks,
        guard,
        allowHosts: config.webhook_delivery.allow_hosts,
      });
    }
    await app.register(healthRoutes, {
      redis,
      pool,
      metrics,
      collect: async () => {
        for (const queue of [ingestQueue, tracesQueue, evaluationsQueue]) {
          const counts = await queue.getJobCounts("waiting", "active", "delayed", "failed");
          for (const [state, n] of Object.entries(counts))
            metrics.queueDepth.set({ queue: queue.name, state }, n);
        }
        metrics.pendingTraces.set(await buffer.pendingCount());
      },
    });
    // Registered last so it closes first: stop accepting before anything else goes away.
    closers.push(() => app.close());
    const address = await app.listen({ host: config.server.host, port: config.server.port });
    logger.info({ address, roles }, "tracejudge listening");
    return { url: address, app, queues, close };
  } catch (err) {
    await close();
    throw err;
  }
}
