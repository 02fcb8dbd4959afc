import type { OtlpSpan } from "../otlp/otlp-span.ts";
import { LANGFUSE, OTEL } from "./attribute-names.ts";
import { toText } from "./attribute-values.ts";

/** OTLP `Status.code` ERROR. */
const STATUS_ERROR = 2;

/**
 * Whether the span failed: status ERROR, an `error.type` (OTel sets it on failure, sometimes
 * without touching the status), an `exception` event, or Langfuse level ERROR.
 */
export function readIsError(span: OtlpSpan): boolean {
  return (
    span.status.code === STATUS_ERROR ||
    toText(span.attributes[OTEL.ERROR_TYPE]) !== null ||
    span.events.some((event) => event.name === OTEL.EXCEPTION_EVENT) ||
    toText(span.attributes[LANGFUSE.OBSERVATION_LEVEL])?.toUpperCase() === "ERROR"
  );
}
