import { Writable } from "node:stream";
import { type Job, QueueEvents } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groundedness } from "../../evaluators/index.ts";
import { ALERTS_JUDGE_JOB } from "../../src/queues/payloads.ts";
import { QUEUES } from "../../src/queues/queue-definitions.ts";
import { InvalidJobError, readJob } from "../../src/queues/read-job.ts";
import { makeSpan } from "../support/llm-spans.ts";
import { exportSpans, ragTraceSpans } from "../support/otel-spans.ts";
import { queueEvaluation } from "../support/queued-evaluation.ts";
import { eventually, REDIS_URL } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";
import { TestReceiver } from "../webhooks/receiver.ts";

describe("readJob", () => {
  it("reads what the queue's schema reads, older shapes included", () => {
    // A traces job queued by an older build names one trace.
    const old = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", lastSeenMs: 5 };
    expect(readJob(QUEUES.traces, { data: old })).toEqual({ traces: [old] });
  });

  it("reads an evaluations job that names its span, or that carries it as older builds queued it", () => {
    const evaluators = [{ name: "groundedness", version: "1" }];
    const span = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };
    const named = { evaluators, enqueuedAtMs: 1, span: { ...span, project: "default" } };
    expect(readJob(QUEUES.evaluations, { data: named })).toEqual(named);
    const input = {
      ...span,
      span: makeSpan({ ...span, kind: "LLM" }),
      question: null,
      answer: "Thirty days.",
      context: [],
    };
    const carried = readJob(QUEUES.evaluations, {
      data: { evaluator: "groundedness", version: "1", enqueuedAtMs: 1, input },
    });
    expect(carried).toMatchObject({ evaluators, input: { answer: "Thirty days." } });
    expect(() => readJob(QUEUES.evaluations, { data: { evaluators, enqueuedAtMs: 1 } })).toThrow(
      /^invalid evaluations job: span: an evaluations job names its span/,
    );
  });

  it("refuses a payload with an InvalidJobError naming the queue and every refused field", () => {
    const read = () => readJob(QUEUES.ingest, { data: { bodyKey: 7, encoding: "xml" } });
    expect(read).toThrow(InvalidJobError);
    try {
      read();
    } catch (err) {
      const invalid = err as InvalidJobError;
      expect(invalid.queue).toBe("ingest");
      expect(invalid.fields).toEqual(["bodyKey", "encoding", "project", "spans", "receivedAtMs"]);
      expect(invalid.message).toMatch(/^invalid ingest job: bodyKey: .+; encoding: /);
    }
    expect(() => readJob(QUEUES.alerts, { data: undefined })).toThrow(
      /^invalid alerts job: \(payload\): /,
    );
  });
});

/** Every log line the service writes, parsed. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

/** A malformed job put straight on a service's queue, with attempts to spare. */
interface Malformed {
  queue: keyof typeof QUEUES;
  name: string;
  data: unknown;
  /** The refused field the failure must name. */
  field: string;
}

const MALFORMED: Malformed[] = [
  {
    queue: "ingest",
    name: "request",
    data: { bodyKey: 42, encoding: "protobuf" },
    field: "bodyKey",
  },
  {
    queue: "traces",
    name: "quiet",
    data: { traces: [{ traceId: "not-a-trace-id", lastSeenMs: 1 }] },
    field: "traces.0.traceId",
  },
  {
    queue: "evaluations",
    name: "groundedness@1",
    data: { evaluators: [], enqueuedAtMs: 1 },
    field: "evaluators",
  },
  { queue: "alerts", name: ALERTS_JUDGE_JOB, data: { rule: 7 }, field: "rule" },
  {
    queue: "webhooks",
    name: "webhooks",
    data: { delivery_id: "no spaces allowed" },
    field: "delivery_id",
  },
];

