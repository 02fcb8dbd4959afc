import type { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EvaluatorPresence } from "../../src/evaluate/evaluator-presence.ts";
import { createEvaluationsQueue } from "../../src/queues/create-queues.ts";
import type { EvaluatorWaitOptions } from "../../src/service/hand-back.ts";
import { writeEvaluatorModule } from "../support/evaluator-module.ts";
import { makeSpan } from "../support/llm-spans.ts";
import { queueEvaluation } from "../support/queued-evaluation.ts";
import { evaluatorRuns } from "../support/service-metrics.ts";
import { eventually, REDIS_URL } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations, traceEvaluations } from "../support/trace-evaluations.ts";

const silent = { warn: () => {}, info: () => {}, debug: () => {}, error: () => {} };

/** An evaluator only the newer deploy has. */
const NEWER_EVALUATOR = `export const newer = defineEvaluator({
  name: "test.newer", version: "2",
  evaluate: () => ({ score: 0.75, label: "pass", explanation: "from the new deploy" }),
});
`;

let traceCounter = 0;
function traceId(): string {
  traceCounter += 1;
  return `${Date.now().toString(16)}${traceCounter.toString(16)}`.padStart(32, "0");
}

/**
 * A rolling deploy with short waits: an API, the old deploy's workers (without `test.newer@2`),
 * and the queue the test adds jobs to as the service does.
 */
function rollingDeploy(wait: Partial<EvaluatorWaitOptions>) {
  const env = {} as {
    api: TestService;
    old: TestService;
    redis: Redis;
    queue: Queue;
    /** Enqueues one job for a fresh span with these evaluator versions; returns its trace id. */
    enqueue: (evaluators: { name: string; version: string }[]) => Promise<string>;
  };
  beforeAll(async () => {
    env.api = await startTestService({}, { roles: { api: true, workers: false } });
    env.old = await startTestService(
      {},
      { roles: { api: false, workers: true }, shareWith: env.api, evaluatorWait: wait },
    );
    env.redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const { config } = env.api;
    env.queue = createEvaluationsQueue(
      { connection: env.redis, prefix: config.redis_prefix },
      config.workers,
    );
    env.enqueue = async (evaluators) => {
      const span = makeSpan({ traceId: traceId(), kind: "LLM", answer: "Thirty days." });
      await queueEvaluation(config.database_url, env.queue, evaluators, {
        span,
        question: "How long?",
        answer: "Thirty days.",
        context: [],
      });
      return span.traceId;
    };
  });
  afterAll(async () => {
    await env.queue?.close();
    env.redis?.disconnect();
    await env.old?.stop();
    await env.api?.stop();
  });
  return env;
}

describe("a version a live worker advertises", () => {
  const wait = { graceMs: 1500, maxWaitMs: 120_000, minDelayMs: 50, maxDelayMs: 300 };
  const env = rollingDeploy(wait);
  let newer: TestService | undefined;
  let advertiser: EvaluatorPresence | undefined;
  afterEach(async () => {
    advertiser?.close();
    await newer?.stop();
  });

  it("goes back past the grace while it is advertised, and the worker that has it stores the verdict once", async () => {
    // A worker of the newer deploy is up (it advertises test.newer@2) but does not take the job.
    advertiser = new EvaluatorPresence(env.redis, env.api.config.redis_prefix, {
      intervalMs: 200,
      logger: silent,
    });
    await advertiser.start(() => ["test.newer@2"]);
    const id = await env.enqueue([{ name: "test.newer", version: "2" }]);

    // The old worker keeps handing the job back well past the grace, and stores nothing.
    const waitedSince = await eventually(
      async () => {
        const jobs = await env.queue.getJobs(["delayed", "waiting", "active"]);
        return jobs.find((j) => j.data.span.traceId === id)?.data.firstMissAtMs as
          | number
          | undefined;
      },
      5000,
      "the first hand-back",
    );
    await new Promise((r) => setTimeout(r, waitedSince + 3 * wait.graceMs - Date.now()));
    expect(await traceEvaluations(env.api.url, id)).toEqual([]);
    const pending = await env.queue.getJobs(["delayed", "waiting", "active"]);
    const job = pending.find((j) => j.data.span.traceId === id);
    expect(job?.data.firstMissAtMs).toBe(waitedSince);
    expect(job?.attemptsMade).toBe(0);

    // The newer deploy's worker starts taking jobs, beside the old one.
    newer = await startTestService(
      { evaluator_modules: [writeEvaluatorModule(NEWER_EVALUATOR, "newer.ts")] },
      { roles: { api: false, workers: true }, shareWith: env.api, evaluatorWait: wait },
    );
    // Old and new workers race for the job each time its delay ends; on a loaded machine the old
    // one won every round for 15 s once in ten runs of the suite, so the wait is longer.
    const events = await awaitTraceEvaluations(env.api.url, id, 1, 30_000);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      evaluator: "test.newer",
      status: "ok",
      explanation: "from the new deploy",
    });
    // Once: no second verdict and no second run come after it.
    await new Promise((r) => setTimeout(r, 2 * wait.maxDelayMs));
    expect(await traceEvaluations(env.api.url, id)).toHaveLength(1);
    expect((await evaluatorRuns(newer.url))["test.newer"]).toBe(1);
  }, 60_000);
});

