import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EvalEventStore, type NewEvalEvent } from "../../src/store/eval-event-store.ts";
import {
  ensureDatabase,
  listMigrations,
  migrate,
  migrationsApplied,
} from "../../src/store/migrate.ts";
import { makeEvalEvent } from "../support/eval-events.ts";
import { testDatabaseUrl } from "../support/services.ts";

const db = testDatabaseUrl();
let pool: pg.Pool;
let store: EvalEventStore;

function event(over: Partial<NewEvalEvent> = {}): NewEvalEvent {
  return makeEvalEvent({ details: { claims: [] }, latencyMs: 1.5, ...over });
}

beforeAll(async () => {
  await ensureDatabase(db.url);
  pool = new pg.Pool({ connectionString: db.url });
  store = new EvalEventStore(pool);
});

afterAll(async () => {
  await pool?.end();
  await db.drop();
});

describe("migrations", () => {
  it("creates the database, applies every migration once, and reports them applied", async () => {
    expect(await migrate(pool)).toEqual(listMigrations().map((m) => m.version));
    expect(await migrate(pool)).toEqual([]);
    expect(await migrationsApplied(pool)).toBe(true);
  });
});

describe("EvalEventStore", () => {
  it("stores one verdict per (span, evaluator, version), whatever the retries", async () => {
    expect(await store.insertMany([event()])).toBe(1);
    expect(await store.insertMany([event({ score: 0.9 })])).toBe(0);
    expect(await store.insertMany([event({ evaluatorVersion: "2.0.0" })])).toBe(1);
    const { events } = await store.query({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      evaluator: "groundedness",
    });
    expect(events.map((e) => [e.evaluator_version, e.score])).toEqual([
      ["1.0.0", 0.5],
      ["2.0.0", 0.5],
    ]);
    expect(events[0]).toMatchObject({
      service_name: "support-bot",
      service_version: "v42",
      model: "gpt-4o",
      details: { claims: [] },
    });
  });

  it("refuses a score outside [0, 1] at the database too", async () => {
    await expect(
      store.insertMany([event({ spanId: "1111111111111111", score: 1.5 })]),
    ).rejects.toThrow(/check constraint/);
  });

  it("pages with a cursor, oldest first, without gaps or repeats", async () => {
    const trace = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const spans = Array.from({ length: 7 }, (_, i) => `${i}`.padStart(16, "b"));
    await store.insertMany(spans.map((spanId) => event({ traceId: trace, spanId })));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await store.query({ traceId: trace, limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...result.events.map((e) => e.span_id));
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(spans);
  });

  it("filters by span and by time", async () => {
    const { events } = await store.query({ spanId: "bbbbbbbbbbbbbbb6" });
    expect(events.map((e) => e.span_id)).toEqual(["bbbbbbbbbbbbbbb6"]);
    expect((await store.query({ since: new Date(Date.now() + 60_000) })).events).toEqual([]);
  });

  it("reads since inclusive and until exclusive, to the microsecond", async () => {
    const trace = "cccccccccccccccccccccccccccccccc";
    const spans = ["c000000000000001", "c000000000000002", "c000000000000003"];
    await store.insertMany(spans.map((spanId) => event({ traceId: trace, spanId })));
    const times = [
      "2026-12-03T10:00:00.000Z",
      "2026-12-03T10:00:00.001Z",
      "2026-12-03T10:00:00.002Z",
    ];
    for (const [i, spanId] of spans.entries()) {
      await pool.query("UPDATE eval_events SET created_at = $1 WHERE span_id = $2", [
        times[i],
        spanId,
      ]);
    }
    const ids = async (since: string, until: string) =>
      (
        await store.query({ traceId: trace, since: new Date(since), until: new Date(until) })
      ).events.map((e) => e.span_id);
    expect(await ids(times[0] as string, times[2] as string)).toEqual(spans.slice(0, 2));
    expect(await ids(times[1] as string, times[2] as string)).toEqual([spans[1]]);
    expect(await ids(times[1] as string, times[1] as string)).toEqual([]);
  });

  it("filters by service name, service version and model", async () => {
    const trace = "dddddddddddddddddddddddddddddddd";
    await store.insertMany([
      event({
        traceId: trace,
        spanId: "d000000000000001",
        serviceName: "a",
        serviceVersion: "1",
        model: "m1",
      }),
      event({
        traceId: trace,
        spanId: "d000000000000002",
        serviceName: "a",
        serviceVersion: "2",
        model: "m2",
      }),
      event({
        traceId: trace,
        spanId: "d000000000000003",
        serviceName: "b",
        serviceVersion: "1",
        model: "m1",
      }),
    ]);
    const ids = async (q: { serviceName?: string; serviceVersion?: string; model?: string }) =>
      (await store.query({ traceId: trace, ...q })).events.map((e) => e.span_id.slice(-1));
    expect(await ids({ serviceName: "a" })).toEqual(["1", "2"]);
    expect(await ids({ serviceVersion: "1" })).toEqual(["1", "3"]);
    expect(await ids({ serviceName: "a", serviceVersion: "1" })).toEqual(["1"]);
    expect(await ids({ model: "m1" })).toEqual(["1", "3"]);
    expect(await ids({ model: "m1", serviceName: "b" })).toEqual(["3"]);
  });
});
