import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunBudget } from "../../src/judge/budget.ts";
import { createJudge } from "../../src/judge/create-judge.ts";
import { FakeOpenAIServer } from "../support/fake-openai-server.ts";
import { judgeConfig, rejectionOf, verdictRequest } from "./helpers.ts";

let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await FakeOpenAIServer.start(() => ({
    content: { score: 1, reason: "ok" },
    usage: { prompt_tokens: 1000, completion_tokens: 100 },
  }));
});
afterAll(() => server.close());

describe("RunBudget", () => {
  it("counts one run's spend in the process and refuses once it reaches the limit", async () => {
    const budget = new RunBudget(0.5);
    await budget.record(0.25);
    await budget.record(null);
    await budget.check();
    await budget.record(0.25);
    expect(budget.spentUsd).toBeCloseTo(0.5, 12);
    const err = await rejectionOf(budget.check());
    expect(err.code).toBe("JUDGE_BUDGET");
    expect(err.retryable).toBe(false);
    expect(err.message).toBe("the judge budget of $0.5 for this run is spent ($0.5000)");
  });

  it("stops a judge without Redis after the call that spent it, over the config's daily budget", async () => {
    const budget = new RunBudget(0.0001);
    // The config's daily budget would need Redis; the run's own replaces it.
    const judge = createJudge(judgeConfig(server.baseUrl, { daily_budget_usd: 5 }), { budget });
    try {
      const { usage } = await judge.complete(verdictRequest());
      expect(budget.spentUsd).toBeCloseTo(usage.costUsd ?? Number.NaN, 12);
      const err = await rejectionOf(judge.complete(verdictRequest()));
      expect(err.code).toBe("JUDGE_BUDGET");
      expect(server.callCount).toBe(1);
    } finally {
      judge.close();
    }
  });
});
