import { gzipSync } from "node:zlib";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../src/api/auth.ts";
import { ExportLogsServiceRequest, ExportLogsServiceResponse } from "../../src/otlp/proto.ts";
import {
  contentlessChatSpan,
  jsChatRecords,
  keyValues,
  logsRequest,
  pythonChatRecords,
  pythonOperationDetailsRecord,
  type RecordIds,
} from "../logs/fixtures/genai-log-records.ts";
import { metricLines } from "../support/service-metrics.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";

const PROMPT = {
  system:
    "Answer from this policy only.\n\nPolicy: Refunds are accepted within 30 days of purchase with the original receipt.",
  user: "How long do I have to request a refund?",
};
const ANSWER = "You can request a refund within 30 days of purchase, with the original receipt.";

let ids = 0;
/** Fresh trace and span ids for each scenario. */
function freshIds(): RecordIds {
  ids += 1;
  const n = ids.toString(16);
  return { traceId: `7a1c${n.padStart(28, "0")}`, spanId: `5e${n.padStart(14, "0")}` };
}

interface Sent {
  status: number;
  headers: Headers;
  body: Buffer;
}

async function post(
  url: string,
  path: string,
  body: Buffer | object,
  options: { type?: string; gzip?: boolean; key?: string } = {},
): Promise<Sent> {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: {
      "content-type": options.type ?? "application/json",
      ...(options.gzip ? { "content-encoding": "gzip" } : {}),
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
    },
    body: options.gzip ? gzipSync(raw) : raw,
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const json = (sent: Sent) => JSON.parse(sent.body.toString("utf8"));

/** An OTLP/JSON logs request as protobuf: ids from hex to bytes, the rest as protobufjs reads it. */
function protobufLogs(request: object): Buffer {
  const withBytes = JSON.parse(JSON.stringify(request), (key, value) =>
    (key === "traceId" || key === "spanId") && typeof value === "string"
      ? Buffer.from(value, "hex")
      : value,
  );
  const message = ExportLogsServiceRequest.fromObject(withBytes);
  return Buffer.from(ExportLogsServiceRequest.encode(message).finish());
}

/** What the service stored and judged for the span. */
async function judged(svc: TestService, span: RecordIds) {
  const events = await awaitTraceEvaluations(svc.url, span.traceId, 2);
  const db = new pg.Client({ connectionString: svc.config.database_url });
  await db.connect();
  try {
    const { rows } = await db.query<{
      question: string | null;
      answer: string | null;
      context: { content: string }[];
      model: string | null;
    }>("SELECT question, answer, context, model FROM spans WHERE trace_id = $1 AND span_id = $2", [
      span.traceId,
      span.spanId,
    ]);
    return {
      question: rows[0]?.question,
      answer: rows[0]?.answer,
      context: rows[0]?.context.map((d) => d.content),
      model: rows[0]?.model,
      verdicts: events
        .map((e) => ({ evaluator: e.evaluator, status: e.status, passed: e.passed }))
        .sort((a, b) => a.evaluator.localeCompare(b.evaluator)),
    };
  } finally {
    await db.end();
  }
}

const JUDGED = {
  question: PROMPT.user,
  answer: ANSWER,
  context: [PROMPT.system],
  model: "gpt-4o-mini-2024-07-18",
  verdicts: [
    { evaluator: "groundedness", status: "ok", passed: true },
    { evaluator: "hallucination", status: "ok", passed: true },
  ],
};

describe("POST /v1/logs joins GenAI content to its span", () => {
  let svc: TestService;
  beforeAll(async () => {
    // Records and spans sent one after the other must land within one trace wait, even on a
    // loaded machine.
    svc = await startTestService({ trace_wait_ms: 1_000 });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("log records that arrive before their span (OTLP/JSON)", async () => {
    const span = freshIds();
    const logs = await post(svc.url, "/v1/logs", logsRequest(jsChatRecords(span, PROMPT, ANSWER)));
    expect(logs.status).toBe(200);
    expect(json(logs)).toEqual({});
    expect((await post(svc.url, "/v1/traces", contentlessChatSpan(span))).status).toBe(200);
    expect(await judged(svc, span)).toEqual(JUDGED);
  });

  it("log records that arrive after their span (gzip)", async () => {
    const span = freshIds();
    expect((await post(svc.url, "/v1/traces", contentlessChatSpan(span))).status).toBe(200);
    const body = logsRequest(jsChatRecords(span, PROMPT, ANSWER));
    expect((await post(svc.url, "/v1/logs", body, { gzip: true })).status).toBe(200);
    expect(await judged(svc, span)).toEqual(JUDGED);
  });

  it("the Python openai-v2 instrumentation's default events (protobuf, event_name field)", async () => {
    const span = freshIds();
    const body = protobufLogs(logsRequest(pythonChatRecords(span, PROMPT, ANSWER)));
    const logs = await post(svc.url, "/v1/logs", body, { type: "application/x-protobuf" });
    expect(logs.status).toBe(200);
    expect(logs.headers.get("content-type")).toBe("application/x-protobuf");
    expect((await post(svc.url, "/v1/traces", contentlessChatSpan(span))).status).toBe(200);
    expect(await judged(svc, span)).toEqual(JUDGED);
  });

  it("the Python openai-v2 operation-details event (gen_ai_latest_experimental, attributes)", async () => {
    const span = freshIds();
    const body = logsRequest([pythonOperationDetailsRecord(span, PROMPT, ANSWER)]);
    expect((await post(svc.url, "/v1/traces", contentlessChatSpan(span))).status).toBe(200);
    expect((await post(svc.url, "/v1/logs", body, { gzip: true })).status).toBe(200);
    expect(await judged(svc, span)).toEqual(JUDGED);
  });

  it("accepts, counts and drops every other log record", async () => {
    const span = freshIds();
    const before = await metricLines(svc.url, "tracejudge_log_records_dropped_total");
    const sent = await post(
      svc.url,
      "/v1/logs",
      logsRequest([
        { body: { stringValue: "GET /healthz 200" }, severityNumber: 9 },
        { ...span, body: { stringValue: "cache miss" }, attributes: keyValues({ k: "v" }) },
        // A GenAI event with no span to join.
        {
          eventName: "gen_ai.user.message",
          body: { kvlistValue: { values: keyValues({ content: "hi" }) } },
        },
      ]),
    );
    expect(sent.status).toBe(200);
    expect(json(sent)).toEqual({});
    expect(before).toEqual([]);
    expect(await metricLines(svc.url, "tracejudge_log_records_dropped_total")).toEqual([
      'tracejudge_log_records_dropped_total{reason="no_span"} 1',
      'tracejudge_log_records_dropped_total{reason="not_genai_content"} 2',
    ]);
  });

  it("answers partial success naming the records it rejects, in the request's encoding", async () => {
    const span = freshIds();
    const records = [
      ...jsChatRecords(span, PROMPT, ANSWER).slice(0, 1),
      { ...span, traceId: "abc", eventName: "gen_ai.user.message" },
    ];
    const sent = await post(svc.url, "/v1/logs", logsRequest(records));
    expect(sent.status).toBe(200);
    expect(json(sent)).toEqual({
      partialSuccess: {
        rejectedLogRecords: "1",
        errorMessage: "1 log record(s): traceId must be 16 bytes (32 hex digits)",
      },
    });
    const proto = await post(
      svc.url,
      "/v1/logs",
      protobufLogs(logsRequest([{ ...span, spanId: "00" }])),
      {
        type: "application/x-protobuf",
      },
    );
    expect(proto.status).toBe(200);
    const response = ExportLogsServiceResponse.toObject(
      ExportLogsServiceResponse.decode(proto.body),
      {
        longs: String,
      },
    );
    expect(response).toEqual({
      partialSuccess: {
        rejectedLogRecords: "1",
        errorMessage: "1 log record(s): spanId must be 8 bytes (16 hex digits)",
      },
    });
  });

  it("answers 400 naming what is wrong with a malformed body, and 415 for another type", async () => {
    const cases: [Buffer | object, string, RegExp][] = [
      [{ resourceLogs: { scopeLogs: [] } }, "application/json", /resourceLogs must be an array/],
      [
        { resourceLogs: [{ scopeLogs: [{ logRecords: "x" }] }] },
        "application/json",
        /logRecords must be an array/,
      ],
      [Buffer.from("{not json"), "application/json", /the body is not valid JSON/],
      [
        Buffer.from([0x0a, 0xff, 0xff, 0xff]),
        "application/x-protobuf",
        /not a protobuf ExportLogsServiceRequest/,
      ],
    ];
    for (const [body, type, message] of cases) {
      const sent = await post(svc.url, "/v1/logs", body, { type });
      expect(sent.status).toBe(400);
      const text = type === "application/json" ? json(sent).message : sent.body.toString("latin1");
      expect(text).toMatch(message);
    }
    const notGzip = await fetch(`${svc.url}/v1/logs`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: "{}",
    });
    expect(notGzip.status).toBe(400);
    expect(((await notGzip.json()) as { message: string }).message).toMatch(
      /the body is not valid gzip data/,
    );
    const wrongType = await post(svc.url, "/v1/logs", Buffer.from("hello"), { type: "text/plain" });
    expect(wrongType.status).toBe(415);
  });
});

describe("POST /v1/logs under API keys and back-pressure", () => {
  const KEY = "tj_rag_logs_Wq71zPd3";
  let svc: TestService;
  beforeAll(async () => {
    // A long trace wait keeps traces pending, so the back-pressure bound is reached and stays.
    svc = await startTestService({
      trace_wait_ms: 60_000,
      auth: { keys: [{ name: "rag-ingest", project: "rag", sha256: hashKey(KEY) }] },
      backpressure: { max_pending_traces: 2, max_waiting_evaluations: 1000, retry_after_s: 9 },
    } as never);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("needs a key, takes a project's key, and pushes back with 429 and Retry-After", async () => {
    const request = () => logsRequest(jsChatRecords(freshIds(), PROMPT, ANSWER));
    const anonymous = await post(svc.url, "/v1/logs", request());
    expect(anonymous.status).toBe(401);
    expect((await post(svc.url, "/v1/logs", request(), { key: "tj_wrong" })).status).toBe(401);
    // Content for two traces: both wait in the trace buffer, which reaches its bound.
    expect((await post(svc.url, "/v1/logs", request(), { key: KEY })).status).toBe(200);
    expect((await post(svc.url, "/v1/logs", request(), { key: KEY })).status).toBe(200);
    const pushed = await eventually(
      async () => {
        const sent = await post(svc.url, "/v1/logs", request(), { key: KEY });
        return sent.status === 429 ? sent : undefined;
      },
      10_000,
      "a 429",
    );
    expect(pushed.headers.get("retry-after")).toBe("9");
    expect(json(pushed).message).toMatch(/traces are waiting/);
  });
});
