import type { Attributes } from "../otlp/otlp-span.ts";
import { GEN_AI, LANGFUSE, OPENINFERENCE, OPENLLMETRY, OTEL, VERCEL } from "./attribute-names.ts";
import { firstText, isRecord, structured, toText } from "./attribute-values.ts";

/** Named entry points, most route-like first. */
const ROUTE_KEYS = [
  GEN_AI.WORKFLOW_NAME,
  OPENLLMETRY.WORKFLOW_NAME,
  VERCEL.FUNCTION_ID,
  GEN_AI.AGENT_NAME,
  OPENINFERENCE.AGENT_NAME,
  LANGFUSE.TRACE_NAME,
] as const;

/** OpenInference apps often put the route in the free-form `metadata` JSON. */
function metadataRoute(attrs: Attributes): string | null {
  const metadata = structured(attrs[OPENINFERENCE.METADATA]);
  return isRecord(metadata) ? toText(metadata.route) : null;
}

/**
 * Which entry point of the application the span served: an HTTP route, else a route in
 * OpenInference `metadata`, else a workflow, function or agent name.
 */
export function readRoute(attrs: Attributes): string | null {
  return (
    firstText(attrs, [OTEL.HTTP_ROUTE]) ?? metadataRoute(attrs) ?? firstText(attrs, ROUTE_KEYS)
  );
}
