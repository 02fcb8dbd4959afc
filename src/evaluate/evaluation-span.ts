import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { errorMessage } from "../errors.ts";
import type { Judge } from "../judge/judge.ts";
import { tracedJudge } from "../judge/traced-judge.ts";
import type { EvaluationWork, EvaluatorRef } from "../queues/payloads.ts";
import { SELF_SPAN_ATTRIBUTES as A } from "../tracing/self-tracing.ts";

/**
 * Runs one evaluator's turn on a job's span inside an `evaluate <name>` span, when there is a
 * tracer: the root of a trace of its own, linked to the judged span (an evaluation is work done
 * later about that span, not part of its request), with the judge's calls as children. `run`
 * gets the judge to use, traced under the span; it resolves the status stored.
 */
export async function withEvaluationSpan<S extends string>(
  tracer: Tracer | undefined,
  ref: EvaluatorRef,
  job: EvaluationWork,
  attempt: number,
  judge: Judge | null,
  run: (judge: Judge | null) => Promise<S>,
): Promise<S> {
  if (!tracer) return run(judge);
  const { traceId, spanId } = job.input;
  const span = tracer.startSpan(
    `evaluate ${ref.name}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        [A.evaluatorName]: ref.name,
        [A.evaluatorVersion]: ref.version,
        [A.attempt]: attempt,
        [A.judgedTraceId]: traceId,
        [A.judgedSpanId]: spanId,
      },
      links: [{ context: { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true } }],
    },
    ROOT_CONTEXT,
  );
  try {
    const status = await run(
      judge && tracedJudge(judge, tracer, trace.setSpan(ROOT_CONTEXT, span)),
    );
    span.setAttribute(A.status, status);
    return status;
  } catch (err) {
    // Thrown: the evaluator is retried (or waits for the store); nothing was stored this time.
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
    throw err;
  } finally {
    span.end();
  }
}
