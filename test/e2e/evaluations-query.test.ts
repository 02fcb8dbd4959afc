import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportSpans, ragTraceSpans } from "../support/otel-spans.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";

let svc: TestService;

interface Event {
  id: string;
  trace_id: string;
  evaluator: string;
  status: string;
  passed: boolean | null;
  service_name: string | null;
  service_version: string | null;
  model: string | null;
  created_at: string;
}

interface Page {
  evaluations: Event[];
  next_cursor: string | null;
}

async function get(
  path: string,
): Promise<{ status: number; body: Page & { error?: string; message?: string } }> {
  const res = await fetch(`${svc.url}${path}`);
  return { status: res.status, body: (await res.json()) as Page & { message?: string } };
}

const traceIdsOf = (page: Page) => [...new Set(page.evaluations.map((e) => e.trace_id))].sort();

const DOCUMENT = "Refunds are accepted within 30 days of purchase with a receipt.";
// Three traces, two evaluators each: a supported answer of support-bot v1, a contradicted one of
// support-bot v2, and a supported one of another service on another model.
const TRACES = [
  { service: "support-bot", release: "v1", answer: "You can request a refund within 30 days." },
  { service: "support-bot", release: "v2", answer: "Refunds are accepted within 90 days." },
  {
    service: "billing-bot",
    release: "v1",
    answer: "You can request a refund within 30 days.",
    llmAttributes: { "llm.model_name": "claude-haiku" },
  },
];
const traceIds: string[] = [];

beforeAll(async () => {
  svc = await startTestService();
  for (const t of TRACES) {
    const spans = ragTraceSpans({ ...t, document: DOCUMENT });
    const traceId = spans[0]?.spanContext().traceId as string;
    traceIds.push(traceId);
    await exportSpans(svc.url, spans);
    await awaitTraceEvaluations(svc.url, traceId, 2);
  }
});

afterAll(async () => {
  await svc?.stop();
});

