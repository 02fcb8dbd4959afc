import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import fc from "fast-check";
import { expect } from "vitest";
import { TracejudgeError } from "../../src/errors.ts";
import {
  checkTraceRequest,
  decodeTraceRequest,
  type OtlpEncoding,
} from "../../src/otlp/decode-traces.ts";
import { OtlpSpanSchema } from "../../src/otlp/otlp-span.ts";
import { ragTraceSpans } from "../support/otel-spans.ts";

/**
 * Shared material for the fuzz tests: real OTLP requests to mutate, byte-level mutations, a
 * protobuf wire-format writer for structure-aware random messages, and hostile JSON values.
 */

/** Marker strings placed in real requests, so that their bytes can be replaced by invalid UTF-8. */
export const MARKERS = {
  key: "MARKER_KEY_0123456789",
  value: "MARKER_VALUE_0123456789",
  name: "MARKER_NAME_0123456789",
  service: "MARKER_SERVICE_0123456",
} as const;

/** Real requests as the OpenTelemetry SDK serialises them: the RAG trace, then one with every attribute type. */
function realSpans() {
  return [
    ragTraceSpans(),
    ragTraceSpans({
      service: MARKERS.service,
      question: MARKERS.name,
      llmAttributes: {
        [MARKERS.key]: MARKERS.value,
        "gen_ai.usage.input_tokens": 2 ** 53 + 2,
        "gen_ai.request.temperature": Number.NaN,
        "gen_ai.request.top_p": Number.POSITIVE_INFINITY,
        "gen_ai.request.stop_sequences": ["\n", "END"],
        "gen_ai.request.seeds": [1, 2, 3],
        "gen_ai.request.stream": true,
        "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text" }] }]),
      },
    }),
  ];
}

export const PROTOBUF_SEEDS: Buffer[] = realSpans().map((spans) =>
  Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array),
);
export const JSON_SEEDS: Buffer[] = realSpans().map((spans) =>
  Buffer.from(JsonTraceSerializer.serializeRequest(spans) as Uint8Array),
);

// ---------------------------------------------------------------------------------------------
// The decoder's contract

/** A generous bound: inputs here are at most a few hundred kilobytes and decode in milliseconds. */
export const MAX_MS_PER_INPUT = 2_000;

/** Every object under `value` has a plain prototype: no `__proto__` key smuggled another one in. */
export function assertPlainObjects(value: unknown, path = "span"): void {
  if (typeof value !== "object" || value === null) return;
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    throw new Error(`${path} has a foreign prototype`);
  }
  for (const [k, v] of Object.entries(value)) assertPlainObjects(v, `${path}.${k}`);
}

/** Written independently of `storableText`, which it checks. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is what this looks for.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Throws when a string or key under `value` holds U+0000 or an unpaired surrogate (PostgreSQL refuses both). */
export function assertStorable(value: unknown, path = "span"): void {
  if (typeof value === "string") {
    if (UNSTORABLE.test(value))
      throw new Error(
        `${path} holds U+0000 or an unpaired surrogate: ${JSON.stringify(value).slice(0, 200)}`,
      );
    return;
  }
  if (typeof value !== "object" || value === null) return;
  for (const [k, v] of Object.entries(value)) {
    assertStorable(k, `${path} key`);
    assertStorable(v, `${path}.${k}`);
  }
}

/**
 * The decoder's contract on any body: it returns spans that pass `OtlpSpanSchema` (with a count
 * and reasons for the rejected ones), or throws `OTLP_DECODE_FAILED` with a message; nothing
 * else, and quickly.
 */
