import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  contentlessChatSpan,
  jsChatRecords,
  logsRequest,
} from "../logs/fixtures/genai-log-records.ts";
import { writeEvaluatorModule } from "../support/evaluator-module.ts";
import { exportSpans, ragTraceSpans } from "../support/otel-spans.ts";
import { keysHolding } from "../support/redis-contents.ts";
import { REDIS_URL } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";

/** What redaction masks (an OpenAI key, an email address): never in Redis before the queue. */
const SECRETS = ["sk-proj-Tj9SECRETq7Wz2Lm4Xv8Rb1Nc5", "jane.tjsecret@example.com"];
/** An ordinary word beside them, which redaction keeps: where the spans are, it is too. */
const MARKER = "quokkamarmalade";
const QUESTION = `I am ${SECRETS[1]} and my key ${SECRETS[0]} fails: is the ${MARKER} plan refundable?`;
const ANSWER = "Yes, the plan is refundable within 30 days of purchase.";

/**
 * Runs on the evaluations queue (not inline at assembly) and takes its time, so its job, and
 * whatever the job carries, sits in Redis while the scans below read it.
 */
const SLOW_EVALUATOR = `export const slow = defineEvaluator({
  name: "test.slow", version: "1",
  evaluate: async () => {
    await new Promise((resolve) => setTimeout(resolve, 600));
    return { score: 1, passed: true, explanation: "fine" };
  },
});
`;

async function post(url: string, path: string, body: object): Promise<number> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([
  { beforeQueue: true, holds: "nothing unredacted" },
  { beforeQueue: false, holds: "the raw request until a worker reads it" },
])("redaction.before_queue: $beforeQueue: Redis holds $holds", ({ beforeQueue }) => {
  const module = writeEvaluatorModule(SLOW_EVALUATOR);
  const overrides = {
    redaction: { before_queue: beforeQueue },
    evaluator_modules: [module],
  };
  let api: TestService;
  let worker: TestService | undefined;
  let redis: Redis;

  beforeAll(async () => {
    // The API alone first: what ingest wrote is all Redis holds until a worker starts.
    api = await startTestService(overrides, { roles: { api: true, workers: false } });
    redis = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    redis?.disconnect();
  });

  it("after ingest, while evaluating and after evaluation", async () => {
    const prefix = api.config.redis_prefix;
    const needles = [...SECRETS, MARKER];
    // A span holding the secrets in its prompt (protobuf, uncompressed, as the SDK sends it)...
    const spans = ragTraceSpans({ question: QUESTION, answer: ANSWER });
    const spanTrace = spans[0]?.spanContext().traceId as string;
    await exportSpans(api.url, spans);
    // ...and a span whose prompt comes in GenAI log records (OTLP/JSON).
    const logged = {
      traceId: randomBytes(16).toString("hex"),
      spanId: randomBytes(8).toString("hex"),
    };
    expect(await post(api.url, "/v1/traces", contentlessChatSpan(logged))).toBe(200);
    const records = jsChatRecords(logged, { system: "Answer briefly.", user: QUESTION }, ANSWER);
    expect(await post(api.url, "/v1/logs", logsRequest(records))).toBe(200);

    const afterIngest = await keysHolding(redis, prefix, needles);
    if (beforeQueue) {
      for (const secret of SECRETS) expect(afterIngest.get(secret)).toEqual([]);
      // The scan reads where the spans are: the redacted prompt is in the trace buffer.
      expect(afterIngest.get(MARKER)?.some((key) => key.includes(":trace:"))).toBe(true);
    } else {
      // The spooled bodies hold the prompt as it came: the check above can fail.
      for (const secret of SECRETS) {
        expect(
          afterIngest.get(secret)?.filter((key) => key.includes(":ingest:body:")),
        ).toHaveLength(2);
      }
    }

    // A worker assembles both traces, runs the built-ins inline and queues `test.slow`; Redis is
    // scanned all along (the jobs are removed once done).
    worker = await startTestService(overrides, {
      roles: { api: false, workers: true },
      shareWith: api,
    });
    const seen = new Map<string, Set<string>>(needles.map((n) => [n, new Set()]));
    const record = (found: Map<string, string[]>) => {
      for (const [needle, keys] of found) for (const key of keys) seen.get(needle)?.add(key);
    };
    let scanning = true;
    const scans = (async () => {
      while (scanning) {
        record(await keysHolding(redis, prefix, needles));
        await sleep(50);
      }
    })();
    try {
      for (const traceId of [spanTrace, logged.traceId]) {
        const events = await awaitTraceEvaluations(api.url, traceId, 3);
        expect(events.map((e) => e.evaluator).sort()).toEqual([
          "groundedness",
          "hallucination",
          "test.slow",
        ]);
      }
    } finally {
      scanning = false;
      await scans;
    }
    const afterEvaluation = await keysHolding(redis, prefix, needles);
    record(afterEvaluation);

    // Workers redact before they write anything: once they dropped the spooled bodies, no raw
    // text is left in either mode; only the setting keeps it out of Redis from the start.
    for (const secret of SECRETS) expect(afterEvaluation.get(secret)).toEqual([]);
    expect(afterEvaluation.get(MARKER)?.some((key) => key.includes(":trace:"))).toBe(true);
    if (beforeQueue) {
      for (const secret of SECRETS) expect([...(seen.get(secret) ?? [])]).toEqual([]);
      // Nothing went through the spool.
      expect([...(seen.get(MARKER) ?? [])].some((key) => key.includes(":ingest:body:"))).toBe(
        false,
      );
    }
  });
});