describe("a job that fails its queue's schema, on every queue of a running service", () => {
  let svc: TestService;
  let receiver: TestReceiver;
  const { logger, lines } = capturedLogger();

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    svc = await startTestService(
      {
        webhooks: [{ name: "oncall", url: receiver.url("/hook"), secret: "change-me-please" }],
        alert_rules: [
          {
            name: "gate",
            evaluator: "groundedness",
            window: "1m",
            aggregate: "mean",
            min_samples: 1,
            below: 0.5,
            notify: ["oncall"],
          },
        ],
      },
      { logger },
    );
  });
  afterAll(async () => {
    await svc?.stop();
    await receiver?.close();
  });

  it("is failed at once with a reason naming the queue and the field, logged, and the next good job is processed", async () => {
    const queues = svc.service.queues;
    const added: [Malformed, Job][] = [];
    for (const bad of MALFORMED) {
      // Five attempts: a failure that BullMQ retried would leave the job delayed, not failed.
      const job = await queues[bad.queue].add(bad.name, bad.data, {
        attempts: 5,
        backoff: { type: "fixed", delay: 50 },
      });
      added.push([bad, job]);
    }
    for (const [bad, job] of added) {
      const failed = await eventually(
        async () => {
          const found = await queues[bad.queue].getJob(job.id as string);
          return (await found?.getState()) === "failed" ? found : undefined;
        },
        10_000,
        `the malformed ${bad.queue} job failed`,
      );
      expect(failed.failedReason).toMatch(new RegExp(`^invalid ${bad.queue} job: `));
      expect(failed.failedReason).toContain(`${bad.field}: `);
      expect(failed.attemptsMade).toBe(1);
    }
    const logged = lines.filter((l) => l.msg === "invalid job failed without retry");
    expect(logged.map((l) => l.queue).sort()).toEqual(MALFORMED.map((b) => b.queue).sort());
    for (const bad of MALFORMED) {
      const line = logged.find((l) => l.queue === bad.queue);
      expect(line?.fields).toContain(bad.field);
      expect(line?.level).toBe(50);
    }

    // ingest and traces: a trace sent as an app sends it is assembled and judged inline.
    const spans = ragTraceSpans();
    const traceId = spans[0]?.spanContext().traceId as string;
    await exportSpans(svc.url, spans);
    await awaitTraceEvaluations(svc.url, traceId, 2);

    // evaluations: a job queued as assembly queues one is judged.
    const span = makeSpan({ traceId: "5cf92f3577b34da6a3ce929d0e0e4736", kind: "LLM" });
    await queueEvaluation(
      svc.config.database_url,
      queues.evaluations,
      [{ name: "groundedness", version: groundedness.version }],
      {
        span,
        question: "How long do I have to ask for a refund?",
        answer: "Refunds are accepted within 30 days.",
        context: [{ content: "Refunds are accepted within 30 days.", origin: "retrieval" }],
      },
    );
    const [verdict] = await awaitTraceEvaluations(svc.url, span.traceId, 1);
    expect(verdict?.status).toBe("ok");

    // alerts: a judge job for a configured rule completes.
    const redisUrl = new URL(REDIS_URL);
    const events = new QueueEvents(QUEUES.alerts.name, {
      connection: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) },
      prefix: svc.config.redis_prefix,
    });
    try {
      await events.waitUntilReady();
      // Delayed, so that it finishes after this test listens for it.
      const judge = await queues.alerts.add(
        ALERTS_JUDGE_JOB,
        { rule: "gate" },
        { delay: 300, jobId: "judge-after-malformed" },
      );
      const outcome = await judge.waitUntilFinished(events, 10_000);
      expect(outcome).toHaveProperty("notifications");
    } finally {
      await events.close();
    }

    // webhooks: a test notification is delivered.
    const res = await fetch(`${svc.url}/v1/alert-rules/gate/test`, { method: "POST" });
    expect(res.status).toBe(202);
    await eventually(
      async () => (receiver.received("/hook").length > 0 ? true : undefined),
      10_000,
      "the test notification",
    );
  });
});
