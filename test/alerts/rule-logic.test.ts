import { describe, expect, it } from "vitest";
import type { AlertState } from "../../src/alerts/rule-logic.ts";
import {
  evaluateRule,
  previousRelease,
  sampleQuery,
  transition,
} from "../../src/alerts/rule-logic.ts";
import type { AlertSample } from "../../src/alerts/rule-scope.ts";
import { NOW, rule, sample, samples } from "./helpers.ts";

const MIN = 60_000;
const gate = rule({
  where: { "service.name": "checkout-support", "service.version": "v42" },
  window: "5m",
  aggregate: "mean",
  min_samples: 20,
  below: 0.85,
  warn_below: 0.9,
});

describe("evaluateRule: window mean", () => {
  it("fires when the window's mean is below, with the worst events as examples", () => {
    const events = [...samples(15, 0.9), ...samples(5, 0.2)];
    const e = evaluateRule(gate, events, NOW, "ok");
    expect(e).toMatchObject({ state: "firing", held: false, reason: "breach", metric: "mean" });
    expect(e.observed).toBeCloseTo(0.725, 6);
    expect(e).toMatchObject({ samples: 20, threshold: 0.85, warn_threshold: 0.9 });
    expect(e.window_start).toBe(new Date(NOW.getTime() - 5 * MIN).toISOString());
    expect(e.window_end).toBe(NOW.toISOString());
    expect(e.worst).toHaveLength(5);
    expect(e.worst.every((w) => w.score === 0.2)).toBe(true);
  });

  it("warns between warn_below and below, and is ok above both", () => {
    expect(evaluateRule(gate, samples(20, 0.87), NOW, "ok").state).toBe("warning");
    expect(evaluateRule(gate, samples(20, 0.95), NOW, "firing")).toMatchObject({
      state: "ok",
      reason: "healthy",
    });
  });

  it("does not fire on scores exactly at the threshold (no floating-point dust)", () => {
    const atGate = rule({ window: "5m", min_samples: 20, at_least: 0.85 });
    expect(evaluateRule(atGate, samples(20, 0.85), NOW, "ok")).toMatchObject({
      state: "ok",
      observed: 0.85,
    });
    const drop = rule({ window: "5m", release: "v42", baseline: { max_drop: 0.05 } });
    const v41 = { release: "v41", samples: samples(20, 0.9) };
    expect(evaluateRule(drop, samples(20, 0.85), NOW, "ok", v41).state).toBe("ok");
    expect(evaluateRule(drop, samples(20, 0.84), NOW, "ok", v41).state).toBe("firing");
  });

  it("counts only ok verdicts of the rule's evaluator and scope, inside the window", () => {
    const noise: AlertSample[] = [
      ...Array.from({ length: 10 }, () => sample(0, { status: "error" })),
      ...Array.from({ length: 10 }, () => sample(0, { evaluator: "toxicity" })),
      ...Array.from({ length: 10 }, () => sample(0, { service_version: "v41" })),
      ...Array.from({ length: 10 }, () => sample(0, {}, 6 * MIN)),
    ];
    const e = evaluateRule(gate, [...samples(20, 0.95), ...noise], NOW, "ok");
    expect(e).toMatchObject({ state: "ok", samples: 20, observed: 0.95 });
  });

  it("holds the previous state below min_samples: neither ok nor firing", () => {
    const few = samples(19, 0.1);
    for (const previous of ["ok", "firing", "warning"] as const) {
      expect(evaluateRule(gate, few, NOW, previous)).toMatchObject({
        state: previous,
        held: true,
        reason: "insufficient_samples",
        samples: 19,
      });
    }
    expect(evaluateRule(gate, few, NOW, null).state).toBe("no_data");
  });
});

describe("evaluateRule: percentiles", () => {
  // 85 good events, 15 bad: 15 % of events score under 0.5.
  const events = [...samples(85, 0.9), ...samples(15, 0.3)];
  const p = (aggregate: "p90" | "p50") =>
    rule({ window: "5m", aggregate, min_samples: 10, below: 0.5 });

  it("reads pN as the score N % of events reach, so p90 sees a 15 % low tail", () => {
    expect(evaluateRule(p("p90"), events, NOW, "ok")).toMatchObject({
      state: "firing",
      metric: "p90",
      observed: 0.3,
    });
    expect(evaluateRule(p("p50"), events, NOW, "ok")).toMatchObject({ state: "ok", observed: 0.9 });
    const p80 = rule({ window: "5m", aggregate: "percentile", percentile: 80, below: 0.5 });
    expect(evaluateRule(p80, events, NOW, "ok")).toMatchObject({ state: "ok", metric: "p80" });
  });
});

