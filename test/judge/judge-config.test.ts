import { describe, expect, it } from "vitest";
import {
  costUsd,
  DEFAULT_JUDGE_PRICES,
  parseJudgeConfig,
  priceFor,
} from "../../src/judge/judge-config.ts";
import { backoffMs, retryAfterMs } from "../../src/judge/retry-policy.ts";

describe("judge config", () => {
  it("applies the documented defaults", () => {
    const config = parseJudgeConfig({});
    expect(config).toMatchObject({
      model: "gpt-4o-mini",
      timeout_ms: 30_000,
      max_retries: 4,
      requests_per_minute: 500,
      tokens_per_minute: 200_000,
      temperature: 0,
      circuit_breaker: { failures: 5, cooldown_ms: 30_000 },
    });
    expect(config.base_url).toBeUndefined();
    expect(config.daily_budget_usd).toBeUndefined();
    expect(config.prices).toEqual(DEFAULT_JUDGE_PRICES);
  });

  it("merges configured prices over the defaults", () => {
    const config = parseJudgeConfig({
      prices: { "llama-*": { input: 0, output: 0 }, "gpt-4o-mini*": { input: 1, output: 2 } },
    });
    expect(config.prices["llama-*"]).toEqual({ input: 0, output: 0 });
    expect(config.prices["gpt-4o-mini*"]).toEqual({ input: 1, output: 2 });
    expect(config.prices["gpt-4.1*"]).toEqual(DEFAULT_JUDGE_PRICES["gpt-4.1*"]);
  });

  it("names every bad or unknown field", () => {
    let message = "";
    try {
      parseJudgeConfig({
        base_url: "not a url",
        timeout_ms: -1,
        modle: "x",
        circuit_breaker: { failures: 0, cooldown: 5 },
        prices: { m: { input: 1 } },
      });
    } catch (err) {
      expect(err).toMatchObject({ code: "CONFIG_INVALID" });
      message = (err as Error).message;
    }
    for (const line of [
      "judge.base_url: Invalid URL",
      "judge.timeout_ms: Too small",
      "judge.prices.m.output: Invalid input",
      "judge.circuit_breaker.failures: Too small",
      'judge.circuit_breaker: Unrecognized key: "cooldown"',
      'judge: Unrecognized key: "modle"',
    ]) {
      expect(message).toContain(line);
    }
  });
});

describe("prices", () => {
  it("prefers an exact name, then the longest matching glob", () => {
    expect(priceFor(DEFAULT_JUDGE_PRICES, "gpt-4o-mini-2024-07-18")).toEqual({
      input: 0.15,
      output: 0.6,
    });
    expect(priceFor(DEFAULT_JUDGE_PRICES, "gpt-4o-2024-08-06")).toEqual({ input: 2.5, output: 10 });
    expect(
      priceFor({ ...DEFAULT_JUDGE_PRICES, "gpt-4o": { input: 5, output: 15 } }, "gpt-4o"),
    ).toEqual({ input: 5, output: 15 });
    expect(priceFor(DEFAULT_JUDGE_PRICES, "llama3")).toBeUndefined();
    expect(costUsd(DEFAULT_JUDGE_PRICES, "gpt-4.1-nano", 1e6, 1e6)).toBeCloseTo(0.5, 12);
    expect(costUsd(DEFAULT_JUDGE_PRICES, "llama3", 1e6, 1e6)).toBeNull();
  });
});

describe("retry timing", () => {
  it("reads retry-after-ms, Retry-After seconds and HTTP dates", () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250" }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "2" }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ "retry-after": "0.5" }), now)).toBe(500);
    expect(retryAfterMs(new Headers({ "retry-after": "Tue, 01 Jan 2030 00:00:03 GMT" }), now)).toBe(
      3000,
    );
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });

  it("backs off exponentially with jitter, capped", () => {
    expect(backoffMs(0, {}, () => 0)).toBe(500);
    expect(backoffMs(2, {}, () => 0)).toBe(2000);
    expect(backoffMs(2, {}, () => 1)).toBe(1500);
    expect(backoffMs(10, {}, () => 0)).toBe(8000);
  });
});
