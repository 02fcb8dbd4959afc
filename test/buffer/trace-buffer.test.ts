import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BufferedTrace, TraceBuffer } from "../../src/buffer/trace-buffer.ts";
import { makeSpan } from "../support/llm-spans.ts";
import { deleteRedisPrefix, REDIS_URL, testRedisPrefix } from "../support/services.ts";

const prefix = testRedisPrefix();
let redis: Redis;
let buffer: TraceBuffer;
const A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

beforeAll(() => {
  redis = new Redis(REDIS_URL);
  buffer = new TraceBuffer(redis, prefix, 60);
});

afterAll(async () => {
  redis.disconnect();
  await deleteRedisPrefix(prefix);
});

describe("TraceBuffer", () => {
  it("groups spans by trace and reports a trace due only once it has been quiet", async () => {
    await buffer.append([makeSpan({ traceId: A }), makeSpan({ traceId: B })], 1000);
    await buffer.append([makeSpan({ traceId: A, name: "late" })], 5000);
    expect(await buffer.due(2000, 10)).toEqual([{ traceId: B, lastSeenMs: 1000 }]);
    expect((await buffer.due(6000, 10)).map((d) => d.traceId)).toEqual([B, A]);
    expect((await buffer.read(A)).map((s) => s.name)).toEqual(["span", "late"]);
    expect(await buffer.pendingCount()).toBe(2);
  });

  it("releases a trace only if no span arrived since it was read", async () => {
    const [due] = await buffer.due(2000, 1);
    expect(due?.traceId).toBe(B);
    await buffer.append([makeSpan({ traceId: B })], 7000);
    expect(await buffer.release([{ traceId: B, lastSeenMs: 1000 }])).toBe(0);
    expect(await buffer.release([{ traceId: B, lastSeenMs: 7000 }])).toBe(1);
    expect((await buffer.due(10_000, 10)).map((d) => d.traceId)).toEqual([A]);
  });

  it("remembers which spans were dispatched", async () => {
    await buffer.markDispatched([{ traceId: A, spanIds: ["0000000000000001"] }]);
    const [trace] = await buffer.readTraces([A]);
    const { spans, dispatched } = trace as BufferedTrace;
    expect(dispatched).toEqual(new Set(["0000000000000001"]));
    // Read in the same round trip as the spans.
    expect(spans.map((s) => s.name).sort()).toEqual(["late", "span"]);
  });

  it("sets a TTL on everything it keeps per trace", async () => {
    const keys = await redis.keys(`${prefix}:trace:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await redis.ttl(key)).toBeGreaterThan(0);
  });

  it("reads many traces in one round trip, skipping entries that are not spans", async () => {
    const C = "cccccccccccccccccccccccccccccccc";
    const D = "dddddddddddddddddddddddddddddddd";
    await buffer.append([makeSpan({ traceId: C, name: "c" }), makeSpan({ traceId: D, name: "d" })]);
    // What an older build (or a torn write) may have left: not JSON, and JSON of no span.
    await redis.rpush(`${prefix}:trace:${C}:spans`, "{not json", JSON.stringify({ spanId: 5 }));
    const [c, d] = await buffer.readTraces([C, D]);
    expect(c?.spans.map((s) => s.name)).toEqual(["c"]);
    expect(d?.spans.map((s) => s.name)).toEqual(["d"]);
  });
});
