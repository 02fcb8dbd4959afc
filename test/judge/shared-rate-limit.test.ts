import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJudge, type GuardedJudge } from "../../src/judge/create-judge.ts";
import type { JudgeConfigInput } from "../../src/judge/judge-config.ts";
import { judgeRateKeys, SharedRateLimiters } from "../../src/judge/shared-token-bucket.ts";
import { FakeOpenAIServer } from "../support/fake-openai-server.ts";
import { freePorts } from "../support/free-ports.ts";
import { deleteRedisPrefix, REDIS_URL, testRedisPrefix } from "../support/services.ts";
import { judgeConfig, rejectionOf, verdictRequest } from "./helpers.ts";

/**
 * A worker's judge as the service builds it: its own Redis connection, its own limiters on the
 * deployment's prefix. `windowMs` stands for the minute of the configured limits.
 */
interface Worker {
  redis: Redis;
  limiters: SharedRateLimiters;
  judge: GuardedJudge;
}

describe("the judge's rate limit is shared through Redis by every process under one prefix", () => {
  let server: FakeOpenAIServer;
  const prefixes: string[] = [];
  const workers: Worker[] = [];

  function worker(
    prefix: string,
    over: JudgeConfigInput,
    options: { windowMs: number; redis?: Redis; unreachableMs?: number },
  ): Worker {
    const redis = options.redis ?? new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const limiters = new SharedRateLimiters({
      redis,
      prefix,
      windowMs: options.windowMs,
      unreachableMs: options.unreachableMs,
    });
    const judge = createJudge(judgeConfig(server.baseUrl, over), { limiters });
    const made = { redis, limiters, judge };
    workers.push(made);
    return made;
  }

  function prefix(): string {
    const made = testRedisPrefix();
    prefixes.push(made);
    return made;
  }

  /** Forgets earlier requests; every call is answered with a passing verdict. */
  function fresh(): void {
    server.reset();
    server.setHandler(() => ({ content: { score: 1, reason: "ok" } }));
  }

  beforeAll(async () => {
    server = await FakeOpenAIServer.start();
  });
  afterAll(async () => {
    for (const { judge, limiters, redis } of workers) {
      judge.close();
      limiters.close();
      redis.disconnect();
    }
    await server.close();
    for (const made of prefixes) await deleteRedisPrefix(made);
  });

  it("three workers on one prefix send at most the configured rate in all", async () => {
    fresh();
    // 30 requests per second (the "minute" is 1000 ms here) for the whole deployment; each worker
    // alone would send its 20 calls in under 0.7 s, the three together need about 2 s.
    const shared = prefix();
    const three = [0, 1, 2].map(() =>
      worker(shared, { requests_per_minute: 30 }, { windowMs: 1000 }),
    );
    const started = performance.now();
    const answers = await Promise.all(
      three.flatMap(({ judge }) =>
        Array.from({ length: 20 }, () => judge.complete(verdictRequest())),
      ),
    );
    const elapsed = performance.now() - started;
    expect(answers.every((a) => a.value.score === 1)).toBe(true);
    const arrivals = server.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(arrivals).toHaveLength(60);

    // 1 at once, then one per 33 ms: 59 / 30 s at the least.
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(15_000);
    // Any one second holds the burst plus 30 sends (a worker each on its own would send 60 in
    // under a second); slack for sends that a busy machine delays and so bunches (44 seen on a
    // loaded machine).
    let busiest = 0;
    for (let i = 0; i < arrivals.length; i++) {
      const from = arrivals[i] as number;
      busiest = Math.max(busiest, arrivals.filter((at) => at >= from && at < from + 1000).length);
    }
    expect(busiest).toBeLessThanOrEqual(50);
    // Measured from before the first take: no send may come before its turn.
    const rate = (arrivals.length - 1) / (((arrivals.at(-1) as number) - started) / 1000);
    expect(rate).toBeLessThanOrEqual(30.5);
    console.log(
      `shared limit 30/s, 3 workers x 20 calls: ${(elapsed / 1000).toFixed(2)} s, ${rate.toFixed(1)} requests/s, busiest second ${busiest}`,
    );
  });

  it("keeps one bucket per prefix: another deployment does not wait for this one's turns", async () => {
    fresh();
    // One request per 2000 ms.
    const limits = { requests_per_minute: 1 };
    const [ours, another] = [prefix(), prefix()];
    const first = worker(ours, limits, { windowMs: 2000 });
    const second = worker(ours, limits, { windowMs: 2000 });
    const other = worker(another, limits, { windowMs: 2000 });
    const started = performance.now();
    await first.judge.complete(verdictRequest());
    const sameDeployment = second.judge.complete(verdictRequest()).then(() => performance.now());
    await other.judge.complete(verdictRequest());
    expect(performance.now() - started).toBeLessThan(1500);
    expect((await sameDeployment) - started).toBeGreaterThanOrEqual(1800);
    const redis = first.redis;
    expect(await redis.exists(judgeRateKeys(ours).bucket(server.baseUrl))).toBe(1);
    expect(await redis.exists(judgeRateKeys(another).bucket(server.baseUrl))).toBe(1);
  });

  it("shares tokens per minute too", async () => {
    // 1 token per ms, a burst of about 17: a 1,000-token request leaves a debt of about a second
    // that the next one waits out (wide margins: a busy machine slows the round trips).
    const shared = prefix();
    const limits = { requestsPerMinute: 1e6, tokensPerMinute: 1000 };
    const [a, b] = [0, 1].map(() => worker(shared, {}, { windowMs: 1000 }).limiters);
    const other = worker(prefix(), {}, { windowMs: 1000 }).limiters;
    const url = "http://judge.invalid/v1";
    const started = performance.now();
    await a?.forEndpoint(url, limits).acquire(1000);
    await other.forEndpoint(url, limits).acquire(1000);
    expect(performance.now() - started).toBeLessThan(700);
    await b?.forEndpoint(url, limits).acquire(1000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("rejects promptly when the caller aborts while waiting, and gives its turn back", async () => {
    fresh();
    const shared = prefix();
    const limits = { requests_per_minute: 1 };
    const [first, second] = [0, 1].map(() => worker(shared, limits, { windowMs: 2000 }));
    const started = performance.now();
    await first?.judge.complete(verdictRequest());
    const controller = new AbortController();
    const waiting = second?.judge.complete(verdictRequest({ signal: controller.signal }));
    await new Promise((r) => setTimeout(r, 100));
    const abortedAt = performance.now();
    controller.abort(new Error("evaluation timed out"));
    await expect(waiting).rejects.toThrow("evaluation timed out");
    expect(performance.now() - abortedAt).toBeLessThan(1200); // the wait itself is about 1.9 s
    // The aborted turn was given back: the next call goes one interval after the first, not two.
    // (On the same connection, so the give-back surely reached Redis before its take.)
    await second?.judge.complete(verdictRequest());
    const thirdAt = performance.now() - started;
    expect(thirdAt).toBeGreaterThanOrEqual(1800);
    expect(thirdAt).toBeLessThan(3800); // two intervals would be 4 s
    expect(server.callCount).toBe(2);
  });

  it("fails closed when Redis does not answer: no request reaches the provider, the circuit stays closed", async () => {
    fresh();
    const [port] = await freePorts(1);
    // Like the service's connection: commands wait in the offline queue while Redis is away.
    const away = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: null });
    away.on("error", () => {});
    const { judge } = worker(
      prefix(),
      { circuit_breaker: { failures: 1, cooldown_ms: 60_000 } },
      { windowMs: 1000, redis: away, unreachableMs: 300 },
    );
    const started = performance.now();
    const err = await rejectionOf(judge.complete(verdictRequest()));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(err.code).toBe("JUDGE_UNAVAILABLE");
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/shared rate limit in Redis did not answer.*no request sent/);
    expect(server.callCount).toBe(0);
    expect(judge.circuitState).toBe("closed");

    // An abort does not wait for Redis's answer either.
    const patient = worker(prefix(), {}, { windowMs: 1000, redis: away, unreachableMs: 30_000 });
    const controller = new AbortController();
    const waiting = patient.judge.complete(verdictRequest({ signal: controller.signal }));
    setTimeout(() => controller.abort(new Error("shutting down")), 100);
    const abortStarted = performance.now();
    await expect(waiting).rejects.toThrow("shutting down");
    expect(performance.now() - abortStarted).toBeLessThan(1000);
    expect(server.callCount).toBe(0);
  });
});
