import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import { ExportTraceServiceRequest } from "../../src/otlp/proto.ts";
import { FakeOpenAIServer } from "../support/fake-openai-server.ts";
import { exportSpans } from "../support/otel-spans.ts";
import { metricLines } from "../support/service-metrics.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";

const VERSION = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, "../../package.json"), "utf8"),
).version as string;

/** What the judge's answers count, so the token and cost metrics have exact values to meet. */
const USAGE = { prompt_tokens: 100, completion_tokens: 20 };

/**
 * One OTel GenAI chat span, as the OpenAI instrumentations emit it, with the id the provider gave
 * its answer (`gen_ai.response.id`).
 */
function chatSpan(answer: string, responseId?: string): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "support-bot" }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const span = provider.getTracer("test-genai-app").startSpan("chat gpt-4o-mini", {
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
      ...(responseId ? { "gen_ai.response.id": responseId } : {}),
      "gen_ai.input.messages": JSON.stringify([
        { role: "user", parts: [{ type: "text", content: "Can I get a refund?" }] },
      ]),
      "gen_ai.output.messages": JSON.stringify([
        { role: "assistant", parts: [{ type: "text", content: answer }] },
      ]),
    },
  });
  span.end();
  return exporter.getFinishedSpans();
}

/** The value of the one sample `name{labels}` on the service's `/metrics` (undefined if absent). */
async function sample(
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const lines = await metricLines(svc.url, `${name}`);
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const found = lines.filter((line) => {
    const [series] = line.split(" ");
    if (series !== name && !series?.startsWith(`${name}{`)) return false;
    return wanted.every((pair) => series.includes(pair));
  });
  if (found.length > 1) throw new Error(`several samples of ${name} match ${wanted.join(",")}`);
  return found[0] === undefined ? undefined : Number(found[0].split(" ").pop());
}

type KV = { key: string; value: { stringValue?: string } };
interface ReceivedLogs {
  resource: Record<string, string | undefined>;
  record: { eventName: string; traceId: string; spanId: string; attributes: KV[] };
}

/** One of tracejudge's own spans as the collector received it (ids in hex). */
interface ReceivedSpan {
  resource: Record<string, string | undefined>;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  status: { code?: number; message?: string };
}

let judgeServer: FakeOpenAIServer;
let svc: TestService;
/**
 * The platform's collector: a real OTLP/HTTP receiver on loopback, logs in JSON (as configured)
 * and traces in protobuf (what tracejudge sends its own spans as).
 */
let collector: Server;
const logs: ReceivedLogs[] = [];
const spans: ReceivedSpan[] = [];

/** Reads a protobuf traces export into `spans`. */
function receiveSpans(body: Buffer): void {
  const hex = (b64: unknown) => Buffer.from(String(b64 ?? ""), "base64").toString("hex");
  const value = (v: Record<string, unknown>) => Object.values(v)[0];
  // biome-ignore lint/suspicious/noExplicitAny: the decoded OTLP message, read as the test needs
  const request: any = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), {
    longs: String,
    bytes: String,
    arrays: true,
  });
  for (const rs of request.resourceSpans) {
    const resource = Object.fromEntries(
      (rs.resource.attributes as KV[]).map((a) => [a.key, a.value.stringValue]),
    );
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans)
        spans.push({
          resource,
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          name: span.name,
          kind: span.kind,
          attributes: Object.fromEntries(
            span.attributes.map((a: { key: string; value: Record<string, unknown> }) => [
              a.key,
              value(a.value),
            ]),
          ),
          links: span.links.map((l: { traceId: string; spanId: string }) => ({
            traceId: hex(l.traceId),
            spanId: hex(l.spanId),
          })),
          status: span.status ?? {},
        });
  }
}

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/v1/traces") {
        receiveSpans(Buffer.concat(chunks));
        res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString());
      for (const rl of body.resourceLogs ?? []) {
        const resource = Object.fromEntries(
          (rl.resource.attributes as KV[]).map((a) => [a.key, a.value.stringValue]),
        );
        for (const sl of rl.scopeLogs ?? [])
          for (const record of sl.logRecords) logs.push({ resource, record });
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  // The export and the service's resource, as a deployment's environment sets them.
  const fromEnv = loadConfig({
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_SERVICE_NAME: "tracejudge-eu",
    OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=staging,k8s.pod.name=tracejudge-0",
    OTEL_TRACES_EXPORTER: "otlp",
  });
  judgeServer = await FakeOpenAIServer.start(() => ({
    content: { reasoning: "Courteous.", verdict: true },
    usage: USAGE,
  }));
  svc = await startTestService({
    judge: {
      base_url: judgeServer.baseUrl,
      api_key: "test-key",
      model: "gpt-4o-mini",
      max_retries: 0,
      // One failure opens the circuit, and it stays open through the test.
      circuit_breaker: { failures: 1, cooldown_ms: 600_000 },
    },
    judges: [
      {
        name: "politeness",
        version: "1",
        prompt: "Is this reply to a customer polite?\n\nReply:\n{{answer}}",
        output: { type: "boolean" },
        threshold: 0.5,
      },
    ],
    evaluators: [
      { name: "groundedness", enabled: false },
      { name: "hallucination", enabled: false },
    ],
    workers: { attempts: 1 },
    evaluation_export: fromEnv.evaluation_export,
    resource_attributes: fromEnv.resource_attributes,
    self_tracing: fromEnv.self_tracing,
  });
});