export function checkDecode(body: Buffer, encoding: OtlpEncoding): void {
  const started = performance.now();
  let decoded: ReturnType<typeof decodeTraceRequest> | undefined;
  let failure: unknown;
  try {
    decoded = decodeTraceRequest(body, encoding);
  } catch (err) {
    failure = err;
  }
  const elapsed = performance.now() - started;
  if (elapsed > MAX_MS_PER_INPUT) {
    throw new Error(`decoding ${body.length} bytes took ${Math.round(elapsed)} ms`);
  }
  // Ingest acknowledges what checkTraceRequest accepts and a worker decodes it later: the two
  // must agree, or an acknowledged request could fail where nobody hears of it.
  let checked: ReturnType<typeof checkTraceRequest> | undefined;
  try {
    checked = checkTraceRequest(body, encoding);
  } catch (err) {
    if (decoded !== undefined) throw new Error(`the check refused what decodes: ${err}`);
  }
  if (decoded === undefined) {
    if (!(failure instanceof TracejudgeError) || failure.code !== "OTLP_DECODE_FAILED") {
      throw failure;
    }
    expect(failure.message).not.toBe("");
    if (checked !== undefined)
      throw new Error(`the check accepted what fails to decode: ${failure.message}`);
    return;
  }
  expect(checked).toEqual({
    accepted: decoded.spans.length,
    rejected: decoded.rejected,
    errors: decoded.errors,
  });
  expect(Number.isInteger(decoded.rejected) && decoded.rejected >= 0).toBe(true);
  if (decoded.rejected > 0) expect(decoded.errors.length).toBeGreaterThan(0);
  for (const error of decoded.errors) expect(typeof error).toBe("string");
  for (const span of decoded.spans) {
    const parsed = OtlpSpanSchema.safeParse(span);
    if (!parsed.success) {
      throw new Error(
        `span fails OtlpSpanSchema: ${parsed.error.message}\n${JSON.stringify(span).slice(0, 2000)}`,
      );
    }
    assertPlainObjects(span);
    assertStorable(span);
  }
}

// ---------------------------------------------------------------------------------------------
// Byte-level mutations

export type Mutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "set"; at: number; byte: number }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "delete"; at: number; length: number }
  | { op: "truncate"; at: number }
  | { op: "duplicate"; at: number; length: number };

/** Bytes that sit on varint and length boundaries, where parsers tend to go wrong. */
const interestingByte = fc.oneof(
  fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d),
  fc.integer({ min: 0, max: 255 }),
);

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant("flip" as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({ op: fc.constant("set" as const), at: fc.nat(), byte: interestingByte }),
  fc.record({
    op: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc
      .array(interestingByte, { minLength: 1, maxLength: 16 })
      .map((b) => Uint8Array.from(b)),
  }),
  fc.record({
    op: fc.constant("delete" as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 32 }),
  }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    op: fc.constant("duplicate" as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 64 }),
  }),
);

export function mutate(seed: Uint8Array, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(seed);
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % bytes.length;
    switch (m.op) {
      case "flip":
        if (bytes.length > 0) bytes[at] = (bytes[at] as number) ^ (1 << m.bit);
        break;
      case "set":
        if (bytes.length > 0) bytes[at] = m.byte;
        break;
      case "insert":
        bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
        break;
      case "delete":
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
        break;
      case "truncate":
        bytes = bytes.subarray(0, at);
        break;
      case "duplicate":
        bytes = Buffer.concat([
          bytes.subarray(0, at + m.length),
          bytes.subarray(at, at + m.length),
          bytes.subarray(at + m.length),
        ]);
        break;
    }
  }
  return bytes;
}

/** A real request with one mutation or several. */
export function mutatedArb(seeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutationArb, { minLength: 1, maxLength: 8 }))
    .map(([seed, mutations]) => mutate(seed, mutations));
}

/** Replaces every occurrence of `marker` in `body` with `replacement` (same length keeps framing valid). */
export function replaceMarker(body: Buffer, marker: string, replacement: Uint8Array): Buffer {
  const needle = Buffer.from(marker);
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = body.indexOf(needle, from); at !== -1; at = body.indexOf(needle, from)) {
    parts.push(body.subarray(from, at), Buffer.from(replacement));
    from = at + needle.length;
  }
  parts.push(body.subarray(from));
  return Buffer.concat(parts);
}

