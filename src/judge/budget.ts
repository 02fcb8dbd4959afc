import { TracejudgeError } from "../errors.ts";
import type { RedisConnection } from "../redis/connect-redis.ts";

// Two days: a key outlives its UTC day wherever the clock of the worker that wrote it stands.
const SPEND_TTL_S = 2 * 24 * 60 * 60;

/**
 * What the guarded judge checks before each call and adds each call's cost to: the service's daily
 * budget (`JudgeBudget`) or one CLI run's (`RunBudget`).
 */
export interface SpendLimit {
  /** The limit in USD; undefined means none (every method is then a no-op). */
  readonly limitUsd: number | undefined;
  /** Throws `JUDGE_BUDGET` (final) once the spend has reached the limit. */
  check(): Promise<void>;
  /** Adds a call's cost. Null or zero costs add nothing. */
  record(costUsd: number | null): Promise<void>;
}

export interface JudgeBudgetOptions {
  /** USD per UTC day; undefined means no budget, and every method is a no-op. */
  dailyUsd: number | undefined;
  /** Required with a budget: the spend is shared by every worker through it. */
  redis?: RedisConnection;
  /** The service's Redis key prefix, e.g. `{tracejudge}`. */
  prefix?: string;
  /** The clock (tests move it). */
  now?: () => Date;
}

/**
 * The daily judge budget, shared by all workers: the day's spend is one Redis counter,
 * `${prefix}:judge:spend:<YYYY-MM-DD UTC>`. It is a soft limit: calls already in flight when it is
 * reached still finish and are counted.
 */
export class JudgeBudget implements SpendLimit {
  private readonly options: JudgeBudgetOptions;

  constructor(options: JudgeBudgetOptions) {
    if (options.dailyUsd !== undefined && !options.redis) {
      throw new TracejudgeError(
        "JUDGE_NOT_CONFIGURED",
        "judge.daily_budget_usd needs Redis: the budget is shared by every worker",
      );
    }
    this.options = options;
  }

  get limitUsd(): number | undefined {
    return this.options.dailyUsd;
  }

  /** Throws `JUDGE_BUDGET` (final) when today's spend has reached the budget. */
  async check(): Promise<void> {
    const budget = this.options.dailyUsd;
    if (budget === undefined) return;
    const spent = await this.spentToday();
    if (spent >= budget) {
      throw new TracejudgeError(
        "JUDGE_BUDGET",
        `the daily judge budget of $${budget} is spent ($${spent.toFixed(4)} today, UTC)`,
        { retryable: false },
      );
    }
  }

  /** Adds a call's cost to today's spend. Null or zero costs add nothing. */
  async record(costUsd: number | null): Promise<void> {
    const redis = this.options.redis;
    if (this.options.dailyUsd === undefined || !redis || !costUsd) return;
    const key = this.key();
    await redis.multi().incrbyfloat(key, costUsd).expire(key, SPEND_TTL_S).exec();
  }

  /** Today's spend in USD (0 without a budget). */
  async spentToday(): Promise<number> {
    const redis = this.options.redis;
    if (this.options.dailyUsd === undefined || !redis) return 0;
    const value = await redis.get(this.key());
    return value === null ? 0 : Number.parseFloat(value);
  }

  /** Today's key: the UTC date, so every worker agrees on when the day turns. */
  key(): string {
    const day = (this.options.now?.() ?? new Date()).toISOString().slice(0, 10);
    return `${this.options.prefix ?? "{tracejudge}"}:judge:spend:${day}`;
  }
}

/**
 * The most one run of `tracejudge eval` may spend on the judge, counted in this process: a run by
 * hand has no Redis to share a daily counter with. Like the daily budget it is a soft limit: calls
 * already in flight when it is reached still finish and are counted.
 */
export class RunBudget implements SpendLimit {
  private spent = 0;

  constructor(readonly limitUsd: number) {}

  /** What the run has spent so far, in USD. */
  get spentUsd(): number {
    return this.spent;
  }

  async check(): Promise<void> {
    if (this.spent >= this.limitUsd) {
      throw new TracejudgeError(
        "JUDGE_BUDGET",
        `the judge budget of $${this.limitUsd} for this run is spent ($${this.spent.toFixed(4)})`,
        { retryable: false },
      );
    }
  }

  async record(costUsd: number | null): Promise<void> {
    if (costUsd) this.spent += costUsd;
  }
}
