import { ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeEvaluatorModule } from "../support/evaluator-module.ts";
import { ragTraceSpans, withOverrides } from "../support/otel-spans.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { traceEvaluations } from "../support/trace-evaluations.ts";

/** Custom evaluators that misbehave: their failures must become `error` eval events. */
function writeCustomModule(): string {
  return writeEvaluatorModule(
    `export const alwaysThrows = defineEvaluator({
  name: "test.always-throws", version: "1",
  evaluate: () => { throw new Error("judge endpoint refused the connection"); },
});
export const badResult = defineEvaluator({
  name: "test.bad-result", version: "1",
  evaluate: () => ({ score: 5 }),
});
`,
    "flaky.ts",
  );
}

function evaluations(svc: TestService, traceId: string) {
  return traceEvaluations(svc.url, traceId);
}

function send(svc: TestService, spans: ReadableSpan[]): Promise<void> {
  const exporter = new OTLPTraceExporter({ url: `${svc.url}/v1/traces` });
  return new Promise<void>((resolve, reject) =>
    exporter.export(spans, (r) =>
      r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error),
    ),
  ).finally(() => exporter.shutdown());
}

describe("a service with custom evaluators", () => {
  let svc: TestService;

  beforeAll(async () => {
    svc = await startTestService({
      evaluator_modules: [writeCustomModule()],
      workers: { attempts: 2 },
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("stores a custom evaluator's failures as error events after its attempts, beside the built-ins' verdicts", async () => {
    const spans = ragTraceSpans();
    const traceId = spans[0]?.spanContext().traceId as string;
    await send(svc, spans);
    const events = await eventually(
      async () => {
        const found = await evaluations(svc, traceId);
        return found.length >= 4 ? found : undefined;
      },
      20_000,
      "four eval events",
    );
    const byName = new Map(events.map((e) => [e.evaluator, e]));
    expect(byName.get("test.always-throws")).toMatchObject({
      status: "error",
      reason: "evaluator_failed",
      score: null,
      attempts: 2,
    });
    expect(byName.get("test.always-throws")?.explanation).toMatch(
      /judge endpoint refused the connection/,
    );
    // An invalid result is final at once: the same code gives the same answer.
    expect(byName.get("test.bad-result")).toMatchObject({
      status: "error",
      reason: "evaluator_result_invalid",
      attempts: 1,
    });
    expect(byName.get("groundedness")?.status).toBe("ok");
    expect(byName.get("hallucination")?.status).toBe("ok");
  });

  it("evaluates a span that arrives after its trace was assembled, and nothing twice", async () => {
    const first = ragTraceSpans();
    const traceId = first[0]?.spanContext().traceId as string;
    await send(svc, first);
    await eventually(
      async () => ((await evaluations(svc, traceId)).length >= 4 ? true : undefined),
      20_000,
      "first verdicts",
    );

    // A second LLM call of the same trace, exported late.
    const late = ragTraceSpans({ answer: "Refunds take 30 days." })
      .filter((s) => s.name === "ChatCompletion")
      .map((s) =>
        withOverrides(s, {
          spanContext: () => ({ ...s.spanContext(), traceId, spanId: "1234567890abcdef" }),
        }),
      );
    await send(svc, late);
    const events = await eventually(
      async () => {
        const found = await evaluations(svc, traceId);
        return found.length >= 8 ? found : undefined;
      },
      20_000,
      "verdicts on the late span",
    );
    expect(events.filter((e) => e.span_id === "1234567890abcdef")).toHaveLength(4);
    expect(new Set(events.map((e) => `${e.span_id}/${e.evaluator}`)).size).toBe(events.length);
  });

  it("stores spans with secrets and personal data redacted", async () => {
    const secret = "sk-proj-Ab3dEf9hIjKlMn0pQrStUvWxYz1234567890abcd";
    const spans = ragTraceSpans({
      question: `My key is ${secret}, mail me at jane.doe@example.com: how long do I have to request a refund?`,
    });
    const traceId = spans[0]?.spanContext().traceId as string;
    await send(svc, spans);
    await eventually(
      async () => ((await evaluations(svc, traceId)).length >= 4 ? true : undefined),
      20_000,
      "verdicts",
    );
    const client = new pg.Client({ connectionString: svc.config.database_url });
    await client.connect();
    try {
      const { rows } = await client.query<{ question: string; span: unknown }>(
        "SELECT question, span FROM spans WHERE trace_id = $1",
        [traceId],
      );
      expect(rows).toHaveLength(1);
      const stored = JSON.stringify(rows);
      expect(stored).not.toContain(secret);
      expect(stored).not.toContain("jane.doe@example.com");
      expect(rows[0]?.question).toMatch(/how long do I have to request a refund\?/);
    } finally {
      await client.end();
    }
  });
});

describe("sampling in the service", () => {
  let svc: TestService;

  beforeAll(async () => {
    svc = await startTestService({ sampling: { rate: 0 } });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("skips ordinary traces at rate 0, counting them, and still evaluates traces with an error", async () => {
    const ordinary = ragTraceSpans();
    const failing = ragTraceSpans().map((s) =>
      s.name === "ChatCompletion"
        ? withOverrides(s, { status: { code: 2, message: "upstream 500" } })
        : s,
    );
    await send(svc, [...ordinary, ...failing]);
    const failingTrace = failing[0]?.spanContext().traceId as string;
    await eventually(
      async () => ((await evaluations(svc, failingTrace)).length >= 2 ? true : undefined),
      20_000,
      "error trace verdicts",
    );
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/tracejudge_spans_not_evaluated_total\{reason="not_sampled"\} 1/);
    expect(metrics).toMatch(/tracejudge_traces_sampled_total\{reason="error"\} 1/);
    expect(await evaluations(svc, ordinary[0]?.spanContext().traceId as string)).toEqual([]);
  });
});

describe("back-pressure", () => {
  let svc: TestService;

  beforeAll(async () => {
    // A long trace wait keeps traces pending, so the bound is reached and stays reached.
    svc = await startTestService({
      trace_wait_ms: 60_000,
      backpressure: { max_pending_traces: 2, max_waiting_evaluations: 1000, retry_after_s: 7 },
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("answers 429 with Retry-After once too many traces wait, in the request's encoding", async () => {
    await send(svc, [...ragTraceSpans(), ...ragTraceSpans()]);
    const res = await eventually(
      async () => {
        const r = await fetch(`${svc.url}/v1/traces`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ resourceSpans: [] }),
        });
        return r.status === 429 ? r : undefined;
      },
      10_000,
      "a 429",
    );
    expect(res.headers.get("retry-after")).toBe("7");
    expect(((await res.json()) as { message: string }).message).toMatch(/2 traces are waiting/);
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
  });
});
