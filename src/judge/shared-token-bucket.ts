import { createHash } from "node:crypto";
import { setMaxListeners } from "node:events";
import { errorMessage, TracejudgeError } from "../errors.ts";
import type { RedisConnection } from "../redis/connect-redis.ts";
import { withTimeout } from "../redis/with-timeout.ts";
import {
  type BucketShape,
  bucketShape,
  type EndpointLimits,
  endpointBucketOptions,
  endpointKey,
  type RateLimiter,
  type RateLimiters,
} from "./rate-limiter.ts";
import { sleep } from "./retry-policy.ts";

/**
 * Redis keys of the shared rate limits, under the deployment's hash-tag prefix (one Redis Cluster
 * slot). The endpoint is hashed: a base URL may carry credentials, which do not belong in a key.
 */
export function judgeRateKeys(prefix: string) {
  return {
    /** Hash of the endpoint's bucket: `requests`, `tokens` (may be negative: debt), `at` (ms). */
    bucket: (baseUrl: string) =>
      `${prefix}:judge:rate:${createHash("sha256").update(endpointKey(baseUrl)).digest("hex").slice(0, 16)}`,
  };
}

/**
 * Takes (or, with negative counts, gives back) requests and tokens from one bucket, atomically,
 * and returns how many ms the taker must wait before sending. The clock is Redis's own (`TIME`),
 * so workers on machines whose clocks disagree still share one rate. A take is a reservation: it
 * is deducted at once, leaving the bucket in debt that later takers wait out, so takers are served
 * in the order they reached Redis and a request larger than the burst is never starved. Waits for
 * at least one whole request and `min(tokens, capacity)` tokens in the bucket, like `TokenBucket`.
 * The key expires once the bucket would be full again (a missing key reads as a full bucket).
 * ARGV: request rate and token rate (per ms), request and token capacity, requests, tokens.
 */
const TAKE_SCRIPT = `
local requestRate = tonumber(ARGV[1])
local tokenRate = tonumber(ARGV[2])
local requestCapacity = tonumber(ARGV[3])
local tokenCapacity = tonumber(ARGV[4])
local takeRequests = tonumber(ARGV[5])
local takeTokens = tonumber(ARGV[6])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'requests', 'tokens', 'at')
local requests = tonumber(state[1]) or requestCapacity
local tokens = tonumber(state[2]) or tokenCapacity
local elapsed = math.max(0, now - (tonumber(state[3]) or now))
requests = math.min(requestCapacity, requests + elapsed * requestRate)
tokens = math.min(tokenCapacity, tokens + elapsed * tokenRate)
local wait = 0
if takeRequests > 0 then
  if requests < takeRequests then wait = (takeRequests - requests) / requestRate end
  local need = math.min(takeTokens, tokenCapacity)
  if tokens < need then wait = math.max(wait, (need - tokens) / tokenRate) end
end
requests = math.min(requestCapacity, requests - takeRequests)
tokens = math.min(tokenCapacity, tokens - takeTokens)
local untilFull = math.max((requestCapacity - requests) / requestRate, (tokenCapacity - tokens) / tokenRate)
redis.call('HSET', KEYS[1], 'requests', tostring(requests), 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(untilFull) + 1000)
return math.ceil(wait)
`;

// The name ioredis gives the script on a connection; BullMQ defines its own on the same one.
const TAKE_COMMAND = "tracejudgeJudgeRateTake";

type TakeCommand = (key: string, ...args: number[]) => Promise<number>;

/** Defines the script on the connection once (ioredis then sends EVALSHA, loading it if needed). */
function takeCommand(redis: RedisConnection): TakeCommand {
  const commands = redis as unknown as Record<string, TakeCommand | undefined>;
  if (typeof commands[TAKE_COMMAND] !== "function") {
    redis.defineCommand(TAKE_COMMAND, { numberOfKeys: 1, lua: TAKE_SCRIPT });
  }
  const command = commands[TAKE_COMMAND] as TakeCommand;
  return (key, ...args) => command.call(redis, key, ...args);
}

/**
 * `JUDGE_UNAVAILABLE` (retryable): the shared rate limit could not be read, so no request was
 * sent. Not a provider outage: the circuit breaker does not count it.
 */
export class RateLimitUnavailableError extends TracejudgeError {
  constructor(message: string, cause: unknown) {
    super("JUDGE_UNAVAILABLE", message, { retryable: true, cause });
    this.name = "RateLimitUnavailableError";
  }
}

