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

  it("runs one pass at a time across scanners, so racing workers never queue a trace twice", async () => {
    // What the tests above left pending is handed over first.
    await scanner.scanOnce(49_000);
    await queue.drain();
    const ids = Array.from({ length: 12 }, (_, i) => i.toString(16).padStart(32, "e"));
    // Quiet one millisecond apart: a pass a few milliseconds later sees more of them due.
    for (const [i, traceId] of ids.entries())
      await buffer.append([makeSpan({ traceId })], 50_000 + i);
    const options = { traceWaitMs: 1000, intervalMs: 60_000, onError: () => {} };
    const first = new TraceScanner(buffer, queue, options);
    const second = new TraceScanner(buffer, queue, options);
    try {
      // Both read before either hands over: without the lease the second pass's batch (all
      // twelve) would differ from the first's (six), and six traces would be queued twice.
      const [a, b] = await Promise.all([first.scanOnce(51_005), second.scanOnce(51_011)]);
      expect([a, b]).toEqual([6, 0]);
      expect(await second.scanOnce(51_011)).toBe(6);
      const queued = (await queue.getWaiting()).flatMap((j) =>
        (j.data.traces as { traceId: string }[]).map((t) => t.traceId),
      );
      expect(queued.sort()).toEqual([...ids].sort());
      // The lease was given back: a third scanner is not held up.
      await buffer.append([makeSpan({ traceId: ids[0] as string })], 60_000);
      expect(await new TraceScanner(buffer, queue, options).scanOnce(61_000)).toBe(1);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("takes the pass over from a scanner that died holding the lease once it lapses", async () => {
    expect(await buffer.claimScan("died", 150)).toBe(true);
    const D = "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4";
    await buffer.append([makeSpan({ traceId: D })], 70_000);
    expect(await scanner.scanOnce(71_000)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await scanner.scanOnce(71_000)).toBe(1);
  });
});
