import { ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { Queue } from "bullmq";
import Fastify from "fastify";
import { Redis } from "ioredis";
import pg from "pg";
import { pino } from "pino";
import { expect } from "vitest";
import { AlertRuleCatalog } from "../../src/alerts/alert-rule-catalog.ts";
import { consoleRoutes } from "../../src/api/console-routes.ts";
import type { ConfigInput } from "../../src/config/config-schema.ts";
import {
  ALERTS_QUEUE,
  EVALUATIONS_QUEUE,
  TRACES_QUEUE,
  WEBHOOKS_QUEUE,
} from "../../src/queues/queue-names.ts";
import { ragTraceSpans } from "../support/otel-spans.ts";
import { eventually, REDIS_URL } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import {
  CASES,
  Receiver,
  scrapedMetrics,
  writeHistory,
  writeJudgeVerdicts,
} from "./console-fixtures.ts";

export const TEMPLATE = "http://jaeger.internal:16686/trace/{trace_id}?uiFind={span_id}";

const config = (receiverUrl: string) =>
  ({
    webhooks: [{ name: "oncall", url: receiverUrl, secret: "console-test-secret" }],
    webhook_delivery: { backoff_ms: 100, max_backoff_ms: 400 },
    alert_rules: [
      {
        name: "groundedness-release-gate",
        evaluator: "groundedness",
        release: "v43",
        window: "30m",
        min_samples: 5,
        below: 0.8,
        warn_below: 0.88,
        notify: ["oncall"],
      },
      {
        name: "hallucination-fail-rate",
        evaluator: "hallucination",
        window: "30m",
        aggregate: "fail_rate",
        above: 0.3,
        min_samples: 10,
        notify: ["oncall"],
      },
      {
        name: "checkout-groundedness-floor",
        evaluator: "groundedness",
        where: { "service.name": "checkout-assistant" },
        window: "30m",
        min_samples: 3,
        below: 0.5,
        notify: ["oncall"],
      },
    ],
    alerts: { tick_ms: 300, debounce_ms: 100 },
    // The service's counters reach the console's deployment figures within a fraction of a second.
    console: { counters_interval_ms: 200 },
  }) as Partial<ConfigInput>;

/** The real traffic: grounded answers on v42, mostly hallucinated ones on v43, another service. */
function traffic(): ReadableSpan[] {
  const sends = [
    ...CASES.flatMap((c) =>
      ["gpt-4o-mini", "gpt-4o"].map((model) => ({ c, model, release: "v42", good: true })),
    ),
    ...CASES.map((c, i) => ({ c, model: "gpt-4o-mini", release: "v43", good: i === 3 })),
  ];
  const support = sends.flatMap(({ c, model, release, good }) =>
    ragTraceSpans({
      service: "support-bot",
      release,
      question: c.question,
      document: c.document,
      answer: good ? c.good : c.bad,
      llmAttributes: { "llm.model_name": model },
    }),
  );
  const checkout = CASES.slice(0, 3).flatMap((c, i) =>
    ragTraceSpans({
      service: "checkout-assistant",
      release: "v7",
      question: c.question,
      document: c.document,
      answer: i === 2 ? c.bad : c.good,
      llmAttributes: { "llm.model_name": "gpt-4o" },
    }),
  );
  return [...support, ...checkout];
}
export const TRACES = 15;

export interface ConsoleUnderTest {
  /** The console's own fastify instance, serving `consoleRoutes`. */
  url: string;
  pool: pg.Pool;
  /** GETs a path of the console, checks the status, returns the JSON. */
  get<T = Record<string, unknown>>(pathAndQuery: string, status?: number): Promise<T>;
  stop(): Promise<void>;
}

/**
 * The whole service with real eval events (an hour of history written through the store, then
 * real traces over OTLP), three alert rules (two fire; the v43 gate's notification is delivered
 * on its second attempt), and the console's routes on a fastify instance of their own.
 */
export async function startConsole(): Promise<ConsoleUnderTest> {
  const receiver = new Receiver("groundedness-release-gate");
  await receiver.start();
  const svc = await startTestService(config(receiver.url));
  const pool = new pg.Pool({ connectionString: svc.config.database_url, max: 4 });
  try {
    return await withConsole(svc, pool, receiver);
  } catch (err) {
    await pool.end();
    await svc.stop();
    await receiver.close();
    throw err;
  }
}

async function withConsole(
  svc: TestService,
  pool: pg.Pool,
  receiver: Receiver,
): Promise<ConsoleUnderTest> {
  await writeHistory(pool);
  await writeJudgeVerdicts(pool);

  const exporter = new OTLPTraceExporter({ url: `${svc.url}/v1/traces` });
  await new Promise<void>((resolve, reject) =>
    exporter.export(traffic(), (r) =>
      r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error),
    ),
  );
  await exporter.shutdown();
  await eventually(
    async () => {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM eval_events e JOIN spans s USING (trace_id, span_id)`,
      );
      return (rows[0]?.n ?? 0) >= TRACES * 2 ? true : undefined;
    },
    30_000,
    "the eval events of the real traces",
  );
  // The v43 gate fires; its notification is delivered on the second attempt.
  await eventually(
    async () => (receiver.delivered.includes("groundedness-release-gate") ? true : undefined),
    20_000,
    "the alert",
  );

  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = svc.config.redis_prefix;
  const queues = [TRACES_QUEUE, EVALUATIONS_QUEUE, ALERTS_QUEUE, WEBHOOKS_QUEUE].map(
    (name) => new Queue(name, { connection: redis, prefix }),
  );
  const rules = new AlertRuleCatalog(svc.config.alert_rules, pool, {
    logger: pino({ level: "silent" }),
  });
  await rules.start();
  // The browser may hold a connection open past its own close: do not wait on it.
  const app = Fastify({ forceCloseConnections: true });
  await app.register(consoleRoutes, {
    pool,
    queues,
    metrics: scrapedMetrics(svc.url),
    // The service publishes its counters here; this console is no process of its own.
    deployment: { redis, prefix },
    rules,
    traceUrlTemplate: TEMPLATE,
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url,
    pool,
    async get<T>(pathAndQuery: string, status = 200): Promise<T> {
      const res = await fetch(`${url}${pathAndQuery}`);
      expect(res.status, pathAndQuery).toBe(status);
      return (await res.json()) as T;
    },
    async stop() {
      await app.close();
      for (const q of queues) await q.close().catch(() => {});
      await redis.quit().catch(() => redis.disconnect());
      rules.close();
      await pool.end();
      await svc.stop();
      await receiver.close();
    },
  };
}
