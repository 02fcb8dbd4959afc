import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TracejudgeError } from "../../src/errors.ts";
import { CircuitBreaker } from "../../src/judge/circuit-breaker.ts";
import { createJudge } from "../../src/judge/create-judge.ts";
import { EndpointRateLimiters } from "../../src/judge/token-bucket.ts";
import { errorBody, FakeOpenAIServer } from "../support/fake-openai-server.ts";
import { deleteRedisPrefix, eventually, REDIS_URL, testRedisPrefix } from "../support/services.ts";
import { FAST_RETRY, judgeConfig, rejectionOf, verdictRequest } from "./helpers.ts";

const outage = () => new TracejudgeError("JUDGE_UNAVAILABLE", "down", { retryable: true });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("CircuitBreaker", () => {
  it("opens after N consecutive outages and fails fast without calling through", async () => {
    const events: string[] = [];
    const breaker = new CircuitBreaker({
      failures: 3,
      cooldownMs: 10_000,
      onOpen: () => void events.push("open"),
    });
    let calls = 0;
    const failing = () => {
      calls += 1;
      return Promise.reject(outage());
    };
    for (let i = 0; i < 3; i++) await expect(breaker.run(failing)).rejects.toThrow("down");
    expect(breaker.state).toBe("open");
    const err = await rejectionOf(breaker.run(failing));
    expect(err.code).toBe("JUDGE_UNAVAILABLE");
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/circuit open/);
    expect(calls).toBe(3);
    expect(events).toEqual(["open"]);
  });

  it("counts only consecutive outages: any answer resets the count, aborts count for nothing", async () => {
    const breaker = new CircuitBreaker({ failures: 2, cooldownMs: 10_000 });
    await expect(breaker.run(() => Promise.reject(outage()))).rejects.toThrow();
    const final = new TracejudgeError("JUDGE_MALFORMED", "bad answer");
    await expect(breaker.run(() => Promise.reject(final))).rejects.toThrow();
    await expect(breaker.run(() => Promise.reject(outage()))).rejects.toThrow();
    expect(breaker.state).toBe("closed");
    const controller = new AbortController();
    controller.abort();
    await expect(breaker.run(() => Promise.reject(outage()), controller.signal)).rejects.toThrow();
    expect(breaker.state).toBe("closed");
    await expect(breaker.run(() => Promise.reject(outage()))).rejects.toThrow();
    expect(breaker.state).toBe("open");
  });

  it("half-opens after the cooldown: one probe passes, its failure reopens, its success closes", async () => {
    const events: string[] = [];
    const breaker = new CircuitBreaker({
      failures: 1,
      cooldownMs: 100,
      onOpen: () => void events.push("open"),
      onClose: () => void events.push("close"),
    });
    await expect(breaker.run(() => Promise.reject(outage()))).rejects.toThrow();
    await wait(120);
    expect(breaker.state).toBe("half-open");
    await expect(breaker.run(() => Promise.reject(outage()))).rejects.toThrow("down");
    expect(breaker.state).toBe("open");
    await wait(120);

    let release: (v: string) => void = () => {};
    const probe = breaker.run(() => new Promise<string>((r) => (release = r)));
    // While the probe is out, everyone else still fails fast.
    await expect(breaker.run(() => Promise.resolve("other"))).rejects.toThrow(/circuit open/);
    release("ok");
    expect(await probe).toBe("ok");
    expect(breaker.state).toBe("closed");
    expect(await breaker.run(() => Promise.resolve("after"))).toBe("after");
    expect(events).toEqual(["open", "close"]);
  });

  it("probes by itself after the cooldown when given a probe", async () => {
    const events: string[] = [];
    let probes = 0;
    const breaker = new CircuitBreaker({
      failures: 1,
      cooldownMs: 80,
      probe: async () => {
        probes += 1;
        if (probes === 1) throw outage();
      },
      onClose: () => void events.push("close"),
    });
    await expect(breaker.run(() => Promise.reject(outage()))).rejects.toThrow();
    await eventually(async () => (events.includes("close") ? true : undefined), 2000, "close");
    expect(probes).toBe(2);
    expect(breaker.state).toBe("closed");
    breaker.close();
    breaker.close();
  });
});

describe("createJudge: circuit breaker against the fake server", () => {
  const prefix = testRedisPrefix();
  let server: FakeOpenAIServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await FakeOpenAIServer.start();
    redis = new Redis(REDIS_URL);
  });
  afterEach(() => server.reset());
  afterAll(async () => {
    await server.close();
    redis.disconnect();
    await deleteRedisPrefix(prefix);
  });

  it("pauses the evaluations queue while the provider is down, and resumes it after a probe", async () => {
    const queue = new Queue("evaluations", { connection: redis, prefix });
    const judge = createJudge(
      judgeConfig(server.baseUrl, {
        max_retries: 0,
        circuit_breaker: { failures: 3, cooldown_ms: 300 },
      }),
      { retry: FAST_RETRY, hooks: { onOpen: () => queue.pause(), onClose: () => queue.resume() } },
    );
    try {
      server.setHandler(() => ({ status: 503, body: errorBody("down") }));
      for (let i = 0; i < 3; i++) {
        const err = await rejectionOf(judge.complete(verdictRequest()));
        expect(err.message).toMatch(/HTTP 503/);
      }
      expect(judge.circuitState).toBe("open");
      await eventually(async () => ((await queue.isPaused()) ? true : undefined), 2000, "pause");

      // Open: fails fast, the server sees nothing.
      const fast = await rejectionOf(judge.complete(verdictRequest()));
      expect(fast.code).toBe("JUDGE_UNAVAILABLE");
      expect(fast.retryable).toBe(true);
      expect(fast.message).toMatch(/circuit open/);
      expect(server.callCount).toBe(3);

      // The provider comes back; nobody calls (the queue is paused), the breaker probes itself.
      server.setHandler(() => ({ content: "pong" }));
      await eventually(async () => ((await queue.isPaused()) ? undefined : true), 3000, "resume");
      expect(judge.circuitState).toBe("closed");
      expect(server.requests[3]?.messages).toEqual([{ role: "user", content: "ping" }]);
      expect(server.requests[3]?.body.max_completion_tokens).toBe(1);

      server.setHandler(() => ({ content: { score: 1, reason: "ok" } }));
      expect((await judge.complete(verdictRequest())).value.score).toBe(1);
    } finally {
      judge.close();
      judge.close();
      await queue.close();
    }
  });

  it("lets the first call after the cooldown through as the probe when the probe timer is late", async () => {
    const limiters = new EndpointRateLimiters();
    const judge = createJudge(
      judgeConfig(server.baseUrl, {
        max_retries: 0,
        circuit_breaker: { failures: 2, cooldown_ms: 200 },
      }),
      // Limiters of the test's own, so closing the judge stops only the breaker's timer.
      { retry: FAST_RETRY, limiters },
    );
    try {
      server.setHandler(() => ({ reset: true }));
      await rejectionOf(judge.complete(verdictRequest()));
      await rejectionOf(judge.complete(verdictRequest()));
      expect(judge.circuitState).toBe("open");
      judge.close(); // stops the probe timer: the next real call must be the probe
      await wait(250);
      expect(judge.circuitState).toBe("half-open");
      server.setHandler(() => ({ content: { score: 0.5, reason: "back" } }));
      expect((await judge.complete(verdictRequest())).value.reason).toBe("back");
      expect(judge.circuitState).toBe("closed");
      expect(server.callCount).toBe(3);
    } finally {
      judge.close();
      limiters.close();
    }
  });
});
