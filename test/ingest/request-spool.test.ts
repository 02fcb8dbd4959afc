import { gzipSync } from "node:zlib";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { Queue } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TraceBuffer } from "../../src/buffer/trace-buffer.ts";
import { RequestSpool } from "../../src/ingest/request-spool.ts";
import { processSpooledRequest } from "../../src/ingest/spooled-request-processor.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { normalizeSpan } from "../../src/normalize/normalize-span.ts";
import { createIngestQueue } from "../../src/queues/create-queues.ts";
import { IngestJobSchema } from "../../src/queues/payloads.ts";
import { RedactionConfigSchema } from "../../src/redact/redaction-config.ts";
import { createRedactor } from "../../src/redact/redactor.ts";
import { jsChatRecords, logsRequest } from "../logs/fixtures/genai-log-records.ts";
import { makeSpan } from "../support/llm-spans.ts";
import { ragTraceSpans } from "../support/otel-spans.ts";
import { deleteRedisPrefix, eventually, REDIS_URL, testRedisPrefix } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";

const prefix = testRedisPrefix();
let redis: Redis;
let queue: Queue;
let spool: RequestSpool;
let buffer: TraceBuffer;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = createIngestQueue({ connection: redis, prefix });
  spool = new RequestSpool(redis, queue, prefix, 60);
  buffer = new TraceBuffer(redis, prefix, 60);
});

afterAll(async () => {
  await queue.close();
  redis.disconnect();
  await deleteRedisPrefix(prefix);
});

const deps = () => ({
  spool,
  buffer,
  normalize: normalizeSpan,
  redact: createRedactor(RedactionConfigSchema.parse({})).redactSpan,
  metrics: createMetrics(),
  logger: pino({ level: "silent" }),
});

describe("the request spool", () => {
  it("holds an acknowledged body until a worker has buffered its spans, and a redo adds nothing", async () => {
    const spans = ragTraceSpans({ answer: "Refunds take 5 days. Call me at alice@example.com." });
    const traceId = spans[0]?.spanContext().traceId as string;
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
    // Spooled as the exporter sent it: gzip stays gzip until a worker reads it.
    const sent = gzipSync(body);
    await spool.put(sent, {
      encoding: "protobuf",
      coding: "gzip",
      bodyBytes: body.length,
      project: "checkout",
      spans: spans.length,
    });

    const [job] = await queue.getWaiting();
    const payload = IngestJobSchema.parse(job?.data);
    expect(payload).toMatchObject({
      encoding: "protobuf",
      coding: "gzip",
      project: "checkout",
      spans: 3,
    });
    expect(await redis.getBuffer(payload.bodyKey)).toEqual(sent);

    expect(await processSpooledRequest(payload, deps())).toEqual({ buffered: 3 });
    const buffered = await buffer.read(traceId);
    expect(buffered).toHaveLength(3);
    expect(buffered.every((s) => s.project === "checkout")).toBe(true);
    // Redacted on the way into the buffer, as ingest used to do it.
    expect(JSON.stringify(buffered)).not.toContain("alice@example.com");
    expect(await redis.exists(payload.bodyKey)).toBe(0);

    // A job redone after its body was dropped (its worker died before completing it).
    expect(await processSpooledRequest(payload, deps())).toEqual({ buffered: 0 });
    expect(await buffer.read(traceId)).toHaveLength(3);
  });

  it("counts the spans of a request that expired in the spool, and not those of a redone job", async () => {
    const metrics = createMetrics();
    const gone = {
      bodyKey: `${prefix}:ingest:body:gone`,
      signal: "traces" as const,
      encoding: "protobuf" as const,
      coding: "identity" as const,
      project: "default",
      spans: 7,
    };
    const run = (receivedAtMs: number) =>
      processSpooledRequest({ ...gone, receivedAtMs }, { ...deps(), metrics });
    // Younger than the TTL: a worker read it and died before completing the job.
    expect(await run(Date.now() - 1_000)).toEqual({ buffered: 0 });
    const rejected = async () =>
      (await metrics.spansRejected.get()).values.find((v) => v.labels.reason === "expired_in_spool")
        ?.value ?? 0;
    expect(await rejected()).toBe(0);
    // Older than the spool's TTL (60 s here): never read, and lost.
    expect(await run(Date.now() - 61_000)).toEqual({ buffered: 0 });
    expect(await rejected()).toBe(7);
  });

  it("keeps one copy of a span appended twice (a job redone before its body was dropped)", async () => {
    const traceId = "5bf92f3577b34da6a3ce929d0e0e4736";
    const first = makeSpan({ traceId, name: "first" });
    const second = makeSpan({ traceId, name: "second" });
    await buffer.append([first, second]);
    await buffer.append([{ ...first, name: "first again" }]);
    expect((await buffer.read(traceId)).map((s) => s.name).sort()).toEqual([
      "first again",
      "second",
    ]);
  });
});

