import type { RedisConnection } from "../redis/connect-redis.ts";

/** The backlogs ingest bounds, as the composition root reads them from Redis. */
export interface BacklogDepths {
  waitingEvaluations: number;
  /** Traces not yet assembled, quiet or not. */
  pendingTraces: number;
  /** Acknowledged export requests no worker has read yet. */
  spooledRequests: number;
}

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
 * while the evaluation backlog, the spooled requests or the trace buffer are past their bound.
 * Depths are sampled on a timer so that a request costs no extra round trip.
 */
export class Backpressure {
  private depths: BacklogDepths = { waitingEvaluations: 0, pendingTraces: 0, spooledRequests: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisConnection,
    private readonly readDepths: () => Promise<BacklogDepths>,
    private readonly options: BackpressureOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    const refresh = () => {
      if (this.redis.status !== "ready") return;
      this.readDepths()
        .then((depths) => {
          this.depths = depths;
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
    if (this.depths.waitingEvaluations >= this.options.maxWaitingEvaluations) {
      return {
        status: 429,
        retryAfterSeconds,
        reason: `${this.depths.waitingEvaluations} evaluations are waiting`,
      };
    }
    if (this.depths.spooledRequests >= this.options.maxSpooledRequests) {
      return {
        status: 429,
        retryAfterSeconds,
        reason: `${this.depths.spooledRequests} export requests are waiting to be read`,
      };
    }
    if (this.depths.pendingTraces >= this.options.maxPendingTraces) {
      return {
        status: 429,
        retryAfterSeconds,
        reason: `${this.depths.pendingTraces} traces are waiting for assembly`,
      };
    }
    return null;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
