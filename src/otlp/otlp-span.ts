import { z } from "zod";

/**
 * An OTLP AnyValue turned into plain JSON: strings, numbers (int64 values become numbers when they
 * fit, decimal strings otherwise), booleans, arrays and maps. Bytes become base64 strings.
 */
export type AttrValue =
  | string
  | number
  | boolean
  | null
  | AttrValue[]
  | { [key: string]: AttrValue };

export const AttrValueSchema: z.ZodType<AttrValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(AttrValueSchema),
    z.record(z.string(), AttrValueSchema),
  ]),
);

/** A trace id as every stage keeps it: 16 bytes in lowercase hex. */
export const TraceIdSchema = z.string().regex(/^[0-9a-f]{32}$/);
/** A span id as every stage keeps it: 8 bytes in lowercase hex. */
export const SpanIdSchema = z.string().regex(/^[0-9a-f]{16}$/);

export const AttributesSchema = z.record(z.string(), AttrValueSchema);
export type Attributes = z.infer<typeof AttributesSchema>;

export const OtlpSpanEventSchema = z.object({
  name: z.string(),
  timeUnixNano: z.string(),
  attributes: AttributesSchema,
});
export type OtlpSpanEvent = z.infer<typeof OtlpSpanEventSchema>;

/**
 * One span as decoded from an OTLP request, before any LLM convention is read: ids in lowercase
 * hex, timestamps as decimal strings of nanoseconds (they exceed 2^53), attributes as plain JSON,
 * with the resource and instrumentation scope it came with.
 */
export const OtlpSpanSchema = z.object({
  traceId: TraceIdSchema,
  spanId: SpanIdSchema,
  parentSpanId: SpanIdSchema.nullable(),
  name: z.string(),
  /** OTLP Span.kind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: z.number().int(),
  startTimeUnixNano: z.string(),
  endTimeUnixNano: z.string(),
  attributes: AttributesSchema,
  events: z.array(OtlpSpanEventSchema),
  /** OTLP Status.code: 0 unset, 1 ok, 2 error. */
  status: z.object({ code: z.number().int(), message: z.string().optional() }),
  resource: AttributesSchema,
  scope: z.object({ name: z.string(), version: z.string().optional() }),
});
export type OtlpSpan = z.infer<typeof OtlpSpanSchema>;