describe("evaluateRule: fail_rate and confidence", () => {
  const failRate = (extra: Record<string, unknown> = {}) =>
    rule({ window: "5m", aggregate: "fail_rate", min_samples: 1, above: 0.3, ...extra });
  const outcomes = (failed: number, passed: number) => [
    ...Array.from({ length: failed }, () => sample(0.2, { passed: false })),
    ...Array.from({ length: passed }, () => sample(0.9, { passed: true })),
  ];

  it("fires on the share of failing events", () => {
    const e = evaluateRule(failRate(), outcomes(2, 3), NOW, "ok");
    expect(e).toMatchObject({ state: "firing", comparison: "above", threshold: 0.3, samples: 5 });
    expect(e.observed).toBeCloseTo(0.4, 9);
    expect(e.bounds).toBeNull();
    expect(e.worst[0]?.passed).toBe(false);
  });

  it("does not fire on a handful of failures in a quiet window when confidence is on", () => {
    const e = evaluateRule(failRate({ confidence: 0.95 }), outcomes(2, 3), NOW, "ok");
    expect(e).toMatchObject({ state: "ok", held: true, reason: "uncertain" });
    expect(e.bounds?.lower).toBeCloseTo(0.1176, 4);
    const many = evaluateRule(failRate({ confidence: 0.95 }), outcomes(20, 10), NOW, "ok");
    expect(many.state).toBe("firing");
    expect(many.bounds?.lower).toBeCloseTo(0.4878, 4);
  });

  it("with confidence, resolves only when the upper bound is at or under the threshold", () => {
    const r = failRate({ above: 0.2, confidence: 0.95 });
    // 12 of 40: [0.181, 0.454]: not sure enough to fire, not sure enough to resolve.
    expect(evaluateRule(r, outcomes(12, 28), NOW, "firing")).toMatchObject({
      state: "firing",
      held: true,
    });
    expect(evaluateRule(r, outcomes(12, 28), NOW, "ok")).toMatchObject({ state: "ok", held: true });
    // Still unsure about `above`, though surely past `warn_above`: no step down to warning.
    const warned = failRate({ above: 0.3, warn_above: 0.1, confidence: 0.95 });
    expect(evaluateRule(warned, outcomes(12, 28), NOW, "firing").state).toBe("firing");
    expect(evaluateRule(warned, outcomes(12, 28), NOW, "ok").state).toBe("warning");
    // 3 of 40: upper 0.1986.
    expect(evaluateRule(r, outcomes(3, 37), NOW, "firing")).toMatchObject({
      state: "ok",
      held: false,
    });
  });

  it("warns above warn_above", () => {
    const r = failRate({ above: 0.5, warn_above: 0.2 });
    expect(evaluateRule(r, outcomes(3, 7), NOW, "ok").state).toBe("warning");
  });

  it("counts passed=false, and low scores by fail_below or when passed is unknown", () => {
    const mixed = [
      sample(0.9, { passed: false }),
      sample(0.55, { passed: true }),
      sample(0.3, { passed: null }),
      sample(0.9, { passed: null }),
      sample(null, { passed: null }),
    ];
    const plain = evaluateRule(failRate(), mixed, NOW, "ok");
    expect(plain.samples).toBe(4);
    expect(plain.observed).toBeCloseTo(0.5, 9);
    const strict = evaluateRule(failRate({ fail_below: 0.6 }), mixed, NOW, "ok");
    expect(strict.observed).toBeCloseTo(0.75, 9);
  });
});

describe("evaluateRule: each", () => {
  const each = rule({ each: true, below: 0.5, warn_below: 0.7 });

  it("fires on a single event below, and resolves once it leaves the look-back", () => {
    const bad = sample(0.1, {}, 2 * MIN);
    const e = evaluateRule(each, [...samples(10, 0.9), bad], NOW, "ok");
    expect(e).toMatchObject({ state: "firing", metric: "score", observed: 0.1, samples: 11 });
    expect(e.worst[0]?.trace_id).toBe(bad.trace_id);
    const later = new Date(NOW.getTime() + 4 * MIN);
    expect(evaluateRule(each, [...samples(10, 0.9), bad], later, "firing").state).toBe("ok");
  });

  it("warns below warn_below and ignores non-ok events", () => {
    expect(evaluateRule(each, [sample(0.6)], NOW, "ok").state).toBe("warning");
    expect(
      evaluateRule(each, [sample(0.9), sample(0, { status: "skipped" })], NOW, "ok").state,
    ).toBe("ok");
  });
});

