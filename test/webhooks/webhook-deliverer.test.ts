import type { Queue } from "bullmq";
import pg from "pg";
import { pino } from "pino";
import { Counter, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhooksQueue } from "../../src/queues/create-queues.ts";
import { ensureDatabase, migrate } from "../../src/store/migrate.ts";
import { type Delivery, deliveryIdFor } from "../../src/webhooks/delivery-store.ts";
import { verifySignature } from "../../src/webhooks/signature.ts";
import { type WebhookConfigInput, WebhookConfigSchema } from "../../src/webhooks/webhook-config.ts";
import { WebhookDeliverer } from "../../src/webhooks/webhook-deliverer.ts";
import {
  deleteRedisPrefix,
  eventually,
  REDIS_URL,
  testDatabaseUrl,
  testRedisPrefix,
} from "../support/services.ts";
import { notification } from "./fixtures.ts";
import { closedPortUrl, TestReceiver } from "./receiver.ts";

const db = testDatabaseUrl();
const prefix = testRedisPrefix();
const SECRET = "change-me-please";
let pool: pg.Pool;
let receiver: TestReceiver;
let deliverer: WebhookDeliverer;
let queue: Queue;
const dead: Delivery[] = [];
const registry = new Registry();
const deadLettered = new Counter({
  name: "test_webhook_dead_total",
  help: "dead-lettered deliveries",
  labelNames: ["webhook"] as const,
  registers: [registry],
});

beforeAll(async () => {
  await ensureDatabase(db.url);
  pool = new pg.Pool({ connectionString: db.url });
  await migrate(pool);
  receiver = await TestReceiver.start();
  const hook = (name: string, path: string, over: Partial<WebhookConfigInput> = {}) =>
    WebhookConfigSchema.parse({ name, url: receiver.url(path), secret: SECRET, ...over });
  const webhooks = [
    hook("ok", "/ok", { headers: { Authorization: "Bearer gateway-token" } }),
    hook("flaky", "/flaky"),
    hook("limited", "/limited"),
    hook("bad", "/bad"),
    hook("down", "/down", { url: await closedPortUrl(), max_attempts: 3 }),
    hook("slow", "/slow", { timeout_ms: 200, max_attempts: 2 }),
    hook("twice", "/twice"),
    hook("redo", "/redo"),
    hook("late", "/late"),
    WebhookConfigSchema.parse({ name: "slack", url: receiver.url("/slack"), format: "slack" }),
  ];
  const redis = new URL(REDIS_URL);
  const connection = { host: redis.hostname, port: Number(redis.port || 6379) };
  queue = createWebhooksQueue({ connection, prefix });
  deliverer = new WebhookDeliverer({
    pool,
    queue,
    connection,
    prefix,
    logger: pino({ level: "silent" }),
    webhooks,
    // Small back-off so that retries take milliseconds here.
    settings: { backoff_ms: 50, max_backoff_ms: 200 },
    deadLettered,
    onDead: (d) => dead.push(d),
  });
  await deliverer.waitUntilReady();
});

afterAll(async () => {
  await deliverer?.close();
  await deliverer?.close(); // idempotent
  await queue?.close();
  await receiver?.close();
  await pool?.end();
  await db.drop();
  await deleteRedisPrefix(prefix);
});

