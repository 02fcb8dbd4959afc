import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EvaluatorPresence, presenceKeys } from "../../src/evaluate/evaluator-presence.ts";
import type { EvaluationJob } from "../../src/queues/payloads.ts";
import { EvaluatorWait, firstMissAt } from "../../src/service/hand-back.ts";
import { makeSpan } from "../support/llm-spans.ts";
import { deleteRedisPrefix, REDIS_URL, testRedisPrefix } from "../support/services.ts";

const NOW = 1_700_000_000_000;
const silent = { warn: () => {}, info: () => {}, debug: () => {}, error: () => {} };

function job(versions: string[], extra: Partial<EvaluationJob> = {}): EvaluationJob {
  const span = makeSpan({ traceId: "0af7651916cd43dd8448eb211c80319c", kind: "LLM" });
  return {
    evaluators: versions.map((v) => {
      const [name, version] = v.split("@") as [string, string];
      return { name, version };
    }),
    input: {
      traceId: span.traceId,
      spanId: span.spanId,
      span,
      question: null,
      answer: null,
      context: [],
    },
    enqueuedAtMs: NOW - 60_000,
    ...extra,
  };
}

describe("firstMissAt", () => {
  it("reads the time a job stored, or counts an older build's misses 1 s apart", () => {
    expect(firstMissAt({ firstMissAtMs: NOW - 5000 }, NOW)).toBe(NOW - 5000);
    expect(firstMissAt({ firstMissAtMs: NOW - 5000, misses: 40 }, NOW)).toBe(NOW - 5000);
    expect(firstMissAt({ misses: 12 }, NOW)).toBe(NOW - 12_000);
    expect(firstMissAt({}, NOW)).toBe(NOW);
  });
});

describe("EvaluatorWait, with the versions the workers advertise in Redis", () => {
  const prefix = testRedisPrefix();
  let redis: Redis;
  let presence: EvaluatorPresence;
  let wait: EvaluatorWait;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    presence = new EvaluatorPresence(redis, prefix, { logger: silent });
    // This worker has only a@1.
    wait = new EvaluatorWait(
      { evaluators: new Map([["a@1", {}]]), presence },
      { graceMs: 30_000, maxWaitMs: 600_000 },
    );
  });
  afterAll(async () => {
    presence?.close();
    redis?.disconnect();
    await deleteRedisPrefix(prefix);
  });

  it("advertises under the configured prefix", async () => {
    await presence.advertise(["live@1"], NOW - 1000);
    expect(presenceKeys(prefix).advertised.startsWith(prefix)).toBe(true);
    expect(await redis.hget(presenceKeys(prefix).advertised, "live@1")).toBe(String(NOW - 1000));
  });

  it("waits for a version a live worker advertises, and for any version within the grace", async () => {
    await presence.advertise(["live@1"], NOW - 1000);
    const longAgo = { firstMissAtMs: NOW - 5 * 60_000 };
    expect(await wait.giveUpOn(job(["a@1", "live@1"], longAgo), NOW)).toEqual(new Set());
    // Nobody has it, but the job has not waited the grace yet.
    expect(await wait.giveUpOn(job(["nobody@1"], { firstMissAtMs: NOW - 10_000 }), NOW)).toEqual(
      new Set(),
    );
    expect(await wait.giveUpOn(job(["nobody@1"]), NOW)).toEqual(new Set());
  });

  it("gives up on a version no live worker advertises once the grace is over", async () => {
    await presence.advertise(["gone@1"], NOW - 45_000);
    const data = job(["a@1", "live@1", "gone@1", "nobody@1"], { firstMissAtMs: NOW - 60_000 });
    await presence.advertise(["live@1"], NOW - 1000);
    expect(await wait.giveUpOn(data, NOW)).toEqual(new Set(["gone@1", "nobody@1"]));
    // Counted from the last advertisement when that came after the first miss.
    await presence.advertise(["gone@1"], NOW - 20_000);
    expect(await wait.giveUpOn(data, NOW)).toEqual(new Set(["nobody@1"]));
  });

  it("reads a job an older build handed back by its count of misses", async () => {
    expect(await wait.giveUpOn(job(["nobody@1"], { misses: 10 }), NOW)).toEqual(new Set());
    expect(await wait.giveUpOn(job(["nobody@1"], { misses: 31 }), NOW)).toEqual(
      new Set(["nobody@1"]),
    );
  });

  it("gives up on every version it lacks after the longest wait, advertised or not", async () => {
    await presence.advertise(["live@1"], NOW - 1000);
    const data = job(["a@1", "live@1"], { firstMissAtMs: NOW - 600_000 });
    expect(await wait.giveUpOn(data, NOW)).toEqual(new Set(["live@1"]));
  });
});
