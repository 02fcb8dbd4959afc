import { ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ragTraceSpans } from "../support/otel-spans.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";

let api: TestService;
const workers: TestService[] = [];

beforeAll(async () => {
  api = await startTestService({}, { roles: { api: true, workers: false } });
  for (let i = 0; i < 2; i++) {
    workers.push(
      await startTestService({}, { roles: { api: false, workers: true }, shareWith: api }),
    );
  }
});

afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await api?.stop();
});

describe("api and workers as separate replicas", () => {
  it("evaluates what the API receives on the workers, once, and every role answers health checks", async () => {
    const traces = Array.from({ length: 6 }, () => ragTraceSpans());
    const exporter = new OTLPTraceExporter({ url: `${api.url}/v1/traces` });
    await new Promise<void>((resolve, reject) =>
      exporter.export(traces.flat(), (r) =>
        r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error),
      ),
    );
    await exporter.shutdown();
    for (const spans of traces) {
      const traceId = spans[0]?.spanContext().traceId as string;
      const events = await eventually(
        async () => {
          const res = await fetch(`${api.url}/v1/traces/${traceId}/evaluations`);
          const { evaluations } = (await res.json()) as { evaluations: { evaluator: string }[] };
          return evaluations.length >= 2 ? evaluations : undefined;
        },
        20_000,
        "verdicts from the workers",
      );
      expect(events.map((e) => e.evaluator).sort()).toEqual(["groundedness", "hallucination"]);
    }
    // Both workers exist and answer; together they stored each verdict once.
    let stored = 0;
    for (const worker of workers) {
      expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${worker.url}/v1/traces`, { method: "POST" })).status).toBe(404);
      const text = await (await fetch(`${worker.url}/metrics`)).text();
      for (const line of text
        .split("\n")
        .filter((l) => l.startsWith("tracejudge_evaluations_total{"))) {
        stored += Number(line.split(" ").pop());
      }
    }
    expect(stored).toBe(12);
  });
});
