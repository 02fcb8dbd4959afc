import type { NewEvalEvent } from "../../src/store/eval-event-store.ts";

/** A valid verdict of the built-in groundedness evaluator; tests override what they are about. */
export function makeEvalEvent(overrides: Partial<NewEvalEvent> = {}): NewEvalEvent {
  return {
    project: "default",
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    evaluator: "groundedness",
    evaluatorVersion: "1.0.0",
    status: "ok",
    reason: null,
    score: 0.5,
    label: "partially_grounded",
    passed: false,
    explanation: "one of two claims is supported",
    details: null,
    serviceName: "support-bot",
    serviceVersion: "v42",
    model: "gpt-4o",
    spanName: "chat gpt-4o",
    spanKind: "LLM",
    judgeModel: null,
    judgeInputTokens: null,
    judgeOutputTokens: null,
    judgeCostUsd: null,
    latencyMs: 1,
    attempts: 1,
    ...overrides,
  };
}
