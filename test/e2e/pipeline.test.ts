import { gzipSync } from "node:zlib";
import { ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter as OTLPHttpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ragTraceSpans } from "../support/otel-spans.ts";
import { metricSum } from "../support/service-metrics.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({
    server: { host: "127.0.0.1", port: 0, max_body_bytes: 512 * 1024 },
  });
});

afterAll(async () => {
  await svc?.stop();
});

function exportSpans(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(spans, (result) =>
      result.code === ExportResultCode.SUCCESS
        ? resolve()
        : reject(result.error ?? new Error("export failed")),
    ),
  );
}

interface ApiEvent {
  trace_id: string;
  span_id: string;
  evaluator: string;
  evaluator_version: string;
  status: string;
  score: number | null;
  label: string | null;
  passed: boolean | null;
  service_name: string | null;
  service_version: string | null;
  model: string | null;
  span_name: string | null;
  created_at: string;
}

async function traceEvaluations(traceId: string): Promise<ApiEvent[]> {
  const res = await fetch(`${svc.url}/v1/traces/${traceId}/evaluations`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { evaluations: ApiEvent[] }).evaluations;
}

const metric = (name: string) => metricSum(svc.url, name);

/** Waits until nothing is pending or queued, so that "no duplicate" is checked after the redo ran. */
async function settled(): Promise<void> {
  await eventually(
    async () => {
      const pending = await metric("tracejudge_pending_traces");
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      const busy = text
        .split("\n")
        .filter(
          (l) =>
            l.startsWith("tracejudge_queue_depth{") && /state="(waiting|active|delayed)"/.test(l),
        )
        .some((l) => Number(l.split(" ").pop()) > 0);
      return pending === 0 && !busy ? true : undefined;
    },
    20_000,
    "the pipeline to settle",
  );
}

