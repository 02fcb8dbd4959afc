/**
 * What the judge waits on before each attempt: permission to send one request of an estimated
 * number of tokens. Two implementations: `TokenBucket` (this process alone, for `tracejudge eval`)
 * and `SharedTokenBucket` (every process of a deployment, through Redis, for the service).
 */
export interface RateLimiter {
  /**
   * Resolves when one request of `tokens` (estimated) may be sent; waits, never fails, while the
   * limit is reached. Rejects with the signal's reason when it aborts while waiting.
   */
  acquire(tokens: number, signal?: AbortSignal): Promise<void>;
  /** Rejects the callers still waiting. Idempotent. */
  close(): void;
}

/** The per-minute limits of one endpoint. */
export interface EndpointLimits {
  requestsPerMinute: number;
  tokensPerMinute: number;
}

/**
 * One `RateLimiter` per endpoint (base URL), shared by every judge that talks to it
 * (per-evaluator models on one endpoint share its limits). Built once in the composition root and
 * handed to every `createJudge`.
 */
export interface RateLimiters {
  /** The endpoint's limiter; the first judge to ask for an endpoint sets its limits. */
  forEndpoint(baseUrl: string, limits: EndpointLimits): RateLimiter;
  /** Closes every limiter. Idempotent. */
  close(): void;
}

/** How fast a bucket refills and how much it may save up. */
export interface TokenBucketOptions {
  /** Requests allowed per window. */
  requestsPerWindow: number;
  /** Tokens (estimated) allowed per window. */
  tokensPerWindow: number;
  /** The refill period in ms (default 60000: the limits are per minute). Tests shorten it. */
  windowMs?: number;
  /**
   * How much unused rate may be saved up for a burst, in ms of refill (default `windowMs / 60`,
   * one second of a minute): providers enforce per-minute limits over shorter intervals, so a
   * full minute's burst at once would be refused anyway.
   */
  burstMs?: number;
}

/** A bucket's refill rates (per ms) and capacities, whichever process keeps its level. */
export interface BucketShape {
  requestRate: number;
  tokenRate: number;
  requestCapacity: number;
  tokenCapacity: number;
}

/** The rates and capacities for these options; throws `RangeError` on a limit that is not positive. */
export function bucketShape(options: TokenBucketOptions): BucketShape {
  if (!(options.requestsPerWindow > 0) || !(options.tokensPerWindow > 0)) {
    throw new RangeError("TokenBucket: requestsPerWindow and tokensPerWindow must be positive");
  }
  const windowMs = options.windowMs ?? 60_000;
  const burstMs = options.burstMs ?? windowMs / 60;
  const requestRate = options.requestsPerWindow / windowMs;
  const tokenRate = options.tokensPerWindow / windowMs;
  return {
    requestRate,
    tokenRate,
    // At least one whole request and token, or a slow limit would never let anything through.
    requestCapacity: Math.max(1, requestRate * burstMs),
    tokenCapacity: Math.max(1, tokenRate * burstMs),
  };
}

/** Bucket options for an endpoint's per-minute limits (`windowMs` shortens the minute in tests). */
export function endpointBucketOptions(
  limits: EndpointLimits,
  windowMs: number | undefined,
): TokenBucketOptions {
  return {
    requestsPerWindow: limits.requestsPerMinute,
    tokensPerWindow: limits.tokensPerMinute,
    windowMs,
  };
}

/** One spelling per endpoint, so `…/v1` and `…/v1/` share a limiter. */
export function endpointKey(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "");
}
