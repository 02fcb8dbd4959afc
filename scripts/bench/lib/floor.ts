/**
 * The work of the pipeline alone, with no queue, no Redis, no HTTP and no waiting: CPU per LLM span
 * of reading the bench's own request bodies (decode, normalise, redact), assembling each trace, and
 * running both offline evaluators on its LLM span, in this process on one core. With the INSERT
 * ceiling's cost of storing the two verdicts, it bounds what any design running this work can
 * reach on this machine, however little else it spends.
 */
import { builtinEvaluators } from "../../../evaluators/index.ts";
import { offlineContext } from "../../../evaluators/testing/offline-context.ts";
import { assembleTrace } from "../../../src/assemble/assemble-trace.ts";
import type { EvaluationContext, Evaluator } from "../../../src/index.ts";
import { normalizeSpan } from "../../../src/normalize/normalize-span.ts";
import { decodeTraceRequest } from "../../../src/otlp/decode-traces.ts";
import { evaluationInput } from "../../../src/queues/payloads.ts";
import { RedactionConfigSchema } from "../../../src/redact/redaction-config.ts";
import { createRedactor } from "../../../src/redact/redactor.ts";
import type { LlmSpan } from "../../../src/span/llm-span.ts";
import { bodiesOf, makeTraces } from "./otlp-bodies.ts";

export interface Floor {
  /** CPU ms per LLM span (one per trace) of each stage, in the fastest of the passes. */
  readMs: number;
  assembleMs: number;
  evaluateMs: number;
  llmSpans: number;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/**
 * Times the stages over `traces` fresh traces (their own texts, so caches of recent texts help no
 * more than in the service), `passes` times after a warm-up pass; keeps each stage's fastest pass,
 * since other processes on a shared machine slow a pass down and never speed one up.
 */
export async function measureFloor(traces = 2000, passes = 3): Promise<Floor> {
  const bodies = bodiesOf(makeTraces(traces, 1_000_000), "protobuf").map((b) => b.body);
  const redactor = createRedactor(RedactionConfigSchema.parse({}));
  const evaluators: { evaluator: Evaluator; context: EvaluationContext<unknown> }[] =
    builtinEvaluators.map((evaluator) => ({ evaluator, context: offlineContext(evaluator) }));
  let best: Floor = {
    readMs: Number.POSITIVE_INFINITY,
    assembleMs: Number.POSITIVE_INFINITY,
    evaluateMs: Number.POSITIVE_INFINITY,
    llmSpans: 0,
  };
  for (let pass = 0; pass <= passes; pass++) {
    let t = process.cpuUsage();
    const byTrace = new Map<string, LlmSpan[]>();
    for (const body of bodies) {
      for (const otlp of decodeTraceRequest(body, "protobuf").spans) {
        const span = redactor.redactSpan(normalizeSpan(otlp));
        const list = byTrace.get(span.traceId) ?? [];
        list.push(span);
        byTrace.set(span.traceId, list);
      }
    }
    const readMs = cpuMs(t);
    t = process.cpuUsage();
    // The built-ins judge LLM spans only (their default route).
    const targets = [...byTrace]
      .flatMap(([traceId, spans]) => assembleTrace(traceId, spans).targets)
      .filter((target) => target.span.kind === "LLM");
    const assembleMs = cpuMs(t);
    t = process.cpuUsage();
    for (const target of targets) {
      const input = evaluationInput(target);
      for (const { evaluator, context } of evaluators) await evaluator.evaluate(input, context);
    }
    const evaluateMs = cpuMs(t);
    if (pass === 0) continue;
    const n = targets.length;
    best = {
      readMs: Math.min(best.readMs, readMs / n),
      assembleMs: Math.min(best.assembleMs, assembleMs / n),
      evaluateMs: Math.min(best.evaluateMs, evaluateMs / n),
      llmSpans: n,
    };
  }
  return best;
}
