import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { exportSpans, ragTraceSpans } from "../support/otel-spans.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";

// Real answers of a running service, checked against the response schemas /openapi.json
// publishes (read back into zod with z.fromJSONSchema): what a client generated from the
// document would expect is what the service sends.

type JsonSchema = Record<string, unknown>;
interface Document {
  paths: Record<string, Record<string, { tags: string[]; responses: Record<string, Answer> }>>;
  components: { schemas: Record<string, JsonSchema> };
}
interface Answer {
  content?: Record<string, { schema: JsonSchema }>;
}

let receiver: Server;
let receiverUrl = "";
let svc: TestService;
let doc: Document;
let traceId = "";

beforeAll(async () => {
  // A receiver that always fails: deliveries to it are dead after their one attempt.
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  svc = await startTestService({
    webhooks: [{ name: "oncall", url: receiverUrl, secret: "s3cret-enough", max_attempts: 1 }],
    webhook_delivery: { backoff_ms: 50, max_backoff_ms: 100 },
    alert_rules: [
      {
        name: "from-config",
        evaluator: "groundedness",
        each: true,
        below: 0.99,
        notify: ["oncall"],
      },
    ],
    alerts: { tick_ms: 200, debounce_ms: 20 },
    security: { private_url_allow_list: ["127.0.0.1"] },
  } as never);
  doc = (await (await fetch(`${svc.url}/openapi.json`)).json()) as Document;
  const spans = ragTraceSpans({ answer: "Refunds are accepted within 90 days." });
  traceId = spans[0]?.spanContext().traceId as string;
  await exportSpans(svc.url, spans);
  await awaitTraceEvaluations(svc.url, traceId, 2);
});