describe("OTLP in, eval events out", () => {
  it("evaluates the LLM span of a RAG trace exported with the real OTLP/protobuf exporter, once, even when sent twice", async () => {
    const spans = ragTraceSpans({ release: "v42" });
    const llm = spans.find((s) => s.name === "ChatCompletion");
    if (!llm) throw new Error("no LLM span");
    const traceId = llm.spanContext().traceId;
    const exporter = new OTLPProtoExporter({ url: `${svc.url}/v1/traces` });

    await exportSpans(exporter, spans);
    const events = await eventually(
      async () => {
        const found = await traceEvaluations(traceId);
        return found.length >= 2 ? found : undefined;
      },
      20_000,
      "two eval events",
    );

    expect(events.map((e) => e.evaluator).sort()).toEqual(["groundedness", "hallucination"]);
    for (const event of events) {
      expect(event.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(event.span_id).toBe(llm.spanContext().spanId);
      expect(event.status).toBe("ok");
      expect(event.score).toBeGreaterThanOrEqual(0);
      expect(event.score).toBeLessThanOrEqual(1);
      expect(event).toMatchObject({
        service_name: "support-bot",
        service_version: "v42",
        model: "gpt-4o-mini",
        span_name: "ChatCompletion",
      });
      expect(typeof event.passed).toBe("boolean");
      expect(Date.parse(event.created_at)).not.toBeNaN();
    }

    // The same request again (an exporter retry): assembled again, evaluated never twice.
    const assembledBefore = await metric("tracejudge_traces_assembled_total");
    await exportSpans(exporter, spans);
    await eventually(
      async () =>
        (await metric("tracejudge_traces_assembled_total")) > assembledBefore ? true : undefined,
      20_000,
      "the redelivered trace to be assembled",
    );
    await settled();
    expect(await traceEvaluations(traceId)).toHaveLength(2);
    await exporter.shutdown();
  });

  it("takes OTLP/JSON with gzip from the real HTTP exporter, and queries by span, evaluator and cursor", async () => {
    const spans = ragTraceSpans({
      answer: "You can get a refund within 90 days, no receipt needed.",
    });
    const llm = spans.find((s) => s.name === "ChatCompletion");
    if (!llm) throw new Error("no LLM span");
    const traceId = llm.spanContext().traceId;
    const exporter = new OTLPHttpJsonExporter({
      url: `${svc.url}/v1/traces`,
      compression: "gzip" as never,
    });
    await exportSpans(exporter, spans);
    await awaitTraceEvaluations(svc.url, traceId, 2);

    const bySpan = await fetch(
      `${svc.url}/v1/evaluations?trace_id=${traceId}&span_id=${llm.spanContext().spanId}&evaluator=groundedness`,
    );
    const body = (await bySpan.json()) as { evaluations: ApiEvent[]; next_cursor: string | null };
    expect(body.evaluations).toHaveLength(1);
    expect(body.evaluations[0]?.evaluator).toBe("groundedness");

    const first = (await (
      await fetch(`${svc.url}/v1/evaluations?trace_id=${traceId}&limit=1`)
    ).json()) as {
      evaluations: ApiEvent[];
      next_cursor: string;
    };
    expect(first.evaluations).toHaveLength(1);
    const second = (await (
      await fetch(
        `${svc.url}/v1/evaluations?trace_id=${traceId}&limit=1&cursor=${first.next_cursor}`,
      )
    ).json()) as {
      evaluations: ApiEvent[];
      next_cursor: string | null;
    };
    expect(second.evaluations).toHaveLength(1);
    expect(second.evaluations[0]?.evaluator).not.toBe(first.evaluations[0]?.evaluator);
    expect(second.next_cursor).toBeNull();
    await exporter.shutdown();
  });

  it("answers bad queries with 400 naming the parameter", async () => {
    const res = await fetch(`${svc.url}/v1/evaluations?trace_id=xyz&limit=0&colour=red`);
    expect(res.status).toBe(400);
    const { message } = (await res.json()) as { message: string };
    expect(message).toMatch(/trace_id: must be 32 hex digits/);
    expect(message).toMatch(/limit/);
    expect(message).toMatch(/unknown parameter\(s\): colour/);
    expect((await fetch(`${svc.url}/v1/traces/not-a-trace/evaluations`)).status).toBe(400);
  });
});

describe("bad payloads", () => {
  const post = (body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${svc.url}/v1/traces`, { method: "POST", body, headers });

  it("answers each with the right status and a message, and stays healthy", async () => {
    const garbage = await post(Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0xde, 0xad]), {
      "content-type": "application/x-protobuf",
    });
    expect(garbage.status).toBe(400);
    expect(garbage.headers.get("content-type")).toMatch(/application\/x-protobuf/);

    const wrongTypes = await post(JSON.stringify({ resourceSpans: { not: "an array" } }), {
      "content-type": "application/json",
    });
    expect(wrongTypes.status).toBe(400);
    expect(((await wrongTypes.json()) as { message: string }).message).toMatch(
      /resourceSpans must be an array/,
    );

    const notJson = await post("{oops", { "content-type": "application/json" });
    expect(notJson.status).toBe(400);

    const badIds = await post(
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  { traceId: "123", spanId: "00f067aa0ba902b7", name: "x" },
                  {
                    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
                    spanId: "00f067aa0ba902b7",
                    name: "ok",
                  },
                ],
              },
            ],
          },
        ],
      }),
      { "content-type": "application/json" },
    );
    expect(badIds.status).toBe(200);
    const partial = (await badIds.json()) as {
      partialSuccess: { rejectedSpans: string; errorMessage: string };
    };
    expect(partial.partialSuccess.rejectedSpans).toBe("1");
    expect(partial.partialSuccess.errorMessage).toMatch(/traceId must be 16 bytes/);

    const oversized = await post(Buffer.alloc(600 * 1024, 1), {
      "content-type": "application/x-protobuf",
    });
    expect(oversized.status).toBe(413);

    // 5 KB of gzip that inflates past the limit.
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0));
    expect(bomb.length).toBeLessThan(512 * 1024);
    const bombed = await post(bomb, {
      "content-type": "application/x-protobuf",
      "content-encoding": "gzip",
    });
    expect(bombed.status).toBe(413);

    const notGzip = await post("plain", {
      "content-type": "application/json",
      "content-encoding": "gzip",
    });
    expect(notGzip.status).toBe(400);

    const unknownType = await post("hello", { "content-type": "text/plain" });
    expect(unknownType.status).toBe(415);

    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${svc.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: "ready",
      checks: { redis: "ok", postgres: "ok", migrations: "ok" },
    });
    expect(await metric("tracejudge_ingest_requests_rejected_total")).toBeGreaterThan(0);
  });
});
