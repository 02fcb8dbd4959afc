import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RunBudget } from "../../src/judge/budget.ts";
import type { CircuitState } from "../../src/judge/circuit-breaker.ts";
import { createJudge } from "../../src/judge/create-judge.ts";
import type { JudgeCallReport, JudgeObserver } from "../../src/judge/judge-observer.ts";
import { errorBody, FakeOpenAIServer } from "../support/fake-openai-server.ts";
import { FAST_RETRY, judgeConfig, rejectionOf, verdictRequest } from "./helpers.ts";

/** An observer that keeps what it is told. */
function recorder() {
  const calls: JudgeCallReport[] = [];
  let read: (() => CircuitState) | undefined;
  const observer: JudgeObserver = {
    call: (report) => calls.push(report),
    circuit: (r) => {
      read = r;
    },
  };
  return { observer, calls, circuit: () => read?.() };
}

describe("the guarded judge's reports to its observer", () => {
  let server: FakeOpenAIServer;
  beforeAll(async () => {
    server = await FakeOpenAIServer.start();
  });
  afterEach(() => server.reset());
  afterAll(() => server.close());

  it("reports each call's outcome, and whether a request left (its duration) or not", async () => {
    const seen = recorder();
    const judge = createJudge(
      judgeConfig(server.baseUrl, {
        model: "gpt-4o-mini",
        max_retries: 0,
        circuit_breaker: { failures: 1, cooldown_ms: 600_000 },
      }),
      { retry: FAST_RETRY, observer: seen.observer, budget: new RunBudget(1) },
    );
    try {
      expect(seen.circuit()).toBe("closed");
      server.enqueue(
        { content: { score: 1, reason: "ok" }, usage: { prompt_tokens: 30, completion_tokens: 5 } },
        { content: "not json" },
        { content: "still not json" },
        { status: 400, body: errorBody("bad request", "invalid_request_error") },
        { status: 503, body: errorBody("down") },
      );
      await judge.complete(verdictRequest());
      await rejectionOf(judge.complete(verdictRequest({ model: "gpt-4.1-mini" })));
      await rejectionOf(judge.complete(verdictRequest()));
      await rejectionOf(judge.complete(verdictRequest()));
      expect(seen.circuit()).toBe("open");
      await rejectionOf(judge.complete(verdictRequest()));
      expect(server.callCount).toBe(5);

      expect(seen.calls.map((c) => [c.model, c.outcome])).toEqual([
        ["gpt-4o-mini", "ok"],
        ["gpt-4.1-mini", "malformed"],
        ["gpt-4o-mini", "refused"],
        ["gpt-4o-mini", "unavailable"],
        ["gpt-4o-mini", "circuit_open"],
      ]);
      expect(seen.calls[0]?.usage).toMatchObject({ inputTokens: 30, outputTokens: 5 });
      // The malformed answers were paid for: their usage is reported.
      expect(seen.calls[1]?.usage?.outputTokens).toBeGreaterThan(0);
      expect(seen.calls.slice(2).map((c) => c.usage)).toEqual([null, null, null]);
      expect(seen.calls.slice(0, 4).every((c) => (c.seconds ?? -1) > 0)).toBe(true);
      expect(seen.calls[4]?.seconds).toBeNull();
    } finally {
      judge.close();
    }
  });

  it("reports a call the spend limit stopped as budget, with nothing sent", async () => {
    const seen = recorder();
    const budget = new RunBudget(0.000001);
    await budget.record(0.00001);
    const judge = createJudge(judgeConfig(server.baseUrl), { observer: seen.observer, budget });
    try {
      const err = await rejectionOf(judge.complete(verdictRequest()));
      expect(err.code).toBe("JUDGE_BUDGET");
      expect(seen.calls).toEqual([
        { model: "gpt-4o-mini", outcome: "budget", usage: null, seconds: null },
      ]);
      expect(server.callCount).toBe(0);
    } finally {
      judge.close();
    }
  });

  it("keeps answering when the observer throws", async () => {
    const judge = createJudge(judgeConfig(server.baseUrl), {
      observer: {
        call: () => {
          throw new Error("observer broke");
        },
        circuit: () => {},
      },
    });
    try {
      server.enqueue({ content: { score: 0.5, reason: "fine" } });
      expect((await judge.complete(verdictRequest())).value.score).toBe(0.5);
    } finally {
      judge.close();
    }
  });
});
