import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";

/** The server the tests create their own databases on (trust auth on this machine and CI). */
export const ADMIN_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

function suffix(): string {
  return randomBytes(6).toString("hex");
}

/** A fresh database URL of the test's own; `drop()` removes it. The database is not created here. */
export function testDatabaseUrl(): { url: string; name: string; drop: () => Promise<void> } {
  const name = `tracejudge_test_${suffix()}`;
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await admin.connect();
      try {
        await connectionsGone(admin, name);
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

/**
 * Waits (up to `timeoutMs`) until no connection to database `name` is left. `pool.end()` resolves
 * before its clients' sockets close (pg-pool ends them without waiting), and a backend that FORCE
 * terminates sends its client an error the ended pool re-emits with no listener: an uncaught
 * exception in whichever test file runs (seen under Node 24). FORCE then only ends connections
 * a test leaked.
 */
async function connectionsGone(admin: pg.Client, name: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
      [name],
    );
    if (rows[0]?.n === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A Redis key prefix of the test's own, a hash tag like the service's. */
export function testRedisPrefix(): string {
  return `{tjtest-${suffix()}}`;
}

/** Deletes every key under the prefix. */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

/** Polls until `probe` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`,
  );
}