describe("a version no live worker advertises", () => {
  const wait = { graceMs: 1500, maxWaitMs: 6000, minDelayMs: 50, maxDelayMs: 300 };
  const env = rollingDeploy(wait);
  let advertiser: EvaluatorPresence | undefined;
  afterEach(() => advertiser?.close());

  /** The trace's one eval event, once stored, with how long after `fromMs` it was found. */
  async function verdict(id: string, fromMs: number) {
    const [event] = await awaitTraceEvaluations(env.api.url, id, 1, 15_000);
    return { event, afterMs: Date.now() - fromMs };
  }

  it("ends as evaluator_not_registered after the grace", async () => {
    const start = Date.now();
    const id = await env.enqueue([{ name: "test.nobody", version: "9" }]);
    const { event, afterMs } = await verdict(id, start);
    expect(event).toMatchObject({
      evaluator: "test.nobody",
      status: "error",
      reason: "evaluator_not_registered",
    });
    expect(afterMs).toBeGreaterThanOrEqual(wait.graceMs);
    expect(afterMs).toBeLessThan(10 * wait.graceMs);
  });

  it("ends so after the grace since the last worker that had it went away", async () => {
    advertiser = new EvaluatorPresence(env.redis, env.api.config.redis_prefix, {
      intervalMs: 200,
      logger: silent,
    });
    await advertiser.start(() => ["test.gone@1"]);
    const id = await env.enqueue([{ name: "test.gone", version: "1" }]);
    await new Promise((r) => setTimeout(r, 2 * wait.graceMs));
    expect(await traceEvaluations(env.api.url, id)).toEqual([]);
    advertiser.close();
    const stoppedAt = Date.now();
    const { event, afterMs } = await verdict(id, stoppedAt);
    expect(event).toMatchObject({ status: "error", reason: "evaluator_not_registered" });
    // Last advertised up to one interval before it stopped.
    expect(afterMs).toBeGreaterThanOrEqual(wait.graceMs - 200);
  });

  it("ends so after the longest wait even while a worker advertises it", async () => {
    advertiser = new EvaluatorPresence(env.redis, env.api.config.redis_prefix, {
      intervalMs: 200,
      logger: silent,
    });
    await advertiser.start(() => ["test.aloof@1"]);
    const start = Date.now();
    const id = await env.enqueue([{ name: "test.aloof", version: "1" }]);
    const { event, afterMs } = await verdict(id, start);
    expect(event).toMatchObject({ status: "error", reason: "evaluator_not_registered" });
    expect(afterMs).toBeGreaterThanOrEqual(wait.maxWaitMs);
    expect(afterMs).toBeLessThan(5 * wait.maxWaitMs);
  });
});
