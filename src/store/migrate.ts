import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { maskedUrl } from "../config/masked-url.ts";
import { errorMessage, TracejudgeError } from "../errors.ts";

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");
/** Any constant works; it only has to be the same for every replica migrating at once. */
const MIGRATION_LOCK_KEY = 7_454_727;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations shipped with this build, in order: `NNN_name.sql` files. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number.parseInt(f, 10),
      name: f.replace(/\.sql$/, ""),
      sql: readFileSync(path.join(dir, f), "utf8"),
    }));
}

/**
 * Creates the database named in `databaseUrl` when it does not exist, by connecting to the
 * server's `postgres` database. Needs CREATEDB; a race with another replica is harmless. Each
 * connection attempt gives up after `timeoutMs` (default 10 s). Failures are one-line
 * `CONFIG_INVALID` (a URL that does not parse) or `DATABASE_UNAVAILABLE` errors naming
 * DATABASE_URL with its password masked, and the cause.
 */
export async function ensureDatabase(
  databaseUrl: string,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const where = `DATABASE_URL=${maskedUrl(databaseUrl)}`;
  const connectionTimeoutMillis = options.timeoutMs ?? 10_000;
  let url: URL;
  let name: string;
  try {
    url = new URL(databaseUrl);
    name = decodeURIComponent(url.pathname.replace(/^\//, ""));
  } catch (err) {
    throw new TracejudgeError(
      "CONFIG_INVALID",
      `${where} is not a PostgreSQL URL such as postgres://user:password@host:5432/database (${errorMessage(err)})`,
    );
  }
  const unavailable = (what: string, err: unknown) =>
    new TracejudgeError("DATABASE_UNAVAILABLE", `${what} (${where}): ${describePgError(err)}`, {
      cause: err,
    });
  if (!name) return;
  const probe = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis });
  try {
    await probe.connect();
    return;
  } catch (err) {
    // 3D000: invalid_catalog_name, the database does not exist. Anything else is a real failure.
    if ((err as { code?: string }).code !== "3D000")
      throw unavailable("cannot connect to PostgreSQL", err);
  } finally {
    await probe.end().catch(() => {});
  }
  url.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } catch (err) {
    // Another replica created it first: 42P04 (duplicate_database), or 23505 (unique_violation
    // on pg_database's name) when both CREATE DATABASE statements ran at the same moment.
    const code = (err as { code?: string }).code;
    if (code !== "42P04" && code !== "23505")
      throw unavailable(`database "${name}" does not exist and cannot be created`, err);
  } finally {
    await admin.end().catch(() => {});
  }
}

/** PostgreSQL's message with its SQLSTATE, or the socket error's code ("ECONNREFUSED ..."). */
function describePgError(err: unknown): string {
  const message = errorMessage(err) || "no answer";
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && !message.includes(code) ? `${message} [${code}]` : message;
}

/**
 * Applies the migrations not yet applied, each in its own transaction, under an advisory lock so
 * that replicas starting together migrate once. Returns the versions it applied.
 */
export async function migrate(pool: pg.Pool, migrations = listMigrations()): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(
      "SELECT version FROM schema_migrations",
    );
    const done = new Set(rows.map((r) => r.version));
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
          migration.version,
          migration.name,
        ]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${migration.name} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      applied.push(migration.version);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    client.release();
  }
  return applied;
}

/** Whether every shipped migration has been applied (for /readyz). */
export async function migrationsApplied(
  pool: pg.Pool,
  migrations = listMigrations(),
): Promise<boolean> {
  const { rows } = await pool.query<{ n: string }>(
    "SELECT count(*)::text AS n FROM schema_migrations WHERE version = ANY($1::int[])",
    [migrations.map((m) => m.version)],
  );
  return Number(rows[0]?.n) === migrations.length;
}
