import type { RedisConnection } from "../redis/connect-redis.ts";
import type { Logger } from "../util/logger.ts";
import { JudgeBudget, type SpendLimit } from "./budget.ts";
import type { CircuitHooks, CircuitState } from "./circuit-breaker.ts";
import { CircuitBreaker } from "./circuit-breaker.ts";
import type { Judge, JudgeRequest, JudgeResponse } from "./judge.ts";
import { JudgeMalformedError } from "./judge.ts";
import type { JudgeConfig } from "./judge-config.ts";
import { type JudgeCallReport, type JudgeObserver, outcomeOf } from "./judge-observer.ts";
import { judgeBaseUrl, OpenAIJudge } from "./openai-judge.ts";
import type { RateLimiters } from "./rate-limiter.ts";
import type { RetryTiming } from "./retry-policy.ts";
import { EndpointRateLimiters } from "./token-bucket.ts";

type JudgeLogger = Pick<Logger, "debug" | "info" | "warn">;

/** What `createJudge` is handed besides the config. All optional. */
export interface CreateJudgeDeps {
  /** Required when `daily_budget_usd` is set: the budget is shared by all workers through it. */
  redis?: RedisConnection;
  /** The service's Redis key prefix (default `{tracejudge}`). */
  prefix?: string;
  logger?: JudgeLogger;
  /** Called when the circuit opens (pause the evaluations queue) and closes (resume it). */
  hooks?: CircuitHooks;
  /**
   * The per-endpoint rate limiters, shared by every judge built in the process: the service hands
   * `SharedRateLimiters` (in Redis, so the limits hold for the whole deployment). Default: in-process
   * buckets of this judge's own (`tracejudge eval`, which runs without Redis), closed with it.
   */
  limiters?: RateLimiters;
  /** Back-off between retries (tests shorten it). */
  retry?: RetryTiming;
  /**
   * The spend limit checked before each call. Default: the config's `daily_budget_usd`, shared
   * through `redis`; `tracejudge eval` hands a `RunBudget` instead.
   */
  budget?: SpendLimit;
  /** Told about every call and handed the circuit's state (the service's Prometheus metrics). */
  observer?: JudgeObserver;
}

/**
 * A judge behind the shared guards, in call order: the daily budget (`JUDGE_BUDGET` once spent),
 * the circuit breaker (fails fast while the provider is down), then the inner judge. Every call's
 * cost is added to the budget, a malformed answer's too.
 */
export class GuardedJudge implements Judge {
  private readonly unpriced = new Set<string>();
  private closed = false;

  constructor(
    private readonly parts: {
      inner: Judge;
      breaker: CircuitBreaker;
      budget: SpendLimit;
      logger?: JudgeLogger;
      /** Closed with the judge (limiters it created for itself). */
      owned?: { close(): void }[];
      observer?: JudgeObserver;
    },
  ) {
    this.parts.observer?.circuit(() => this.parts.breaker.state);
  }

  get model(): string {
    return this.parts.inner.model;
  }

  get circuitState(): CircuitState {
    return this.parts.breaker.state;
  }

  async complete<T>(request: JudgeRequest<T>): Promise<JudgeResponse<T>> {
    const model = request.model ?? this.model;
    const started = performance.now();
    // Whether the circuit let the call through: a fast failure sent nothing and took no time.
    let sent = false;
    const seconds = () => (sent ? (performance.now() - started) / 1000 : null);
    try {
      await this.parts.budget.check();
      const response = await this.parts.breaker.run(() => {
        sent = true;
        return this.parts.inner.complete(request);
      }, request.signal);
      this.report({ model, outcome: "ok", usage: response.usage, seconds: seconds() });
      await this.record(response.usage.model, response.usage.costUsd);
      return response;
    } catch (err) {
      const usage = err instanceof JudgeMalformedError ? err.usage : null;
      this.report({
        model,
        outcome: outcomeOf(err, request.signal),
        usage,
        seconds: seconds(),
      });
      if (usage) await this.record(usage.model, usage.costUsd);
      throw err;
    }
  }

  /** Metrics never fail a call. */
  private report(report: JudgeCallReport): void {
    try {
      this.parts.observer?.call(report);
    } catch (err) {
      this.parts.logger?.warn({ err }, "the judge's observer failed");
    }
  }

  /** Stops the breaker's probe timer and closes owned limiters. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.parts.breaker.close();
    for (const part of this.parts.owned ?? []) part.close();
  }

  private async record(model: string | null, costUsd: number | null): Promise<void> {
    const budget = this.parts.budget;
    if (budget.limitUsd === undefined) return;
    if (costUsd === null) {
      const name = model ?? "(unknown)";
      if (!this.unpriced.has(name)) {
        this.unpriced.add(name);
        this.parts.logger?.warn(
          { model: name },
          "judge model has no price in judge.prices: the budget cannot count its calls",
        );
      }
      return;
    }
    try {
      await budget.record(costUsd);
    } catch (err) {
      // The verdict is paid for and valid; losing it because the counter failed would waste it.
      this.parts.logger?.warn({ err }, "could not add a judge call's cost to the daily budget");
    }
  }
}

/**
 * Builds the shared judge from its config: the endpoint's rate limiter, retries, circuit breaker
 * (probing the endpoint itself after each cooldown, so a paused queue is resumed) and daily
 * budget around an `OpenAIJudge`. Throws `JUDGE_NOT_CONFIGURED` when neither a key nor a base URL
 * is set, or a budget is set without Redis. Call `close()` on shutdown.
 */
export function createJudge(config: JudgeConfig, deps: CreateJudgeDeps = {}): GuardedJudge {
  const owned: { close(): void }[] = [];
  let limiters = deps.limiters;
  if (!limiters) {
    limiters = new EndpointRateLimiters();
    owned.push(limiters);
  }
  const budget =
    deps.budget ??
    new JudgeBudget({ dailyUsd: config.daily_budget_usd, redis: deps.redis, prefix: deps.prefix });
  const limiter = limiters.forEndpoint(judgeBaseUrl(config), {
    requestsPerMinute: config.requests_per_minute,
    tokensPerMinute: config.tokens_per_minute,
  });
  const judge = new OpenAIJudge(config, { logger: deps.logger, retry: deps.retry, limiter });
  const breaker = new CircuitBreaker({
    failures: config.circuit_breaker.failures,
    cooldownMs: config.circuit_breaker.cooldown_ms,
    onOpen: () => {
      deps.logger?.warn({ endpoint: judge.baseUrl }, "judge circuit open: provider unavailable");
      return deps.hooks?.onOpen?.();
    },
    onClose: () => {
      deps.logger?.info({ endpoint: judge.baseUrl }, "judge circuit closed: provider is back");
      return deps.hooks?.onClose?.();
    },
    probe: () => judge.probe(),
    onError: (err, where) => deps.logger?.warn({ err, where }, "judge circuit breaker"),
  });
  return new GuardedJudge({
    inner: judge,
    breaker,
    budget,
    logger: deps.logger,
    owned,
    observer: deps.observer,
  });
}
