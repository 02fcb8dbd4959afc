import { Queue } from "bullmq";
import type { IngestJobInput, TraceBatchJob, WebhookJob } from "./payloads.ts";
import { QUEUES, type QueueConnection, type WorkersSettings } from "./queue-definitions.ts";

/*
 * One factory per queue, with its definition's default job options. A process builds each queue
 * once, in its composition root, and hands it to whatever adds to it or reads it; the caller
 * owns it and closes it. A connection handed over as an ioredis client stays open.
 */

export function createIngestQueue(redis: QueueConnection): Queue<IngestJobInput> {
  return new Queue(QUEUES.ingest.name, {
    ...redis,
    defaultJobOptions: QUEUES.ingest.jobOptions(),
  });
}

export function createTracesQueue(redis: QueueConnection): Queue<TraceBatchJob> {
  return new Queue(QUEUES.traces.name, {
    ...redis,
    defaultJobOptions: QUEUES.traces.jobOptions(),
  });
}

/** `workers`: the configured attempts and back-off of an evaluation job. */
export function createEvaluationsQueue(
  redis: QueueConnection,
  workers: Pick<WorkersSettings, "attempts" | "backoff_ms">,
): Queue {
  return new Queue(QUEUES.evaluations.name, {
    ...redis,
    defaultJobOptions: QUEUES.evaluations.jobOptions(workers),
  });
}

export function createAlertsQueue(redis: QueueConnection): Queue {
  return new Queue(QUEUES.alerts.name, {
    ...redis,
    defaultJobOptions: QUEUES.alerts.jobOptions(),
  });
}

export function createWebhooksQueue(redis: QueueConnection): Queue<WebhookJob> {
  return new Queue(QUEUES.webhooks.name, redis);
}
