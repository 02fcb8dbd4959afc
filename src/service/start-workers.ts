import { setMaxListeners } from "node:events";
import { type Job, type Queue, UnrecoverableError, Worker } from "bullmq";
import type { Logger } from "pino";
import type { AlertEngine } from "../alerts/alert-engine.ts";
import { ALERTS_QUEUE, type AlertScheduler } from "../alerts/alert-scheduler.ts";
import { processTraces } from "../assemble/trace-processor.ts";
import { TraceScanner } from "../assemble/trace-scanner.ts";
import type { TraceBuffer } from "../buffer/trace-buffer.ts";
import type { Config } from "../config/config-schema.ts";
import { errorMessage } from "../errors.ts";
import {
  type EvaluationProcessorDeps,
  processEvaluation,
} from "../evaluate/evaluation-processor.ts";
import type { EvaluatorCatalog } from "../evaluators/evaluator-catalog.ts";
import { EvaluationLogExporter } from "../export/evaluation-log-exporter.ts";
import { INGEST_QUEUE, IngestJobSchema, type RequestSpool } from "../ingest/request-spool.ts";
import { processSpooledRequest } from "../ingest/spooled-request-processor.ts";
import type { Judge } from "../judge/judge.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { OtlpSpan } from "../otlp/otlp-span.ts";
import { EvaluationJobSchema, TraceBatchJobSchema } from "../queues/payloads.ts";
import { EVALUATIONS_QUEUE, TRACES_QUEUE } from "../queues/queue-names.ts";
import { connectRedis } from "../redis/connect-redis.ts";
import type { LlmSpan } from "../span/llm-span.ts";
import { EvalEventBatcher } from "../store/eval-event-batcher.ts";
import type { EvalEventStore, NewEvalEvent } from "../store/eval-event-store.ts";
import { batchedSpanWriter, type SpanStore } from "../store/span-store.ts";
import type { WebhookDeliverer } from "../webhooks/webhook-deliverer.ts";
import { type EvaluatorWait, handBackIfStoreDown } from "./hand-back.ts";

/** What the workers share with the rest of the service; built by the composition root. */
export interface WorkerContext {
  config: Config;
  logger: Logger;
  /** Where each started component registers its `close` (run in reverse order). */
  closers: (() => Promise<unknown> | unknown)[];
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
  // A killed worker's jobs go back to the queue once its lock lapses.
  const lockOptions = {
    lockDuration: config.workers.lock_ms,
    stalledInterval: config.workers.lock_ms,
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
    onStored: (event: NewEvalEvent) => {
      logExporter?.emit(event);
      alertScheduler
        .onEvent(event)
        .catch((err) => logger.warn({ err: errorMessage(err) }, "cannot schedule alert rules"));
    },
  };
  const ingestWorker = new Worker(
    INGEST_QUEUE,
    async (job: Job) => {
      const payload = IngestJobSchema.safeParse(job.data);
      if (!payload.success)
        throw new UnrecoverableError(`invalid ingest job: ${payload.error.message}`);
      return processSpooledRequest(payload.data, {
        spool,
        buffer,
        normalize,
        redact,
        metrics,
        logger,
      });
    },
    {
      connection: workerConnection(),
      prefix: config.redis_prefix,
      concurrency: config.workers.ingest_concurrency,
      ...lockOptions,
    },
  );
  const traceWorker = new Worker(
    TRACES_QUEUE,
    async (job: Job, token?: string) => {
      const payload = TraceBatchJobSchema.safeParse(job.data);
      if (!payload.success)
        throw new UnrecoverableError(`invalid traces job: ${payload.error.message}`);
      try {
        return await processTraces(payload.data.traces, {
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
    {
      connection: workerConnection(),
      prefix: config.redis_prefix,
      concurrency: config.workers.trace_concurrency,
      ...lockOptions,
    },
  );
  const evalWorker = new Worker(
    EVALUATIONS_QUEUE,
    async (job: Job, token?: string) => {
      const payload = EvaluationJobSchema.safeParse(job.data);
      if (!payload.success)
        throw new UnrecoverableError(`invalid evaluations job: ${payload.error.message}`);
      const attempt = {
        number: job.attemptsMade + 1,
        last: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
        giveUp: await evaluatorWait.giveUpOn(payload.data),
      };
      const outcome = await processEvaluation(payload.data, attempt, evaluation);
      const remaining = [...outcome.missing, ...outcome.retry];
      if (remaining.length === 0) return outcome.stored;
      // Only the evaluators still owed a verdict go round again.
      await job.updateData({ ...job.data, evaluators: remaining });
      if (outcome.retry.length === 0) await evaluatorWait.handBack(job, token);
      await handBackIfStoreDown(job, token, outcome.error);
      throw outcome.error;
    },
    {
      connection: workerConnection(),
      prefix: config.redis_prefix,
      concurrency: config.workers.evaluation_concurrency,
      ...lockOptions,
    },
  );
  for (const worker of [ingestWorker, traceWorker, evalWorker]) {
    worker.on("error", (err) =>
      logger.warn({ err: err.message, queue: worker.name }, "worker error"),
    );
    worker.on("failed", (job, err) =>
      logger.warn(
        { queue: worker.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message },
        "job failed",
      ),
    );
  }
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
    ALERTS_QUEUE,
    async (job: Job) => {
      if (job.name === "tick") {
        await alertScheduler.judgeAll();
        // Deliveries recorded by a worker that died before dispatching them.
        await deliverer.recoverPending();
        return;
      }
      const rule = typeof job.data?.rule === "string" ? job.data.rule : null;
      if (!rule) throw new UnrecoverableError("invalid alerts job: no rule");
      const outcome = await alertEngine.judgeRule(rule);
      for (const { type } of outcome.notifications) metrics.alertNotifications.inc({ rule, type });
      return outcome;
    },
    {
      connection: workerConnection(),
      prefix: config.redis_prefix,
      concurrency: 4,
    },
  );
  alertWorker.on("error", (err) =>
    logger.warn({ err: err.message, queue: ALERTS_QUEUE }, "worker error"),
  );
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
