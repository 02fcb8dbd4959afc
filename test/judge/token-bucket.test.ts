import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJudge } from "../../src/judge/create-judge.ts";
import { EndpointRateLimiters, TokenBucket } from "../../src/judge/token-bucket.ts";
import { FakeOpenAIServer } from "../support/fake-openai-server.ts";
import { judgeConfig, verdictRequest } from "./helpers.ts";

describe("TokenBucket", () => {
  it("spaces requests to the rate after the burst", async () => {
    // 10 per 1000 ms, burst 1: one every 100 ms.
    const bucket = new TokenBucket({
      requestsPerWindow: 10,
      tokensPerWindow: 1e9,
      windowMs: 1000,
      burstMs: 100,
    });
    const started = performance.now();
    const times: number[] = [];
    await Promise.all(
      [0, 1, 2, 3].map((i) => bucket.acquire(1).then(() => (times[i] = performance.now()))),
    );
    expect(times[0] as number).toBeLessThan(started + 100);
    expect((times[3] as number) - started).toBeGreaterThanOrEqual(290);
    for (let i = 1; i < 4; i++) expect(times[i] as number).toBeGreaterThan(times[i - 1] as number);
    bucket.close();
  });

  it("limits tokens too, serves callers first come first served, and lets an oversized request through in debt", async () => {
    // 1000 tokens per 1000 ms, burst 100 tokens.
    const bucket = new TokenBucket({
      requestsPerWindow: 1e6,
      tokensPerWindow: 1000,
      windowMs: 1000,
      burstMs: 100,
    });
    const order: string[] = [];
    const started = performance.now();
    const big = bucket.acquire(300).then(() => order.push("big"));
    const small = bucket.acquire(10).then(() => order.push("small"));
    await Promise.all([big, small]);
    // The big one goes at once on a full bucket (300 > burst of 100) and leaves a debt of 200:
    // the small one waits ~210 ms instead of jumping the queue or the rate.
    expect(order).toEqual(["big", "small"]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    bucket.close();
  });

  it("gives up a waiter's place when its signal aborts, and rejects waiters on close", async () => {
    const bucket = new TokenBucket({ requestsPerWindow: 1, tokensPerWindow: 1e9, windowMs: 500 });
    await bucket.acquire(1);
    const controller = new AbortController();
    const aborted = bucket.acquire(1, controller.signal);
    const next = bucket.acquire(1);
    expect(bucket.waiting).toBe(2);
    controller.abort(new Error("no longer needed"));
    await expect(aborted).rejects.toThrow("no longer needed");
    expect(bucket.waiting).toBe(1);
    const started = performance.now();
    await next; // takes the aborted caller's turn
    expect(performance.now() - started).toBeLessThan(1000);

    const pending = bucket.acquire(1);
    bucket.close();
    bucket.close();
    await expect(pending).rejects.toThrow("closed");
    await expect(bucket.acquire(1)).rejects.toThrow("closed");
  });

  it("shares one bucket per endpoint", () => {
    const limiters = new EndpointRateLimiters();
    const limits = { requestsPerMinute: 10, tokensPerMinute: 1000 };
    const a = limiters.forEndpoint("http://127.0.0.1:1/v1", limits);
    expect(limiters.forEndpoint("http://127.0.0.1:1/v1/", limits)).toBe(a);
    expect(limiters.forEndpoint("http://127.0.0.1:2/v1", limits)).not.toBe(a);
    limiters.close();
    limiters.close();
  });
});

describe("createJudge: rate limit against the fake server", () => {
  let server: FakeOpenAIServer;
  beforeAll(async () => {
    server = await FakeOpenAIServer.start(() => ({ content: { score: 1, reason: "ok" } }));
  });
  afterAll(() => server.close());

  it("with requests_per_minute 60, three calls take about two seconds", async () => {
    const judge = createJudge(judgeConfig(server.baseUrl, { requests_per_minute: 60 }));
    try {
      const started = performance.now();
      await Promise.all([1, 2, 3].map(() => judge.complete(verdictRequest())));
      expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
      // Each call waits for its token: the second is sent a second after the start at the
      // earliest, the third two. (Bounds from the start, not between arrivals: a busy machine
      // can delay the first arrival and shrink a gap without the limit being broken.)
      const [, b, c] = server.requests.map((r) => r.at) as [number, number, number];
      expect(b - started).toBeGreaterThanOrEqual(900);
      expect(c - started).toBeGreaterThanOrEqual(1900);
    } finally {
      judge.close();
    }
  });
});
