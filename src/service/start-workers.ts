import { setMaxListeners } from "node:events";
import { type Job, type Queue, Worker } from "bullmq";
import type { Logger } from "pino";
import type { AlertEngine } from "../alerts/alert-engine.ts";
import type { AlertScheduler } from "../alerts/alert-scheduler.ts";
import { processTraces } from "../assemble/trace-processor.ts";
import { TraceScanner } from "../assemble/trace-scanner.ts";
import type { TraceBuffer } from "../buffer/trace-buffer.ts";
import type { Config } from "../config/config-schema.ts";
import { errorMessage } from "../errors.ts";
import {
  type EvaluationProcessorDeps,
  processEvaluation,
  storeSpanNotStored,
} from "../evaluate/evaluation-processor.ts";
import { readEvaluationWork } from "../evaluate/evaluation-work.ts";
import type { EvaluatorCatalog } from "../evaluators/evaluator-catalog.ts";
import { EvaluationLogExporter } from "../export/evaluation-log-exporter.ts";
import type { RequestSpool } from "../ingest/request-spool.ts";
import { processSpooledRequest } from "../ingest/spooled-request-processor.ts";
import type { Judge } from "../judge/judge.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { OtlpSpan } from "../otlp/otlp-span.ts";
import { ALERTS_TICK_JOB } from "../queues/payloads.ts";
import { QUEUES } from "../queues/queue-definitions.ts";
import { logWorkerEvents, readJob } from "../queues/read-job.ts";
import { connectRedis } from "../redis/connect-redis.ts";
import type { LlmSpan } from "../span/llm-span.ts";
import { EvalEventBatcher } from "../store/eval-event-batcher.ts";
import type { EvalEventStore, NewEvalEvent } from "../store/eval-event-store.ts";
import { batchedSpanWriter, type SpanStore } from "../store/span-store.ts";
import { SelfTracing } from "../tracing/self-tracing.ts";
import type { WebhookDeliverer } from "../webhooks/webhook-deliverer.ts";
import { type EvaluatorWait, handBackIfStoreDown } from "./hand-back.ts";
import type { Closers } from "./shutdown-sequence.ts";

/** What the workers share with the rest of the service; built by the worker role's factory. */
export interface WorkerContext {
  config: Config;
  logger: Logger;
  /** Where each started component registers its `close` (run in reverse order). */
  closers: Closers;
  metrics: Metrics;
  /** Where ingest leaves acknowledged export requests for the workers to read. */
  spool: RequestSpool;
  normalize: (span: OtlpSpan) => LlmSpan;
  redact: (span: LlmSpan) => LlmSpan;
  buffer: TraceBuffer;
  spanStore: SpanStore;
  evalStore: EvalEventStore;
  tracesQueue: Queue;
  evaluationsQueue: Queue;
  catalog: EvaluatorCatalog;
  /** What becomes of a job naming evaluator versions this worker lacks. */
  evaluatorWait: EvaluatorWait;
  judge: Judge | null;
  alertScheduler: AlertScheduler;
  alertEngine: AlertEngine;
  deliverer: WebhookDeliverer;
}

/**
 * The worker role: the trace scanner and the `ingest`, `traces`, `evaluations` and `alerts` workers, with
 * their processors kept thin (parse the payload, call the feature, map the error to the queue).
 */
