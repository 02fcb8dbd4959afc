import { APIConnectionError, APIError } from "openai";

/** Back-off between judge retries. */
export interface RetryTiming {
  /** First back-off in ms, doubled per retry (default 500). */
  baseMs?: number;
  /** Longest back-off in ms (default 8000). */
  maxMs?: number;
  /**
   * The longest `Retry-After` honoured inside one call, in ms (default 60000). A provider asking
   * for more is treated as unavailable at once, so the queue's own back-off takes over instead of
   * a worker slot sleeping.
   */
  maxRetryAfterMs?: number;
}

export const DEFAULT_RETRY_TIMING: Required<RetryTiming> = {
  baseMs: 500,
  maxMs: 8000,
  maxRetryAfterMs: 60_000,
};

/** What to do about one failed attempt. */
export type AttemptFailure =
  /** Transient: try again (after `retryAfterMs` when the provider said so). */
  | { kind: "retry"; reason: string; retryAfterMs: number | undefined }
  /** Do not try again in this call; `retryable` says whether the job may try later. */
  | { kind: "final"; reason: string; retryable: boolean };

// 408 and 409 are retried by the openai SDK's own policy too (request timeout, lock conflict).
const TRANSIENT_STATUS = new Set([408, 409, 429]);

/** Sorts an error from the openai client into retry-now, or stop (retryable later or not). */
export function classifyAttemptError(err: unknown): AttemptFailure {
  // Timeouts and resets are APIConnectionError subclasses (status undefined).
  if (err instanceof APIConnectionError) {
    return { kind: "retry", reason: err.message || "connection failed", retryAfterMs: undefined };
  }
  if (err instanceof APIError && typeof err.status === "number") {
    const reason = `HTTP ${err.status}${err.message ? `: ${err.message}` : ""}`;
    // An exhausted account answers 429 too, but waiting seconds does not refill it: stop this call,
    // but let the job (and the circuit breaker) treat the provider as unavailable.
    if (err.status === 429 && err.code === "insufficient_quota") {
      return { kind: "final", reason, retryable: true };
    }
    if (TRANSIENT_STATUS.has(err.status) || err.status >= 500) {
      return { kind: "retry", reason, retryAfterMs: retryAfterMs(err.headers) };
    }
    const hint = err.status === 401 || err.status === 403 ? " (check the judge api_key)" : "";
    return { kind: "final", reason: `${reason}${hint}`, retryable: false };
  }
  return {
    kind: "final",
    reason: err instanceof Error ? err.message : String(err),
    retryable: false,
  };
}

/**
 * The wait a response asked for: `retry-after-ms` (OpenAI's), else `Retry-After` in seconds or as
 * an HTTP date. Undefined when absent or unreadable.
 */
export function retryAfterMs(
  headers: Headers | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number.parseFloat(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential back-off with jitter: between 75% and 100% of `base * 2^retry`, capped. */
export function backoffMs(
  retry: number,
  timing: RetryTiming = {},
  random: () => number = Math.random,
): number {
  const base = timing.baseMs ?? DEFAULT_RETRY_TIMING.baseMs;
  const max = timing.maxMs ?? DEFAULT_RETRY_TIMING.maxMs;
  const ceiling = Math.min(max, base * 2 ** retry);
  // Jitter spreads the retries of many workers that failed together.
  return ceiling * (1 - 0.25 * random());
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
