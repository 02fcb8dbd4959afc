import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfigInput } from "../../src/config/config-schema.ts";
import { verifySignature } from "../../src/webhooks/signature.ts";
import { QUALITY_EVALUATOR, writeEvaluatorModule } from "../support/evaluator-module.ts";
import { ragTraceSpans } from "../support/otel-spans.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";

const SECRET = "change-me-please";

/** A deterministic evaluator: answers containing "BAD" score 0.1, others 0.95. */
function writeQualityEvaluator(): string {
  return writeEvaluatorModule(QUALITY_EVALUATOR, "quality.ts");
}

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
  status: number;
}

/** The on-call receiver: a real HTTP server on loopback that can be told to fail. */
class Receiver {
  readonly requests: Received[] = [];
  failNext = 0;
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString();
        const status = this.failNext > 0 ? 503 : 200;
        if (this.failNext > 0) this.failNext -= 1;
        this.requests.push({ headers: req.headers, raw, body: JSON.parse(raw), status });
        res.writeHead(status).end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/tracejudge`;
  }

  delivered(type?: string): Received[] {
    return this.requests.filter((r) => r.status === 200 && (!type || r.body.type === type));
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

function config(receiverUrl: string, evaluatorModule: string): Partial<ConfigInput> {
  return {
    evaluator_modules: [evaluatorModule],
    evaluators: [
      { name: "groundedness", enabled: false },
      { name: "hallucination", enabled: false },
    ],
    // The example, with other names, values and a short window.
    webhooks: [{ name: "oncall", url: receiverUrl, secret: SECRET }],
    webhook_delivery: { backoff_ms: 100, max_backoff_ms: 400 },
    alert_rules: [
      {
        name: "quality-release-gate",
        evaluator: "test.quality",
        where: { "service.name": "checkout-support", "service.version": "v42" },
        window: "3s",
        aggregate: "mean",
        min_samples: 5,
        below: 0.85,
        notify: ["oncall"],
      },
    ],
    alerts: { tick_ms: 300, debounce_ms: 100 },
  } as Partial<ConfigInput>;
}

async function sendTraces(svc: TestService, answers: string[]): Promise<void> {
  const exporter = new OTLPTraceExporter({ url: `${svc.url}/v1/traces` });
  const spans = answers.flatMap((answer) =>
    ragTraceSpans({ service: "checkout-support", release: "v42", answer }),
  );
  await new Promise<void>((resolve, reject) =>
    exporter.export(spans, (r) =>
      r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error),
    ),
  );
  await exporter.shutdown();
}

async function storedEvents(svc: TestService): Promise<number> {
  const res = await fetch(`${svc.url}/v1/evaluations?evaluator=test.quality&limit=1000`);
  return ((await res.json()) as { evaluations: unknown[] }).evaluations.length;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const module = writeQualityEvaluator();

describe("alerts end to end", () => {
  const receiver = new Receiver();
  let svc: TestService;

  beforeAll(async () => {
    await receiver.start();
    svc = await startTestService(config(receiver.url, module));
  });
  afterAll(async () => {
    await svc?.stop();
    await receiver.close();
  });

  it("fires once, signed, through a receiver that answers 503 for a while; resolves once", async () => {
    receiver.failNext = 2;
    await sendTraces(
      svc,
      Array.from({ length: 6 }, (_, i) => `BAD answer ${i}`),
    );
    const [firing] = await eventually(
      async () => {
        const found = receiver.delivered("alert.firing");
        return found.length > 0 ? found : undefined;
      },
      20_000,
      "alert.firing",
    );
    if (!firing) throw new Error("no firing");

    // Signed with the webhook's secret over the raw body.
    expect(
      verifySignature(SECRET, String(firing.headers["x-tracejudge-signature"]), firing.raw),
    ).toBe(true);
    expect(
      verifySignature("wrong-secret", String(firing.headers["x-tracejudge-signature"]), firing.raw),
    ).toBe(false);
    expect(firing.headers["content-type"]).toMatch(/application\/json/);
    // The two 503s and the success carry the same delivery id.
    const id = firing.headers["x-tracejudge-delivery"];
    expect(
      receiver.requests
        .filter((r) => r.headers["x-tracejudge-delivery"] === id)
        .map((r) => r.status),
    ).toEqual([503, 503, 200]);
    expect(firing.body).toMatchObject({
      type: "alert.firing",
      rule: "quality-release-gate",
      evaluator: "test.quality",
      scope: { "service.name": "checkout-support", "service.version": "v42" },
      threshold: 0.85,
      release: "v42",
    });
    expect(firing.body.observed).toBeCloseTo(0.1, 5);
    expect(firing.body.samples).toBeGreaterThanOrEqual(5);
    const examples = firing.body.examples as {
      trace_id: string;
      span_id: string;
      score: number;
      explanation: string;
    }[];
    expect(examples.length).toBeGreaterThan(0);
    expect(examples[0]).toMatchObject({ score: 0.1, explanation: "bad answer" });
    expect(examples[0]?.trace_id).toMatch(/^[0-9a-f]{32}$/);

    // The bad events leave the 3 s window; good traffic resolves the episode once.
    await sleep(3200);
    await sendTraces(
      svc,
      Array.from({ length: 6 }, (_, i) => `Refunds within 30 days (${i}).`),
    );
    const [resolved] = await eventually(
      async () => {
        const found = receiver.delivered("alert.resolved");
        return found.length > 0 ? found : undefined;
      },
      20_000,
      "alert.resolved",
    );
    expect(resolved?.body.episode_id).toBe(firing.body.episode_id);
    // Several more clock ticks change nothing.
    await sleep(1500);
    expect(receiver.delivered("alert.firing")).toHaveLength(1);
    expect(receiver.delivered("alert.resolved")).toHaveLength(1);

    const delivery = (await (await fetch(`${svc.url}/v1/deliveries/${String(id)}`)).json()) as {
      status: string;
      attempt_log: { status_code: number }[];
    };
    expect(delivery.status).toBe("delivered");
    expect(delivery.attempt_log.map((a) => a.status_code)).toEqual([503, 503, 200]);
  });

  it("sends a test notification on request", async () => {
    const res = await fetch(`${svc.url}/v1/alert-rules/quality-release-gate/test`, {
      method: "POST",
    });
    expect(res.status).toBe(202);
    await eventually(
      async () => (receiver.delivered("alert.test").length === 1 ? true : undefined),
      10_000,
      "alert.test",
    );
  });
});

describe("alerts across a restart", () => {
  const receiver = new Receiver();
  let first: TestService;
  let second: TestService | undefined;

  beforeAll(async () => {
    await receiver.start();
    first = await startTestService(config(receiver.url, module));
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    await receiver.close();
  });

  it("loses no notification and sends none twice when the service restarts in the middle", async () => {
    await sendTraces(
      first,
      Array.from({ length: 6 }, (_, i) => `BAD ${i}`),
    );
    await eventually(
      async () => ((await storedEvents(first)) >= 6 ? true : undefined),
      20_000,
      "six eval events",
    );
    // Stop right away: the rule may or may not have been judged yet.
    await first.service.close();
    second = await startTestService(config(receiver.url, module), { shareWith: first });
    await eventually(
      async () => (receiver.delivered("alert.firing").length > 0 ? true : undefined),
      20_000,
      "alert.firing",
    );
    await sleep(1500);
    expect(receiver.delivered("alert.firing")).toHaveLength(1);
  });
});

describe("alerts with several workers", () => {
  const receiver = new Receiver();
  let api: TestService;
  const workers: TestService[] = [];

  beforeAll(async () => {
    await receiver.start();
    api = await startTestService(config(receiver.url, module), {
      roles: { api: true, workers: false },
    });
    for (let i = 0; i < 3; i++) {
      workers.push(
        await startTestService(config(receiver.url, module), {
          roles: { api: false, workers: true },
          shareWith: api,
        }),
      );
    }
  });
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await api?.stop();
    await receiver.close();
  });

  it("sends exactly one notification per transition", async () => {
    await sendTraces(
      api,
      Array.from({ length: 12 }, (_, i) => `BAD ${i}`),
    );
    await eventually(
      async () => (receiver.delivered("alert.firing").length > 0 ? true : undefined),
      20_000,
      "alert.firing",
    );
    // Every worker's clock judges the rule again meanwhile.
    await sleep(2000);
    expect(receiver.delivered("alert.firing")).toHaveLength(1);
    expect(receiver.requests).toHaveLength(1);
  });
});
