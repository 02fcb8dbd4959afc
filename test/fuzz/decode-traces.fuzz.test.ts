import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeTraceRequest } from "../../src/otlp/decode-traces.ts";
import { MAX_PROTOBUF_ANY_VALUE_NESTING } from "../../src/otlp/proto.ts";
import {
  assertPlainObjects,
  checkDecode,
  corruptedJsonRequestArb,
  hostileValueArb,
  invalidUtf8Arb,
  JSON_SEEDS,
  jsonRequestWithValue,
  MARKERS,
  mutatedArb,
  nestedAnyValueJson,
  otlpJsonRequestArb,
  PROTOBUF_SEEDS,
  replaceMarker,
  toJsonText,
  wireMessageArb,
} from "./fuzz-support.ts";

describe("decodeTraceRequest under fuzzing (protobuf)", () => {
  it("real requests decode cleanly (the seeds are valid)", () => {
    for (const seed of PROTOBUF_SEEDS) {
      const decoded = decodeTraceRequest(seed, "protobuf");
      expect(decoded.spans).toHaveLength(3);
      expect(decoded.rejected).toBe(0);
    }
  });

  it("holds its contract on real requests with bytes flipped, inserted, deleted, duplicated or cut", () => {
    fc.assert(
      fc.property(mutatedArb(PROTOBUF_SEEDS), (body) => checkDecode(body, "protobuf")),
      { numRuns: 1000 },
    );
  });

  it("holds its contract on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) =>
        checkDecode(Buffer.from(bytes), "protobuf"),
      ),
      { numRuns: 500 },
    );
  });

  it("holds its contract on random messages in valid wire format (wrong types, unknown fields)", () => {
    fc.assert(
      fc.property(wireMessageArb, (body) => checkDecode(body, "protobuf")),
      { numRuns: 600 },
    );
  });

  it("holds its contract when strings are invalid UTF-8 (keys, values, names, resource)", () => {
    const seed = PROTOBUF_SEEDS[1] as Buffer;
    fc.assert(
      fc.property(
        invalidUtf8Arb(MARKERS.key.length),
        invalidUtf8Arb(MARKERS.value.length),
        invalidUtf8Arb(MARKERS.name.length),
        invalidUtf8Arb(MARKERS.service.length),
        (key, value, name, service) => {
          let body = replaceMarker(seed, MARKERS.key, key);
          body = replaceMarker(body, MARKERS.value, value);
          body = replaceMarker(body, MARKERS.name, name);
          body = replaceMarker(body, MARKERS.service, service);
          checkDecode(body, "protobuf");
          // Same lengths, so the framing holds and every span is still there.
          expect(decodeTraceRequest(body, "protobuf").spans).toHaveLength(3);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("cuts deep AnyValues off as JSON does, and refuses protobuf nested past its limit on every call", () => {
    // Length-delimited field; enough protobuf to nest without a serializer's own recursion.
    const field = (n: number, payload: Buffer) => {
      const len: number[] = [];
      let rest = payload.length;
      do {
        len.push((rest & 0x7f) | (rest > 0x7f ? 0x80 : 0));
        rest >>>= 7;
      } while (rest > 0);
      return Buffer.concat([Buffer.from([(n << 3) | 2]), Buffer.from(len), payload]);
    };
    const nested = (depth: number, kind: "kvlist" | "array") => {
      let value = field(1, Buffer.from("x")); // AnyValue.string_value
      for (let i = 0; i < depth; i++) {
        value =
          kind === "kvlist"
            ? field(6, field(1, Buffer.concat([field(1, Buffer.from("k")), field(2, value)])))
            : field(5, field(1, value));
      }
      const attribute = Buffer.concat([field(1, Buffer.from("deep")), field(2, value)]);
      const span = Buffer.concat([
        field(1, Buffer.alloc(16, 1)),
        field(2, Buffer.alloc(8, 2)),
        field(9, attribute),
      ]);
      return field(1, field(2, field(2, span)));
    };
    const expected = (depth: number, kind: "kvlist" | "array") => {
      // Levels past MAX_ANY_VALUE_DEPTH (16) read as null, as in anyValueToJson.
      let value: unknown = depth > 16 ? null : "x";
      for (let level = Math.min(depth, 17) - 1; level >= 0; level--)
        value = kind === "kvlist" ? { k: value } : [value];
      return value;
    };
    for (const kind of ["kvlist", "array"] as const) {
      // `nested(depth)` holds depth + 1 AnyValues, the innermost one a string.
      for (const depth of [3, 16, 17, 40, MAX_PROTOBUF_ANY_VALUE_NESTING - 1]) {
        const body = nested(depth, kind);
        checkDecode(body, "protobuf");
        const [span] = decodeTraceRequest(body, "protobuf").spans;
        expect(span?.attributes.deep).toEqual(expected(depth, kind));
      }
      // Deeper, the body is refused by its depth, not by whether the stack happens to hold out:
      // the same on every call, so the check at the door and a worker's decode agree.
      for (const depth of [MAX_PROTOBUF_ANY_VALUE_NESTING, 1_000, 2_500, 4_000, 20_000]) {
        const body = nested(depth, kind);
        for (let call = 0; call < 3; call++) {
          checkDecode(body, "protobuf");
          expect(() => decodeTraceRequest(body, "protobuf")).toThrow(
            `an attribute value nests more than ${MAX_PROTOBUF_ANY_VALUE_NESTING} levels deep`,
          );
        }
      }
    }
  });

  it("turns NaN and infinite doubles into null (they are no JSON numbers)", () => {
    const decoded = decodeTraceRequest(PROTOBUF_SEEDS[1] as Buffer, "protobuf");
    const llm = decoded.spans.find((s) => s.name === "ChatCompletion");
    expect(llm?.attributes["gen_ai.request.temperature"]).toBeNull();
    expect(llm?.attributes["gen_ai.request.top_p"]).toBeNull();
  });
});

describe("decodeTraceRequest under fuzzing (JSON)", () => {
  it("holds its contract on arbitrary JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => checkDecode(Buffer.from(toJsonText(value)), "json")),
      { numRuns: 500 },
    );
  });

  it("holds its contract on random text and bytes", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 200 }).map((s) => Buffer.from(s)),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
        ),
        (body) => checkDecode(body, "json"),
      ),
      { numRuns: 300 },
    );
  });

  it("decodes well-formed random requests without rejecting a span", () => {
    fc.assert(
      fc.property(otlpJsonRequestArb, (request) => {
        const body = Buffer.from(toJsonText(request));
        checkDecode(body, "json");
        const expected = request.resourceSpans
          .flatMap((r) => r.scopeSpans)
          .reduce((n, s) => n + s.spans.length, 0);
        expect(decodeTraceRequest(body, "json").spans).toHaveLength(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("holds its contract on valid requests with fields replaced by wrong types and odd values", () => {
    fc.assert(
      fc.property(corruptedJsonRequestArb, (text) => checkDecode(Buffer.from(text), "json")),
      { numRuns: 700 },
    );
  });

  it("holds its contract on real SDK requests with bytes mutated", () => {
    fc.assert(
      fc.property(mutatedArb(JSON_SEEDS), (body) => checkDecode(body, "json")),
      { numRuns: 500 },
    );
  });

  it("holds its contract when an attribute value is any hostile value", () => {
    fc.assert(
      fc.property(hostileValueArb, (value) =>
        checkDecode(Buffer.from(jsonRequestWithValue(toJsonText(value))), "json"),
      ),
      { numRuns: 300 },
    );
  });

  it("holds its contract with invalid UTF-8 inside strings", () => {
    const seed = JSON_SEEDS[1] as Buffer;
    fc.assert(
      fc.property(
        invalidUtf8Arb(MARKERS.key.length),
        invalidUtf8Arb(MARKERS.value.length),
        invalidUtf8Arb(MARKERS.name.length),
        (key, value, name) => {
          let body = replaceMarker(seed, MARKERS.key, key);
          body = replaceMarker(body, MARKERS.value, value);
          body = replaceMarker(body, MARKERS.name, name);
          checkDecode(body, "json");
          expect(decodeTraceRequest(body, "json").spans).toHaveLength(3);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keeps numbers finite and ints safe whatever the JSON text says", () => {
    for (const token of ["1e999", "-1e999", "1e400"]) {
      for (const field of ["intValue", "doubleValue"]) {
        const decoded = decodeTraceRequest(
          Buffer.from(jsonRequestWithValue(`{"${field}":${token}}`)),
          "json",
        );
        expect(decoded.spans[0]?.attributes.k, `${field}: ${token}`).toBeNull();
      }
    }
    const hugeKind = jsonRequestWithValue('{"stringValue":"x"}').replace(
      '"name":"s"',
      '"name":"s","kind":1e20,"status":{"code":1e300}',
    );
    const decoded = decodeTraceRequest(Buffer.from(hugeKind), "json");
    expect(decoded.spans).toHaveLength(0);
    expect(decoded.errors.join("\n")).toMatch(/must be an integer/);
  });

  it("does not let a __proto__ key change an attribute map's prototype", () => {
    const decoded = decodeTraceRequest(
      Buffer.from(
        jsonRequestWithValue(
          '{"kvlistValue":{"values":[{"key":"__proto__","value":{"kvlistValue":{"values":[{"key":"gen_ai.system","value":{"stringValue":"evil"}}]}}}]}}',
        ).replace(
          '"attributes":[',
          '"attributes":[{"key":"__proto__","value":{"kvlistValue":{"values":[{"key":"gen_ai.system","value":{"stringValue":"evil"}}]}}},',
        ),
      ),
      "json",
    );
    const span = decoded.spans[0];
    expect(span).toBeDefined();
    assertPlainObjects(span);
    expect(span?.attributes["gen_ai.system"]).toBeUndefined();
  });

  it("cuts deep AnyValues off and survives nesting far beyond any stack", () => {
    for (const depth of [17, 1_000, 10_000, 200_000]) {
      checkDecode(Buffer.from(jsonRequestWithValue(nestedAnyValueJson(depth))), "json");
    }
    // Deep plain JSON where the decoder expects objects and arrays.
    checkDecode(Buffer.from(`${"[".repeat(100_000)}${"]".repeat(100_000)}`), "json");
    checkDecode(
      Buffer.from(`{"resourceSpans":${"[".repeat(100_000)}${"]".repeat(100_000)}}`),
      "json",
    );
  });

  it("handles huge strings in keys, values, names and ids in bounded time", () => {
    const huge = "x".repeat(5_000_000);
    const request = (span: Record<string, unknown>) =>
      Buffer.from(
        JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: [{ key: huge, value: { stringValue: huge } }] },
              scopeSpans: [{ scope: { name: huge }, spans: [span] }],
            },
          ],
        }),
      );
    const span = { traceId: "11".repeat(16), spanId: "22".repeat(8) };
    checkDecode(request({ ...span, name: huge }), "json");
    checkDecode(
      request({ ...span, attributes: [{ key: huge, value: { stringValue: huge } }] }),
      "json",
    );
    checkDecode(request({ ...span, traceId: huge }), "json");
    checkDecode(request({ ...span, startTimeUnixNano: "9".repeat(1_000_000) }), "json");
  });
});
