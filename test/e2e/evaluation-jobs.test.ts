import type { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groundedness } from "../../evaluators/index.ts";
import { createEvaluationsQueue } from "../../src/queues/create-queues.ts";
import { evaluationInput, evaluationJob, evaluationJobId } from "../../src/queues/payloads.ts";
import { writeEvaluatorModule } from "../support/evaluator-module.ts";
import { makeSpan } from "../support/llm-spans.ts";
import { exportSpans, ragTraceSpans } from "../support/otel-spans.ts";
import { queueEvaluation } from "../support/queued-evaluation.ts";
import { evaluatorRuns, metricSum } from "../support/service-metrics.ts";
import { eventually, REDIS_URL } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations, traceEvaluations } from "../support/trace-evaluations.ts";

/** An evaluator only the second deploy has. */
function writeNewEvaluator(): string {
  return writeEvaluatorModule(
    `export const newer = defineEvaluator({
  name: "test.newer", version: "2",
  evaluate: () => ({ score: 0.75, label: "pass", explanation: "from the new deploy" }),
});
`,
    "newer.ts",
  );
}

/** Custom evaluators: one queued as usual, one inline that fails the first time it runs. */
function writeMixedEvaluators(): string {
  return writeEvaluatorModule(
    `let calls = 0;
export const queued = defineEvaluator({
  name: "test.queued", version: "1",
  evaluate: () => ({ score: 1, label: "pass", explanation: "queued" }),
});
export const flakyInline = defineEvaluator({
  name: "test.flaky-inline", version: "1",
  inline: () => true,
  evaluate: () => {
    calls += 1;
    if (calls === 1) throw new Error("first call fails");
    return { score: 1, label: "pass", explanation: "call " + calls };
  },
});
`,
    "mixed.ts",
  );
}

describe("one evaluations job per span, naming every evaluator due", () => {
  // A rolling deploy: the API stays, the old deploy's workers give way to the newer one's.
  let api: TestService;
  let old: TestService | undefined;
  let newer: TestService | undefined;
  let redis: Redis;
  let queue: Queue;

  beforeAll(async () => {
    api = await startTestService({}, { roles: { api: true, workers: false } });
    old = await startTestService({}, { roles: { api: false, workers: true }, shareWith: api });
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    // Queued as the service queues its own jobs: with its attempts and back-off.
    queue = createEvaluationsQueue(
      { connection: redis, prefix: api.config.redis_prefix },
      api.config.workers,
    );
  });
  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    await newer?.stop();
    await old?.stop();
    await api?.stop();
  });

  it("stores what a worker has, hands the rest back, and a worker of the newer deploy finishes it", async () => {
    const span = makeSpan({
      traceId: "6bf92f3577b34da6a3ce929d0e0e4736",
      kind: "LLM",
      answer: "Refunds are accepted within 30 days.",
    });
    await queueEvaluation(
      api.config.database_url,
      queue,
      [
        { name: "groundedness", version: groundedness.version },
        { name: "test.newer", version: "2" },
      ],
      {
        span,
        question: "How long do I have to ask for a refund?",
        answer: "Refunds are accepted within 30 days.",
        context: [
          { content: "Refunds are accepted within 30 days of purchase.", origin: "retrieval" },
        ],
      },
    );

    const byEvaluator = async () =>
      new Map((await traceEvaluations(api.url, span.traceId)).map((e) => [e.evaluator, e]));
    // The old deploy judges what it can at once; the rest waits for a worker that has it.
    const first = await eventually(
      async () => {
        const found = await byEvaluator();
        return found.has("groundedness") ? found : undefined;
      },
      10_000,
      "the groundedness verdict from the old deploy",
    );
    expect(first.get("test.newer")).toBeUndefined();
    const oldWorkers = old as TestService;
    const oldRuns = await evaluatorRuns(oldWorkers.url);
    // The old workers go; while they ran, they kept handing the rest of the job back.
    await oldWorkers.stop();

    newer = await startTestService(
      { evaluator_modules: [writeNewEvaluator()] },
      { roles: { api: false, workers: true }, shareWith: api },
    );
    const done = await eventually(
      async () => {
        const found = await byEvaluator();
        return found.has("test.newer") ? found : undefined;
      },
      20_000,
      "the new evaluator's verdict",
    );
    expect(done.get("test.newer")).toMatchObject({
      status: "ok",
      explanation: "from the new deploy",
    });
    expect(done.get("groundedness")?.status).toBe("ok");
    // groundedness ran once in all: the handed-back job carried only what was still owed.
    const newRuns = await evaluatorRuns(newer.url);
    expect((oldRuns.groundedness ?? 0) + (newRuns.groundedness ?? 0)).toBe(1);
    expect(newRuns["test.newer"]).toBe(1);
  });
});

