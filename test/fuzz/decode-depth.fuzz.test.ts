import { describe, expect, it } from "vitest";
import { errorMessage, TracejudgeError } from "../../src/errors.ts";
import { decodeTraceRequest } from "../../src/otlp/decode-traces.ts";
import {
  checkDecode,
  nestedAnyValueProtobuf,
  protobufKeyValue,
  protobufRequest,
} from "./fuzz-support.ts";

/**
 * In a file of its own so that it runs in a fresh process: which nesting depth overflows the
 * stack depends on how far the JIT has optimised protobufjs's generated code, and a run warmed up
 * by thousands of fuzz inputs hides the window this test is about.
 */
describe("decodeTraceRequest on deeply nested protobuf AnyValues", () => {
  it("answers OTLP_DECODE_FAILED or a cut-off value at every depth, never a raw stack overflow", () => {
    // decode() and toObject() both recurse, with frames of different sizes: at some depths
    // decode() survives and toObject() overflows. Walk the depths finely, from shallow up to
    // well past the point where decode() itself overflows (found as a run of decode failures).
    const body = (depth: number) =>
      protobufRequest([protobufKeyValue("deep", nestedAnyValueProtobuf(depth))]);
    let failuresInARow = 0;
    let depth = 0;
    for (depth = 500; failuresInARow < 50 && depth < 200_000; depth += 10) {
      try {
        decodeTraceRequest(body(depth), "protobuf");
        failuresInARow = 0;
      } catch (err) {
        if (!(err instanceof TracejudgeError) || err.code !== "OTLP_DECODE_FAILED") {
          throw new Error(`depth ${depth}: ${errorMessage(err)} (not OTLP_DECODE_FAILED)`, {
            cause: err,
          });
        }
        failuresInARow += 1;
      }
    }
    expect(failuresInARow, "the stack overflowed at some depth").toBe(50);
    // And the contract as a whole, at a few depths either side.
    for (const d of [17, 100, 1_000, depth * 4]) checkDecode(body(d), "protobuf");
  });
});
