import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOpenAIServer } from "../support/fake-openai-server.ts";
import { exportSpans, ragTraceSpans } from "../support/otel-spans.ts";
import { evaluatorRuns } from "../support/service-metrics.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

let judge: FakeOpenAIServer;
let api: TestService;
const workers: WorkerProcess[] = [];

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
    // One evaluation at a time per worker, so that every worker takes jobs.
    workers: { evaluation_concurrency: 1 },
  };
  api = await startTestService(config, { roles: { api: true, workers: false } });
  workers.push(...(await Promise.all([0, 1, 2].map(() => startWorkerProcess(api, config)))));
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await api?.stop();
  await judge?.close();
});

describe("three worker processes of one deployment", () => {
  it("send the judge at most the configured requests per minute between them", async () => {
    const traces = Array.from({ length: 12 }, (_, i) =>
      ragTraceSpans({
        answer: `Thank you for asking (${i})! Refunds are accepted within 30 days.`,
      }),
    );
    const started = performance.now();
    await Promise.all(traces.map((spans) => exportSpans(api.url, spans)));
    await Promise.all(
      traces.map((spans) =>
        awaitTraceEvaluations(api.url, spans[0]?.spanContext().traceId as string, 1, 60_000),
      ),
    );
    const arrivals = judge.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(arrivals).toHaveLength(12);
    // Every process judged some of them: the limit held across processes, not inside one.
    const runs = await Promise.all(
      workers.map(async (w) => (await evaluatorRuns(w.url)).politeness),
    );
    for (const n of runs) expect(n).toBeGreaterThan(0);
    expect(runs.reduce((a, b) => (a ?? 0) + (b ?? 0), 0)).toBe(12);
    // Shared: the burst of 2, then 10 at 2/s, so the last call comes about 5 s after the first (a
    // little less, as the first calls trickle in while the bucket refills). A bucket per process
    // would let 6 through at once and then 6/s: all 12 within about a second.
    const last = arrivals.at(-1) as number;
    const spanMs = last - (arrivals[0] as number);
    expect(spanMs).toBeGreaterThanOrEqual(4000);
    // Past the burst, measured from before the traces were sent: no call comes before its turn.
    const rate = (arrivals.length - 2) / ((last - started) / 1000);
    expect(rate).toBeLessThanOrEqual(2.05);
    console.log(
      `3 worker processes, 120/min: 12 judge calls over ${(spanMs / 1000).toFixed(2)} s, ${rate.toFixed(2)} requests/s past the burst; calls per process ${runs.join(", ")}`,
    );
  }, 90_000);
});
