import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EVALUATION_EVENT_NAME,
  EvaluationLogExporter,
} from "../../src/export/evaluation-log-exporter.ts";
import type { NewEvalEvent } from "../../src/store/eval-event-store.ts";
import { makeEvalEvent } from "../support/eval-events.ts";

interface Received {
  contentType: string;
  body: Buffer;
}

/** A real OTLP logs receiver on loopback that keeps what it was sent. */
let server: Server;
let url: string;
const received: Received[] = [];

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    received.push({ contentType: req.headers["content-type"] ?? "", body: await readBody(req) });
    res.writeHead(200, { "content-type": req.headers["content-type"] ?? "application/json" });
    res.end(req.headers["content-type"]?.includes("json") ? "{}" : "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const event: NewEvalEvent = makeEvalEvent({
  score: 0.25,
  label: "ungrounded",
  explanation: "Claim 'refunds within 90 days' is not supported.",
});

type KV = { key: string; value: Record<string, unknown> };

describe("EvaluationLogExporter", () => {
  it("sends a gen_ai.evaluation.result event carrying the evaluated span's ids (OTLP/JSON)", async () => {
    received.length = 0;
    const exporter = new EvaluationLogExporter({ url, protocol: "http/json" });
    exporter.emit(event);
    await exporter.close();
    expect(received).toHaveLength(1);
    const body = JSON.parse(received[0]?.body.toString() ?? "{}");
    const resource = body.resourceLogs[0].resource.attributes as KV[];
    expect(resource.find((a) => a.key === "service.name")?.value).toEqual({
      stringValue: "tracejudge",
    });
    const record = body.resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(record.eventName).toBe(EVALUATION_EVENT_NAME);
    expect(record.traceId).toBe(event.traceId);
    expect(record.spanId).toBe(event.spanId);
    expect(record.severityNumber).toBe(9);
    const attributes = Object.fromEntries(
      (record.attributes as KV[]).map((a) => [a.key, Object.values(a.value)[0]]),
    );
    expect(attributes).toMatchObject({
      "gen_ai.evaluation.name": "groundedness",
      "gen_ai.evaluation.score.value": 0.25,
      "gen_ai.evaluation.score.label": "ungrounded",
      "gen_ai.evaluation.explanation": event.explanation,
      "tracejudge.evaluator.version": "1.0.0",
    });
    expect(attributes).not.toHaveProperty("error.type");
  });

  it("carries the configured resource attributes and the judged answer's gen_ai.response.id", async () => {
    received.length = 0;
    const exporter = new EvaluationLogExporter({
      url,
      protocol: "http/json",
      resourceAttributes: {
        "service.name": "tracejudge-eu",
        "deployment.environment.name": "prod",
      },
    });
    exporter.emit({ ...event, responseId: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG" });
    exporter.emit({ ...event, responseId: null });
    await exporter.close();
    const body = JSON.parse(received[0]?.body.toString() ?? "{}");
    const resource = Object.fromEntries(
      (body.resourceLogs[0].resource.attributes as KV[]).map((a) => [a.key, a.value.stringValue]),
    );
    expect(resource).toMatchObject({
      "service.name": "tracejudge-eu",
      "deployment.environment.name": "prod",
      "telemetry.sdk.language": "nodejs",
    });
    const [withId, withoutId] = body.resourceLogs[0].scopeLogs[0].logRecords as {
      attributes: KV[];
    }[];
    const responseId = (r: typeof withId) =>
      r?.attributes.find((a) => a.key === "gen_ai.response.id")?.value;
    expect(responseId(withId)).toEqual({ stringValue: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG" });
    expect(responseId(withoutId)).toBeUndefined();
  });

  it("sends protobuf by default, and marks failed evaluations with error.type", async () => {
    received.length = 0;
    const exporter = new EvaluationLogExporter({ url });
    exporter.emit({
      ...event,
      status: "error",
      score: null,
      label: null,
      passed: null,
      reason: "evaluator_timeout",
    });
    await exporter.close();
    expect(received[0]?.contentType).toBe("application/x-protobuf");
    // The pinned generated schema has no logs service, so look for the fields' bytes instead.
    const body = received[0]?.body ?? Buffer.alloc(0);
    expect(body.includes(Buffer.from(event.traceId, "hex"))).toBe(true);
    expect(body.includes(Buffer.from(event.spanId, "hex"))).toBe(true);
    for (const text of [
      EVALUATION_EVENT_NAME,
      "error.type",
      "evaluator_timeout",
      "gen_ai.evaluation.name",
    ]) {
      expect(body.includes(Buffer.from(text)), text).toBe(true);
    }
    expect(body.includes(Buffer.from("gen_ai.evaluation.score.value"))).toBe(false);
  });

  it("neither throws nor hangs when the backend is down", async () => {
    const exporter = new EvaluationLogExporter({ url: "http://127.0.0.1:9/v1/logs" });
    expect(() => exporter.emit(event)).not.toThrow();
    await expect(exporter.close()).resolves.toBeUndefined();
    await expect(exporter.close()).resolves.toBeUndefined();
  });
});
