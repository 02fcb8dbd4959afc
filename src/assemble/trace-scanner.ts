import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import type { TraceBuffer } from "../buffer/trace-buffer.ts";
import { type TraceBatchJob, traceBatchJobId } from "../queues/payloads.ts";

export interface TraceScannerOptions {
  traceWaitMs: number;
  intervalMs: number;
  /** Most traces turned into jobs per tick. */
  batch?: number;
  /** Most traces in one job (default 32). */
  tracesPerJob?: number;
  /** How long a scanner that died mid-pass holds up the others' (default 2000 ms). */
  leaseMs?: number;
  onError: (err: unknown) => void;
}

/**
 * Turns traces that have been quiet for the trace wait into `traces` jobs, on a timer, and takes
 * them out of the pending set once their jobs are in the queue (unless a span arrived meanwhile:
 * that is a new generation, due in its turn). Every worker process runs one; a job's id is derived
 * from the (trace, last span time) pairs it holds, so a pass redone after a scanner died between
 * the two steps adds nothing twice. One pass runs at a time across all workers (a lease in Redis):
 * two passes at once would read overlapping sets of due traces and, where the sets differ, queue
 * a trace in two batches, assembled twice. Assembly is idempotent, so that would cost time, not
 * correctness; but with a short interval and several workers it would happen often.
 */
export class TraceScanner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly owner = randomUUID();

  constructor(
    private readonly buffer: TraceBuffer,
    private readonly queue: Queue,
    private readonly options: TraceScannerOptions,
  ) {}

  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.scanOnce()
        .then(() => undefined)
        .catch(this.options.onError)
        .finally(() => {
          this.running = undefined;
        });
    }, this.options.intervalMs);
  }

  /**
   * One pass, unless another scanner's is running: returns how many due traces it handed to the
   * queue.
   */
  async scanOnce(nowMs = Date.now()): Promise<number> {
    if (!(await this.buffer.claimScan(this.owner, this.options.leaseMs ?? 2000))) return 0;
    try {
      return await this.handOver(nowMs);
    } finally {
      await this.buffer.endScan(this.owner);
    }
  }

  private async handOver(nowMs: number): Promise<number> {
    const due = await this.buffer.due(nowMs - this.options.traceWaitMs, this.options.batch ?? 500);
    if (due.length === 0) return 0;
    // A batch per `perJob` traces: assembled together, they share their round trips.
    const perJob = this.options.tracesPerJob ?? 32;
    const jobs = [];
    for (let i = 0; i < due.length; i += perJob) {
      const data: TraceBatchJob = {
        traces: due
          .slice(i, i + perJob)
          .map((trace) => ({ traceId: trace.traceId, lastSeenMs: trace.lastSeenMs })),
      };
      jobs.push({ name: "assemble", data, opts: { jobId: traceBatchJobId(data) } });
    }
    await this.queue.addBulk(jobs);
    // Handed over: the queue owns them now (retries included). Left pending, every pass until
    // the worker got to them would add them again, which under a backlog is most of the work.
    await this.buffer.release(due);
    return due.length;
  }

  /** Stops the timer and waits for a pass in progress. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
