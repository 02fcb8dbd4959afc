import { Cluster, Redis } from "ioredis";
import type { Config } from "../config/config-schema.ts";

/** A Redis connection of either kind: every key the engine uses carries the same hash tag. */
export type RedisConnection = Redis | Cluster;

/** BullMQ needs maxRetriesPerRequest: null so that blocking commands survive reconnects. */
const OPTIONS = { maxRetriesPerRequest: null, enableReadyCheck: true } as const;
/**
 * For a caller that must answer now (ingest): a command fails at once while Redis is away rather
 * than waiting in the offline queue until it is back.
 */
const FAIL_FAST = {
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
  enableReadyCheck: true,
} as const;

/**
 * A new connection to the configured Redis: a Redis Cluster when `redis_cluster_nodes` lists its
 * nodes (the key prefix's hash tag keeps all of the engine's keys in one slot), else `redis_url`.
 */
export function connectRedis(
  config: Pick<Config, "redis_url" | "redis_cluster_nodes">,
  options: { failFast?: boolean } = {},
): RedisConnection {
  const redisOptions = options.failFast ? FAIL_FAST : OPTIONS;
  if (config.redis_cluster_nodes.length > 0) {
    const nodes = config.redis_cluster_nodes.map((node) => {
      const url = new URL(node.includes("://") ? node : `redis://${node}`);
      return { host: url.hostname, port: Number(url.port || 6379) };
    });
    return new Cluster(nodes, {
      redisOptions,
      enableReadyCheck: true,
      ...(options.failFast ? { enableOfflineQueue: false } : {}),
    });
  }
  return new Redis(config.redis_url, redisOptions);
}