/** Bytes that are not valid UTF-8 on their own: continuation bytes, overlongs, surrogates, 0xff. */
export function invalidUtf8Arb(length: number): fc.Arbitrary<Uint8Array> {
  return fc
    .array(
      fc.oneof(
        fc.integer({ min: 0x80, max: 0xff }),
        fc.constantFrom(0xc0, 0xc1, 0xed, 0xf5, 0xff, 0xfe),
      ),
      { minLength: length, maxLength: length },
    )
    .map((b) => Uint8Array.from(b));
}

// ---------------------------------------------------------------------------------------------
// Protobuf wire format

function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  while (v > 127n) {
    out.push(Number(v & 127n) | 128);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** A length-delimited field. */
export function ld(field: number, body: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from([...varint(BigInt((field << 3) | 2)), ...varint(BigInt(body.length))]),
    body,
  ]);
}

export function varintField(field: number, value: bigint): Buffer {
  return Buffer.from([...varint(BigInt(field << 3)), ...varint(value)]);
}

export function fixed64Field(field: number, value: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(value);
  return Buffer.concat([Buffer.from(varint(BigInt((field << 3) | 1))), bytes]);
}

/** One field of a random message in wire format: any number, any wire type, nested messages. */
type WireField =
  | { kind: "varint"; field: number; value: bigint }
  | { kind: "fixed64"; field: number; value: Uint8Array }
  | { kind: "fixed32"; field: number; value: Uint8Array }
  | { kind: "bytes"; field: number; value: Uint8Array }
  | { kind: "message"; field: number; value: WireField[] };

export function encodeWire(fields: readonly WireField[]): Buffer {
  return Buffer.concat(
    fields.map((f) => {
      switch (f.kind) {
        case "varint":
          return varintField(f.field, f.value);
        case "fixed64":
          return Buffer.concat([Buffer.from(varint(BigInt((f.field << 3) | 1))), f.value]);
        case "fixed32":
          return Buffer.concat([Buffer.from(varint(BigInt((f.field << 3) | 5))), f.value]);
        case "bytes":
          return ld(f.field, f.value);
        case "message":
          return ld(f.field, encodeWire(f.value));
        default:
          throw new Error("unknown wire field");
      }
    }),
  );
}

/**
 * Random messages in valid wire format. Field numbers are mostly the small ones OTLP uses, so the
 * decoder gets past the framing and meets wrong types, unknown fields and odd values inside.
 */
export const wireMessageArb: fc.Arbitrary<Buffer> = fc
  .letrec<{ message: WireField[]; field: WireField }>((tie) => ({
    message: fc.array(tie("field"), { maxLength: 6 }),
    field: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.record({
        kind: fc.constant("varint" as const),
        field: fc.integer({ min: 1, max: 16 }),
        value: fc.oneof(
          fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          fc.constantFrom(0n, 1n, 2n, 3n, 2n ** 31n, 2n ** 63n, 2n ** 64n - 1n),
        ),
      }),
      fc.record({
        kind: fc.constant("fixed64" as const),
        field: fc.integer({ min: 1, max: 16 }),
        value: fc.oneof(
          fc.uint8Array({ minLength: 8, maxLength: 8 }),
          // NaN, +Infinity, -Infinity and the largest double, little-endian.
          fc.constantFrom(
            Uint8Array.from([0, 0, 0, 0, 0, 0, 0xf8, 0x7f]),
            Uint8Array.from([0, 0, 0, 0, 0, 0, 0xf0, 0x7f]),
            Uint8Array.from([0, 0, 0, 0, 0, 0, 0xf0, 0xff]),
            Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xef, 0x7f]),
          ),
        ),
      }),
      fc.record({
        kind: fc.constant("fixed32" as const),
        field: fc.integer({ min: 1, max: 16 }),
        value: fc.uint8Array({ minLength: 4, maxLength: 4 }),
      }),
      fc.record({
        kind: fc.constant("bytes" as const),
        field: fc.integer({ min: 1, max: 16 }),
        value: fc.oneof(
          fc.uint8Array({ maxLength: 24 }),
          fc.constantFrom(8, 16).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
          fc.string({ maxLength: 12 }).map((s) => Buffer.from(s)),
          invalidUtf8Arb(5),
        ),
      }),
      fc.record({
        kind: fc.constant("message" as const),
        field: fc.integer({ min: 1, max: 16 }),
        value: tie("message") as fc.Arbitrary<WireField[]>,
      }),
    ),
  }))
  .message.map((fields) => encodeWire(fields));

