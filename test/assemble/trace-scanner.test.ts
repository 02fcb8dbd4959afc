import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TraceScanner } from "../../src/assemble/trace-scanner.ts";
import { TraceBuffer } from "../../src/buffer/trace-buffer.ts";
import { TRACES_QUEUE } from "../../src/queues/queue-names.ts";
import { makeSpan } from "../support/llm-spans.ts";
import { deleteRedisPrefix, REDIS_URL, testRedisPrefix } from "../support/services.ts";

const prefix = testRedisPrefix();
let redis: Redis;
let queue: Queue;
let buffer: TraceBuffer;
let scanner: TraceScanner;
const A = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const B = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue(TRACES_QUEUE, { connection: redis, prefix });
  buffer = new TraceBuffer(redis, prefix, 60);
  // Driven by hand through scanOnce: no timer.
  scanner = new TraceScanner(buffer, queue, {
    traceWaitMs: 1000,
    intervalMs: 60_000,
    onError: () => {},
  });
});

afterAll(async () => {
  await scanner.close();
  await queue.close();
  redis.disconnect();
  await deleteRedisPrefix(prefix);
});

describe("TraceScanner", () => {
  it("queues each quiet trace once, and a span arriving later makes a new generation", async () => {
    await buffer.append([makeSpan({ traceId: A }), makeSpan({ traceId: B })], 10_000);
    expect(await scanner.scanOnce(10_500)).toBe(0); // not quiet yet
    expect(await scanner.scanOnce(11_000)).toBe(2);
    // Handed over: the next passes find nothing, however long the worker takes.
    expect(await scanner.scanOnce(12_000)).toBe(0);
    expect(await scanner.scanOnce(20_000)).toBe(0);
    expect(await buffer.pendingCount()).toBe(0);
    // One job holds both: a batch shares its round trips.
    const jobs = await queue.getWaiting();
    expect(jobs).toHaveLength(1);
    expect(
      ((jobs[0]?.data.traces ?? []) as { traceId: string }[]).sort((x, y) =>
        x.traceId.localeCompare(y.traceId),
      ),
    ).toEqual([
      { traceId: A, lastSeenMs: 10_000 },
      { traceId: B, lastSeenMs: 10_000 },
    ]);

    await buffer.append([makeSpan({ traceId: A, name: "late" })], 30_000);
    expect(await scanner.scanOnce(31_000)).toBe(1);
    expect((await queue.getWaiting()).map((j) => j.data)).toContainEqual({
      traces: [{ traceId: A, lastSeenMs: 30_000 }],
    });
    // Both generations read the whole trace; the dispatched set keeps evaluations to one each.
    expect((await buffer.read(A)).map((s) => s.name).sort()).toEqual(["late", "span"]);
  });

  it("leaves a trace pending when a span arrived between the read and the hand-over", async () => {
    const C = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3";
    await buffer.append([makeSpan({ traceId: C })], 40_000);
    const [due] = await buffer.due(41_000, 10);
    await buffer.append([makeSpan({ traceId: C })], 40_900);
    expect(await buffer.release(due ? [due] : [])).toBe(0);
    expect(await buffer.due(42_000, 10)).toEqual([{ traceId: C, lastSeenMs: 40_900 }]);
  });
});
