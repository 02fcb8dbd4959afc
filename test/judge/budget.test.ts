import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JudgeBudget } from "../../src/judge/budget.ts";
import { createJudge } from "../../src/judge/create-judge.ts";
import { FakeOpenAIServer } from "../support/fake-openai-server.ts";
import { deleteRedisPrefix, REDIS_URL, testRedisPrefix } from "../support/services.ts";
import { judgeConfig, rejectionOf, verdictRequest } from "./helpers.ts";

const prefix = testRedisPrefix();
let redis: Redis;
let server: FakeOpenAIServer;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  server = await FakeOpenAIServer.start(() => ({
    content: { score: 1, reason: "ok" },
    usage: { prompt_tokens: 1000, completion_tokens: 100 },
  }));
});
afterAll(async () => {
  await server.close();
  redis.disconnect();
  await deleteRedisPrefix(prefix);
});

describe("JudgeBudget", () => {
  it("adds spend to one key per UTC day, with a TTL", async () => {
    const now = new Date("2031-03-04T23:59:00Z");
    const budget = new JudgeBudget({ dailyUsd: 1, redis, prefix: `${prefix}a`, now: () => now });
    await budget.record(0.25);
    await budget.record(0.5);
    await budget.record(null);
    expect(budget.key()).toBe(`${prefix}a:judge:spend:2031-03-04`);
    expect(await budget.spentToday()).toBeCloseTo(0.75, 10);
    const ttl = await redis.ttl(budget.key());
    expect(ttl).toBeGreaterThan(24 * 3600);
    expect(ttl).toBeLessThanOrEqual(2 * 24 * 3600);
    await budget.check();
    await budget.record(0.25);
    const err = await rejectionOf(budget.check());
    expect(err.code).toBe("JUDGE_BUDGET");
    expect(err.retryable).toBe(false);
  });

  it("does nothing without a budget, and refuses a budget without Redis", async () => {
    const none = new JudgeBudget({ dailyUsd: undefined });
    await none.record(100);
    await none.check();
    expect(await none.spentToday()).toBe(0);
    expect(() => new JudgeBudget({ dailyUsd: 1 })).toThrow(
      expect.objectContaining({ code: "JUDGE_NOT_CONFIGURED" }),
    );
  });
});

describe("createJudge: daily budget", () => {
  it("refuses the call after the one that spent a tiny budget, shared across judges", async () => {
    const config = judgeConfig(server.baseUrl, { daily_budget_usd: 0.0001 });
    const first = createJudge(config, { redis, prefix });
    const second = createJudge(config, { redis, prefix }); // another worker, same Redis
    try {
      const { usage } = await first.complete(verdictRequest());
      expect(usage.costUsd).toBeCloseTo((1000 * 0.15 + 100 * 0.6) / 1e6, 12);
      const err = await rejectionOf(second.complete(verdictRequest()));
      expect(err.code).toBe("JUDGE_BUDGET");
      expect(err.message).toMatch(/daily judge budget of \$0.0001/);
      expect(server.callCount).toBe(1);
    } finally {
      first.close();
      second.close();
    }
  });

  it("needs Redis for a budget", () => {
    expect(() =>
      createJudge(judgeConfig(server.baseUrl, { daily_budget_usd: 1 }), { prefix }),
    ).toThrow(expect.objectContaining({ code: "JUDGE_NOT_CONFIGURED" }));
  });
});
