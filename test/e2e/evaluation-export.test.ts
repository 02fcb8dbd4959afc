import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportSpans, ragTraceSpans } from "../support/otel-spans.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";

interface LogRecord {
  eventName: string;
  traceId: string;
  spanId: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** The user's own tracing backend: a real OTLP/JSON logs receiver on loopback. */
let backend: Server;
const records: LogRecord[] = [];
let svc: TestService;

beforeAll(async () => {
  backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString());
      for (const rl of body.resourceLogs ?? [])
        for (const sl of rl.scopeLogs ?? []) records.push(...sl.logRecords);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  const port = (backend.address() as AddressInfo).port;
  svc = await startTestService({
    evaluation_export: {
      otlp_logs_endpoint: `http://127.0.0.1:${port}/v1/logs`,
      protocol: "http/json",
    },
  });
});

afterAll(async () => {
  await svc?.stop();
  await new Promise((resolve) => backend.close(resolve));
});

describe("verdicts beside the span in the user's tracing backend", () => {
  it("exports each eval event as a gen_ai.evaluation.result log event on the evaluated span", async () => {
    const spans = ragTraceSpans();
    const llm = spans.find((s) => s.name === "ChatCompletion");
    if (!llm) throw new Error("no LLM span");
    await exportSpans(svc.url, spans);
    const mine = await eventually(
      async () => {
        const found = records.filter((r) => r.traceId === llm.spanContext().traceId);
        return found.length >= 2 ? found : undefined;
      },
      20_000,
      "two log events",
    );
    expect(mine.every((r) => r.eventName === "gen_ai.evaluation.result")).toBe(true);
    expect(mine.every((r) => r.spanId === llm.spanContext().spanId)).toBe(true);
    const names = mine.map(
      (r) => r.attributes.find((a) => a.key === "gen_ai.evaluation.name")?.value.stringValue,
    );
    expect(names.sort()).toEqual(["groundedness", "hallucination"]);
  });
});
