import type { AlertNotification } from "../../src/webhooks/payload.ts";

/** The notification the example rule would send when it fires. */
export function notification(over: Partial<AlertNotification> = {}): AlertNotification {
  return {
    type: "alert.firing",
    rule: "groundedness-release-gate",
    evaluator: "groundedness",
    scope: { "service.name": "checkout-support", "service.version": "v42" },
    observed: 0.61234,
    threshold: 0.85,
    samples: 24,
    window_start: "2025-01-01T10:00:00.000Z",
    window_end: "2025-01-01T10:05:00.000Z",
    release: "v42",
    examples: [
      {
        trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
        span_id: "00f067aa0ba902b7",
        score: 0.1,
        explanation: "the refund window <30 days> is not in the context & was invented",
      },
    ],
    episode_id: "42",
    occurred_at: "2025-01-01T10:05:01.000Z",
    ...over,
  };
}