async function settled(id: string, status: "delivered" | "dead") {
  return eventually(
    async () => {
      const d = await deliverer.store.get(id);
      return d?.status === status ? d : undefined;
    },
    15_000,
    `delivery ${id} ${status}`,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("WebhookDeliverer", () => {
  it("POSTs the body once, signed, with the delivery id and the extra headers", async () => {
    const id = deliveryIdFor("ep-1", "firing", "ok");
    const sent = notification();
    expect(await deliverer.enqueue({ id, webhook: "ok", notification: sent })).toEqual({
      created: true,
      status: "pending",
    });
    const delivery = await settled(id, "delivered");
    const [req, ...more] = receiver.received("/ok");
    expect(more).toHaveLength(0);
    if (!req) throw new Error("not received");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["x-tracejudge-delivery"]).toBe(id);
    expect(req.headers.authorization).toBe("Bearer gateway-token");
    expect(JSON.parse(req.body)).toEqual(sent);
    const signature = req.headers["x-tracejudge-signature"] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(SECRET, signature, req.body)).toBe(true);
    expect(verifySignature(SECRET, signature, req.body.replace("0.85", "0.95"))).toBe(false);
    expect(verifySignature("another-secret", signature, req.body)).toBe(false);
    expect(delivery.body).toBe(req.body);
    expect(delivery.attempts).toBe(1);
    expect(delivery.attempt_log).toMatchObject([
      { attempt: 1, status_code: 200, error: null, outcome: "delivered", url: receiver.url("/ok") },
    ]);
  });

  it("keeps trying a receiver that answers 503, same delivery id, every attempt logged", async () => {
    receiver.on("/flaky", (_req, i) =>
      i < 3 ? { status: 503, body: "maintenance" } : { status: 204 },
    );
    const id = deliveryIdFor("ep-2", "firing", "flaky");
    await deliverer.enqueue({ id, webhook: "flaky", notification: notification() });
    const delivery = await settled(id, "delivered");
    const requests = receiver.received("/flaky");
    expect(requests).toHaveLength(4);
    for (const req of requests) {
      expect(req.headers["x-tracejudge-delivery"]).toBe(id);
      expect(
        verifySignature(SECRET, req.headers["x-tracejudge-signature"] as string, req.body),
      ).toBe(true);
      expect(req.body).toBe(delivery.body);
    }
    expect(delivery.attempt_log.map((a) => [a.attempt, a.status_code, a.outcome])).toEqual([
      [1, 503, "retry"],
      [2, 503, "retry"],
      [3, 503, "retry"],
      [4, 204, "delivered"],
    ]);
    expect(delivery.attempt_log[0]?.error).toBe("HTTP 503: maintenance");
    expect(delivery.last_status_code).toBe(204);
  });

  it("waits at least the Retry-After a 429 asks for", async () => {
    receiver.on("/limited", (_req, i) =>
      i === 0 ? { status: 429, headers: { "Retry-After": "1" } } : { status: 200 },
    );
    const id = deliveryIdFor("ep-3", "firing", "limited");
    await deliverer.enqueue({ id, webhook: "limited", notification: notification() });
    await settled(id, "delivered");
    const [first, second] = receiver.received("/limited");
    expect(second && first && second.at - first.at).toBeGreaterThanOrEqual(950);
  });

  it("dead-letters a 400 at once, after one attempt, and counts it", async () => {
    receiver.on("/bad", () => ({ status: 400, body: "invalid_payload" }));
    const id = deliveryIdFor("ep-4", "firing", "bad");
    await deliverer.enqueue({ id, webhook: "bad", notification: notification() });
    const delivery = await settled(id, "dead");
    await sleep(400);
    expect(receiver.received("/bad")).toHaveLength(1);
    expect(delivery.attempt_log).toMatchObject([
      { attempt: 1, status_code: 400, error: "HTTP 400: invalid_payload", outcome: "dead" },
    ]);
    expect(dead.map((d) => d.id)).toContain(id);
    expect((await deadLettered.get()).values).toContainEqual(
      expect.objectContaining({ labels: { webhook: "bad" }, value: 1 }),
    );
    expect((await deliverer.store.listDead()).map((d) => d.id)).toContain(id);
  });

  it("dead-letters a delivery to a receiver that is down after max_attempts", async () => {
    const id = deliveryIdFor("ep-5", "firing", "down");
    await deliverer.enqueue({ id, webhook: "down", notification: notification() });
    const delivery = await settled(id, "dead");
    expect(delivery.attempt_log.map((a) => a.outcome)).toEqual(["retry", "retry", "dead"]);
    for (const a of delivery.attempt_log) {
      expect(a.status_code).toBeNull();
      expect(a.error).toContain("ECONNREFUSED");
    }
    expect(dead.filter((d) => d.id === id)).toHaveLength(1);
  });

  it("gives up on a receiver that does not answer within timeout_ms", async () => {
    receiver.on("/slow", () => ({ status: 200, delayMs: 1000 }));
    const id = deliveryIdFor("ep-6", "firing", "slow");
    await deliverer.enqueue({ id, webhook: "slow", notification: notification() });
    const delivery = await settled(id, "dead");
    expect(delivery.attempt_log.map((a) => a.error)).toEqual([
      "timed out after 200 ms",
      "timed out after 200 ms",
    ]);
  });

  it("sends a delivery enqueued twice once", async () => {
    const id = deliveryIdFor("ep-7", "firing", "twice");
    const req = { id, webhook: "twice", notification: notification() };
    const results = await Promise.all([deliverer.enqueue(req), deliverer.enqueue(req)]);
    expect(results.map((r) => r.created).sort()).toEqual([false, true]);
    await settled(id, "delivered");
    expect(await deliverer.enqueue(req)).toEqual({ created: false, status: "delivered" });
    await sleep(400);
    expect(receiver.received("/twice")).toHaveLength(1);
  });

  it("redelivers a dead or delivered delivery, same id and body", async () => {
    receiver.on("/redo", (_req, i) => (i === 0 ? { status: 410 } : { status: 200 }));
    const id = deliveryIdFor("ep-8", "firing", "redo");
    await deliverer.enqueue({ id, webhook: "redo", notification: notification() });
    await settled(id, "dead");
    expect(await deliverer.redeliver(id)).toBe("enqueued");
    const delivery = await settled(id, "delivered");
    expect(delivery.redeliveries).toBe(1);
    expect(delivery.attempt_log.map((a) => [a.attempt, a.status_code, a.outcome])).toEqual([
      [1, 410, "dead"],
      [2, 200, "delivered"],
    ]);
    expect(await deliverer.redeliver(id)).toBe("enqueued");
    await eventually(async () => (receiver.received("/redo").length === 3 ? true : undefined));
    await settled(id, "delivered");
    const requests = receiver.received("/redo");
    expect(new Set(requests.map((r) => r.headers["x-tracejudge-delivery"]))).toEqual(new Set([id]));
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(await deliverer.redeliver("dlv_missing")).toBe("not_found");
  });

  it("queues recorded deliveries whose job never was (a crash before dispatch)", async () => {
    const id = deliveryIdFor("ep-9", "firing", "late");
    expect(await deliverer.record({ id, webhook: "late", notification: notification() })).toBe(
      true,
    );
    expect(await deliverer.redeliver(id)).toBe("pending");
    expect(await deliverer.recoverPending(0)).toBeGreaterThanOrEqual(1);
    await settled(id, "delivered");
    expect(receiver.received("/late")).toHaveLength(1);
  });

  it("sends Slack's body, unsigned when the webhook has no secret", async () => {
    const id = deliveryIdFor("ep-10", "resolved", "slack");
    await deliverer.enqueue({
      id,
      webhook: "slack",
      notification: notification({ type: "alert.resolved" }),
    });
    await settled(id, "delivered");
    const [req] = receiver.received("/slack");
    expect(req?.headers["x-tracejudge-signature"]).toBeUndefined();
    const body = JSON.parse(req?.body ?? "{}");
    expect(body.text).toContain("Resolved: groundedness-release-gate");
    expect(Array.isArray(body.blocks)).toBe(true);
  });

  it("refuses a webhook that is not configured and an id the queue cannot carry", async () => {
    await expect(
      deliverer.enqueue({ id: "dlv_x", webhook: "nobody", notification: notification() }),
    ).rejects.toMatchObject({ code: "CONFIG_INVALID" });
    await expect(
      deliverer.enqueue({ id: "ep:1", webhook: "ok", notification: notification() }),
    ).rejects.toThrow();
  });
});