/** An OTLP AnyValue nested `depth` levels deep in arrays, in protobuf. */
export function nestedAnyValueProtobuf(depth: number): Buffer {
  // Built inside out as headers only (concatenating at every level would be quadratic).
  const leaf = ld(1, Buffer.from("leaf")); // AnyValue.string_value
  const headers: number[][] = [];
  let length = leaf.length;
  for (let i = 0; i < depth; i++) {
    const values = [...varint(BigInt((1 << 3) | 2)), ...varint(BigInt(length))]; // ArrayValue.values
    length += values.length;
    const arrayValue = [...varint(BigInt((5 << 3) | 2)), ...varint(BigInt(length))]; // AnyValue.array_value
    length += arrayValue.length;
    headers.push([...arrayValue, ...values]);
  }
  return Buffer.concat([...headers.reverse().map((h) => Buffer.from(h)), leaf]);
}

/**
 * An ExportTraceServiceRequest of one span with the given encoded KeyValues, in protobuf;
 * `rawFields` are appended to the span's bytes as they are.
 */
export function protobufRequest(
  keyValues: readonly Uint8Array[],
  name = "span",
  rawFields: Uint8Array = Buffer.alloc(0),
): Buffer {
  const span = Buffer.concat([
    ld(1, Buffer.alloc(16, 0x11)), // trace_id
    ld(2, Buffer.alloc(8, 0x22)), // span_id
    ld(5, Buffer.from(name)),
    fixed64Field(7, 1_767_225_600_000_000_000n), // start_time_unix_nano
    ...keyValues.map((kv) => ld(9, kv)), // attributes
    rawFields,
  ]);
  return ld(1, ld(2, ld(2, span))); // resource_spans.scope_spans.spans
}

export function protobufKeyValue(key: string, anyValue: Uint8Array): Buffer {
  return Buffer.concat([ld(1, Buffer.from(key)), ld(2, anyValue)]);
}

// ---------------------------------------------------------------------------------------------
// JSON

/** Raw JSON tokens that JSON.stringify cannot write; placed as strings, then unquoted. */
export const RAW_TOKENS = [
  "1e999",
  "-1e999",
  "1e-999",
  "123456789012345678901234567890",
  "18446744073709551616",
  "-0",
  "9007199254740993",
] as const;
const RAW = (token: string) => `__RAW__${token}__`;

/** JSON text with the raw-token placeholders replaced by the tokens themselves. */
export function toJsonText(value: unknown): string {
  let text = JSON.stringify(value) ?? "null";
  for (const token of RAW_TOKENS) text = text.replaceAll(JSON.stringify(RAW(token)), token);
  return text;
}

/** Values that a field should not hold: wrong types, huge and special numbers, odd strings. */
export const hostileValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1.5,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    2 ** 64,
    1e21,
    "",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1",
    "0x10",
    "18446744073709551616",
    "99999999999999999999",
    "00000000000000000000000000000000",
    "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ",
    "__proto__",
    "constructor",
    "toString",
    "\u0000",
    "\ud800",
    [],
    {},
    { low: 1, high: -1 },
    { low: 4294967295, high: 4294967295 },
    { stringValue: 5 },
    { arrayValue: { values: 5 } },
    { kvlistValue: { values: [{ key: "__proto__", value: { stringValue: "x" } }] } },
  ),
  fc.constantFrom(...RAW_TOKENS).map(RAW),
  fc.integer({ min: 1, max: 200_000 }).map((n) => "x".repeat(n)),
);

/** A valid id: hex of the given length, not all zeros (which OTLP calls invalid). */
const hexArb = (bytes: number) =>
  fc
    .uint8Array({ minLength: bytes, maxLength: bytes })
    .filter((b) => b.some((x) => x !== 0))
    .map((b) => Buffer.from(b).toString("hex"));