describe("GET /v1/evaluations: filters, order and dates", () => {
  it("filters on service, release, passed and status, alone and together", async () => {
    const ids = (page: Page) => [...new Set(page.evaluations.map((e) => e.trace_id))].sort();
    const byService = await get("/v1/evaluations?service=billing-bot");
    expect(byService.status).toBe(200);
    expect(ids(byService.body)).toEqual([traceIds[2]]);
    const byRelease = await get("/v1/evaluations?service=support-bot&release=v2");
    expect(ids(byRelease.body)).toEqual([traceIds[1]]);
    const failed = await get("/v1/evaluations?passed=false");
    expect(ids(failed.body)).toEqual([traceIds[1]]);
    expect(failed.body.evaluations.every((e) => e.passed === false)).toBe(true);
    const passed = await get("/v1/evaluations?passed=true&release=v1");
    expect(ids(passed.body)).toEqual([traceIds[0], traceIds[2]].sort());
    const ok = await get("/v1/evaluations?status=ok");
    expect(ok.body.evaluations).toHaveLength(6);
    const skipped = await get("/v1/evaluations?status=skipped");
    expect(skipped.body.evaluations).toEqual([]);
  });

  it("pages newest first with order=desc, and each cursor continues its own order", async () => {
    const asc = await get("/v1/evaluations?limit=100");
    const all = asc.body.evaluations.map((e) => Number(e.id));
    expect(all).toEqual([...all].sort((a, b) => a - b));

    const seen: number[] = [];
    let page = await get("/v1/evaluations?order=desc&limit=4");
    seen.push(...page.body.evaluations.map((e) => Number(e.id)));
    expect(page.body.next_cursor).not.toBeNull();
    const cursor = page.body.next_cursor as string;
    page = await get(`/v1/evaluations?order=desc&limit=4&cursor=${cursor}`);
    seen.push(...page.body.evaluations.map((e) => Number(e.id)));
    expect(page.body.next_cursor).toBeNull();
    expect(seen).toEqual([...all].reverse());

    // A newest-first cursor asked for in the other order would skip or repeat events: refused.
    const mixed = await get(`/v1/evaluations?limit=4&cursor=${cursor}`);
    expect(mixed.status).toBe(400);
    expect(mixed.body.message).toMatch(/cursor: was returned for order=desc/);
  });

  it("takes since as an ISO 8601 date-time only, and says so", async () => {
    const future = await get("/v1/evaluations?since=2999-01-01T00:00:00Z");
    expect(future.status).toBe(200);
    expect(future.body.evaluations).toEqual([]);
    const past = await get("/v1/evaluations?since=2020-01-01");
    expect(past.body.evaluations).toHaveLength(6);
    for (const bad of ["1", "May%203", "2026-13-45T00:00:00Z", "yesterday"]) {
      const res = await get(`/v1/evaluations?since=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.message, bad).toMatch(/since: must be an ISO 8601 date-time/);
    }
  });

  it("filters on service_name, service_version and model; service and release are their aliases", async () => {
    const byName = await get("/v1/evaluations?service_name=billing-bot");
    expect(byName.status).toBe(200);
    expect(traceIdsOf(byName.body)).toEqual([traceIds[2]]);
    expect(byName.body.evaluations).toHaveLength(2);
    const byVersion = await get("/v1/evaluations?service_name=support-bot&service_version=v2");
    expect(traceIdsOf(byVersion.body)).toEqual([traceIds[1]]);
    const v1 = await get("/v1/evaluations?service_version=v1");
    expect(traceIdsOf(v1.body)).toEqual([traceIds[0], traceIds[2]].sort());
    const byModel = await get("/v1/evaluations?model=claude-haiku");
    expect(traceIdsOf(byModel.body)).toEqual([traceIds[2]]);
    expect(byModel.body.evaluations.every((e) => e.model === "claude-haiku")).toBe(true);
    const otherModel = await get("/v1/evaluations?model=gpt-4o-mini&service_version=v1");
    expect(traceIdsOf(otherModel.body)).toEqual([traceIds[0]]);
    expect((await get("/v1/evaluations?model=absent")).body.evaluations).toEqual([]);
    // The old names answer as the new ones, alone or beside them when they agree.
    const aliased = await get("/v1/evaluations?service=support-bot&release=v2");
    expect(aliased.body.evaluations).toEqual(byVersion.body.evaluations);
    const both = await get("/v1/evaluations?service=billing-bot&service_name=billing-bot");
    expect(both.body.evaluations).toEqual(byName.body.evaluations);
  });

  it("takes a half-open time range: since inclusive, until exclusive", async () => {
    const all = (await get("/v1/evaluations")).body.evaluations;
    // Each trace was judged after the one before had its events: its first event starts a window.
    const startOf = (traceId: string | undefined) =>
      all
        .filter((e) => e.trace_id === traceId)
        .map((e) => e.created_at)
        .sort()[0] as string;
    const second = startOf(traceIds[1]);
    const third = startOf(traceIds[2]);
    const before = await get(`/v1/evaluations?until=${second}`);
    expect(before.status).toBe(200);
    expect(traceIdsOf(before.body)).toEqual([traceIds[0]]);
    const window = await get(`/v1/evaluations?since=${second}&until=${third}`);
    expect(traceIdsOf(window.body)).toEqual([traceIds[1]]);
    const from = await get(`/v1/evaluations?since=${third}`);
    expect(traceIdsOf(from.body)).toEqual([traceIds[2]]);
    // Adjacent windows neither miss nor repeat an event.
    const count = [before, window, from].reduce((n, r) => n + r.body.evaluations.length, 0);
    expect(count).toBe(all.length);
    // A date alone is midnight UTC; a date-time without an offset is UTC.
    expect((await get("/v1/evaluations?until=2020-01-01")).body.evaluations).toEqual([]);
    const zoneless = second.replace(/Z$/, "");
    expect((await get(`/v1/evaluations?until=${zoneless}`)).body.evaluations).toEqual(
      before.body.evaluations,
    );
  });

  it("applies the filters to one trace's events", async () => {
    const trace = `/v1/traces/${traceIds[2]}/evaluations`;
    expect((await get(`${trace}?model=claude-haiku`)).body.evaluations).toHaveLength(2);
    expect((await get(`${trace}?model=gpt-4o-mini`)).body.evaluations).toEqual([]);
    expect((await get(`${trace}?service_name=support-bot`)).body.evaluations).toEqual([]);
    expect((await get(`${trace}?until=2020-01-01`)).body.evaluations).toEqual([]);
    const bad = await get(`${trace}?until=2026-02-30`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/until: must be an ISO 8601 date-time/);
  });

  it("answers a bad range, date or alias with a 400 in the API's error shape, naming the parameter", async () => {
    const cases: [string, RegExp][] = [
      ["since=2026-12-03&until=2026-12-03", /^until: must be later than since$/],
      ["until=2026-02-30", /^until: must be an ISO 8601 date-time/],
      ["until=2026-12-03T24:00:00Z", /^until: must be an ISO 8601 date-time/],
      ["since=2026-12-03T10:00:00%2B25:00", /^since: must be an ISO 8601 date-time/],
      ["service=a&service_name=b", /^service: is an alias of service_name/],
      ["release=v1&service_version=v2", /^release: is an alias of service_version/],
      ["model=", /^model: /],
      ["service_name=", /^service_name: /],
    ];
    for (const [query, message] of cases) {
      const res = await get(`/v1/evaluations?${query}`);
      expect(res.status, query).toBe(400);
      expect(Object.keys(res.body).sort(), query).toEqual(["error", "message"]);
      expect(res.body.error, query).toBe("invalid_request");
      expect(res.body.message, query).toMatch(message);
    }
  });

  it("names a bad filter value", async () => {
    const res = await get("/v1/evaluations?passed=yes&status=done&order=up");
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/passed:/);
    expect(res.body.message).toMatch(/status:/);
    expect(res.body.message).toMatch(/order:/);
  });
});
