import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOpenAIServer } from "../support/fake-openai-server.ts";
import { exportSpans, ragTraceSpans } from "../support/otel-spans.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";

/**
 * A judge that never answers and a webhook receiver that hangs then resets: the offline
 * evaluations keep flowing, the judge's evaluations end as error events after bounded attempts,
 * and the webhook delivery is dead-lettered after its attempts, each one logged.
 */
let judge: FakeOpenAIServer;
let receiver: Server;
let receiverHits = 0;
let svc: TestService;

beforeAll(async () => {
  judge = await FakeOpenAIServer.start(() => ({ delayMs: 60_000, content: "{}" }));
  receiver = createServer((req) => {
    receiverHits += 1;
    // Hang up without an answer.
    setTimeout(() => req.socket.destroy(), 100);
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  svc = await startTestService({
    judge: {
      base_url: judge.baseUrl,
      api_key: "test",
      timeout_ms: 300,
      max_retries: 1,
      circuit_breaker: { failures: 1000, cooldown_ms: 1000 },
    },
    judges: [{ name: "politeness", prompt: "Polite?\n{{answer}}", output: { type: "boolean" } }],
    workers: { attempts: 2, backoff_ms: 50, evaluation_timeout_ms: 5000 },
    webhooks: [
      { name: "oncall", url: receiverUrl, secret: "change-me", max_attempts: 3, timeout_ms: 500 },
    ],
    webhook_delivery: { backoff_ms: 50, max_backoff_ms: 100 },
    alert_rules: [
      { name: "any", evaluator: "groundedness", each: true, below: 0.5, notify: ["oncall"] },
    ],
  } as never);
});

afterAll(async () => {
  await svc?.stop();
  await judge?.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

describe("judge and webhook receivers that hang", () => {
  it("bound their attempts and never hold up the rest of the pipeline", async () => {
    const spans = ragTraceSpans();
    const traceId = spans[0]?.spanContext().traceId as string;
    await exportSpans(svc.url, spans);

    const events = await awaitTraceEvaluations(svc.url, traceId, 3, 30_000);
    const byName = new Map(events.map((e) => [e.evaluator, e]));
    expect(byName.get("groundedness")?.status).toBe("ok");
    expect(byName.get("hallucination")?.status).toBe("ok");
    expect(byName.get("politeness")).toMatchObject({
      status: "error",
      reason: "judge_unavailable",
      attempts: 2,
    });

    // A test notification to the hanging receiver: bounded attempts, then the dead letters.
    const test = (await (
      await fetch(`${svc.url}/v1/alert-rules/any/test`, { method: "POST" })
    ).json()) as { deliveries: string[] };
    const delivery = await eventually(
      async () => {
        const d = (await (
          await fetch(`${svc.url}/v1/deliveries/${test.deliveries[0]}`)
        ).json()) as {
          status: string;
          attempt_log: unknown[];
        };
        return d.status === "dead" ? d : undefined;
      },
      30_000,
      "the delivery to be dead-lettered",
    );
    expect(delivery.attempt_log).toHaveLength(3);
    expect(receiverHits).toBeGreaterThanOrEqual(3);
  }, 90_000);
});