export interface SharedRateLimitersOptions {
  /** The service's connection (its offline queue holds commands while Redis is away). */
  redis: RedisConnection;
  /** The deployment's key prefix, e.g. `{tracejudge}`: every process under it shares the limits. */
  prefix: string;
  /** Shortens "per minute" for tests (default 60000). */
  windowMs?: number;
  /**
   * How long a take may wait for Redis to answer before the call fails with
   * `RateLimitUnavailableError` (default 2000 ms).
   */
  unreachableMs?: number;
}

/**
 * A token bucket for requests and tokens per window kept in Redis, so that every process of a
 * deployment (every worker on every machine under one key prefix) shares one rate to the endpoint.
 * `acquire` is one round trip: it reserves the request's share and sleeps until its turn.
 *
 * When Redis does not answer within `unreachableMs`, `acquire` fails closed: it rejects with
 * `RateLimitUnavailableError` (retryable, so the evaluation is retried with back-off) and the
 * request is not sent. A fallback to a bucket per process would let N workers send N times the
 * rate, the very thing this bucket prevents, and without Redis the number of workers is unknown.
 */
export class SharedTokenBucket implements RateLimiter {
  private readonly shape: BucketShape;
  private readonly unreachableMs: number;
  private readonly closing = new AbortController();

  constructor(
    private readonly take: TakeCommand,
    private readonly key: string,
    options: { shape: BucketShape; unreachableMs?: number },
  ) {
    this.shape = options.shape;
    this.unreachableMs = options.unreachableMs ?? 2000;
    // Every waiter listens for the close: as many as the evaluations in flight, not a leak.
    setMaxListeners(0, this.closing.signal);
  }

  async acquire(tokens: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.closing.signal.aborted) throw new Error("SharedTokenBucket is closed");
    const cancel = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    const cost = Math.max(0, tokens);
    const taking = this.run(1, cost);
    let waitMs: number;
    try {
      waitMs = await abortable(
        withTimeout(taking, this.unreachableMs).catch((err) => {
          throw new RateLimitUnavailableError(
            `the judge's shared rate limit in Redis did not answer (${errorMessage(err)}): no request sent`,
            err,
          );
        }),
        cancel,
      );
    } catch (err) {
      // A take that reaches Redis after its caller left would hold a turn nobody uses.
      taking.then(() => this.giveBack(cost)).catch(() => {});
      throw err;
    }
    if (waitMs <= 0) return;
    try {
      await sleep(waitMs, cancel);
    } catch (err) {
      this.giveBack(cost);
      throw err;
    }
  }

  /** Rejects the callers still sleeping (their turns are given back). Idempotent. */
  close(): void {
    if (!this.closing.signal.aborted) this.closing.abort(new Error("SharedTokenBucket is closed"));
  }

  private run(requests: number, tokens: number): Promise<number> {
    const s = this.shape;
    return this.take(
      this.key,
      s.requestRate,
      s.tokenRate,
      s.requestCapacity,
      s.tokenCapacity,
      requests,
      tokens,
    );
  }

  /** Returns an unused turn, so the callers after it need not wait it out. Best effort. */
  private giveBack(tokens: number): void {
    this.run(-1, -tokens).catch(() => {});
  }
}

/** Settles as `promise`, or rejects with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * One `SharedTokenBucket` per endpoint: the service's limiters, so the judge's requests and
 * tokens per minute hold for the whole deployment whatever the number of workers.
 */
export class SharedRateLimiters implements RateLimiters {
  private readonly buckets = new Map<string, SharedTokenBucket>();
  private readonly take: TakeCommand;
  private readonly keys: ReturnType<typeof judgeRateKeys>;

  constructor(private readonly options: SharedRateLimitersOptions) {
    this.take = takeCommand(options.redis);
    this.keys = judgeRateKeys(options.prefix);
  }

  forEndpoint(baseUrl: string, limits: EndpointLimits): SharedTokenBucket {
    const key = endpointKey(baseUrl);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new SharedTokenBucket(this.take, this.keys.bucket(key), {
        shape: bucketShape(endpointBucketOptions(limits, this.options.windowMs)),
        unreachableMs: this.options.unreachableMs,
      });
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Closes every bucket (not the connection, which is the caller's). Idempotent. */
  close(): void {
    for (const bucket of this.buckets.values()) bucket.close();
    this.buckets.clear();
  }
}