describe("a spooled logs request", () => {
  const ids = { traceId: "9d3c2b1a0f9e8d7c6b5a493827161504", spanId: "a1b2c3d4e5f60718" };
  const prompt = { system: "Use the refund policy.", user: "Can I pay with alice@example.com?" };
  const logsJobs = async () =>
    (await queue.getWaiting())
      .filter((j) => j.data.signal === "logs")
      .map((j) => IngestJobSchema.parse(j.data));

  it("is held until a worker has buffered its content beside the span, and a redo adds nothing", async () => {
    await buffer.append([
      makeSpan({ ...ids, kind: "LLM", project: "checkout", name: "chat gpt-4o-mini" }),
    ]);
    const body = Buffer.from(JSON.stringify(logsRequest(jsChatRecords(ids, prompt, "Yes."))));
    const sent = gzipSync(body);
    const meta = {
      signal: "logs" as const,
      encoding: "json" as const,
      coding: "gzip" as const,
      bodyBytes: body.length,
      project: "checkout",
      spans: 3,
    };
    await spool.put(sent, meta);
    const [payload] = await logsJobs();
    if (!payload) throw new Error("no logs job spooled");
    expect(payload).toMatchObject(meta);

    expect(await processSpooledRequest(payload, deps())).toEqual({ buffered: 3 });
    expect(await redis.exists(payload.bodyKey)).toBe(0);
    const [span] = await buffer.read(ids.traceId);
    expect(span?.answer).toBe("Yes.");
    expect(span?.inputMessages.map((m) => m.role)).toEqual(["system", "user"]);
    // Redacted on the way into the buffer, as spans are.
    expect(span?.question).not.toContain("alice@example.com");
    expect(span?.question).toMatch(/^Can I pay with /);

    // The same job again (its worker died before completing it), and the exporter's retry of
    // the whole request: the span's messages stay as they were.
    expect(await processSpooledRequest(payload, deps())).toEqual({ buffered: 0 });
    await spool.put(sent, meta);
    const retried = (await logsJobs()).find((j) => j.bodyKey !== payload.bodyKey);
    if (!retried) throw new Error("no retried logs job spooled");
    expect(await processSpooledRequest(retried, deps())).toEqual({ buffered: 3 });
    const [again] = await buffer.read(ids.traceId);
    expect(again?.inputMessages).toHaveLength(2);
    expect(again?.outputMessages).toHaveLength(1);
  });

  it("counts the content records of a request that expired in the spool", async () => {
    const metrics = createMetrics();
    const expired = IngestJobSchema.parse({
      bodyKey: `${prefix}:ingest:body:gone-logs`,
      signal: "logs",
      encoding: "json",
      project: "default",
      spans: 4,
      receivedAtMs: Date.now() - 61_000,
    });
    expect(await processSpooledRequest(expired, { ...deps(), metrics })).toEqual({ buffered: 0 });
    const dropped = (await metrics.logRecordsDropped.get()).values;
    expect(dropped).toEqual([{ labels: { reason: "expired_in_spool" }, value: 4 }]);
    expect((await metrics.spansRejected.get()).values).toEqual([]);
  });
});

describe("ingest with no worker reading the spool", () => {
  let api: TestService | undefined;
  let worker: TestService | undefined;

  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
  });

  it("pushes back once the spool is full, and loses nothing it acknowledged when a worker comes", async () => {
    api = await startTestService(
      { backpressure: { max_spooled_requests: 2 } },
      { roles: { api: true, workers: false } },
    );
    const url = api.url;
    const send = (spans: ReturnType<typeof ragTraceSpans>) =>
      fetch(`${url}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf" },
        body: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array),
      });
    const accepted: string[] = [];
    // The spool's depth is sampled each second: requests pass until the sample sees two.
    const refused = await eventually(
      async () => {
        const spans = ragTraceSpans();
        const res = await send(spans);
        if (res.status === 200) accepted.push(spans[0]?.spanContext().traceId as string);
        return res.status === 429 ? res : undefined;
      },
      10_000,
      "a 429 from a full spool",
    );
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(accepted.length).toBeGreaterThanOrEqual(2);

    worker = await startTestService({}, { roles: { api: false, workers: true }, shareWith: api });
    for (const traceId of accepted) {
      await awaitTraceEvaluations(url, traceId, 2, 20_000);
    }
    const left = await redis.keys(`${api.config.redis_prefix}:ingest:body:*`);
    expect(left).toEqual([]);
  });
});