/** An OTLP/JSON AnyValue, nested up to a few levels. */
export const anyValueJsonArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ stringValue: fc.string({ maxLength: 20 }) }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: fc.oneof(fc.integer(), fc.bigInt().map(String)) }),
    fc.record({
      doubleValue: fc.oneof(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom("NaN", "Infinity", "-Infinity"),
      ),
    }),
    fc.record({ bytesValue: fc.base64String({ maxLength: 12 }) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie("value"), { maxLength: 3 }) }) }),
    fc.record({
      kvlistValue: fc.record({
        values: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: tie("value") }), {
          maxLength: 3,
        }),
      }),
    }),
  ),
})).value;

const keyValuesArb = fc.array(
  fc.record({
    key: fc.oneof(
      fc.string({ maxLength: 16 }),
      fc.constantFrom("__proto__", "constructor", "gen_ai.system"),
    ),
    value: anyValueJsonArb,
  }),
  { maxLength: 4 },
);

const nanosArb = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  fc.nat(),
  fc.constant(undefined),
);

/** A well-formed OTLP/JSON ExportTraceServiceRequest. */
export const otlpJsonRequestArb = fc.record({
  resourceSpans: fc.array(
    fc.record({
      resource: fc.record({ attributes: keyValuesArb }),
      scopeSpans: fc.array(
        fc.record({
          scope: fc.record({
            name: fc.string({ maxLength: 8 }),
            version: fc.string({ maxLength: 4 }),
          }),
          spans: fc.array(
            fc.record(
              {
                traceId: hexArb(16),
                spanId: hexArb(8),
                parentSpanId: fc.oneof(hexArb(8), fc.constant("")),
                name: fc.string({ maxLength: 16 }),
                kind: fc.integer({ min: 0, max: 5 }),
                startTimeUnixNano: nanosArb,
                endTimeUnixNano: nanosArb,
                attributes: keyValuesArb,
                events: fc.array(
                  fc.record({
                    name: fc.string({ maxLength: 8 }),
                    timeUnixNano: nanosArb,
                    attributes: keyValuesArb,
                  }),
                  { maxLength: 2 },
                ),
                status: fc.record({
                  code: fc.integer({ min: 0, max: 2 }),
                  message: fc.string({ maxLength: 8 }),
                }),
              },
              { requiredKeys: ["traceId", "spanId"] },
            ),
            { maxLength: 3 },
          ),
        }),
        { maxLength: 2 },
      ),
    }),
    { maxLength: 2 },
  ),
});

type Path = (string | number)[];

/** Every path into a JSON value (objects and arrays, and their members). */
function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) paths(v, [...prefix, i], out);
  } else if (typeof value === "object" && value !== null)
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

/** A copy of `root` with the value at `path` replaced (the root itself when the path is empty). */
function replaceAt(root: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = replacement;
  return copy;
}

/** A valid request with a few of its fields (at any depth) replaced by hostile values. */
export const corruptedJsonRequestArb: fc.Arbitrary<string> = fc
  .tuple(
    otlpJsonRequestArb,
    fc.array(fc.tuple(fc.nat(), hostileValueArb), { minLength: 1, maxLength: 4 }),
  )
  .map(([request, replacements]) => {
    let value: unknown = request;
    for (const [pick, replacement] of replacements) {
      const all = paths(value);
      value = replaceAt(value, all[pick % all.length] as Path, replacement);
    }
    return toJsonText(value);
  });

/** An OTLP AnyValue nested `depth` levels deep, as JSON text (JSON.stringify would overflow). */
export function nestedAnyValueJson(depth: number): string {
  return `${'{"arrayValue":{"values":['.repeat(depth)}{"stringValue":"leaf"}${"]}}".repeat(depth)}`;
}

/** One-span OTLP/JSON request whose single attribute value is the given JSON text. */
export function jsonRequestWithValue(valueJson: string): string {
  return `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${"11".repeat(16)}","spanId":"${"22".repeat(8)}","name":"s","attributes":[{"key":"k","value":${valueJson}}]}]}]}]}`;
}
