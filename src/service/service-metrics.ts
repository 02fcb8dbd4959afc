import type { Logger } from "pino";
import { packageVersion } from "../cli/package-version.ts";
import type { Config } from "../config/config-schema.ts";
import { CountersPublisher } from "../metrics/counters-publisher.ts";
import { createMetrics, type Metrics } from "../metrics/metrics.ts";
import type { RedisConnection } from "../redis/connect-redis.ts";
import type { ServiceRoles } from "./service-roles.ts";
import type { Closers } from "./shutdown-sequence.ts";

export interface ServiceMetrics {
  metrics: Metrics;
  /** This process's counters as published for the console. */
  counters: CountersPublisher;
}

/**
 * This process's Prometheus metrics, and their counters published to Redis. Every role publishes
 * its counters, so the console can sum them over the deployment. Registered before the workers,
 * so closed after they drain: its last publish counts their last jobs.
 */
export function startServiceMetrics(
  redis: RedisConnection,
  config: Config,
  logger: Logger,
  roles: ServiceRoles,
  closers: Closers,
): ServiceMetrics {
  const metrics = createMetrics({ build: { version: packageVersion() } });
  const counters = new CountersPublisher(redis, config.redis_prefix, metrics.registry, {
    role: roles.api && roles.workers ? "api+worker" : roles.api ? "api" : "worker",
    intervalMs: config.console.counters_interval_ms,
    logger,
  });
  counters.start();
  closers.push(() => counters.close());
  return { metrics, counters };
}
