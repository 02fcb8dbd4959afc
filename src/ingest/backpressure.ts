import type { Queue } from "bullmq";
import type { TraceBuffer } from "../buffer/trace-buffer.ts";
import type { RedisConnection } from "../redis/connect-redis.ts";

export interface BackpressureOptions {
  maxWaitingEvaluations: number;
  maxPendingTraces: number;
  maxSpooledRequests: number;
  retryAfterSeconds: number;
  /** How often queue depth is read; ingest itself never waits on Redis for this. */
  refreshMs?: number;
}

export type Pushback = { status: 429 | 503; retryAfterSeconds: number; reason: string };

/**
 * Tells ingest when to push back: 503 while Redis is unreachable (nothing could be buffered), 429
 * while the evaluation backlog, the spooled requests or the trace buffer are past their bound. Depths are sampled on a
 * timer so that a request costs no extra round trip.
 */
export class Backpressure {
  private waitingEvaluations = 0;
  private pendingTraces = 0;
  private spooledRequests = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisConnection,
    private readonly evaluations: Queue,
    private readonly traces: Queue,
    private readonly spool: Queue,
    private readonly buffer: TraceBuffer,
    private readonly options: BackpressureOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    const refresh = () => {
      if (this.redis.status !== "ready") return;
      Promise.all([
        this.evaluations.getWaitingCount(),
        this.buffer.pendingCount(),
        this.traces.getWaitingCount(),
        this.spool.getWaitingCount(),
      ])
        .then(([waiting, pending, queuedTraces, spooled]) => {
          this.waitingEvaluations = waiting;
          // Quiet or not, a trace not yet assembled waits for assembly.
          this.pendingTraces = pending + queuedTraces;
          this.spooledRequests = spooled;
        })
        .catch(() => {});
    };
    refresh();
    this.timer = setInterval(refresh, this.options.refreshMs ?? 1000);
    this.timer.unref();
  }

  check(): Pushback | null {
    const retryAfterSeconds = this.options.retryAfterSeconds;
    if (this.redis.status !== "ready") {
      return { status: 503, retryAfterSeconds, reason: "the trace buffer (Redis) is unavailable" };
    }
    if (this.waitingEvaluations >= this.options.maxWaitingEvaluations) {
      return {
        status: 429,
        retryAfterSeconds,
        reason: `${this.waitingEvaluations} evaluations are waiting`,
      };
    }
    if (this.spooledRequests >= this.options.maxSpooledRequests) {
      return {
        status: 429,
        retryAfterSeconds,
        reason: `${this.spooledRequests} export requests are waiting to be read`,
      };
    }
    if (this.pendingTraces >= this.options.maxPendingTraces) {
      return {
        status: 429,
        retryAfterSeconds,
        reason: `${this.pendingTraces} traces are waiting for assembly`,
      };
    }
    return null;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
