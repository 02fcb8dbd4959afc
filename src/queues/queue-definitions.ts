import type { ConnectionOptions, DefaultJobOptions, WorkerOptions } from "bullmq";
import { jobOptions } from "./job-options.ts";
import {
  type AlertJob,
  AlertJobSchema,
  type EvaluationJob,
  EvaluationJobSchema,
  type IngestJob,
  IngestJobSchema,
  type TraceBatchJob,
  TraceBatchJobSchema,
  type WebhookJob,
  WebhookJobSchema,
} from "./payloads.ts";
import {
  ALERTS_QUEUE,
  EVALUATIONS_QUEUE,
  INGEST_QUEUE,
  TRACES_QUEUE,
  WEBHOOKS_QUEUE,
} from "./queue-names.ts";
import type { QueueDefinition } from "./read-job.ts";

/** Where a queue or a worker lives: a Redis connection (or its options) and the key prefix. */
export interface QueueConnection {
  connection: ConnectionOptions;
  /** The deployment's Redis key prefix, a hash tag such as `{tracejudge}`. */
  prefix: string;
}

/** The `workers` settings the engine's queues read (the config's `workers`). */
export interface WorkersSettings {
  ingest_concurrency: number;
  trace_concurrency: number;
  evaluation_concurrency: number;
  /** Attempts per evaluation job. */
  attempts: number;
  /** First back-off of an evaluation job's retry, doubling. */
  backoff_ms: number;
  /** How long a job stays claimed by a worker that stopped answering. */
  lock_ms: number;
}

/** One queue of the engine: what reading its jobs needs, and the options of its jobs and worker. */
interface EngineQueueDefinition<T> extends QueueDefinition<T> {
  /** Its jobs' default options (undefined: each job brings its own). */
  jobOptions: (...settings: never[]) => DefaultJobOptions | undefined;
  /** Its worker's options: where it runs, and what it reads of the settings. */
  workerOptions: (redis: QueueConnection, ...settings: never[]) => WorkerOptions;
}

/** A killed worker's jobs go back to the queue once its lock lapses. */
function lockOptions(workers: Pick<WorkersSettings, "lock_ms">) {
  return { lockDuration: workers.lock_ms, stalledInterval: workers.lock_ms };
}

/** Jobs judging alert rules at once per worker process: each is a few queries. */
const ALERTS_CONCURRENCY = 4;

/**
 * Every queue of the engine: its name, its jobs' payload (checked where a job is dequeued, with
 * `readJob`), its jobs' default options and its worker's options. Queues are built from these by
 * `create-queues.ts`, once per process.
 */
export const QUEUES = {
  /** Acknowledged export requests waiting to be read into the trace buffer. */
  ingest: {
    name: INGEST_QUEUE,
    payload: IngestJobSchema,
    /** Five attempts 1 s apart, doubling: a read that meets an outage is tried again. */
    jobOptions: () => jobOptions(5, 1000),
    workerOptions: (redis: QueueConnection, workers: WorkersSettings): WorkerOptions => ({
      ...redis,
      concurrency: workers.ingest_concurrency,
      ...lockOptions(workers),
    }),
  } satisfies EngineQueueDefinition<IngestJob>,
  /** Quiet traces waiting to be assembled, in batches. */
  traces: {
    name: TRACES_QUEUE,
    payload: TraceBatchJobSchema,
    jobOptions: () => jobOptions(5, 1000),
    workerOptions: (redis: QueueConnection, workers: WorkersSettings): WorkerOptions => ({
      ...redis,
      concurrency: workers.trace_concurrency,
      ...lockOptions(workers),
    }),
  } satisfies EngineQueueDefinition<TraceBatchJob>,
  /** One job per span, naming every evaluator version due for it. */
  evaluations: {
    name: EVALUATIONS_QUEUE,
    payload: EvaluationJobSchema,
    /** The configured attempts; after the last one an `error` eval event is stored. */
    jobOptions: (workers: Pick<WorkersSettings, "attempts" | "backoff_ms">) =>
      jobOptions(workers.attempts, workers.backoff_ms),
    workerOptions: (redis: QueueConnection, workers: WorkersSettings): WorkerOptions => ({
      ...redis,
      concurrency: workers.evaluation_concurrency,
      ...lockOptions(workers),
    }),
  } satisfies EngineQueueDefinition<EvaluationJob>,
  /**
   * Alert rules to judge now (`ALERTS_JUDGE_JOB`, payload `AlertJob`), and the clock's ticks
   * (`ALERTS_TICK_JOB`, no payload).
   */
  alerts: {
    name: ALERTS_QUEUE,
    payload: AlertJobSchema,
    jobOptions: () => jobOptions(5, 1000),
    /** BullMQ's default lock (30 s): a judgement is short. */
    workerOptions: (redis: QueueConnection): WorkerOptions => ({
      ...redis,
      concurrency: ALERTS_CONCURRENCY,
    }),
  } satisfies EngineQueueDefinition<AlertJob>,
  /**
   * One job per webhook delivery. No default job options: each job takes its webhook's attempts
   * (`webhookJobOptions`).
   */
  webhooks: {
    name: WEBHOOKS_QUEUE,
    payload: WebhookJobSchema,
    jobOptions: () => undefined,
    /**
     * `retryDelay`: the back-off of a failed attempt (the `webhook` back-off type), from the
     * attempts made and the error it failed with.
     */
    workerOptions: (
      redis: QueueConnection,
      settings: { concurrency: number },
      retryDelay: (attemptsMade: number, err: Error | undefined) => number,
    ): WorkerOptions => ({
      ...redis,
      concurrency: settings.concurrency,
      settings: { backoffStrategy: (made, _type, err) => retryDelay(made, err) },
    }),
  } satisfies EngineQueueDefinition<WebhookJob>,
};
