import type { AlertRule, AlertRuleInput } from "../../src/alerts/rule-schema.ts";
import { AlertRuleSchema } from "../../src/alerts/rule-schema.ts";
import type { AlertSample } from "../../src/alerts/rule-scope.ts";

export const NOW = new Date("2025-06-01T12:00:00.000Z");

let counter = 0;

/** An ok groundedness verdict for checkout-support v42, `agoMs` before NOW. */
export function sample(
  score: number | null,
  overrides: Partial<AlertSample> = {},
  agoMs = 1000,
): AlertSample {
  counter += 1;
  return {
    trace_id: `trace-${counter}`,
    span_id: `span-${counter}`,
    evaluator: "groundedness",
    status: "ok",
    score,
    passed: score === null ? null : score >= 0.5,
    explanation: `score ${score}`,
    service_name: "checkout-support",
    service_version: "v42",
    model: "gpt-4o",
    span_name: "chat",
    created_at: new Date(NOW.getTime() - agoMs).toISOString(),
    ...overrides,
  };
}

/** `count` samples of one score, spread over the last `spreadMs`. */
export function samples(count: number, score: number, spreadMs = 60_000): AlertSample[] {
  return Array.from({ length: count }, (_, i) =>
    sample(score, {}, 1000 + Math.floor((i * spreadMs) / count)),
  );
}

/** A parsed rule: groundedness, notify oncall, plus the given fields. */
export function rule(input: Partial<AlertRuleInput>): AlertRule {
  return AlertRuleSchema.parse({
    name: "test-rule",
    evaluator: "groundedness",
    notify: ["oncall"],
    ...input,
  });
}
