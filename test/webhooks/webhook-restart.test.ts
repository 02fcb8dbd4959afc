import type { Queue } from "bullmq";
import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createWebhooksQueue } from "../../src/queues/create-queues.ts";
import { ensureDatabase, migrate } from "../../src/store/migrate.ts";
import { deliveryIdFor } from "../../src/webhooks/delivery-store.ts";
import { WebhookConfigSchema } from "../../src/webhooks/webhook-config.ts";
import { WebhookDeliverer } from "../../src/webhooks/webhook-deliverer.ts";
import {
  deleteRedisPrefix,
  eventually,
  REDIS_URL,
  testDatabaseUrl,
  testRedisPrefix,
} from "../support/services.ts";
import { notification } from "./fixtures.ts";
import { TestReceiver } from "./receiver.ts";

const db = testDatabaseUrl();
const prefix = testRedisPrefix();
let pool: pg.Pool;
let receiver: TestReceiver;
const deliverers: WebhookDeliverer[] = [];
const queues: Queue[] = [];

beforeAll(async () => {
  await ensureDatabase(db.url);
  pool = new pg.Pool({ connectionString: db.url });
  await migrate(pool);
  receiver = await TestReceiver.start();
});

afterAll(async () => {
  for (const d of deliverers) await d.close();
  for (const q of queues) await q.close();
  await receiver?.close();
  await pool?.end();
  await db.drop();
  await deleteRedisPrefix(prefix);
});

function start(): WebhookDeliverer {
  const redis = new URL(REDIS_URL);
  const webhooks = [
    WebhookConfigSchema.parse({ name: "oncall", url: receiver.url("/hook"), secret: "change-me" }),
  ];
  // A process of its own: its own webhooks queue.
  const connection = { host: redis.hostname, port: Number(redis.port || 6379) };
  const queue = createWebhooksQueue({ connection, prefix });
  queues.push(queue);
  const deliverer = new WebhookDeliverer({
    pool,
    queue,
    connection,
    prefix,
    logger: pino({ level: "silent" }),
    webhooks,
    settings: { backoff_ms: 50, max_backoff_ms: 200 },
  });
  deliverers.push(deliverer);
  return deliverer;
}

it("a delivery waiting for its retry survives a restart and is sent once", async () => {
  receiver.on("/hook", (_req, i) =>
    i === 0 ? { status: 503, headers: { "Retry-After": "1" } } : { status: 200 },
  );
  const first = start();
  await first.waitUntilReady();
  const id = deliveryIdFor("ep-1", "firing", "oncall");
  await first.enqueue({ id, webhook: "oncall", notification: notification() });
  await eventually(async () => (receiver.received("/hook").length === 1 ? true : undefined));
  await first.close();

  const second = start();
  await second.waitUntilReady();
  const delivery = await eventually(async () => {
    const d = await second.store.get(id);
    return d?.status === "delivered" ? d : undefined;
  });
  await new Promise((r) => setTimeout(r, 300));
  const requests = receiver.received("/hook");
  expect(requests).toHaveLength(2);
  expect(requests.map((r) => r.headers["x-tracejudge-delivery"])).toEqual([id, id]);
  expect(delivery.attempt_log.map((a) => a.outcome)).toEqual(["retry", "delivered"]);
});
