import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorMessage, TracejudgeError } from "../../src/errors.ts";
import { checkLogsRequest, decodeLogsRequest } from "../../src/otlp/decode-logs.ts";
import type { OtlpEncoding } from "../../src/otlp/otlp-fields.ts";
import {
  fixed64Field,
  ld,
  mutatedArb,
  nestedAnyValueProtobuf,
  protobufKeyValue,
} from "./fuzz-support.ts";

/** An ExportLogsServiceRequest of one record with ids, a body and attributes, in protobuf. */
function logsProtobuf(body: Uint8Array, attributes: readonly Uint8Array[] = []): Buffer {
  const record = Buffer.concat([
    fixed64Field(1, 1_767_225_600_000_000_000n), // time_unix_nano
    ld(5, body), // body
    ...attributes.map((kv) => ld(6, kv)), // attributes
    ld(9, Buffer.alloc(16, 0x11)), // trace_id
    ld(10, Buffer.alloc(8, 0x22)), // span_id
    ld(12, Buffer.from("gen_ai.user.message")), // event_name
  ]);
  return ld(1, ld(2, ld(2, record))); // resource_logs.scope_logs.log_records
}

/** The decoder's contract: records out, or OTLP_DECODE_FAILED; check and decode agree. */
function checkContract(body: Buffer, encoding: OtlpEncoding): void {
  let checked: ReturnType<typeof checkLogsRequest> | undefined;
  let decoded: ReturnType<typeof decodeLogsRequest> | undefined;
  for (const run of [
    () => {
      checked = checkLogsRequest(body, encoding);
    },
    () => {
      decoded = decodeLogsRequest(body, encoding);
    },
  ]) {
    try {
      run();
    } catch (err) {
      if (!(err instanceof TracejudgeError) || err.code !== "OTLP_DECODE_FAILED") {
        throw new Error(`${errorMessage(err)} (not OTLP_DECODE_FAILED)`, { cause: err });
      }
    }
  }
  if (checked && decoded) {
    expect(decoded.records.length).toBe(checked.accepted);
    expect(decoded.rejected).toBe(checked.rejected);
    // Every record read is plain JSON that survives a round trip (what the spool and buffer do).
    expect(JSON.parse(JSON.stringify(decoded.records))).toEqual(decoded.records);
  }
}

/** A `gen_ai.user.message` with body `{content: "hello"}` (AnyValue.kvlist_value.values). */
const SEED = logsProtobuf(ld(6, ld(1, protobufKeyValue("content", ld(1, Buffer.from("hello"))))), [
  protobufKeyValue("gen_ai.system", ld(1, Buffer.from("openai"))),
]);

describe("decodeLogsRequest on hostile input", () => {
  it("reads a well-formed record", () => {
    const { records } = decodeLogsRequest(SEED, "protobuf");
    expect(records).toMatchObject([
      {
        traceId: "11".repeat(16),
        spanId: "22".repeat(8),
        eventName: "gen_ai.user.message",
        body: { content: "hello" },
        attributes: { "gen_ai.system": "openai" },
      },
    ]);
    expect(checkLogsRequest(SEED, "protobuf")).toMatchObject({ accepted: 1, genaiContent: 1 });
  });

  it("accepts a record without trace and span ids, as an app's plain log line is", () => {
    const plain = ld(1, ld(2, ld(2, ld(5, ld(1, Buffer.from("cache warmed"))))));
    expect(checkLogsRequest(plain, "protobuf")).toMatchObject({
      accepted: 1,
      rejected: 0,
      genaiContent: 0,
    });
    expect(decodeLogsRequest(plain, "protobuf")).toMatchObject({
      records: [{ traceId: null, spanId: null, body: "cache warmed" }],
      rejected: 0,
    });
    checkContract(plain, "protobuf");
  });

  it("answers OTLP_DECODE_FAILED or a cut-off value for deep bodies and attributes", () => {
    for (const depth of [17, 100, 1_000, 10_000, 100_000]) {
      const deep = nestedAnyValueProtobuf(depth);
      checkContract(logsProtobuf(deep), "protobuf");
      checkContract(
        logsProtobuf(ld(1, Buffer.from("x")), [protobufKeyValue("deep", deep)]),
        "protobuf",
      );
    }
  });

  it("never throws anything but OTLP_DECODE_FAILED on mutated protobuf", () => {
    fc.assert(
      fc.property(mutatedArb([SEED]), (body) => checkContract(body, "protobuf")),
      { numRuns: 500 },
    );
  });
});
