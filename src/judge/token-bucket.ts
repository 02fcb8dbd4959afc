import {
  bucketShape,
  type EndpointLimits,
  endpointBucketOptions,
  endpointKey,
  type RateLimiter,
  type RateLimiters,
  type TokenBucketOptions,
} from "./rate-limiter.ts";

interface Waiter {
  tokens: number;
  resolve: () => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

// Refill arithmetic is floating point; this much short of a whole request still counts as one.
const EPSILON = 1e-9;

/**
 * A token-bucket rate limiter for requests and tokens per window. `acquire` waits first come,
 * first served: a large request at the head is not overtaken by small ones behind it. A request
 * larger than the token burst waits for a full bucket, then leaves it in debt that later callers
 * wait out, so the long-run rate is never exceeded.
 *
 * The bucket lives in this process: it suits one process alone (`tracejudge eval`, which runs
 * without Redis). The service shares one bucket per endpoint across its processes through Redis
 * instead (`SharedTokenBucket`).
 */
export class TokenBucket implements RateLimiter {
  private readonly requestRate: number; // per ms
  private readonly tokenRate: number; // per ms
  private readonly requestCapacity: number;
  private readonly tokenCapacity: number;
  private requests: number;
  private tokens: number;
  private lastRefill = performance.now();
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: TokenBucketOptions) {
    const shape = bucketShape(options);
    this.requestRate = shape.requestRate;
    this.tokenRate = shape.tokenRate;
    this.requestCapacity = shape.requestCapacity;
    this.tokenCapacity = shape.tokenCapacity;
    this.requests = this.requestCapacity;
    this.tokens = this.tokenCapacity;
  }

  /** Callers waiting for their turn. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Resolves when one request of `tokens` (estimated) may be sent. Rejects with the signal's
   * reason when it aborts while waiting (the place in the queue is given up), or when the bucket
   * is closed.
   */
  acquire(tokens: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.closed) return Promise.reject(new Error("TokenBucket is closed"));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        tokens: Math.max(0, tokens),
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(signal.reason);
          // The head may have changed: let the next caller be considered now.
          this.pump();
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Rejects every waiter and stops the timer. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of this.queue.splice(0)) {
      this.detach(waiter);
      waiter.reject(new Error("TokenBucket is closed"));
    }
  }

  private refill(): void {
    const now = performance.now();
    const elapsed = now - this.lastRefill;
    this.lastRefill = now;
    this.requests = Math.min(this.requestCapacity, this.requests + elapsed * this.requestRate);
    this.tokens = Math.min(this.tokenCapacity, this.tokens + elapsed * this.tokenRate);
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    this.refill();
    for (let head = this.queue[0]; head; head = this.queue[0]) {
      const needTokens = Math.min(head.tokens, this.tokenCapacity);
      if (this.requests >= 1 - EPSILON && this.tokens >= needTokens - EPSILON) {
        this.requests -= 1;
        this.tokens -= head.tokens;
        this.queue.shift();
        this.detach(head);
        head.resolve();
        continue;
      }
      const waitMs = Math.max(
        (1 - this.requests) / this.requestRate,
        (needTokens - this.tokens) / this.tokenRate,
      );
      this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(waitMs)));
      return;
    }
  }

  private detach(waiter: Waiter): void {
    if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
  }
}

/**
 * One `TokenBucket` per endpoint (base URL), shared by every judge of this process that talks to
 * it: the limiters of a process without Redis (`tracejudge eval`, and `createJudge`'s default).
 */
export class EndpointRateLimiters implements RateLimiters {
  private readonly buckets = new Map<string, TokenBucket>();

  /** `windowMs` shortens "per minute" for tests (default 60000). */
  constructor(private readonly options: { windowMs?: number } = {}) {}

  forEndpoint(baseUrl: string, limits: EndpointLimits): TokenBucket {
    const key = endpointKey(baseUrl);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(endpointBucketOptions(limits, this.options.windowMs));
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Closes every bucket. Idempotent. */
  close(): void {
    for (const bucket of this.buckets.values()) bucket.close();
    this.buckets.clear();
  }
}
