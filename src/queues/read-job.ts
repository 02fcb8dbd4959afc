import { type Job, UnrecoverableError, type Worker } from "bullmq";
import type { Logger } from "pino";
import type { z } from "zod";

/** What reading a dequeued job needs of its queue: its name and its payload's schema. */
export interface QueueDefinition<T> {
  /** The queue's name, under the deployment's Redis prefix. */
  readonly name: string;
  /** The payload of its jobs, checked when one is dequeued (jobs outlive deploys). */
  readonly payload: z.ZodType<T>;
}

/**
 * A dequeued job whose payload its queue's schema refuses. Unrecoverable: no retry can mend it, so
 * BullMQ fails it at once instead of spending its attempts, and keeps it with the failed jobs.
 */
export class InvalidJobError extends UnrecoverableError {
  constructor(
    /** The queue the job came from. */
    readonly queue: string,
    /** The payload's fields that were refused, as dotted paths (`traces.0.traceId`). */
    readonly fields: string[],
    detail: string,
  ) {
    super(`invalid ${queue} job: ${detail}`);
  }
}

/** The job's payload as its queue's schema reads it; throws `InvalidJobError` naming the fields. */
export function readJob<T>(queue: QueueDefinition<T>, job: Pick<Job, "data">): T {
  const parsed = queue.payload.safeParse(job.data);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    field: issue.path.map(String).join(".") || "(payload)",
    message: issue.message,
  }));
  const fields = [...new Set(issues.map((i) => i.field))];
  const detail = issues.map((i) => `${i.field}: ${i.message}`).join("; ");
  throw new InvalidJobError(queue.name, fields, detail);
}

/**
 * Logs a worker's connection errors (expected while Redis is away: it reconnects by itself) and
 * its failed jobs. An invalid job is logged at error level, naming its queue, id and fields;
 * other failures at warn unless `failures` is false (for a processor that logs its own).
 */
export function logWorkerEvents(
  worker: Worker,
  logger: Logger,
  options: { failures?: boolean } = {},
): void {
  worker.on("error", (err) =>
    logger.warn({ err: err.message, queue: worker.name }, "worker error"),
  );
  worker.on("failed", (job, err) => {
    if (err instanceof InvalidJobError) {
      logger.error(
        { queue: err.queue, jobId: job?.id, fields: err.fields, err: err.message },
        "invalid job failed without retry",
      );
    } else if (options.failures !== false) {
      logger.warn(
        { queue: worker.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message },
        "job failed",
      );
    }
  });
}
