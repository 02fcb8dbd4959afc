import { deflateSync, gzipSync } from "node:zlib";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RpcStatus } from "../../src/otlp/proto.ts";
import { ragTraceSpans } from "../support/otel-spans.ts";
import { metricLines, metricSum } from "../support/service-metrics.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";
import {
  corruptedJsonRequestArb,
  JSON_SEEDS,
  mutatedArb,
  PROTOBUF_SEEDS,
  protobufRequest,
  wireMessageArb,
} from "./fuzz-support.ts";

const MAX_BODY_BYTES = 64 * 1024 * 1024;

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({
    server: { host: "127.0.0.1", port: 0, max_body_bytes: MAX_BODY_BYTES },
  });
});

afterAll(async () => {
  await svc?.stop();
});

type ContentType = "application/json" | "application/x-protobuf";
type ContentEncoding = "identity" | "gzip" | "deflate";

async function post(
  body: Uint8Array,
  contentType: ContentType,
  encoding: ContentEncoding = "identity",
  timeoutMs = 10_000,
): Promise<{ status: number; body: Buffer; ms: number }> {
  const payload =
    encoding === "gzip" ? gzipSync(body) : encoding === "deflate" ? deflateSync(body) : body;
  const started = performance.now();
  const res = await fetch(`${svc.url}/v1/traces`, {
    method: "POST",
    headers: {
      "content-type": contentType,
      ...(encoding !== "identity" && { "content-encoding": encoding }),
    },
    body: payload,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const answer = Buffer.from(await res.arrayBuffer());
  return { status: res.status, body: answer, ms: performance.now() - started };
}

/** The failure message of an OTLP error answer, in the request's encoding. */
function errorMessageOf(body: Buffer, contentType: ContentType): string {
  if (contentType === "application/json")
    return (JSON.parse(body.toString()) as { message: string }).message;
  return (RpcStatus.toObject(RpcStatus.decode(body)) as { message?: string }).message ?? "";
}

/** 200 (partial success allowed) or 400 with a message; never a 5xx. */
function expectOtlpAnswer(
  res: { status: number; body: Buffer },
  contentType: ContentType,
  context: string,
): void {
  if (res.status !== 200 && res.status !== 400) {
    throw new Error(`${context}: status ${res.status}: ${res.body.toString().slice(0, 300)}`);
  }
  if (res.status === 400) expect(errorMessageOf(res.body, contentType), context).not.toBe("");
  else if (contentType === "application/json") JSON.parse(res.body.toString());
}

async function expectHealthy(): Promise<void> {
  for (const path of ["/healthz", "/readyz"]) {
    const res = await fetch(`${svc.url}${path}`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status, path).toBe(200);
  }
}

/**
 * `count` span attributes `k<i>` = "v" as the bytes of repeated Span.attributes fields (9), to be
 * appended to a span. Written into one buffer: a million small Buffers take seconds to build.
 */
function manyKeyValues(count: number): Buffer {
  const out = Buffer.alloc(count * 20);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const key = `k${i}`; // at most 8 bytes: every length below fits in one varint byte
    const kv = [0x0a, key.length, ...Buffer.from(key), 0x12, 3, 0x0a, 1, 0x76]; // key, value {string_value "v"}
    out[at++] = 0x4a; // field 9, length-delimited
    out[at++] = kv.length;
    for (const byte of kv) out[at++] = byte;
  }
  return out.subarray(0, at);
}

const encodingArb = fc.constantFrom<ContentEncoding>("identity", "gzip", "deflate");

describe("POST /v1/traces with random and mutated bodies", () => {
  it("answers 200 or 400 with a message, never 5xx, for mutated and random protobuf and JSON", async () => {
    const bodyArb = fc.oneof(
      fc.record({
        type: fc.constant<ContentType>("application/x-protobuf"),
        body: mutatedArb(PROTOBUF_SEEDS),
      }),
      fc.record({ type: fc.constant<ContentType>("application/x-protobuf"), body: wireMessageArb }),
      fc.record({
        type: fc.constant<ContentType>("application/x-protobuf"),
        body: fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
      }),
      fc.record({
        type: fc.constant<ContentType>("application/json"),
        body: mutatedArb(JSON_SEEDS),
      }),
      fc.record({
        type: fc.constant<ContentType>("application/json"),
        body: corruptedJsonRequestArb.map((text) => Buffer.from(text)),
      }),
      fc.record({
        type: fc.constant<ContentType>("application/json"),
        body: fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? "")),
      }),
      // The right type for the other encoding's body.
      fc.record({
        type: fc.constant<ContentType>("application/json"),
        body: fc.constantFrom(...PROTOBUF_SEEDS),
      }),
      fc.record({
        type: fc.constant<ContentType>("application/x-protobuf"),
        body: fc.constantFrom(...JSON_SEEDS),
      }),
    );
    await fc.assert(
      fc.asyncProperty(bodyArb, encodingArb, async ({ type, body }, encoding) => {
        const res = await post(body, type, encoding);
        expectOtlpAnswer(res, type, `${type} ${encoding} ${body.length} bytes`);
      }),
      { numRuns: 120 },
    );
    // Unmutated real requests are still taken whole.
    for (const [type, seeds] of [
      ["application/x-protobuf", PROTOBUF_SEEDS],
      ["application/json", JSON_SEEDS],
    ] as const) {
      for (const seed of seeds) {
        const res = await post(seed, type, "gzip");
        expect(res.status).toBe(200);
      }
    }
    expect(
      await metricLines(svc.url, 'tracejudge_ingest_requests_rejected_total{status="5'),
    ).toEqual([]);
    await expectHealthy();
  });

  it("answers a corrupt or truncated gzip body with 400", async () => {
    const gz = gzipSync(PROTOBUF_SEEDS[0] as Buffer);
    for (const body of [
      gz.subarray(0, gz.length / 2),
      Buffer.from("not gzip at all"),
      Buffer.alloc(0),
    ]) {
      const res = await fetch(`${svc.url}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf", "content-encoding": "gzip" },
        body,
      });
      expect([200, 400]).toContain(res.status);
    }
    await expectHealthy();
  });
});

describe("POST /v1/traces with text PostgreSQL cannot store", () => {
  it("evaluates a trace with U+0000 and unpaired surrogates in its texts, instead of retrying it for hours", async () => {
    const cases = {
      protobuf: { nul: "\u0000", lone: "\ud800" },
      json: { nul: "\u0000", lone: "\udfff" },
    };
    const traceIds: string[] = [];
    for (const [encoding, { nul, lone }] of Object.entries(cases)) {
      const spans = ragTraceSpans({
        question: `How long${nul} do I have${lone} to request a refund?`,
        document: `Refunds${nul} are accepted within 30 days${lone}.`,
        answer: `Within 30 days${nul}${lone}.`,
        llmAttributes: {
          [`key${nul}${lone}`]: `value${nul}`,
          // Escapes inside JSON text decode to the same characters in the normaliser.
          "gen_ai.input.messages": JSON.stringify([{ role: "user", content: `hi${nul}${lone}` }]),
        },
      });
      traceIds.push(spans[0]?.spanContext().traceId as string);
      const type: ContentType = encoding === "json" ? "application/json" : "application/x-protobuf";
      const serializer = encoding === "json" ? JsonTraceSerializer : ProtobufTraceSerializer;
      const res = await post(serializer.serializeRequest(spans) as Uint8Array, type);
      expect(res.status).toBe(200);
    }
    for (const traceId of traceIds) {
      await awaitTraceEvaluations(svc.url, traceId, 2, 15_000);
    }
  });
});

describe("POST /v1/traces with hostile sizes", () => {
  it("answers a gzip bomb (1 GiB of zeros in about 1 MB) with 413, quickly", async () => {
    // One 64 MiB member repeated: gunzip reads concatenated members as one stream.
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => member));
    expect(bomb.length).toBeLessThan(MAX_BODY_BYTES);
    for (const type of ["application/x-protobuf", "application/json"] as const) {
      const started = performance.now();
      const res = await fetch(`${svc.url}/v1/traces`, {
        method: "POST",
        headers: { "content-type": type, "content-encoding": "gzip" },
        body: bomb,
        signal: AbortSignal.timeout(15_000),
      });
      expect(res.status).toBe(413);
      expect(errorMessageOf(Buffer.from(await res.arrayBuffer()), type)).toMatch(/larger than/);
      expect(performance.now() - started).toBeLessThan(10_000);
    }
    const deflateBomb = deflateSync(Buffer.alloc(MAX_BODY_BYTES + 1024));
    const res = await fetch(`${svc.url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "deflate" },
      body: deflateBomb,
    });
    expect(res.status).toBe(413);
    await expectHealthy();
  });

  it("answers a raw body over the limit with 413", async () => {
    const res = await fetch(`${svc.url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf" },
      body: Buffer.alloc(MAX_BODY_BYTES + 1),
    });
    expect(res.status).toBe(413);
    await expectHealthy();
  });

  it("handles one span with a million attributes in bounded time, and stays healthy", async () => {
    const count = 1_000_000;
    // Short distinct keys, so that a million fit in the body limit. (The normaliser's costliest
    // shape, flattened message keys, is timed in normalize-span.fuzz.test.ts.)
    const body = protobufRequest([], "a million attributes", manyKeyValues(count));
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    const receivedBefore = await metricSum(svc.url, "tracejudge_spans_received_total");
    const assembledBefore = await metricSum(svc.url, "tracejudge_traces_assembled_total");
    // About 5 s on this 2-core machine when idle (decode 1.7 s, normalise 0.4 s, redact 1.9 s,
    // then Redis); 30 s and more with the rest of the suite running beside it on Node 24.
    const res = await post(body, "application/x-protobuf", "identity", 90_000);
    // Accepted (the span is read) or refused with a clear status; never a 5xx, never a hang.
    expect([200, 400, 413]).toContain(res.status);
    expect(res.ms).toBeLessThan(60_000);
    if (res.status === 200) {
      expect(await metricSum(svc.url, "tracejudge_spans_received_total")).toBe(receivedBefore + 1);
      // The trace worker reads the buffered span back and assembles its trace, too.
      await eventually(
        async () =>
          (await metricSum(svc.url, "tracejudge_traces_assembled_total")) > assembledBefore
            ? true
            : undefined,
        60_000,
        "the trace of a million attributes to be assembled",
      );
    } else {
      expect(errorMessageOf(res.body, "application/x-protobuf")).not.toBe("");
    }
    await expectHealthy();
  }, 180_000);
});
