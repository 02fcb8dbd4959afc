import { describe, expect, it } from "vitest";
import { type AlertRuleInput, AlertRuleSchema } from "../../src/alerts/rule-schema.ts";
import { ScoresQuerySchema, WorstQuerySchema } from "../../src/console/console-params.ts";
import { startOfUtcDay } from "../../src/console/pipeline-health.ts";
import { chartThresholds, describeCondition } from "../../src/console/rule-view.ts";
import { TraceUrlTemplateSchema, traceLink } from "../../src/console/trace-link.ts";
import { claimsOf, contextOf } from "../../src/console/worst-events.ts";

const rule = (fields: Partial<AlertRuleInput>) =>
  AlertRuleSchema.parse({ name: "r", evaluator: "groundedness", notify: ["oncall"], ...fields });

describe("trace links", () => {
  it("fills both placeholders, URL-encoded", () => {
    expect(traceLink("http://jaeger:16686/trace/{trace_id}?uiFind={span_id}", "ab", "cd")).toBe(
      "http://jaeger:16686/trace/ab?uiFind=cd",
    );
    expect(traceLink("https://x/{trace_id}/{trace_id}", "a/b", "c")).toBe("https://x/a%2Fb/a%2Fb");
    expect(traceLink(null, "ab", "cd")).toBeNull();
  });

  it("accepts only http(s) templates holding {trace_id}", () => {
    expect(TraceUrlTemplateSchema.safeParse("http://tempo/{trace_id}").success).toBe(true);
    expect(TraceUrlTemplateSchema.safeParse("javascript:alert('{trace_id}')").success).toBe(false);
    expect(TraceUrlTemplateSchema.safeParse("http://tempo/trace").success).toBe(false);
  });
});

describe("claims and context", () => {
  it("reads offline and judge claims in one shape", () => {
    const offline = claimsOf({
      claims: [
        {
          text: "A is 90.",
          supported: false,
          score: 0.01,
          evidence: "A is 30.",
          issues: ['the number "90"'],
        },
        { text: "B holds.", supported: true, score: 0.97, evidence: "B holds.", issues: [] },
      ],
    });
    expect(offline).toEqual([
      {
        text: "A is 90.",
        verdict: "unsupported",
        score: 0.01,
        note: 'the number "90"',
        evidence: "A is 30.",
      },
      { text: "B holds.", verdict: "supported", score: 0.97, note: null, evidence: "B holds." },
    ]);
    const judge = claimsOf({
      claims: [
        { text: "C.", verdict: "contradicted", supported: false, reason: "says D", passage: 1 },
      ],
    });
    expect(judge).toEqual([
      { text: "C.", verdict: "contradicted", score: null, note: "says D", evidence: null },
    ]);
    expect(claimsOf(null)).toEqual([]);
    expect(claimsOf({ claims: [null, 3, { text: "" }] })).toEqual([]);
  });

  it("caps the context it shows", () => {
    const docs = Array.from({ length: 20 }, (_, i) => ({
      id: `d${i}`,
      content: "x".repeat(5000),
      origin: "retrieval",
    }));
    const shown = contextOf(docs);
    expect(shown).toHaveLength(12);
    expect(shown[0]).toMatchObject({ id: "d0", origin: "retrieval", truncated: true });
    expect(shown[0]?.content).toHaveLength(4000);
    expect(contextOf("not a list")).toEqual([]);
  });
});

describe("rules on the console", () => {
  it("draws below, at_least and warn_below, never fail_rate shares", () => {
    const rules = [
      rule({ name: "gate", release: "v43", window: "5m", at_least: 0.85, warn_below: 0.9 }),
      rule({ name: "each", each: true, below: 0.2 }),
      rule({ name: "rate", window: "5m", aggregate: "fail_rate", above: 0.1 }),
      rule({ name: "other", evaluator: "hallucination", window: "5m", below: 0.5 }),
    ];
    expect(chartThresholds(rules, "groundedness")).toEqual([
      {
        rule: "gate",
        level: "fire",
        value: 0.85,
        scope: { "service.version": "v43" },
        enabled: true,
      },
      {
        rule: "gate",
        level: "warn",
        value: 0.9,
        scope: { "service.version": "v43" },
        enabled: true,
      },
      { rule: "each", level: "fire", value: 0.2, scope: {}, enabled: true },
    ]);
  });

  it("says each condition in words", () => {
    expect(describeCondition(rule({ window: "5m", below: 0.85, min_samples: 20 }))).toBe(
      "mean over 5m below 0.85 (min 20 samples)",
    );
    expect(describeCondition(rule({ each: true, below: 0.3 }))).toBe(
      "each event below 0.3 (look-back 5m)",
    );
    expect(describeCondition(rule({ k_of_n: { k: 3, n: 10 }, below: 0.5 }))).toBe(
      "3 of the last 10 events below 0.5",
    );
    expect(
      describeCondition(
        rule({ window: "1h", aggregate: "fail_rate", above: 0.1, confidence: 0.95 }),
      ),
    ).toBe("fail rate over 1h above 10% at 95% confidence (min 10 samples)");
    expect(
      describeCondition(
        rule({ window: "1h", aggregate: "percentile", percentile: 90, below: 0.6 }),
      ),
    ).toBe("p90 over 1h below 0.6 (min 10 samples)");
    expect(
      describeCondition(
        rule({ window: "1h", group_by: ["service.version"], baseline: { max_drop: 0.05 } }),
      ),
    ).toBe("mean over 1h drops more than 0.05 against the previous release (min 10 samples)");
  });
});

describe("query parameters", () => {
  it("defaults the range to six hours in one-minute buckets, split every way", () => {
    const q = ScoresQuerySchema.parse({ evaluator: "groundedness" });
    expect(q.bucket).toBe(60_000);
    expect(q.until.getTime() - q.since.getTime()).toBe(6 * 3_600_000);
    expect(q.split).toEqual(["release", "service", "model"]);
    expect(ScoresQuerySchema.parse({ evaluator: "g", split: "" }).split).toEqual([]);
    expect(ScoresQuerySchema.parse({ evaluator: "g", split: "model,model" }).split).toEqual([
      "model",
    ]);
  });

  it("refuses a range that ends before it starts", () => {
    const parsed = ScoresQuerySchema.safeParse({
      evaluator: "g",
      since: "2026-01-02T00:00:00Z",
      until: "2026-01-01T00:00:00Z",
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["since"]);
  });

  it("limits the worst events to 200", () => {
    expect(WorstQuerySchema.safeParse({ limit: "201" }).success).toBe(false);
    expect(WorstQuerySchema.parse({}).limit).toBe(20);
  });

  it("counts today from midnight UTC", () => {
    expect(startOfUtcDay(new Date("2026-11-26T23:59:59.999-05:00")).toISOString()).toBe(
      "2026-11-27T00:00:00.000Z",
    );
  });
});
