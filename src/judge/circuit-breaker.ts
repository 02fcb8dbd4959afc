import { TracejudgeError } from "../errors.ts";
import { RateLimitUnavailableError } from "./shared-token-bucket.ts";

export type CircuitState = "closed" | "open" | "half-open";

/** `JUDGE_UNAVAILABLE` (retryable) thrown without calling the provider: the circuit is open. */
export class CircuitOpenError extends TracejudgeError {
  constructor(message: string) {
    super("JUDGE_UNAVAILABLE", message, { retryable: true });
    this.name = "CircuitOpenError";
  }
}

/** Called when the circuit opens and when it closes again, e.g. to pause and resume a queue. */
export interface CircuitHooks {
  /** Closed → open: the provider is down. Not called again while it stays down. */
  onOpen?: () => void | Promise<void>;
  /** Half-open → closed: a probe succeeded. */
  onClose?: () => void | Promise<void>;
}

export interface CircuitBreakerOptions extends CircuitHooks {
  /** Consecutive failures that open the circuit (default 5). */
  failures?: number;
  /** How long it stays open before one probe may pass (default 30000 ms). */
  cooldownMs?: number;
  /** Which errors count as the provider being down (default: retryable `JUDGE_UNAVAILABLE`). */
  isFailure?: (err: unknown) => boolean;
  /**
   * Run by the breaker itself when a cooldown ends, so it recovers even when nothing calls it
   * (its queue is paused). Without one, the first call after the cooldown is the probe.
   */
  probe?: () => Promise<void>;
  /** Told about hook and probe errors, which never propagate. */
  onError?: (err: unknown, where: string) => void;
}

/**
 * The default failure test: the provider is down, as opposed to refusing this request. A shared
 * rate limit that Redis could not answer is not the provider's outage: nothing reached it.
 */
export function isJudgeOutage(err: unknown): boolean {
  if (err instanceof RateLimitUnavailableError) return false;
  return err instanceof TracejudgeError && err.code === "JUDGE_UNAVAILABLE" && err.retryable;
}

/**
 * Stops calling a provider that is down. Closed: calls pass; `failures` consecutive failures open
 * it. Open: calls fail fast with `JUDGE_UNAVAILABLE` (retryable) without reaching the provider.
 * After `cooldownMs` it is half-open: one probe passes (the `probe` option, or the next call) while
 * others still fail fast; the probe's success closes it, its failure opens it for another cooldown.
 * Any outcome other than a failure (a success, a malformed answer, a refused request) counts as
 * the provider being up; a call aborted by its own signal counts for nothing.
 */
export class CircuitBreaker {
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly options: CircuitBreakerOptions;
  private current: CircuitState = "closed";
  private consecutive = 0;
  private openedAt = 0;
  private probing = false;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.options = options;
    this.threshold = options.failures ?? 5;
    this.cooldownMs = options.cooldownMs ?? 30_000;
  }

  get state(): CircuitState {
    if (this.current === "open" && performance.now() - this.openedAt >= this.cooldownMs) {
      return "half-open";
    }
    return this.current;
  }

  /** Runs `fn` if the circuit lets it through; `signal` tells an abort from a failure. */
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const state = this.state;
    if (state === "open" || (state === "half-open" && this.probing)) {
      return Promise.reject(this.openError());
    }
    return this.pass(fn, signal, state === "half-open");
  }

  /** Stops the probe timer. Idempotent. */
  close(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async pass<T>(
    fn: () => Promise<T>,
    signal: AbortSignal | undefined,
    isProbe: boolean,
  ): Promise<T> {
    if (isProbe) {
      this.current = "half-open";
      this.probing = true;
    }
    try {
      const result = await fn();
      this.succeeded();
      return result;
    } catch (err) {
      // An abort by the caller's own signal says nothing about the provider.
      if (!signal?.aborted) {
        if ((this.options.isFailure ?? isJudgeOutage)(err)) this.failed();
        else this.succeeded();
      }
      throw err;
    } finally {
      if (isProbe) this.probing = false;
    }
  }

  private succeeded(): void {
    this.consecutive = 0;
    if (this.current === "closed") return;
    this.current = "closed";
    clearTimeout(this.timer);
    this.timer = undefined;
    this.fire("onClose");
  }

  private failed(): void {
    this.consecutive += 1;
    if (this.current === "half-open") {
      this.open();
    } else if (this.current === "closed" && this.consecutive >= this.threshold) {
      this.open();
      this.fire("onOpen");
    }
  }

  private open(): void {
    this.current = "open";
    this.openedAt = performance.now();
    this.scheduleProbe();
  }

  private scheduleProbe(): void {
    const probe = this.options.probe;
    if (!probe || this.disposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A real call may have started probing already; its outcome decides.
      if (this.current !== "open" || this.probing) return;
      this.pass(probe, undefined, true).catch((err) => this.options.onError?.(err, "probe"));
    }, this.cooldownMs);
    // A breaker waiting to probe must not keep a finished process alive.
    this.timer.unref();
  }

  private fire(hook: "onOpen" | "onClose"): void {
    try {
      Promise.resolve(this.options[hook]?.()).catch((err) => this.options.onError?.(err, hook));
    } catch (err) {
      this.options.onError?.(err, hook);
    }
  }

  private openError(): CircuitOpenError {
    const retryInMs = Math.max(0, this.cooldownMs - (performance.now() - this.openedAt));
    return new CircuitOpenError(
      `judge circuit open after ${this.threshold} consecutive failures; next probe in ${Math.ceil(retryInMs / 1000)} s`,
    );
  }
}
