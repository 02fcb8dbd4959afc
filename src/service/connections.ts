import pg from "pg";
import type { Logger } from "pino";
import type { Config } from "../config/config-schema.ts";
import { connectRedis, type RedisConnection } from "../redis/connect-redis.ts";
import { redisSetting, waitForRedis } from "../redis/wait-for-redis.ts";
import { ensureDatabase, migrate } from "../store/migrate.ts";
import type { Closers } from "./shutdown-sequence.ts";

/** Redis and Postgres, as every role of the service uses them. */
export interface Connections {
  pool: pg.Pool;
  /** Shared by the queues, the stores and the catalogs. */
  redis: RedisConnection;
  /** The API role's own connection, which fails fast; `null` without the API role. */
  ingestRedis: RedisConnection | null;
}

/** The database (created if missing, then migrated) behind a pool of 10 connections. */
export async function openPostgres(
  config: Config,
  logger: Logger,
  closers: Closers,
): Promise<pg.Pool> {
  await ensureDatabase(config.database_url, { timeoutMs: config.startup_wait_ms });
  const pool = new pg.Pool({
    connectionString: config.database_url,
    max: 10,
    connectionTimeoutMillis: 5000,
  });
  pool.on("error", (err) => logger.warn({ err: err.message }, "postgres connection error"));
  closers.push(() => pool.end());
  const applied = await migrate(pool);
  if (applied.length > 0) logger.info({ applied }, "migrations applied");
  return pool;
}

/** The shared Redis connection, once it answers. */
export async function openRedis(
  config: Config,
  logger: Logger,
  closers: Closers,
): Promise<RedisConnection> {
  const redis = connectRedis(config);
  closers.push(() => redis.quit().catch(() => redis.disconnect()));
  await waitForRedis(redis, startupWait(config));
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  return redis;
}

/**
 * Ingest's own connection fails fast: while Redis is away a request gets 503 at once instead of
 * waiting, unanswered, for it to come back.
 */
export async function openIngestRedis(config: Config, closers: Closers): Promise<RedisConnection> {
  const ingestRedis = connectRedis(config, { failFast: true });
  // Errors are the shared connection's to log; this one only answers 503 meanwhile.
  ingestRedis.on("error", () => {});
  closers.push(() => ingestRedis.quit().catch(() => ingestRedis.disconnect()));
  await waitForRedis(ingestRedis, startupWait(config));
  return ingestRedis;
}

/** Bounded: a Redis that is not there at start ends the start, naming the setting. */
function startupWait(config: Config) {
  return { timeoutMs: config.startup_wait_ms, setting: redisSetting(config) };
}
