import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { describe, expect, it } from "vitest";
import { checkTraceRequest, decodeTraceRequest } from "../../src/otlp/decode-traces.ts";
import { ragTraceSpans } from "../support/otel-spans.ts";

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function request(spans: unknown[], resource: unknown[] = []) {
  return {
    resourceSpans: [
      {
        resource: { attributes: resource },
        scopeSpans: [{ scope: { name: "s", version: "1" }, spans }],
      },
    ],
  };
}

const goodSpan = {
  traceId: "5B8EFFF798038103D269B633813FC60C",
  spanId: "EEE19B7EC3C1B174",
  parentSpanId: "",
  name: "chat gpt-4o",
  kind: 3,
  startTimeUnixNano: "1767225600000000000",
  endTimeUnixNano: "1767225601850000000",
  attributes: [
    { key: "gen_ai.usage.input_tokens", value: { intValue: "412" } },
    { key: "gen_ai.request.temperature", value: { doubleValue: 0.2 } },
    { key: "gen_ai.request.stream", value: { boolValue: true } },
    { key: "finish", value: { arrayValue: { values: [{ stringValue: "stop" }] } } },
    {
      key: "msg",
      value: { kvlistValue: { values: [{ key: "role", value: { stringValue: "user" } }] } },
    },
  ],
  status: { code: 2, message: "boom" },
};

describe("decodeTraceRequest (OTLP/JSON)", () => {
  it("reads hex ids in any case, int64 strings, and every AnyValue shape", () => {
    const decoded = decodeTraceRequest(
      json(request([goodSpan], [{ key: "service.name", value: { stringValue: "bot" } }])),
      "json",
    );
    expect(decoded.rejected).toBe(0);
    const span = decoded.spans[0];
    expect(span?.traceId).toBe("5b8efff798038103d269b633813fc60c");
    expect(span?.spanId).toBe("eee19b7ec3c1b174");
    expect(span?.parentSpanId).toBeNull();
    expect(span?.startTimeUnixNano).toBe("1767225600000000000");
    expect(span?.attributes).toEqual({
      "gen_ai.usage.input_tokens": 412,
      "gen_ai.request.temperature": 0.2,
      "gen_ai.request.stream": true,
      finish: ["stop"],
      msg: { role: "user" },
    });
    expect(span?.status).toEqual({ code: 2, message: "boom" });
    expect(span?.resource).toEqual({ "service.name": "bot" });
    expect(span?.scope).toEqual({ name: "s", version: "1" });
  });

  it("rejects single bad spans with a reason and keeps the rest (partial success)", () => {
    const decoded = decodeTraceRequest(
      json(
        request([
          goodSpan,
          { ...goodSpan, spanId: "xyz" },
          { ...goodSpan, traceId: "00000000000000000000000000000000" },
          { ...goodSpan, kind: "SPAN_KIND_CLIENT" },
        ]),
      ),
      "json",
    );
    expect(decoded.spans).toHaveLength(1);
    expect(decoded.rejected).toBe(3);
    expect(decoded.errors.join("\n")).toMatch(/spanId must be 8 bytes/);
    expect(decoded.errors.join("\n")).toMatch(/traceId must not be all zeros/);
    expect(decoded.errors.join("\n")).toMatch(/kind must be an integer/);
  });

  it("refuses an empty array as an id in JSON, at the door as in the worker (fuzz counterexample)", () => {
    // protobufjs reads an absent bytes field as [], so [] once passed the check as "no parent"
    // while the full decode refused it: ingest acknowledged a span the worker then dropped.
    for (const field of ["parentSpanId", "spanId"] as const) {
      const body = json(request([goodSpan, { ...goodSpan, [field]: [] }]));
      const decoded = decodeTraceRequest(body, "json");
      expect(decoded.rejected).toBe(1);
      expect(decoded.errors.join("\n")).toMatch(new RegExp(`${field} must be`));
      expect(checkTraceRequest(body, "json")).toEqual({
        accepted: decoded.spans.length,
        rejected: decoded.rejected,
        errors: decoded.errors,
      });
    }
  });

  it("refuses a body that is not JSON, or has the wrong structure, naming the problem", () => {
    expect(() => decodeTraceRequest(Buffer.from("{not json"), "json")).toThrow(/not valid JSON/);
    expect(() => decodeTraceRequest(json({ resourceSpans: 5 }), "json")).toThrow(
      /resourceSpans must be an array/,
    );
    expect(() => decodeTraceRequest(json([1, 2]), "json")).toThrow(/ExportTraceServiceRequest/);
  });

  it("accepts an empty request", () => {
    expect(decodeTraceRequest(json({}), "json")).toEqual({ spans: [], rejected: 0, errors: [] });
  });

  it("cuts off absurdly deep AnyValues instead of overflowing the stack", () => {
    // Built as text: JSON.stringify itself would overflow on an object this deep.
    const depth = 5000;
    const value = `${'{"arrayValue":{"values":['.repeat(depth)}{"stringValue":"leaf"}${"]}}".repeat(depth)}`;
    const body = JSON.stringify(
      request([{ ...goodSpan, attributes: [{ key: "deep", value: "DEEP" }] }]),
    ).replace('"DEEP"', value);
    const decoded = decodeTraceRequest(Buffer.from(body), "json");
    expect(decoded.spans).toHaveLength(1);
    expect(JSON.stringify(decoded.spans[0]?.attributes.deep)).not.toContain("leaf");
  });
});

describe("decodeTraceRequest (protobuf and JSON from the OpenTelemetry SDK's own serializers)", () => {
  const spans = ragTraceSpans();

  for (const [encoding, serializer] of [
    ["protobuf", ProtobufTraceSerializer],
    ["json", JsonTraceSerializer],
  ] as const) {
    it(`decodes a real ${encoding} ExportTraceServiceRequest with ids, parents and attributes`, () => {
      const body = Buffer.from(serializer.serializeRequest(spans) as Uint8Array);
      const decoded = decodeTraceRequest(body, encoding);
      expect(decoded.rejected).toBe(0);
      expect(decoded.spans).toHaveLength(3);
      for (const original of spans) {
        const ctx = original.spanContext();
        const span = decoded.spans.find((s) => s.spanId === ctx.spanId);
        expect(span, original.name).toBeDefined();
        expect(span?.traceId).toBe(ctx.traceId);
        expect(span?.parentSpanId).toBe(original.parentSpanContext?.spanId ?? null);
        expect(span?.name).toBe(original.name);
        expect(span?.resource["service.name"]).toBe("support-bot");
      }
      const llm = decoded.spans.find((s) => s.name === "ChatCompletion");
      expect(llm?.attributes["llm.token_count.prompt"]).toBe(120);
      expect(llm?.attributes["llm.output_messages.0.message.content"]).toMatch(/30 days/);
    });
  }

  it("refuses garbage bytes as protobuf", () => {
    expect(() =>
      decodeTraceRequest(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), "protobuf"),
    ).toThrow(/not a protobuf/);
  });
});
