import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticate, hashKey } from "../../src/api/auth.ts";
import { RpcStatus } from "../../src/otlp/proto.ts";
import { ragTraceSpans } from "../support/otel-spans.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";

const KEYS = {
  checkout: "tj_checkout_Zq81nVb2",
  search: "tj_search_Ux03kLw9",
  admin: "tj_admin_Pp77tRe4",
};
let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({
    auth: {
      keys: [
        {
          name: "checkout-ingest",
          project: "checkout",
          sha256: hashKey(KEYS.checkout),
          ingest_spans_per_s: 30,
        },
        { name: "search-ingest", project: "search", sha256: hashKey(KEYS.search) },
        { name: "ops", project: "default", sha256: hashKey(KEYS.admin), admin: true },
      ],
    },
  } as never);
});
afterAll(async () => {
  await svc?.stop();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function send(key: string | null, count = 1): Promise<{ status: number; traceId: string }> {
  const spans = Array.from({ length: count }, () => ragTraceSpans()).flat();
  const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
  const res = await fetch(`${svc.url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", ...(key ? bearer(key) : {}) },
    body,
  });
  return { status: res.status, traceId: spans[0]?.spanContext().traceId as string };
}

async function evaluations(key: string, traceId: string): Promise<{ project: string }[]> {
  const res = await fetch(`${svc.url}/v1/traces/${traceId}/evaluations`, { headers: bearer(key) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { evaluations: { project: string }[] }).evaluations;
}

describe("API keys and projects", () => {
  it("needs a key everywhere but /healthz", async () => {
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    const res = await fetch(`${svc.url}/readyz`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/Bearer/);
    expect((await send(null)).status).toBe(401);
    expect((await send("tj_wrong_key")).status).toBe(401);
    expect((await fetch(`${svc.url}/readyz`, { headers: bearer(KEYS.admin) })).status).toBe(200);
    // The console's page holds no data; its data needs an admin key.
    expect((await fetch(`${svc.url}/`)).status).toBe(200);
    expect((await fetch(`${svc.url}/v1/console/health`)).status).toBe(401);
    expect(
      (await fetch(`${svc.url}/v1/console/health`, { headers: bearer(KEYS.admin) })).status,
    ).toBe(200);
  });

  it("answers an OTLP exporter's 401 as an OTLP Status, in its own encoding", async () => {
    const json = await fetch(`${svc.url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(401);
    expect(json.headers.get("content-type")).toMatch(/application\/json/);
    // google.rpc.Status: code 16 is UNAUTHENTICATED.
    expect(await json.json()).toEqual({
      code: 16,
      message: "send Authorization: Bearer <API key>",
    });
    const proto = await fetch(`${svc.url}/v1/logs`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf" },
      body: new Uint8Array(0),
    });
    expect(proto.status).toBe(401);
    expect(proto.headers.get("content-type")).toMatch(/application\/x-protobuf/);
    const status = RpcStatus.decode(new Uint8Array(await proto.arrayBuffer()));
    expect({ code: status.code, message: status.message }).toEqual({
      code: 16,
      message: "send Authorization: Bearer <API key>",
    });
  });

  it("keeps a project's eval events from every other project's key", async () => {
    const { status, traceId } = await send(KEYS.checkout);
    expect(status).toBe(200);
    const mine = await eventually(
      async () => {
        const found = await evaluations(KEYS.checkout, traceId);
        return found.length >= 2 ? found : undefined;
      },
      20_000,
      "the checkout project's verdicts",
    );
    expect(mine.every((e) => e.project === "checkout")).toBe(true);
    expect(await evaluations(KEYS.search, traceId)).toEqual([]);
    const listed = await fetch(`${svc.url}/v1/evaluations?trace_id=${traceId}&project=checkout`, {
      headers: bearer(KEYS.search),
    });
    expect(((await listed.json()) as { evaluations: unknown[] }).evaluations).toEqual([]);
    expect(await evaluations(KEYS.admin, traceId)).toHaveLength(2);
  });

  it("keeps the console, metrics and health details to admin keys", async () => {
    expect(
      (await fetch(`${svc.url}/v1/console/alerts`, { headers: bearer(KEYS.checkout) })).status,
    ).toBe(403);
    expect((await fetch(`${svc.url}/metrics`, { headers: bearer(KEYS.search) })).status).toBe(403);
    expect((await fetch(`${svc.url}/v1/alert-rules`, { headers: bearer(KEYS.admin) })).status).toBe(
      200,
    );
  });

  it("limits a key's ingest rate with 429 and Retry-After", async () => {
    // 30 spans a second with a one-second burst: 3 traces of 3 spans pass, then the bucket is dry.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await send(KEYS.checkout, 3)).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    expect((await send(KEYS.search, 3)).status).toBe(200);
  });
});

describe("authenticate", () => {
  it("matches a bearer token against the stored hashes only", () => {
    const keys = [{ name: "a", project: "p", sha256: hashKey("secret-a"), admin: false }];
    expect(authenticate("Bearer secret-a", keys)?.name).toBe("a");
    expect(authenticate("bearer secret-a", keys)?.name).toBe("a");
    expect(authenticate("Bearer secret-b", keys)).toBeNull();
    expect(authenticate("secret-a", keys)).toBeNull();
    expect(authenticate(undefined, keys)).toBeNull();
  });
});
