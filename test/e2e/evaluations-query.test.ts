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
}

interface Page {
  evaluations: Event[];
  next_cursor: string | null;
}

async function get(path: string): Promise<{ status: number; body: Page & { message?: string } }> {
  const res = await fetch(`${svc.url}${path}`);
  return { status: res.status, body: (await res.json()) as Page & { message?: string } };
}

const DOCUMENT = "Refunds are accepted within 30 days of purchase with a receipt.";
// Three traces, two evaluators each: a supported answer of support-bot v1, a contradicted one of
// support-bot v2, and a supported one of another service.
const TRACES = [
  { service: "support-bot", release: "v1", answer: "You can request a refund within 30 days." },
  { service: "support-bot", release: "v2", answer: "Refunds are accepted within 90 days." },
  { service: "billing-bot", release: "v1", answer: "You can request a refund within 30 days." },
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

  it("names a bad filter value", async () => {
    const res = await get("/v1/evaluations?passed=yes&status=done&order=up");
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/passed:/);
    expect(res.body.message).toMatch(/status:/);
    expect(res.body.message).toMatch(/order:/);
  });
});
