import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOpenAIServer } from "../support/fake-openai-server.ts";
import { exportSpans, ragTraceSpans } from "../support/otel-spans.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";

let judge: FakeOpenAIServer;
const services: TestService[] = [];

beforeAll(async () => {
  judge = await FakeOpenAIServer.start(() => ({
    content: { reasoning: "Courteous.", verdict: true },
  }));
  const config = {
    // 2 requests per second for the deployment, with a burst of one second's worth (2).
    judge: { base_url: judge.baseUrl, api_key: "test-key", requests_per_minute: 120 },
    judges: [
      {
        name: "politeness",
        version: "1",
        prompt: "Is this reply to a customer polite?\n\nReply:\n{{answer}}",
        output: { type: "boolean" as const },
      },
    ],
    evaluators: [
      { name: "groundedness", enabled: false },
      { name: "hallucination", enabled: false },
    ],
    // One evaluation at a time per worker, so that both workers take jobs.
    workers: { evaluation_concurrency: 1 },
  };
  const first = await startTestService(config);
  services.push(first);
  services.push(
    await startTestService(config, { roles: { api: false, workers: true }, shareWith: first }),
  );
});

afterAll(async () => {
  for (const svc of services.reverse()) await svc.stop();
  await judge?.close();
});

describe("two worker processes of one deployment", () => {
  it("send the judge at most the configured requests per minute between them", async () => {
    const url = services[0]?.url as string; // the one with the API role
    const traces = Array.from({ length: 10 }, (_, i) =>
      ragTraceSpans({
        answer: `Thank you for asking (${i})! Refunds are accepted within 30 days.`,
      }),
    );
    const started = performance.now();
    await Promise.all(traces.map((spans) => exportSpans(url, spans)));
    await Promise.all(
      traces.map((spans) =>
        awaitTraceEvaluations(url, spans[0]?.spanContext().traceId as string, 1, 60_000),
      ),
    );
    const arrivals = judge.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(arrivals).toHaveLength(10);
    // Shared: the burst of 2 at once, then 8 at 2/s, so the last call comes 4 s after the first
    // at the earliest. A bucket per worker would let 4 through at once and then 4/s (about 1.5 s).
    const last = arrivals.at(-1) as number;
    const spanMs = last - (arrivals[0] as number);
    expect(spanMs).toBeGreaterThanOrEqual(3000);
    // Past the burst, measured from before the traces were sent: no call comes before its turn.
    const rate = (arrivals.length - 2) / ((last - started) / 1000);
    expect(rate).toBeLessThanOrEqual(2.05);
    console.log(
      `2 workers, 120/min: 10 judge calls over ${(spanMs / 1000).toFixed(2)} s, ${rate.toFixed(2)} requests/s past the burst`,
    );
  }, 90_000);
});
