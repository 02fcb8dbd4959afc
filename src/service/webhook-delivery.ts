import type { Logger } from "pino";
import type { Config } from "../config/config-schema.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { WebhookDeliverer } from "../webhooks/webhook-deliverer.ts";
import type { Catalogs } from "./catalogs.ts";
import type { Connections } from "./connections.ts";
import type { EngineQueues } from "./engine-queues.ts";
import type { Closers } from "./shutdown-sequence.ts";
import type { Stores } from "./stores.ts";

/**
 * Signed webhook deliveries. Every role records and queues them (the API's test and redelivery
 * routes, the workers' alerts); only the worker role runs the `webhooks` worker that sends them.
 */
export async function startWebhookDelivery(
  deps: {
    connections: Pick<Connections, "pool" | "redis">;
    queues: Pick<EngineQueues, "webhooks">;
    stores: Pick<Stores, "apiWebhooks">;
    catalogs: Pick<Catalogs, "apiFetch">;
    metrics: Metrics;
    config: Config;
    logger: Logger;
    /** Whether this process sends them. */
    worker: boolean;
  },
  closers: Closers,
): Promise<WebhookDeliverer> {
  const { config } = deps;
  const deliverer = new WebhookDeliverer({
    pool: deps.connections.pool,
    queue: deps.queues.webhooks,
    connection: deps.connections.redis,
    prefix: config.redis_prefix,
    logger: deps.logger,
    webhooks: config.webhooks,
    apiWebhooks: deps.stores.apiWebhooks,
    apiFetch: deps.catalogs.apiFetch,
    settings: config.webhook_delivery,
    worker: deps.worker,
    deadLettered: deps.metrics.webhooksDead,
  });
  await deliverer.waitUntilReady();
  closers.push(() => deliverer.close());
  return deliverer;
}
