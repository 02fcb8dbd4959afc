import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { alertOverview, recentDeliveries } from "../../src/console/alert-queries.ts";
import type { pipelineHealth } from "../../src/console/pipeline-health.ts";
import type { WorstEvent } from "../../src/console/worst-events.ts";
import { eventually } from "../support/services.ts";
import { type ConsoleUnderTest, startConsole, TRACES } from "./console-setup.ts";

type RuleView = Awaited<ReturnType<typeof alertOverview>>[number];
type DeliveryView = Awaited<ReturnType<typeof recentDeliveries>>[number];
type Health = Awaited<ReturnType<typeof pipelineHealth>>;

let ui: ConsoleUnderTest;
let pool: ConsoleUnderTest["pool"];
const get: ConsoleUnderTest["get"] = (path, status) => ui.get(path, status);

beforeAll(async () => {
  ui = await startConsole();
  pool = ui.pool;
}, 90_000);

afterAll(async () => {
  await ui?.stop();
});

describe("console JSON API", () => {
  it("scores: buckets per release, with the thresholds of the rules on the evaluator", async () => {
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const body = await get<{
      bucket_s: number;
      series: {
        release: string;
        count: number;
        points: { t: string; mean: number; count: number }[];
      }[];
      thresholds: { rule: string; level: string; value: number }[];
    }>(`/v1/stats/scores?evaluator=groundedness&bucket=2m&since=${since}&split=release`);
    expect(body.bucket_s).toBe(120);
    expect(body.series.map((s) => s.release).sort()).toEqual(["v42", "v43", "v7"]);
    for (const s of body.series) {
      expect(Object.keys(s).sort()).toEqual(["count", "points", "release"]);
      expect(s.points.reduce((n, p) => n + p.count, 0)).toBe(s.count);
      for (const p of s.points) {
        expect(p.mean).toBeGreaterThanOrEqual(0);
        expect(p.mean).toBeLessThanOrEqual(1);
        expect(Date.parse(p.t) % 120_000).toBe(0);
      }
    }
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM eval_events WHERE evaluator = 'groundedness' AND status = 'ok'`,
    );
    expect(body.series.reduce((n, s) => n + s.count, 0)).toBe(rows[0]?.n);
    expect(body.thresholds).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: "groundedness-release-gate", level: "fire", value: 0.8 }),
        expect.objectContaining({ rule: "groundedness-release-gate", level: "warn", value: 0.88 }),
        expect.objectContaining({ rule: "checkout-groundedness-floor", level: "fire", value: 0.5 }),
      ]),
    );
    expect(body.thresholds.some((t) => t.rule === "hallucination-fail-rate")).toBe(false);

    const byModel = await get<{ series: Record<string, unknown>[] }>(
      "/v1/stats/scores?evaluator=groundedness&split=model,service",
    );
    expect(byModel.series.map((s) => `${s.service}/${s.model}`).sort()).toEqual([
      "checkout-assistant/gpt-4o",
      "support-bot/gpt-4o",
      "support-bot/gpt-4o-mini",
    ]);
  });

  it("evaluators: those with eval events in the range", async () => {
    const { evaluators } = await get<{ evaluators: { name: string; last_at: string }[] }>(
      "/v1/stats/evaluators",
    );
    expect(evaluators.map((e) => e.name)).toEqual(["groundedness", "hallucination"]);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await get(`/v1/stats/evaluators?since=${future}`)).toEqual({ evaluators: [] });
  });

  it("releases: each service's newest release against the previous one", async () => {
    const { services } = await get<{
      services: {
        service: string;
        current: { release: string; mean: number; count: number; pass_rate: number };
        previous: { release: string; mean: number } | null;
        delta: { mean: number } | null;
      }[];
    }>("/v1/stats/releases?evaluator=groundedness");
    const support = services.find((s) => s.service === "support-bot");
    expect(support?.current.release).toBe("v43");
    expect(support?.previous?.release).toBe("v42");
    expect(support?.delta?.mean).toBeLessThan(-0.1);
    expect(support?.current.pass_rate).toBeGreaterThan(0);
    const checkout = services.find((s) => s.service === "checkout-assistant");
    expect(checkout).toMatchObject({
      current: { release: "v7", count: 3 },
      previous: null,
      delta: null,
    });
  });

  it("worst: lowest scores first, with what was judged and a link to the trace", async () => {
    const { evaluations } = await get<{ evaluations: WorstEvent[] }>(
      "/v1/evaluations/worst?limit=6&evaluator=groundedness",
    );
    expect(evaluations).toHaveLength(6);
    const scores = evaluations.map((e) => e.score as number);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    const worst = evaluations[0] as WorstEvent;
    expect(worst.passed).toBe(false);
    expect(worst.explanation).toMatch(/claims supported/);
    expect(worst.question).toEqual(expect.any(String));
    expect(worst.answer).toEqual(expect.any(String));
    expect(worst.context[0]).toMatchObject({ origin: "retrieval", truncated: false });
    expect(worst.claims.length).toBeGreaterThan(0);
    expect(worst.claims[0]).toMatchObject({
      text: expect.any(String),
      verdict: expect.any(String),
    });
    expect(worst.trace_url).toBe(
      `http://jaeger.internal:16686/trace/${worst.trace_id}?uiFind=${worst.span_id}`,
    );
    const refund = evaluations.find((e) => String(e.question).includes("refund"));
    if (refund) expect(refund.question).not.toContain("jane.doe@example.com");
  });

  it("alerts: rules with their condition, state per scope and episodes", async () => {
    const { rules: list } = await get<{ rules: RuleView[] }>("/v1/console/alerts");
    expect(list.map((r) => r.name)).toEqual([
      "groundedness-release-gate",
      "hallucination-fail-rate",
      "checkout-groundedness-floor",
    ]);
    const gate = list[0] as RuleView;
    expect(gate).toMatchObject({
      evaluator: "groundedness",
      state: "firing",
      condition: "mean over 30m below 0.8, warn below 0.88 (min 5 samples)",
      where: { "service.version": "v43" },
    });
    expect(gate.states[0]).toMatchObject({ state: "firing", samples: expect.any(Number) });
    expect(gate.episodes[0]).toMatchObject({ severity: "firing", closed_at: null });
  });

  it("deliveries: each with its attempts", async () => {
    const { deliveries } = await get<{ deliveries: DeliveryView[] }>(
      "/v1/console/deliveries?webhook=oncall",
    );
    const firing = deliveries.find((d) => d.rule === "groundedness-release-gate");
    expect(firing).toMatchObject({
      webhook: "oncall",
      event_type: "alert.firing",
      status: "delivered",
    });
    expect(
      firing?.attempt_log.map((a: Record<string, unknown>) => [a.status_code, a.outcome]),
    ).toEqual([
      [503, "retry"],
      [200, "delivered"],
    ]);
    expect(
      (await get<{ deliveries: unknown[] }>("/v1/console/deliveries?status=dead")).deliveries,
    ).toEqual([]);
  });

  it("health: spans in, sampling, queue depths, judge spend today", async () => {
    // The deployment's figures are the service's published counters (a fraction of a second old).
    const health = await eventually(
      async () => {
        const h = await get<Health>("/v1/console/health");
        return h.deployment.error === null && h.deployment.traces_assembled >= TRACES
          ? h
          : undefined;
      },
      10_000,
      "the service's counters in the deployment's figures",
    );
    const deployment = health.deployment as Extract<Health["deployment"], { error: null }>;
    expect(deployment.spans_received).toBe(TRACES * 3);
    expect(Object.values(deployment.traces_sampled).reduce((a, b) => a + b, 0)).toBe(TRACES);
    // One process, the whole service; the console's own fastify publishes nothing.
    expect(deployment.processes).toMatchObject([{ role: "api+worker", self: false }]);
    // This console's own registry is the service's, scraped: the same figures.
    expect(health.process.spans_received).toBe(TRACES * 3);
    expect(health.queues.map((q: { name: string }) => q.name)).toEqual([
      "traces",
      "evaluations",
      "alerts",
      "webhooks",
    ]);
    for (const q of health.queues) expect(q.error).toBeNull();
    expect(health.today.eval_events).toBeGreaterThanOrEqual(TRACES * 2 + 2);
    expect(health.today.judge_spend_usd).toBeCloseTo(0.02, 6);
    expect(health.today.judged_by_llm).toBe(2);
  });

  it("answers 400 naming the bad parameter", async () => {
    const cases: [string, RegExp][] = [
      ["/v1/stats/scores", /^evaluator: is required/],
      ["/v1/stats/scores?evaluator=g&bucket=soon", /^bucket: must be a duration/],
      ["/v1/stats/scores?evaluator=g&bucket=1s&since=2020-01-01T00:00:00Z", /^bucket: too small/],
      ["/v1/stats/scores?evaluator=g&split=region", /^split\.0: must list some of/],
      ["/v1/stats/scores?evaluator=g&since=yesterday", /^since: must be an ISO 8601/],
      ["/v1/stats/releases?evaluator=g&colour=red", /^unknown parameter\(s\): colour/],
      ["/v1/evaluations/worst?limit=0", /^limit: /],
      ["/v1/console/deliveries?status=lost", /^status: /],
      ["/v1/console/alerts?episodes=x", /^episodes: /],
    ];
    for (const [query, message] of cases) {
      const body = await get<{ error: string; message: string }>(query, 400);
      expect(body.error).toBe("invalid_request");
      expect(body.message, query).toMatch(message);
    }
  });
});
