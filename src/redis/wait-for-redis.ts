import type { Config } from "../config/config-schema.ts";
import { maskedUrl } from "../config/masked-url.ts";
import { errorMessage, TracejudgeError } from "../errors.ts";
import type { RedisConnection } from "./connect-redis.ts";

/** The setting that names the Redis in use, for a message: the cluster's nodes or REDIS_URL. */
export function redisSetting(config: Pick<Config, "redis_url" | "redis_cluster_nodes">): string {
  return config.redis_cluster_nodes.length > 0
    ? `TRACEJUDGE_REDIS_CLUSTER_NODES=${config.redis_cluster_nodes.map(maskedUrl).join(",")}`
    : `REDIS_URL=${maskedUrl(config.redis_url)}`;
}

/**
 * Resolves once `connection` is ready. Past `timeoutMs` it disconnects and rejects with
 * `REDIS_UNAVAILABLE` naming the setting and the last connection error: a start must not retry
 * forever, logging every attempt, while nothing can work. Meanwhile the connection's errors are
 * only remembered, so the caller's own error listener (if any) can stay for after the start.
 */
export async function waitForRedis(
  connection: RedisConnection,
  options: { timeoutMs: number; setting: string },
): Promise<void> {
  if (connection.status === "ready") return;
  let lastError: unknown;
  const remember = (err: unknown) => {
    lastError = err;
  };
  connection.on("error", remember);
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      connection.once("ready", resolve);
      timer = setTimeout(() => {
        connection.off("ready", resolve);
        connection.disconnect();
        const cause = lastError ? errorMessage(lastError) : "no answer";
        reject(
          new TracejudgeError(
            "REDIS_UNAVAILABLE",
            `cannot reach Redis (${options.setting}) within ${options.timeoutMs / 1000} s: ${cause}`,
            { cause: lastError },
          ),
        );
      }, options.timeoutMs);
    });
  } finally {
    clearTimeout(timer);
    connection.off("error", remember);
  }
}
