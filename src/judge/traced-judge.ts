import { type Context, SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import { errorMessage } from "../errors.ts";
import type { JudgeUsage } from "../evaluators/contract.ts";
import { SELF_SPAN_ATTRIBUTES as A } from "../tracing/self-tracing.ts";
import { type Judge, JudgeMalformedError } from "./judge.ts";
import { outcomeOf } from "./judge-observer.ts";

/**
 * The judge as one evaluation sees it: each call a `judge <model>` client span under `parent`
 * (the evaluation's span), with its outcome, tokens and cost. Calls pass through unchanged.
 */
export function tracedJudge(judge: Judge, tracer: Tracer, parent: Context): Judge {
  return {
    get model() {
      return judge.model;
    },
    async complete(request) {
      const model = request.model ?? judge.model;
      const span = tracer.startSpan(
        `judge ${model}`,
        {
          kind: SpanKind.CLIENT,
          attributes: { [A.judgeModel]: model, [A.judgeSchema]: request.schemaName },
        },
        parent,
      );
      try {
        const response = await judge.complete(request);
        span.setAttribute(A.judgeOutcome, "ok");
        setUsage(span, response.usage);
        return response;
      } catch (err) {
        span.setAttribute(A.judgeOutcome, outcomeOf(err, request.signal));
        if (err instanceof JudgeMalformedError) setUsage(span, err.usage);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
        throw err;
      } finally {
        span.end();
      }
    },
  };
}

function setUsage(span: ReturnType<Tracer["startSpan"]>, usage: JudgeUsage): void {
  span.setAttribute(A.judgeInputTokens, usage.inputTokens);
  span.setAttribute(A.judgeOutputTokens, usage.outputTokens);
  if (usage.costUsd !== null) span.setAttribute(A.judgeCostUsd, usage.costUsd);
}
