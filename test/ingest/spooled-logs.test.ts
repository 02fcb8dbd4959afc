import { gzipSync } from "node:zlib";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TraceBuffer } from "../../src/buffer/trace-buffer.ts";
import { INGEST_QUEUE, IngestJobSchema, RequestSpool } from "../../src/ingest/request-spool.ts";
import { processSpooledRequest } from "../../src/ingest/spooled-request-processor.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { normalizeSpan } from "../../src/normalize/normalize-span.ts";
import { RedactionConfigSchema } from "../../src/redact/redaction-config.ts";
import { createRedactor } from "../../src/redact/redactor.ts";
import type { LlmSpan } from "../../src/span/llm-span.ts";
import { jsChatRecords, logsRequest } from "../logs/fixtures/genai-log-records.ts";
import { makeSpan } from "../support/llm-spans.ts";
import { deleteRedisPrefix, REDIS_URL, testRedisPrefix } from "../support/services.ts";

const prefix = testRedisPrefix();
let redis: Redis;
let queue: Queue;
let spool: RequestSpool;
let buffer: TraceBuffer;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue(INGEST_QUEUE, { connection: redis, prefix });
  spool = new RequestSpool(redis, queue, prefix, 60);
  buffer = new TraceBuffer(redis, prefix, 60);
});

afterAll(async () => {
  await queue.close();
  redis.disconnect();
  await deleteRedisPrefix(prefix);
});

const IDS = { traceId: "9d3c2b1a0f9e8d7c6b5a493827161504", spanId: "a1b2c3d4e5f60718" };
const PROMPT = { system: "Use the refund policy.", user: "Can I pay with alice@example.com?" };

describe("a spooled logs request", () => {
  it("is held until a worker has buffered its content beside the span, and a redo adds nothing", async () => {
    await buffer.append([
      makeSpan({ ...IDS, kind: "LLM", project: "checkout", name: "chat gpt-4o-mini" }),
    ]);
    const body = Buffer.from(JSON.stringify(logsRequest(jsChatRecords(IDS, PROMPT, "Yes."))));
    const sent = gzipSync(body);
    await spool.put(sent, {
      signal: "logs",
      encoding: "json",
      coding: "gzip",
      bodyBytes: body.length,
      project: "checkout",
      spans: 3,
    });
    const [job] = await queue.getWaiting();
    const payload = IngestJobSchema.parse(job?.data);
    expect(payload).toMatchObject({ signal: "logs", coding: "gzip", spans: 3 });

    const metrics = createMetrics();
    const deps = {
      spool,
      buffer,
      normalize: normalizeSpan,
      redact: createRedactor(RedactionConfigSchema.parse({})).redactSpan,
      metrics,
      logger: pino({ level: "silent" }),
    };
    expect(await processSpooledRequest(payload, deps)).toEqual({ buffered: 3 });
    expect(await redis.exists(payload.bodyKey)).toBe(0);
    const [span] = await buffer.read(IDS.traceId);
    expect(span?.answer).toBe("Yes.");
    expect(span?.inputMessages.map((m) => m.role)).toEqual(["system", "user"]);
    // Redacted on the way into the buffer, as spans are.
    expect(span?.question).not.toContain("alice@example.com");
    expect(span?.question).toMatch(/^Can I pay with /);

    // The same job again (its worker died before completing it), and the exporter's retry of
    // the whole request: the span's messages stay as they were.
    expect(await processSpooledRequest(payload, deps)).toEqual({ buffered: 0 });
    const { signal, encoding, coding, bodyBytes, project, spans } = payload;
    await spool.put(sent, { signal, encoding, coding, bodyBytes: bodyBytes ?? 0, project, spans });
    const retried = IngestJobSchema.parse(
      (await queue.getWaiting()).find((j) => j.id !== job?.id)?.data,
    );
    expect(await processSpooledRequest(retried, deps)).toEqual({ buffered: 3 });
    const [again] = await buffer.read(IDS.traceId);
    expect(again?.inputMessages).toHaveLength(2);
    expect(again?.outputMessages).toHaveLength(1);
  });

  it("counts the content records of a request that expired in the spool", async () => {
    const metrics = createMetrics();
    const expired = IngestJobSchema.parse({
      bodyKey: `${prefix}:ingest:body:gone`,
      signal: "logs",
      encoding: "json",
      project: "default",
      spans: 4,
      receivedAtMs: Date.now() - 61_000,
    });
    const deps = {
      spool,
      buffer,
      normalize: normalizeSpan,
      redact: (span: LlmSpan) => span,
      metrics,
      logger: pino({ level: "silent" }),
    };
    expect(await processSpooledRequest(expired, deps)).toEqual({ buffered: 0 });
    const dropped = (await metrics.logRecordsDropped.get()).values;
    expect(dropped).toEqual([{ labels: { reason: "expired_in_spool" }, value: 4 }]);
  });
});
