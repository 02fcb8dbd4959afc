import type { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertEngine } from "../../src/alerts/alert-engine.ts";
import { AlertRuleCatalog } from "../../src/alerts/alert-rule-catalog.ts";
import { AlertStateStore } from "../../src/alerts/alert-state-store.ts";
import { AlertRuleSchema } from "../../src/alerts/rule-schema.ts";
import { createWebhooksQueue } from "../../src/queues/create-queues.ts";
import { EvalEventStore, type NewEvalEvent } from "../../src/store/eval-event-store.ts";
import { ensureDatabase, migrate } from "../../src/store/migrate.ts";
import { WebhookDeliverer } from "../../src/webhooks/webhook-deliverer.ts";
import { makeEvalEvent } from "../support/eval-events.ts";
import {
  deleteRedisPrefix,
  REDIS_URL,
  testDatabaseUrl,
  testRedisPrefix,
} from "../support/services.ts";

const db = testDatabaseUrl();
const prefix = testRedisPrefix();
let pool: pg.Pool;
let redis: Redis;
let deliverer: WebhookDeliverer;
let queue: Queue;
let events: EvalEventStore;
const logger = pino({ level: "silent" });

let spanCounter = 0;
function event(release: string, score: number, service = "checkout-support"): NewEvalEvent {
  spanCounter += 1;
  return makeEvalEvent({
    traceId: "ab".repeat(16),
    spanId: spanCounter.toString(16).padStart(16, "0"),
    evaluatorVersion: "1",
    score,
    label: null,
    passed: score >= 0.5,
    explanation: `score ${score}`,
    serviceName: service,
    serviceVersion: release,
    spanName: "chat",
  });
}

function engineFor(rules: unknown[]) {
  const catalog = new AlertRuleCatalog(
    rules.map((r) => AlertRuleSchema.parse(r)),
    pool,
    { logger },
  );
  return {
    engine: new AlertEngine({
      pool,
      states: new AlertStateStore(pool),
      rules: catalog,
      deliverer,
      logger,
    }),
    catalog,
  };
}

async function deliveries(): Promise<{ event_type: string; body: string }[]> {
  const { rows } = await pool.query(
    "SELECT event_type, body FROM webhook_deliveries ORDER BY created_at",
  );
  return rows;
}

beforeAll(async () => {
  await ensureDatabase(db.url);
  pool = new pg.Pool({ connectionString: db.url });
  await migrate(pool);
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  // Records and enqueues only: no worker, so what the engine decided is what the tables say.
  queue = createWebhooksQueue({ connection: redis, prefix });
  deliverer = new WebhookDeliverer({
    pool,
    queue,
    connection: redis,
    prefix,
    logger,
    webhooks: [
      {
        name: "oncall",
        url: "http://127.0.0.1:9/hook",
        secret: "change-me",
        format: "tracejudge",
        timeout_ms: 1000,
        max_attempts: 1,
      } as never,
    ],
    worker: false,
  });
  events = new EvalEventStore(pool);
});

afterAll(async () => {
  await deliverer?.close();
  await queue?.close();
  redis?.disconnect();
  await pool?.end();
  await db.drop();
  await deleteRedisPrefix(prefix);
});

describe("AlertEngine", () => {
  it("fires a baseline rule when a release drops against the previous one, per release scope", async () => {
    await events.insertMany(Array.from({ length: 10 }, () => event("v41", 0.92)));
    await new Promise((r) => setTimeout(r, 20));
    await events.insertMany(Array.from({ length: 10 }, () => event("v42", 0.8)));
    const { engine } = engineFor([
      {
        name: "release-drop",
        evaluator: "groundedness",
        where: { "service.name": "checkout-support" },
        group_by: ["service.version"],
        window: "1h",
        min_samples: 5,
        baseline: { max_drop: 0.05 },
        notify: ["oncall"],
      },
    ]);
    const outcome = await engine.judgeRule("release-drop");
    expect(outcome.notifications).toEqual([{ scope: "service.version=v42", type: "alert.firing" }]);
    const [delivery] = await deliveries();
    const body = JSON.parse(delivery?.body ?? "{}");
    expect(body).toMatchObject({
      type: "alert.firing",
      release: "v42",
      scope: { "service.version": "v42" },
    });
    expect(body.observed).toBeCloseTo(0.12, 6);
    // Judged again at once: nothing new.
    expect((await engine.judgeRule("release-drop")).notifications).toEqual([]);
    expect(await deliveries()).toHaveLength(1);
  });

  it("holds a window rule below min_samples, then fires once enough samples agree", async () => {
    await pool.query("DELETE FROM eval_events");
    await pool.query("DELETE FROM webhook_deliveries");
    const { engine } = engineFor([
      {
        name: "mean-gate",
        evaluator: "groundedness",
        release: "v50",
        window: "10m",
        min_samples: 5,
        at_least: 0.85,
        notify: ["oncall"],
      },
    ]);
    await events.insertMany([event("v50", 0.1), event("v50", 0.2)]);
    expect((await engine.judgeRule("mean-gate")).notifications).toEqual([]);
    await events.insertMany([event("v50", 0.3), event("v50", 0.2), event("v50", 0.1)]);
    expect((await engine.judgeRule("mean-gate")).notifications).toEqual([
      { scope: "*", type: "alert.firing" },
    ]);
    const states = await new AlertStateStore(pool).states("mean-gate");
    expect(states[0]).toMatchObject({ state: "firing", samples: 5 });
  });
});
