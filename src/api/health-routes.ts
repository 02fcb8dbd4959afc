import type { FastifyInstance } from "fastify";
import type pg from "pg";
import { errorMessage } from "../errors.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { RedisConnection } from "../redis/connect-redis.ts";
import { withTimeout } from "../redis/with-timeout.ts";
import { migrationsApplied } from "../store/migrate.ts";

export interface HealthDeps {
  redis: RedisConnection;
  pool: pg.Pool;
  metrics: Metrics;
  /** Refreshes the gauges read at scrape time (queue depths). */
  collect: () => Promise<void>;
}

/** A dependency that does not answer within this long is reported down, not waited on. */
const PROBE_TIMEOUT_MS = 2000;

async function check(name: string, probe: () => Promise<boolean>): Promise<[string, string]> {
  try {
    return [name, (await withTimeout(probe(), PROBE_TIMEOUT_MS)) ? "ok" : "not ready"];
  } catch (err) {
    return [name, `down: ${errorMessage(err)}`];
  }
}

/** `/healthz` (the process lives), `/readyz` (Redis and Postgres answer, migrations applied), `/metrics`. */
export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    const checks = Object.fromEntries(
      await Promise.all([
        check(
          "redis",
          async () => deps.redis.status === "ready" && (await deps.redis.ping()) === "PONG",
        ),
        check("postgres", async () => (await deps.pool.query("SELECT 1")).rowCount === 1),
        check("migrations", () => migrationsApplied(deps.pool)),
      ]),
    );
    const ready = Object.values(checks).every((v) => v === "ok");
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks });
  });

  app.get("/metrics", async (_request, reply) => {
    await deps.collect().catch(() => {});
    return reply
      .type(deps.metrics.registry.contentType)
      .send(await deps.metrics.registry.metrics());
  });
}
