import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { ensureDatabase, migrate } from "../../src/store/migrate.ts";
import { testDatabaseUrl } from "./services.ts";

/**
 * A database of the test file's own, created and migrated before its tests and dropped after
 * them (registers the `beforeAll` and `afterAll` that do it). `pool` is ready once they ran.
 */
export function migratedTestDatabase(poolOptions: pg.PoolConfig = {}): { readonly pool: pg.Pool } {
  const db = testDatabaseUrl();
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    await ensureDatabase(db.url);
    pool = new pg.Pool({ ...poolOptions, connectionString: db.url });
    await migrate(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await db.drop();
  });
  return {
    get pool() {
      if (!pool) throw new Error("the test database is ready only once beforeAll has run");
      return pool;
    },
  };
}