describe("inline evaluators", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ evaluator_modules: [writeMixedEvaluators()] });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("judges at assembly the evaluators that may, queues the others, and queues an inline one that failed", async () => {
    const spans = ragTraceSpans();
    const traceId = spans[0]?.spanContext().traceId as string;
    await exportSpans(svc.url, spans);
    const events = await awaitTraceEvaluations(svc.url, traceId, 4);
    const byName = new Map(events.map((e) => [e.evaluator, e]));
    expect([...byName.keys()].sort()).toEqual([
      "groundedness",
      "hallucination",
      "test.flaky-inline",
      "test.queued",
    ]);
    for (const event of events) expect(event.status).toBe("ok");
    // Its inline call failed; the queued job's call (the second) stored the verdict.
    expect(byName.get("test.flaky-inline")?.explanation).toBe("call 2");
    // Only the two offline built-ins were stored inline.
    expect(await metricSum(svc.url, "tracejudge_evaluations_inline_total")).toBe(2);
  });
});

/** A queued (not inline) evaluator that takes a while, and says what answer it was given. */
function writeSlowEvaluator(): string {
  return writeEvaluatorModule(
    `export const slow = defineEvaluator({
  name: "test.slow", version: "1",
  evaluate: async (input) => {
    await new Promise((r) => setTimeout(r, 1500));
    return { score: 1, label: "pass", explanation: "answer: " + input.answer };
  },
});
`,
    "slow.ts",
  );
}

describe("an evaluations job names its span", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ evaluator_modules: [writeSlowEvaluator()] });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("carries the span's ids, not the span: the worker reads it, as assembly stored it, from the spans table", async () => {
    const spans = ragTraceSpans();
    const traceId = spans[0]?.spanContext().traceId as string;
    await exportSpans(svc.url, spans);
    const queue = svc.service.queues.evaluations;
    const job = await eventually(
      async () =>
        (await queue.getJobs(["active", "waiting"])).find((j) => j.name === "test.slow@1"),
      10_000,
      "the queued test.slow job",
    );
    expect(Object.keys(job.data).sort()).toEqual(["enqueuedAtMs", "evaluators", "span"]);
    expect(job.data.span).toEqual({
      traceId,
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      project: "default",
    });
    expect(JSON.stringify(job.data).length).toBeLessThan(300);

    const events = await awaitTraceEvaluations(svc.url, traceId, 3);
    const slow = events.find((e) => e.evaluator === "test.slow");
    expect(slow).toMatchObject({ status: "ok", span_id: job.data.span.spanId });
    // The same answer the inline evaluators were given from the assembled trace in memory.
    const res = await fetch(`${svc.url}/v1/evaluations?trace_id=${traceId}&include=input`);
    const { evaluations } = (await res.json()) as {
      evaluations: { evaluator: string; input: { answer: string | null } }[];
    };
    const inline = evaluations.find((e) => e.evaluator === "groundedness");
    expect(inline?.input.answer).toBeTruthy();
    expect(slow?.explanation).toBe(`answer: ${inline?.input.answer}`);
  });

  it("stores an error verdict naming the span when the spans table lacks it, instead of losing the job", async () => {
    const traceId = "7cf92f3577b34da6a3ce929d0e0e4736";
    const spanId = "00f067aa0ba902b7";
    const job = evaluationJob(
      [{ name: "groundedness", version: groundedness.version }],
      { traceId, spanId, project: "default" },
      Date.now(),
    );
    await svc.service.queues.evaluations.add(job.name, job.data, job.opts);
    const [event] = await awaitTraceEvaluations(svc.url, traceId, 1);
    expect(event).toMatchObject({
      status: "error",
      reason: "span_not_stored",
      evaluator: "groundedness",
      span_id: spanId,
    });
    expect(event?.explanation).toContain(spanId);
  });

  it("still judges a job an older build queued with the span in it", async () => {
    const span = makeSpan({ traceId: "8cf92f3577b34da6a3ce929d0e0e4736", kind: "LLM" });
    const input = evaluationInput({
      span,
      question: "How long do I have to ask for a refund?",
      answer: "Refunds are accepted within 40 days.",
      context: [{ content: "Refunds are accepted within 30 days.", origin: "retrieval" }],
    });
    const evaluators = [{ name: "groundedness", version: groundedness.version }];
    await svc.service.queues.evaluations.add(
      "groundedness",
      { evaluators, enqueuedAtMs: Date.now(), input },
      { jobId: evaluationJobId(span.traceId, span.spanId, evaluators) },
    );
    const [event] = await awaitTraceEvaluations(svc.url, span.traceId, 1);
    expect(event).toMatchObject({ status: "ok", passed: false });
  });
});
