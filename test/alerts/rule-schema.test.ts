import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { AlertRuleSchema, conditionOf, noDataAfterMs } from "../../src/alerts/rule-schema.ts";

const ISSUE_EXAMPLE = `
webhooks:
  - name: oncall
    url: http://127.0.0.1:9000/hooks/tracejudge
    secret: change-me
alert_rules:
  - name: groundedness-release-gate
    evaluator: groundedness
    where: { service.name: checkout-support, service.version: v42 }
    window: 5m
    aggregate: mean
    min_samples: 20
    below: 0.85
    notify: [oncall]
`;

const base = { name: "r", evaluator: "groundedness", notify: ["oncall"] };

/** "field: message" of each problem, as the config loader prints them. */
function problems(input: Record<string, unknown>): string[] {
  const result = AlertRuleSchema.safeParse({ ...base, ...input });
  if (result.success) return [];
  return result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("AlertRuleSchema", () => {
  it("parses the issue's example, with defaults filled in", () => {
    const config = parseYaml(ISSUE_EXAMPLE) as { alert_rules: unknown[] };
    const rule = AlertRuleSchema.parse(config.alert_rules[0]);
    expect(rule).toMatchObject({
      name: "groundedness-release-gate",
      evaluator: "groundedness",
      where: { "service.name": "checkout-support", "service.version": "v42" },
      window: "5m",
      aggregate: "mean",
      min_samples: 20,
      below: 0.85,
      notify: ["oncall"],
      cooldown: "1h",
      no_data: { state: "keep" },
      group_by: [],
      examples: 5,
      enabled: true,
    });
    expect(conditionOf(rule)).toEqual({
      kind: "window",
      window_ms: 300_000,
      aggregate: "mean",
      percentile: null,
      min_samples: 20,
    });
    expect(noDataAfterMs(rule)).toBe(300_000);
  });

  it("parses a parsed rule to itself, so stored rules read back unchanged", () => {
    const once = AlertRuleSchema.parse({ ...base, release: "v42", at_least: 0.8, window: "1h" });
    const twice = AlertRuleSchema.parse(JSON.parse(JSON.stringify(once)));
    expect(twice).toEqual(JSON.parse(JSON.stringify(once)));
  });

  it("reads a release gate as where + below, and YAML numbers as text", () => {
    const gate = AlertRuleSchema.parse({ ...base, release: 42, at_least: 0.85, window: "1h" });
    expect(gate.where).toEqual({ "service.version": "42" });
    expect(gate.below).toBe(0.85);
    expect(gate.release).toBe("42");
    expect(gate).not.toHaveProperty("at_least");
    expect(gate.min_samples).toBe(10);
  });

  it("tells the condition by shape", () => {
    const each = AlertRuleSchema.parse({ ...base, each: true, below: 0.5 });
    expect(conditionOf(each)).toEqual({ kind: "each", lookback_ms: 300_000 });
    expect(each.min_samples).toBeUndefined();
    const kOfN = AlertRuleSchema.parse({ ...base, k_of_n: { k: 3, n: 10 }, below: 0.5 });
    expect(conditionOf(kOfN)).toEqual({ kind: "k_of_n", k: 3, n: 10 });
    expect(noDataAfterMs(kOfN)).toBe(3_600_000);
    const p95 = AlertRuleSchema.parse({ ...base, window: "10m", aggregate: "p95", below: 0.5 });
    expect(conditionOf(p95)).toMatchObject({ aggregate: "percentile", percentile: 95 });
    const p80 = AlertRuleSchema.parse({
      ...base,
      window: "10m",
      aggregate: "percentile",
      percentile: 80,
      below: 0.5,
    });
    expect(conditionOf(p80)).toMatchObject({ aggregate: "percentile", percentile: 80 });
    const failRate = AlertRuleSchema.parse({
      ...base,
      window: "1h",
      aggregate: "fail_rate",
      above: 0.1,
      confidence: 0.95,
      no_data: "alert",
    });
    expect(failRate.no_data.state).toBe("alert");
    expect(conditionOf(failRate)).toMatchObject({ aggregate: "fail_rate" });
  });

  it("names the field of each mistake", () => {
    expect(problems({ each: true, below: 0.5, min_samples: 5 })).toEqual([
      "min_samples: only applies to a window condition (window + aggregate)",
    ]);
    expect(problems({ k_of_n: { k: 3, n: 10 }, below: 0.5, min_samples: 5 })).toEqual([
      "min_samples: only applies to a window condition (window + aggregate)",
    ]);
    expect(problems({ window: "5m", below: 0.8, warn_below: 0.8 })).toEqual([
      "warn_below: must be above `below`: the warning comes before the alert",
    ]);
    expect(problems({ window: "5m", aggregate: "fail_rate", below: 0.8 })).toEqual([
      "above: required with aggregate: fail_rate: the failing share above which it fires",
      "below: aggregate: fail_rate takes `above` (a failing share), not a score threshold",
    ]);
    expect(problems({ window: "5m", aggregate: "fail_rate", above: 0.1, warn_above: 0.2 })).toEqual(
      ["warn_above: must be below `above`: the warning comes at a smaller failing share"],
    );
    expect(problems({ window: "5m", below: 0.8, confidence: 0.95 })).toEqual([
      "confidence: only with aggregate: fail_rate",
    ]);
    expect(problems({ below: 0.8 })).toEqual([
      "window: a condition is needed: each: true, a window with an aggregate, or k_of_n",
    ]);
    expect(problems({ each: true, k_of_n: { k: 1, n: 2 }, below: 0.8 })).toEqual([
      "k_of_n: choose one condition: each, window or k_of_n",
    ]);
    expect(problems({ window: "5 minutes", below: 0.8 })).toEqual([
      "window: must be a duration such as 30s, 5m, 1h or 1d",
    ]);
    expect(problems({ window: "0s", below: 0.8 })).toEqual(["window: must be longer than zero"]);
    expect(problems({ k_of_n: { k: 4, n: 3 }, below: 0.8 })).toEqual([
      "k_of_n.k: k must not exceed n",
    ]);
    expect(problems({ window: "5m" })).toEqual([
      "below: required: the score below which the rule fires (or at_least)",
    ]);
    expect(problems({ window: "5m", below: 0.8, at_least: 0.8 })).toEqual([
      "at_least: at_least is another name for below; keep one",
    ]);
    expect(problems({ window: "5m", aggregate: "percentile", below: 0.8 })).toEqual([
      "percentile: required with aggregate: percentile (such as percentile: 90)",
    ]);
    expect(
      problems({ window: "5m", below: 0.8, release: "v42", where: { "service.version": "v41" } }),
    ).toEqual(["release: conflicts with where.service.version (v41)"]);
    expect(problems({ window: "5m", baseline: { max_drop: 0.05 } })).toEqual([
      "baseline: needs one release per scope: set release, where.service.version or group_by: [service.version]",
    ]);
    expect(
      problems({ window: "5m", release: "v42", below: 0.8, baseline: { max_drop: 0.05 } }),
    ).toEqual([
      "below: a baseline rule fires on baseline.max_drop; put absolute thresholds in a rule of their own",
    ]);
    expect(problems({ window: "1h", below: 0.8, no_data: { after: "5m" } })).toEqual([
      "no_data.after: must be at least the window (1h)",
    ]);
    expect(problems({ window: "5m", below: 0.8, group_by: ["model", "model"] })).toEqual([
      "group_by.1: lists model twice",
    ]);
    expect(problems({ window: "5m", below: 1.5 })[0]).toMatch(/^below: /);
    expect(problems({ window: "5m", below: 0.8, notify: [] })[0]).toMatch(/^notify: /);
    expect(problems({ window: "5m", below: 0.8, name: "Release Gate" })[0]).toMatch(
      /^name: must be a slug/,
    );
    expect(problems({ window: "5m", below: 0.8, threshold: 0.8 })[0]).toMatch(/threshold/);
  });
});