afterAll(async () => {
  await svc?.stop();
  await judgeServer?.close();
  await new Promise((resolve) => collector?.close(resolve));
});

async function judge(answer: string, responseId: string) {
  const spans = chatSpan(answer, responseId);
  const traceId = spans[0]?.spanContext().traceId as string;
  await exportSpans(svc.url, spans);
  const [event] = await awaitTraceEvaluations(svc.url, traceId, 1, 20_000);
  return { traceId, event };
}

describe("the service's own metrics on /metrics", () => {
  it("has the build, and the process and Node.js default metrics under their standard names", async () => {
    expect(await sample("tracejudge_build_info", { version: VERSION })).toBe(1);
    expect(await metricLines(svc.url, "tracejudge_build_info{")).toEqual([
      `tracejudge_build_info{version="${VERSION}",node_version="${process.version}"} 1`,
    ]);
    expect(await sample("process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(await sample("process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(await sample("nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    expect(await metricLines(svc.url, "nodejs_eventloop_lag_seconds ")).toHaveLength(1);
  });

  it("counts a judged span's judge call: outcome, tokens, cost and latency, with the circuit closed", async () => {
    const labels = { model: "gpt-4o-mini", outcome: "ok" };
    expect(await sample("tracejudge_judge_requests_total", labels)).toBeUndefined();
    const { event } = await judge("Of course! Refunds are accepted within 30 days.", "chatcmpl-1");
    expect(event?.status).toBe("ok");

    expect(await sample("tracejudge_judge_requests_total", labels)).toBe(1);
    const tokens = { model: "gpt-4o-mini" };
    expect(await sample("tracejudge_judge_tokens_total", { ...tokens, type: "input" })).toBe(100);
    expect(await sample("tracejudge_judge_tokens_total", { ...tokens, type: "output" })).toBe(20);
    // gpt-4o-mini at the default list price: $0.15 and $0.60 per million tokens.
    const cost = await sample("tracejudge_judge_cost_usd_total", tokens);
    expect(cost).toBeCloseTo((100 * 0.15 + 20 * 0.6) / 1e6, 12);
    expect(cost).toBeCloseTo(event?.judge_cost_usd as number, 12);
    expect(await sample("tracejudge_judge_request_duration_seconds_count", labels)).toBe(1);
    const seconds = await sample("tracejudge_judge_request_duration_seconds_sum", labels);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(20);
    expect(await sample("tracejudge_judge_circuit_state", { state: "closed" })).toBe(1);
    expect(await sample("tracejudge_judge_circuit_state", { state: "open" })).toBe(0);
  });

  it("times HTTP requests by route pattern and status code, never by raw URL", async () => {
    const { traceId } = await judge("Thanks for asking, it is 30 days.", "chatcmpl-2");
    await fetch(`${svc.url}/no/such/route/${traceId}`);
    const series = await metricLines(svc.url, "tracejudge_http_request_duration_seconds_count{");
    expect(series.join("\n")).not.toContain(traceId);
    const count = (labels: Record<string, string>) =>
      sample("tracejudge_http_request_duration_seconds_count", labels);
    expect(
      await count({ method: "POST", route: "/v1/traces", status_code: "200" }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      await count({
        method: "GET",
        route: "/v1/traces/:trace_id/evaluations",
        status_code: "200",
      }),
    ).toBeGreaterThanOrEqual(2);
    expect(await count({ method: "GET", route: "unmatched", status_code: "404" })).toBe(1);
    // The scrapes themselves are requests too.
    expect(await count({ method: "GET", route: "/metrics", status_code: "200" })).toBeGreaterThan(
      0,
    );
  });
});

describe("the evaluation event in the platform's collector", () => {
  async function exported(responseId?: string) {
    const spans = chatSpan("Happy to help: refunds take 30 days.", responseId);
    const { traceId, spanId } = spans[0]?.spanContext() ?? {};
    await exportSpans(svc.url, spans);
    const got = await eventually(
      async () => logs.find((l) => l.record.traceId === traceId),
      20_000,
      "the evaluation event in the collector",
    );
    expect(got.record.eventName).toBe("gen_ai.evaluation.result");
    expect(got.record.spanId).toBe(spanId);
    const attribute = (key: string) => got.record.attributes.find((a) => a.key === key)?.value;
    expect(attribute("gen_ai.evaluation.name")).toEqual({ stringValue: "politeness" });
    return { resource: got.resource, responseId: attribute("gen_ai.response.id") };
  }

  it("carries the OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES resource, and the judged span's gen_ai.response.id", async () => {
    const got = await exported("chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG");
    expect(got.resource).toMatchObject({
      "service.name": "tracejudge-eu",
      "deployment.environment.name": "staging",
      "k8s.pod.name": "tracejudge-0",
    });
    expect(got.responseId).toEqual({ stringValue: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG" });
  });

  it("leaves gen_ai.response.id out when the span has none", async () => {
    expect((await exported()).responseId).toBeUndefined();
  });
});

describe("the service's own spans (OTEL_TRACES_EXPORTER=otlp)", () => {
  it("sends an evaluate span linked to the judged span, with its judge call as a child", async () => {
    const judged = chatSpan("Glad to help: 30 days.")[0];
    const { traceId, spanId } = judged?.spanContext() ?? {};
    await exportSpans(svc.url, judged ? [judged] : []);
    const evaluate = await eventually(
      async () => spans.find((s) => s.links.some((l) => l.spanId === spanId)),
      20_000,
      "an evaluate span linked to the judged span",
    );
    expect(evaluate.name).toBe("evaluate politeness");
    expect(evaluate.traceId).not.toBe(traceId);
    expect(evaluate.parentSpanId).toBe("");
    expect(evaluate.links).toEqual([{ traceId, spanId }]);
    expect(evaluate.attributes).toMatchObject({
      "tracejudge.evaluator.name": "politeness",
      // A judge defined by configuration: its version carries a hash of its definition.
      "tracejudge.evaluator.version": expect.stringMatching(/^1\+[0-9a-f]+$/),
      "tracejudge.evaluation.status": "ok",
      "tracejudge.judged.trace_id": traceId,
      "tracejudge.judged.span_id": spanId,
    });
    expect(evaluate.resource).toMatchObject({
      "service.name": "tracejudge-eu",
      "deployment.environment.name": "staging",
    });
    const judge = await eventually(
      async () => spans.find((s) => s.parentSpanId === evaluate.spanId),
      5000,
      "the judge call's span",
    );
    expect(judge.name).toBe("judge gpt-4o-mini");
    expect(judge.traceId).toBe(evaluate.traceId);
    expect(judge.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(judge.attributes).toMatchObject({
      "tracejudge.judge.model": "gpt-4o-mini",
      "tracejudge.judge.outcome": "ok",
      "tracejudge.judge.input_tokens": "100",
      "tracejudge.judge.output_tokens": "20",
    });
    // Never GenAI attributes: sent back to tracejudge, they would make its judge calls LLM spans.
    expect(Object.keys(judge.attributes).some((k) => k.startsWith("gen_ai."))).toBe(false);
  });
});

// Last: the open circuit pauses the evaluations queue for the rest of the service's life.
describe("the judge's circuit on /metrics", () => {
  it("shows the circuit open once the endpoint fails, and counts the call unavailable", async () => {
    judgeServer.setHandler(() => ({ status: 503, body: { error: { message: "overloaded" } } }));
    const { event } = await judge("Sure, within 30 days.", "chatcmpl-3");
    expect(event?.status).toBe("error");
    const unavailable = { model: "gpt-4o-mini", outcome: "unavailable" };
    expect(await sample("tracejudge_judge_requests_total", unavailable)).toBe(1);
    expect(await sample("tracejudge_judge_request_duration_seconds_count", unavailable)).toBe(1);
    await eventually(
      async () =>
        (await sample("tracejudge_judge_circuit_state", { state: "open" })) === 1
          ? true
          : undefined,
      5000,
      "the circuit open on /metrics",
    );
    expect(await sample("tracejudge_judge_circuit_state", { state: "closed" })).toBe(0);
    // A 503 is no answer and costs nothing: the tokens are the five good calls' before it.
    const ok = { model: "gpt-4o-mini", outcome: "ok" };
    expect(await sample("tracejudge_judge_requests_total", ok)).toBe(5);
    expect(
      await sample("tracejudge_judge_tokens_total", { model: "gpt-4o-mini", type: "input" }),
    ).toBe(500);
  });
});