afterAll(async () => {
  await svc?.stop();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** The published schema of an operation's answer with this status (or its `4XX`-style range). */
function publishedSchema(method: string, path: string, status: number): z.ZodType {
  const responses = doc.paths[path]?.[method]?.responses ?? {};
  const answer = responses[String(status)] ?? responses[`${String(status)[0]}XX`];
  let schema = answer?.content?.["application/json"]?.schema;
  expect(schema, `${method} ${path} ${status}: no JSON schema published`).toBeDefined();
  const ref = schema?.$ref;
  if (typeof ref === "string")
    schema = doc.components.schemas[ref.replace("#/components/schemas/", "")];
  return z.fromJSONSchema(schema as never);
}

/**
 * Calls the service and checks the answer against the document: `path` is the documented path,
 * `url` the one called (its parameters filled in). Returns the status and the JSON answered.
 */
async function call(
  method: string,
  path: string,
  url: string = path,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${svc.url}${url}`, {
    method: method.toUpperCase(),
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  const result = publishedSchema(method, path, res.status).safeParse(json);
  expect(
    result.success ? [] : result.error.issues,
    `${method} ${url} ${res.status}: ${JSON.stringify(json).slice(0, 400)}`,
  ).toEqual([]);
  return { status: res.status, json };
}

describe("answers as /openapi.json describes them", () => {
  it("publishes a JSON schema for every JSON answer of the evaluations, evaluators, alerts, webhooks and health routes", () => {
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const tag = op.tags[0] as string;
        if (!["evaluations", "evaluators", "alerts", "webhooks", "health"].includes(tag)) continue;
        if (path === "/metrics" || path === "/openapi.json") continue;
        for (const [status, answer] of Object.entries(op.responses)) {
          if (status === "204") continue;
          if (!answer.content?.["application/json"]?.schema)
            missing.push(`${method} ${path} ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("eval events: lists, one trace's, with input, and a bad parameter", async () => {
    const list = await call("get", "/v1/evaluations");
    expect((list.json.evaluations as unknown[]).length).toBe(2);
    const withInput = await call("get", "/v1/evaluations", "/v1/evaluations?include=input");
    expect((withInput.json.evaluations as { input: unknown }[])[0]?.input).toMatchObject({
      answer: "Refunds are accepted within 90 days.",
    });
    const path = "/v1/traces/{trace_id}/evaluations";
    const page = await call("get", path, `/v1/traces/${traceId}/evaluations?limit=1`);
    expect(typeof page.json.next_cursor).toBe("string");
    const bad = await call("get", "/v1/evaluations", "/v1/evaluations?until=2026-02-30");
    expect(bad.status).toBe(400);
  });

  it("the schemas are closed and complete: an answer with a field added or taken away fails them", async () => {
    const schema = publishedSchema("get", "/v1/evaluations", 200);
    const { json } = await call("get", "/v1/evaluations");
    const [event] = json.evaluations as Record<string, unknown>[];
    expect(schema.safeParse({ ...json, evaluations: [{ ...event, extra: 1 }] }).success).toBe(
      false,
    );
    const { model: _model, ...withoutModel } = event as Record<string, unknown>;
    expect(schema.safeParse({ ...json, evaluations: [withoutModel] }).success).toBe(false);
    expect(schema.safeParse({ evaluations: json.evaluations }).success).toBe(false);
    expect(
      schema.safeParse({ ...json, evaluations: [{ ...event, created_at: "yesterday" }] }).success,
    ).toBe(false);
  });

  it("evaluators: listed, defined, refused", async () => {
    const list = await call("get", "/v1/evaluators");
    expect((list.json.evaluators as { name: string }[]).map((e) => e.name)).toContain(
      "groundedness",
    );
    const remote = { kind: "remote", name: "remote-check", url: receiverUrl };
    expect((await call("post", "/v1/evaluators", undefined, remote)).status).toBe(201);
    expect((await call("post", "/v1/evaluators", undefined, remote)).status).toBe(200);
    // A judge without its prompt: refused, in the error shape.
    const judge = { name: "tone" };
    expect((await call("post", "/v1/evaluators", undefined, judge)).status).toBe(400);
    const gone = await call("delete", "/v1/evaluators/{name}", "/v1/evaluators/absent");
    expect(gone.status).toBe(404);
  });

  it("webhooks: created, listed (configured and made), read and replaced", async () => {
    const hook = {
      name: "hook",
      url: receiverUrl,
      secret: "acme-secret-1",
      headers: { "x-a": "b" },
    };
    const made = await call("post", "/v1/webhooks", "/v1/webhooks?project=acme", hook);
    expect(made.status).toBe(201);
    expect(made.json.secret).toBe("[redacted]");
    const all = await call("get", "/v1/webhooks");
    expect((all.json.webhooks as { source: string }[]).map((w) => w.source).sort()).toEqual([
      "api",
      "config",
    ]);
    await call("get", "/v1/webhooks", "/v1/webhooks?project=acme");
    const one = "/v1/webhooks/{name}";
    expect((await call("get", one, "/v1/webhooks/hook?project=acme")).status).toBe(200);
    const put = await call("put", one, "/v1/webhooks/hook?project=acme", {
      ...hook,
      timeout_ms: 5000,
    });
    expect(put.json.timeout_ms).toBe(5000);
  });

  it("alert rules, states, a test notification and its dead delivery", async () => {
    const rule = {
      name: "each-low",
      evaluator: "hallucination",
      each: true,
      below: 0.5,
      notify: ["oncall"],
    };
    expect((await call("post", "/v1/alert-rules", undefined, rule)).status).toBe(201);
    const list = await call("get", "/v1/alert-rules");
    expect((list.json.alert_rules as { source: string }[]).map((r) => r.source).sort()).toEqual([
      "api",
      "config",
    ]);
    const one = "/v1/alert-rules/{name}";
    await call("put", one, "/v1/alert-rules/each-low", { ...rule, below: 0.4 });
    // The contradicted answer scored below 0.99: the configured rule's scope has a state.
    await eventually(async () => {
      const { json } = await call("get", "/v1/alerts");
      return (json.alerts as unknown[]).length > 0 || undefined;
    }, 10_000);
    const detail = await call("get", one, "/v1/alert-rules/from-config");
    expect((detail.json.states as unknown[]).length).toBeGreaterThan(0);

    const test = "/v1/alert-rules/{name}/test";
    const sent = await call("post", test, "/v1/alert-rules/each-low/test");
    expect(sent.status).toBe(202);
    const [id] = sent.json.deliveries as string[];
    const delivery = "/v1/deliveries/{id}";
    await eventually(async () => {
      const { json } = await call("get", delivery, `/v1/deliveries/${id}`);
      return json.status === "dead" || undefined;
    }, 10_000);
    const dead = await call("get", "/v1/deliveries", "/v1/deliveries?status=dead");
    expect((dead.json.deliveries as { id: string }[]).map((d) => d.id)).toContain(id);
    const again = "/v1/deliveries/{id}/redeliver";
    expect((await call("post", again, `/v1/deliveries/${id}/redeliver`)).status).toBe(202);
  });

  it("health, readiness and an unknown route", async () => {
    await call("get", "/healthz");
    expect((await call("get", "/readyz")).json.status).toBe("ready");
    // No route: no operation in the document either, so the error shape is checked directly.
    const res = await fetch(`${svc.url}/v1/nothing-here`);
    const errorSchema = z.fromJSONSchema(doc.components.schemas.Error as never);
    expect(errorSchema.safeParse(await res.json()).success).toBe(true);
  });
});
