import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { CircuitState } from "../judge/circuit-breaker.ts";
import type { JudgeObserver } from "../judge/judge-observer.ts";

const CIRCUIT_STATES: readonly CircuitState[] = ["closed", "open", "half-open"];

/**
 * The judge's metrics: calls by outcome, tokens, cost, latency and the circuit's state. They
 * count this process's judge: the workers call it, so these move on the workers' `/metrics`.
 * Returns the metrics and the observer the judge reports to.
 */
export function createJudgeMetrics(registry: Registry) {
  let readCircuit: (() => CircuitState) | undefined;
  const requests = new Counter({
    name: "tracejudge_judge_requests_total",
    help: "Judge calls by model and outcome (ok, malformed, unavailable, refused, circuit_open, budget, aborted, error); retries inside a call are not counted apart.",
    labelNames: ["model", "outcome"] as const,
    registers: [registry],
  });
  const tokens = new Counter({
    name: "tracejudge_judge_tokens_total",
    help: "Tokens the judge's answers used, by model and type (input, output), malformed answers included.",
    labelNames: ["model", "type"] as const,
    registers: [registry],
  });
  const cost = new Counter({
    name: "tracejudge_judge_cost_usd_total",
    help: "What the judge's answers cost in USD, by model, at judge.prices (unpriced models add nothing).",
    labelNames: ["model"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "tracejudge_judge_request_duration_seconds",
    help: "Time of a judge call that reached the endpoint, rate-limit waits and retries included, by model and outcome.",
    labelNames: ["model", "outcome"] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
    registers: [registry],
  });
  const circuitState = new Gauge({
    name: "tracejudge_judge_circuit_state",
    help: "The judge's circuit breaker: 1 for its current state (closed, open, half-open), 0 for the others. Absent without a judge.",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const current = readCircuit?.();
      if (!current) return;
      for (const state of CIRCUIT_STATES) this.set({ state }, state === current ? 1 : 0);
    },
  });
  const observer: JudgeObserver = {
    call({ model, outcome, usage, seconds }) {
      requests.inc({ model, outcome });
      if (seconds !== null) duration.observe({ model, outcome }, seconds);
      if (!usage) return;
      tokens.inc({ model, type: "input" }, usage.inputTokens);
      tokens.inc({ model, type: "output" }, usage.outputTokens);
      if (usage.costUsd) cost.inc({ model }, usage.costUsd);
    },
    circuit(read) {
      readCircuit = read;
    },
  };
  return { requests, tokens, cost, duration, circuitState, observer };
}
