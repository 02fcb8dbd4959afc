import { z } from "zod";
import { errorMessage, TracejudgeError } from "../errors.ts";
import type { FetchLike } from "../security/guarded-fetch.ts";
import { UrlRefusedError } from "../security/url-guard.ts";
import type { EvaluationInput, EvaluationResultInput } from "./contract.ts";
import { defineEvaluator, type Evaluator } from "./define-evaluator.ts";
import { SpanFilterSchema } from "./span-filter.ts";

/** A remote evaluator as configured: a team's service (in any language) that scores spans. */
export const RemoteEvaluatorConfigSchema = z
  .object({
    name: z.string().min(1),
    version: z.string().min(1).default("1"),
    description: z.string().optional(),
    /** Receives `POST` with the evaluation input as JSON; answers with the verdict. */
    url: z.url(),
    headers: z.record(z.string(), z.string()).default({}),
    /** Default 10 s; the engine's evaluation timeout still applies on top. */
    timeout_ms: z.number().int().positive().default(10_000),
    applies_to: SpanFilterSchema.optional(),
  })
  .strict();
export type RemoteEvaluatorConfig = z.infer<typeof RemoteEvaluatorConfigSchema>;

/** What the remote service answers: the score is required (null for undecided). */
const RemoteVerdictSchema = z.object({
  score: z.number().min(0).max(1).nullable(),
  label: z.string().nullable().optional(),
  passed: z.boolean().nullable().optional(),
  explanation: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  status: z.enum(["ok", "skipped"]).optional(),
  reason: z.string().optional(),
});

/** The body sent: snake_case, as a Python service would expect it. */
export function remoteRequestBody(input: EvaluationInput) {
  const span = input.span;
  return {
    trace_id: input.traceId,
    span_id: input.spanId,
    question: input.question,
    answer: input.answer,
    context: input.context.map((d) => ({
      id: d.id ?? null,
      content: d.content,
      origin: d.origin ?? null,
    })),
    span: {
      name: span.name,
      kind: span.kind,
      model: span.model,
      provider: span.provider,
      service_name: span.serviceName,
      service_version: span.serviceVersion,
      system_instructions: span.systemInstructions,
      input_messages: span.inputMessages,
      output_messages: span.outputMessages,
      attributes: span.attributes,
    },
  };
}

/** HTTP statuses worth another attempt: the service may come back. */
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** The URL as messages show it: without a query string, which may carry a token. */
function shownUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/**
 * An evaluator that POSTs the evaluation input to a URL and reads back a verdict, so a team's
 * evaluator written in Python (or anything) serves like a built-in. Network errors, timeouts,
 * 429 and 5xx are retryable; other 4xx, an answer that does not fit the schema and an address
 * the URL may not reach are final. `options.fetch` sends the request (default the global fetch;
 * evaluators created through the API get one that refuses private addresses). Header values are
 * never put in messages.
 */
export function createRemoteEvaluator(
  config: RemoteEvaluatorConfig,
  options: { fetch?: FetchLike } = {},
): Evaluator {
  const url = shownUrl(config.url);
  return defineEvaluator({
    name: config.name,
    version: config.version,
    description: config.description ?? `remote evaluator at ${url}`,
    ...(config.applies_to ? { appliesTo: config.applies_to } : {}),
    async evaluate(input, ctx): Promise<EvaluationResultInput> {
      const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(config.timeout_ms)]);
      let response: Response;
      try {
        response = await (options.fetch ?? fetch)(config.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...config.headers },
          body: JSON.stringify(remoteRequestBody(input)),
          signal,
        });
      } catch (err) {
        if (err instanceof UrlRefusedError)
          throw new TracejudgeError("EVALUATOR_FAILED", `remote evaluator ${url}: ${err.message}`, {
            cause: err,
          });
        throw new TracejudgeError(
          "EVALUATOR_FAILED",
          `remote evaluator ${url} unreachable: ${errorMessage(err)}`,
          {
            retryable: true,
            cause: err,
          },
        );
      }
      const text = await response.text().catch(() => "");
      if (!response.ok) {
        throw new TracejudgeError(
          "EVALUATOR_FAILED",
          `remote evaluator ${url} answered ${response.status}: ${text.slice(0, 200)}`,
          { retryable: RETRYABLE_STATUS.has(response.status) },
        );
      }
      let parsed: z.ZodSafeParseResult<z.infer<typeof RemoteVerdictSchema>>;
      try {
        parsed = RemoteVerdictSchema.safeParse(JSON.parse(text));
      } catch {
        throw new TracejudgeError(
          "EVALUATOR_RESULT_INVALID",
          `remote evaluator ${url} answered non-JSON: ${text.slice(0, 200)}`,
        );
      }
      if (!parsed.success) {
        throw new TracejudgeError(
          "EVALUATOR_RESULT_INVALID",
          `remote evaluator ${url} answered an invalid verdict: ${z.prettifyError(parsed.error).replace(/\n/g, "; ")}`,
        );
      }
      const v = parsed.data;
      return {
        status: v.status ?? "ok",
        ...(v.reason ? { reason: v.reason } : {}),
        score: v.score,
        label: v.label ?? null,
        passed: v.passed ?? null,
        explanation: v.explanation ?? "",
        ...(v.details ? { details: v.details } : {}),
      };
    },
  });
}
