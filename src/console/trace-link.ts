import { z } from "zod";

/** The placeholders a trace URL template may hold. */
export const TRACE_URL_PLACEHOLDERS = ["{trace_id}", "{span_id}"] as const;

/**
 * `console.trace_url_template`: where the console links each eval event, in the user's own tracing
 * backend. An http(s) URL holding `{trace_id}` (and optionally `{span_id}`), e.g.
 * `http://jaeger:16686/trace/{trace_id}?uiFind={span_id}`,
 * `http://grafana:3000/explore?left={"queries":[{"query":"{trace_id}"}]}` (Tempo),
 * `http://phoenix:6006/projects/default/traces/{trace_id}`.
 */
export const TraceUrlTemplateSchema = z
  .string()
  .trim()
  .refine((t) => /^https?:\/\//i.test(t), "must start with http:// or https://")
  .refine((t) => t.includes("{trace_id}"), "must hold the {trace_id} placeholder");

/** The link to one span's trace, or null without a template. Ids are URL-encoded. */
export function traceLink(template: string | null, traceId: string, spanId: string): string | null {
  if (!template) return null;
  return template
    .replaceAll("{trace_id}", encodeURIComponent(traceId))
    .replaceAll("{span_id}", encodeURIComponent(spanId));
}
