import type { Queue } from "bullmq";
import type { Logger } from "pino";
import type { Config } from "../config/config-schema.ts";
import {
  createAlertsQueue,
  createEvaluationsQueue,
  createIngestQueue,
  createTracesQueue,
  createWebhooksQueue,
} from "../queues/create-queues.ts";
import type { Connections } from "./connections.ts";
import type { Closers } from "./shutdown-sequence.ts";

/** The engine's queues, built once per process by `startService` and closed by it. */
export interface EngineQueues {
  ingest: Queue;
  traces: Queue;
  evaluations: Queue;
  alerts: Queue;
  webhooks: Queue;
}

/**
 * Every queue, built once per process and handed to what adds to it or reads it. Each is a
 * client on a connection it was handed (no connection of its own); every role builds all five,
 * since the health metrics, the console and `RunningService.queues` read them.
 */
export function createEngineQueues(
  { redis, ingestRedis }: Pick<Connections, "redis" | "ingestRedis">,
  config: Config,
  logger: Logger,
  closers: Closers,
): EngineQueues {
  const queueOptions = { connection: redis, prefix: config.redis_prefix };
  // Only the API adds to it: requests are spooled over ingest's fail-fast connection.
  const ingest = createIngestQueue({
    connection: ingestRedis ?? redis,
    prefix: config.redis_prefix,
  });
  const queues: EngineQueues = {
    ingest,
    traces: createTracesQueue(queueOptions),
    evaluations: createEvaluationsQueue(queueOptions, config.workers),
    alerts: createAlertsQueue(queueOptions),
    webhooks: createWebhooksQueue(queueOptions),
  };
  // Closed after everything that adds to them (closers run in reverse).
  closers.push(...Object.values(queues).map((queue) => () => queue.close()));
  // Connection errors while Redis is away are expected; ioredis reconnects by itself. Those of
  // ingest's connection are the shared connection's to log, as its own are.
  for (const queue of Object.values(queues)) {
    if (queue === ingest && ingestRedis) queue.on("error", () => {});
    else
      queue.on("error", (err: Error) =>
        logger.warn({ err: err.message, queue: queue.name }, "queue error"),
      );
  }
  return queues;
}
