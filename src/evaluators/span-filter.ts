import { z } from "zod";
import type { LlmSpan } from "../span/llm-span.ts";
import { SpanKindSchema } from "../span/llm-span.ts";
import { globMatch } from "../util/glob-match.ts";

/**
 * Which spans an evaluator applies to. Every listed field must match; within a field, any of the
 * listed values. Strings may hold `*` wildcards. `attributes` matches span attributes first, then
 * resource attributes.
 */
export const SpanFilterSchema = z
  .object({
    kind: z.array(SpanKindSchema).optional(),
    service: z.array(z.string()).optional(),
    release: z.array(z.string()).optional(),
    model: z.array(z.string()).optional(),
    span_name: z.array(z.string()).optional(),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();
export type SpanFilter = z.infer<typeof SpanFilterSchema>;

/** The filter an evaluator gets when it names none: LLM spans only. */
export const DEFAULT_SPAN_FILTER: SpanFilter = { kind: ["LLM"] };

function anyMatch(patterns: string[] | undefined, value: string | null): boolean {
  if (!patterns) return true;
  if (value === null) return false;
  return patterns.some((p) => globMatch(p, value));
}

export function matchesSpanFilter(filter: SpanFilter, span: LlmSpan): boolean {
  if (filter.kind && !filter.kind.includes(span.kind)) return false;
  if (!anyMatch(filter.service, span.serviceName)) return false;
  if (!anyMatch(filter.release, span.serviceVersion)) return false;
  if (!anyMatch(filter.model, span.model ?? span.requestModel)) return false;
  if (!anyMatch(filter.span_name, span.name)) return false;
  for (const [key, expected] of Object.entries(filter.attributes ?? {})) {
    const actual = span.attributes[key] ?? span.resource[key];
    if (actual === undefined || actual === null || typeof actual === "object") return false;
    if (typeof expected === "string" ? !globMatch(expected, String(actual)) : actual !== expected) {
      return false;
    }
  }
  return true;
}