describe("evaluateRule: k_of_n", () => {
  const kOfN = rule({ k_of_n: { k: 3, n: 10 }, below: 0.5 });

  it("fires when k of the newest n events are below", () => {
    const events = [...samples(7, 0.9, MIN), ...[0.1, 0.2, 0.3].map((s) => sample(s, {}, 30_000))];
    expect(evaluateRule(kOfN, events, NOW, "ok")).toMatchObject({
      state: "firing",
      metric: "k_of_n",
      comparison: "at_least",
      observed: 3,
      threshold: 3,
      samples: 10,
    });
  });

  it("forgets low events older than the newest n, and is ok with fewer than k", () => {
    const old = [0.1, 0.2, 0.3].map((s) => sample(s, {}, 10 * MIN));
    expect(evaluateRule(kOfN, [...old, ...samples(10, 0.9, MIN)], NOW, "firing")).toMatchObject({
      state: "ok",
      observed: 0,
    });
    expect(evaluateRule(kOfN, [sample(0.1), sample(0.1)], NOW, "ok").state).toBe("ok");
  });
});

describe("evaluateRule: no data", () => {
  const withNoData = (state: "ok" | "keep" | "alert") =>
    rule({ window: "5m", below: 0.85, no_data: { state, after: "30m" } });
  const stale = samples(30, 0.1).map((s) => ({
    ...s,
    created_at: new Date(NOW.getTime() - 40 * MIN).toISOString(),
  }));

  it("keeps, clears or fires after no_data.after without events", () => {
    expect(evaluateRule(withNoData("keep"), stale, NOW, "firing")).toMatchObject({
      state: "firing",
      held: true,
      reason: "no_data",
    });
    expect(evaluateRule(withNoData("keep"), [], NOW, null).state).toBe("no_data");
    expect(evaluateRule(withNoData("ok"), [], NOW, "firing")).toMatchObject({
      state: "no_data",
      held: false,
    });
    expect(evaluateRule(withNoData("alert"), stale, NOW, "ok")).toMatchObject({
      state: "firing",
      held: false,
      reason: "no_data",
      observed: null,
    });
  });

  it("tells a quiet window (held) from no data at all", () => {
    const quiet = [sample(0.1, {}, 10 * MIN)];
    expect(evaluateRule(withNoData("alert"), quiet, NOW, "ok")).toMatchObject({
      state: "ok",
      held: true,
      reason: "insufficient_samples",
    });
  });
});

describe("evaluateRule: baseline", () => {
  const drop = rule({
    window: "1h",
    group_by: ["service.version"],
    min_samples: 10,
    baseline: { max_drop: 0.05, warn_drop: 0.02 },
  });
  const previous = (score: number) => ({
    release: "v41",
    samples: Array.from({ length: 20 }, () => sample(score, { service_version: "v41" })),
  });

  it("fires when the release's mean dropped more than max_drop below the previous release's", () => {
    const e = evaluateRule(drop, samples(20, 0.8), NOW, "ok", previous(0.9));
    expect(e).toMatchObject({ state: "firing", metric: "baseline_drop", threshold: 0.05 });
    expect(e.observed).toBeCloseTo(0.1, 9);
    expect(e.baseline).toMatchObject({ release: "v41", observed: 0.9, samples: 20, current: 0.8 });
    expect(evaluateRule(drop, samples(20, 0.87), NOW, "ok", previous(0.9)).state).toBe("warning");
    expect(evaluateRule(drop, samples(20, 0.89), NOW, "ok", previous(0.9)).state).toBe("ok");
  });

  it("holds without a baseline of min_samples events", () => {
    expect(evaluateRule(drop, samples(20, 0.1), NOW, "ok", null)).toMatchObject({
      state: "ok",
      held: true,
      reason: "no_baseline",
    });
  });
});

describe("rules and transitions together", () => {
  it("a burst fires once, good traffic resolves once", () => {
    let state: AlertState | null = null;
    const notes: (string | null)[] = [];
    const steps = [samples(20, 0.2), samples(25, 0.2), samples(30, 0.99)];
    for (const events of steps) {
      const t = transition(state, evaluateRule(gate, events, NOW, state), NOW, null, gate);
      state = t.state;
      notes.push(t.notify);
    }
    expect(notes).toEqual(["alert.firing", "alert.firing", "alert.resolved"]);
  });
});

describe("sampleQuery and previousRelease", () => {
  it("asks for the window stretched to no_data.after, and the newest n for k_of_n", () => {
    expect(sampleQuery(gate, NOW)).toEqual({
      since: new Date(NOW.getTime() - 5 * MIN),
      limit: null,
    });
    const k = rule({ k_of_n: { k: 2, n: 50 }, below: 0.5 });
    expect(sampleQuery(k, NOW)).toEqual({ since: new Date(NOW.getTime() - 60 * MIN), limit: 50 });
  });

  it("finds the release first seen last before this one", () => {
    const releases = [
      { version: "v40", first_seen: "2025-05-01T00:00:00Z" },
      { version: "v42", first_seen: "2025-05-20T00:00:00Z" },
      { version: "v41", first_seen: "2025-05-10T00:00:00Z" },
    ];
    expect(previousRelease("v42", releases)).toBe("v41");
    expect(previousRelease("v40", releases)).toBeNull();
    expect(previousRelease("v99", releases)).toBeNull();
  });
});