export async function startWorkers(ctx: WorkerContext): Promise<void> {
  const {
    config,
    logger,
    closers,
    metrics,
    spool,
    normalize,
    redact,
    buffer,
    spanStore,
    evalStore,
    tracesQueue,
    evaluationsQueue,
    catalog,
    evaluatorWait,
    judge,
    alertScheduler,
    alertEngine,
    deliverer,
  } = ctx;
  const exportConfig = config.evaluation_export;
  // grpc is a standard OTEL_EXPORTER_OTLP_PROTOCOL value, but no gRPC exporter ships with the
  // service: say so once and export over OTLP/HTTP rather than refusing to start.
  if (exportConfig.otlp_logs_endpoint && exportConfig.protocol === "grpc") {
    logger.warn(
      { endpoint: exportConfig.otlp_logs_endpoint, protocol: "http/protobuf" },
      "OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported for the evaluation export (only http/protobuf and http/json): sending http/protobuf instead, so the endpoint must be the collector's OTLP/HTTP one (port 4318 by default, not gRPC's 4317)",
    );
  }
  const logExporter = exportConfig.otlp_logs_endpoint
    ? new EvaluationLogExporter({
        url: exportConfig.otlp_logs_endpoint,
        protocol: exportConfig.protocol === "grpc" ? "http/protobuf" : exportConfig.protocol,
        headers: exportConfig.headers,
        resourceAttributes: config.resource_attributes,
      })
    : null;
  // Closed after the workers (closers run in reverse), so their last verdicts are sent.
  if (logExporter) closers.push(() => logExporter.close());
  // The service's own spans (OTEL_TRACES_EXPORTER=otlp), closed after the workers too.
  const self = config.self_tracing;
  const selfTracing = self.otlp_traces_endpoint
    ? new SelfTracing({
        url: self.otlp_traces_endpoint,
        headers: self.headers,
        resourceAttributes: config.resource_attributes,
      })
    : null;
  if (selfTracing) closers.push(() => selfTracing.close());
  // Concurrent jobs' verdicts share multi-row INSERTs; drained after the workers stop.
  const batcher = new EvalEventBatcher(evalStore);
  closers.push(() => batcher.drain());
  // So do the span upserts of concurrent trace jobs.
  const spanWriter = batchedSpanWriter(spanStore);
  closers.push(() => spanWriter.drain());
  // Each worker blocks on a connection of its own. BullMQ leaves a connection it was handed
  // open, so they are closed here, after the workers (closers run in reverse).
  const workerConnection = () => {
    const connection = connectRedis(config);
    connection.on("error", (err) =>
      logger.warn({ err: err.message }, "redis worker connection error"),
    );
    closers.push(() => connection.quit().catch(() => connection.disconnect()));
    return connection;
  };
  const shutdown = new AbortController();
  // Every running evaluation listens to it (and stops listening when done): as many
  // listeners as the evaluation concurrency is expected, not a leak.
  setMaxListeners(0, shutdown.signal);
  closers.push(() => shutdown.abort(new Error("shutting down")));
  // How evaluations run and store their verdicts: in the evaluations worker, and inline at
  // assembly for the evaluators that may (`runsInline`).
  const evaluation: EvaluationProcessorDeps = {
    evaluators: catalog,
    verdicts: batcher,
    metrics,
    logger,
    timeoutMs: config.workers.evaluation_timeout_ms,
    signal: shutdown.signal,
    judge,
    tracer: selfTracing?.tracer,
    onStored: (event: NewEvalEvent) => {
      logExporter?.emit(event);
      alertScheduler
        .onEvent(event)
        .catch((err) => logger.warn({ err: errorMessage(err) }, "cannot schedule alert rules"));
    },
  };
  // Each processor reads its job's payload first: a job its queue's schema refuses fails at once
  // (`InvalidJobError`), logged, and the worker goes on to the next.
  const ingestWorker = new Worker(
    QUEUES.ingest.name,
    async (job: Job) =>
      processSpooledRequest(readJob(QUEUES.ingest, job), {
        spool,
        buffer,
        normalize,
        redact,
        metrics,
        logger,
      }),
    QUEUES.ingest.workerOptions(
      { connection: workerConnection(), prefix: config.redis_prefix },
      config.workers,
    ),
  );
  const traceWorker = new Worker(
    QUEUES.traces.name,
    async (job: Job, token?: string) => {
      const { traces } = readJob(QUEUES.traces, job);
      try {
        return await processTraces(traces, {
          buffer,
          spanStore: spanWriter,
          evaluationsQueue,
          evaluators: catalog.active(),
          config,
          metrics,
          logger,
          inline: evaluation,
        });
      } catch (err) {
        // An outage (Redis, Postgres): the batch is redone, or handed back while Postgres is
        // down. A trace that cannot be assembled is logged and skipped inside the batch.
        await handBackIfStoreDown(job, token, err);
        throw err;
      }
    },
    QUEUES.traces.workerOptions(
      { connection: workerConnection(), prefix: config.redis_prefix },
      config.workers,
    ),
  );
  const evalWorker = new Worker(
    QUEUES.evaluations.name,
    async (job: Job, token?: string) => {
      const payload = readJob(QUEUES.evaluations, job);
      const number = job.attemptsMade + 1;
      let work: Awaited<ReturnType<typeof readEvaluationWork>>;
      try {
        work = await readEvaluationWork(payload, spanStore);
      } catch (err) {
        await handBackIfStoreDown(job, token, err);
        throw err;
      }
      if ("notStored" in work) return storeSpanNotStored(work, { number }, evaluation);
      const attempt = {
        number,
        last: number >= (job.opts.attempts ?? 1),
        giveUp: await evaluatorWait.giveUpOn(payload),
      };
      const outcome = await processEvaluation(work, attempt, evaluation);
      const remaining = [...outcome.missing, ...outcome.retry];
      if (remaining.length === 0) return outcome.stored;
      // Only the evaluators still owed a verdict go round again.
      await job.updateData({ ...job.data, evaluators: remaining });
      if (outcome.retry.length === 0) await evaluatorWait.handBack(job, token);
      await handBackIfStoreDown(job, token, outcome.error);
      throw outcome.error;
    },
    QUEUES.evaluations.workerOptions(
      { connection: workerConnection(), prefix: config.redis_prefix },
      config.workers,
    ),
  );
  for (const worker of [ingestWorker, traceWorker, evalWorker]) logWorkerEvents(worker, logger);
  // Closing a worker waits for its active jobs; its connection is closed after it.
  closers.push(
    () => evalWorker.close(),
    () => traceWorker.close(),
    () => ingestWorker.close(),
  );
  const scanner = new TraceScanner(buffer, tracesQueue, {
    traceWaitMs: config.trace_wait_ms,
    intervalMs: config.workers.scan_interval_ms,
    onError: (err) => logger.warn({ err: errorMessage(err) }, "trace scan failed"),
  });
  scanner.start();
  closers.push(() => scanner.close());

  const alertWorker = new Worker(
    QUEUES.alerts.name,
    async (job: Job) => {
      // The clock's ticks carry no payload.
      if (job.name === ALERTS_TICK_JOB) {
        await alertScheduler.judgeAll();
        // Deliveries recorded by a worker that died before dispatching them.
        await deliverer.recoverPending();
        return;
      }
      const { rule } = readJob(QUEUES.alerts, job);
      const outcome = await alertEngine.judgeRule(rule);
      for (const { type } of outcome.notifications) metrics.alertNotifications.inc({ rule, type });
      return outcome;
    },
    QUEUES.alerts.workerOptions({ connection: workerConnection(), prefix: config.redis_prefix }),
  );
  // As before, a judgement that fails is retried without a line of its own; invalid jobs are logged.
  logWorkerEvents(alertWorker, logger, { failures: false });
  closers.push(() => alertWorker.close());
  await alertScheduler.start();
  await deliverer.recoverPending();
  await Promise.all([
    ingestWorker.waitUntilReady(),
    traceWorker.waitUntilReady(),
    evalWorker.waitUntilReady(),
    alertWorker.waitUntilReady(),
  ]);
}
