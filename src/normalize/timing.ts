import type { OtlpSpan } from "../otlp/otlp-span.ts";
import { GEN_AI, LANGFUSE, VERCEL } from "./attribute-names.ts";
import { firstNumber, toNumber, unwrapText } from "./attribute-values.ts";

/** Keys in seconds (OTel and traceAI). */
const SECONDS_KEYS = [GEN_AI.TIME_TO_FIRST_CHUNK, GEN_AI.SERVER_TIME_TO_FIRST_TOKEN] as const;
/** Keys in milliseconds from span start (Vercel). */
const MS_KEYS = [VERCEL.RESPONSE_MS_TO_FIRST_CHUNK, VERCEL.STREAM_MS_TO_FIRST_CHUNK] as const;

/** Milliseconds since the span started, from an absolute time in nanoseconds or milliseconds. */
function sinceStart(span: OtlpSpan, atMs: number): number | null {
  try {
    // Nanosecond timestamps exceed 2^53; cut to microseconds before leaving BigInt.
    const startMs = Number(BigInt(span.startTimeUnixNano) / 1000n) / 1000;
    const delta = atMs - startMs;
    return Number.isFinite(delta) && delta >= 0 ? round(delta) : null;
  } catch {
    return null;
  }
}

function nanosToMs(nanos: string): number | null {
  try {
    return Number(BigInt(nanos) / 1000n) / 1000;
  } catch {
    return null;
  }
}

/**
 * Floating-point noise from unit conversion (0.42 s → 420.00000000000006 ms) is rounded off. A
 * value that overflows on the way (1e308 s) is no duration: null, as Infinity is no JSON number.
 */
function round(ms: number): number | null {
  const rounded = Math.round(ms * 1000) / 1000;
  return Number.isFinite(rounded) ? rounded : null;
}

/**
 * Time to first token in milliseconds (semconv pitfall 11: every convention uses another unit):
 * OTel seconds, Vercel milliseconds (attribute, or the `ai.stream.firstChunk` event), Langfuse
 * an absolute ISO `completion_start_time` (older SDKs JSON-encode it twice).
 */
export function readTimeToFirstTokenMs(span: OtlpSpan): number | null {
  const attrs = span.attributes;
  const seconds = firstNumber(attrs, SECONDS_KEYS);
  if (seconds !== null) return round(seconds * 1000);
  const ms = firstNumber(attrs, MS_KEYS);
  if (ms !== null) return round(ms);
  const firstChunk = span.events.find((event) => event.name === VERCEL.FIRST_CHUNK_EVENT);
  if (firstChunk) {
    const fromEvent = firstNumber(firstChunk.attributes, MS_KEYS);
    if (fromEvent !== null) return round(fromEvent);
    const at = nanosToMs(firstChunk.timeUnixNano);
    if (at !== null) return sinceStart(span, at);
  }
  const started = unwrapText(attrs[LANGFUSE.OBSERVATION_COMPLETION_START_TIME]);
  if (started !== null) {
    const at = toNumber(Date.parse(started));
    if (at !== null) return sinceStart(span, at);
  }
  return null;
}
