import type { Attributes, AttrValue, OtlpSpan } from "../../src/otlp/otlp-span.ts";
import { OtlpSpanSchema } from "../../src/otlp/otlp-span.ts";

/**
 * Test-only stand-in for the OTLP decoder: turns an OTLP/JSON `ExportTraceServiceRequest` body
 * into `OtlpSpan[]` the way `src/otlp/decode-traces.ts` is specified to, so normaliser tests can
 * be written against realistic wire payloads.
 */

export interface AnyValueJson {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: AnyValueJson[] };
  kvlistValue?: { values?: KeyValueJson[] };
}

export interface KeyValueJson {
  key: string;
  value?: AnyValueJson;
}

export interface SpanJson {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: KeyValueJson[];
  events?: { timeUnixNano: string; name: string; attributes?: KeyValueJson[] }[];
  status?: { code?: number; message?: string };
}

export interface ExportTraceServiceRequestJson {
  resourceSpans: {
    resource?: { attributes?: KeyValueJson[] };
    scopeSpans: { scope?: { name: string; version?: string }; spans: SpanJson[] }[];
  }[];
}

/** AnyValue → plain JSON; int64 beyond 2^53 stays a decimal string, as the decoder keeps it. */
export function anyValueToJson(value: AnyValueJson | undefined): AttrValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : String(value.intValue);
  }
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(anyValueToJson);
  if (value.kvlistValue) return keyValuesToJson(value.kvlistValue.values);
  return null;
}

export function keyValuesToJson(list: KeyValueJson[] | undefined): Attributes {
  const out: Attributes = {};
  for (const { key, value } of list ?? []) out[key] = anyValueToJson(value);
  return out;
}

/** Every span of the request, validated against `OtlpSpanSchema` so fixtures cannot drift. */
export function toOtlpSpans(request: ExportTraceServiceRequestJson): OtlpSpan[] {
  return request.resourceSpans.flatMap((rs) => {
    const resource = keyValuesToJson(rs.resource?.attributes);
    return rs.scopeSpans.flatMap((ss) =>
      ss.spans.map((span) =>
        OtlpSpanSchema.parse({
          traceId: span.traceId.toLowerCase(),
          spanId: span.spanId.toLowerCase(),
          parentSpanId: span.parentSpanId ? span.parentSpanId.toLowerCase() : null,
          name: span.name,
          kind: span.kind ?? 0,
          startTimeUnixNano: span.startTimeUnixNano,
          endTimeUnixNano: span.endTimeUnixNano,
          attributes: keyValuesToJson(span.attributes),
          events: (span.events ?? []).map((event) => ({
            name: event.name,
            timeUnixNano: event.timeUnixNano,
            attributes: keyValuesToJson(event.attributes),
          })),
          status: {
            code: span.status?.code ?? 0,
            ...(span.status?.message !== undefined && { message: span.status.message }),
          },
          resource,
          scope: {
            name: ss.scope?.name ?? "",
            ...(ss.scope?.version !== undefined && { version: ss.scope.version }),
          },
        }),
      ),
    );
  });
}

/** The one span of a single-span request. */
export function onlySpan(request: ExportTraceServiceRequestJson): OtlpSpan {
  const spans = toOtlpSpans(request);
  const [span] = spans;
  if (!span || spans.length !== 1) throw new Error(`expected one span, got ${spans.length}`);
  return span;
}

/** The span called `name` in a request. */
export function spanNamed(request: ExportTraceServiceRequestJson, name: string): OtlpSpan {
  const span = toOtlpSpans(request).find((s) => s.name === name);
  if (!span) throw new Error(`no span named ${name}`);
  return span;
}
