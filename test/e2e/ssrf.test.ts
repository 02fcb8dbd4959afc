import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../src/api/auth.ts";
import { ragTraceSpans } from "../support/otel-spans.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { TestReceiver } from "../webhooks/receiver.ts";

const KEYS = { acme: "tj_acme_Ss81Tqa4", admin: "tj_admin_Mm02Kls6" };
let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await TestReceiver.start();
  receiver.on("/remote", () => ({
    status: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ score: 0.9, explanation: "scored remotely" }),
  }));
});
afterAll(async () => {
  await receiver?.close();
});

function client(svc: () => TestService, key?: string) {
  return async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${svc().url}${url}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: the tests read whatever the API answered
    return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
  };
}

describe("URLs set through the API, with the default rule", () => {
  let svc: TestService;
  const acme = client(() => svc, KEYS.acme);
  const admin = client(() => svc, KEYS.admin);

  beforeAll(async () => {
    svc = await startTestService({
      auth: {
        keys: [
          { name: "acme-key", project: "acme", sha256: hashKey(KEYS.acme) },
          { name: "ops", sha256: hashKey(KEYS.admin), admin: true },
        ],
      },
      // The operator's own receiver on loopback: trusted as written.
      webhooks: [{ name: "oncall", url: receiver.url("/oncall"), secret: "oncall-secret" }],
      webhook_delivery: { backoff_ms: 50, max_backoff_ms: 100 },
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const port = () => new URL(receiver.baseUrl).port;
  const refused = [
    "http://127.0.0.1:9000/hook",
    "http://10.0.0.1/hook",
    "http://[::1]:9000/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:127.0.0.1]:9000/hook",
    "http://[fd00::1]/hook",
    "http://0.0.0.0:9000/hook",
  ];

  it.each(refused)("refuses the webhook URL %s, naming the field and why", async (url) => {
    const res = await acme("POST", "/v1/webhooks", { name: "hook", url, secret: "hook-secret-1" });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(
      /^url: .* (loopback|private|link-local|unspecified) address, which URLs set through the API may not reach/,
    );
  });

  it("refuses a host name that resolves to loopback", async () => {
    const res = await acme("POST", "/v1/webhooks", {
      name: "hook",
      url: `http://localhost:${port()}/hook`,
      secret: "hook-secret-1",
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^url: host localhost resolves to .*, a loopback address/);
    // An admin key is held to the same rule: it is about where the engine connects.
    const asAdmin = await admin("POST", "/v1/webhooks?project=acme", {
      name: "hook",
      url: receiver.url("/hook"),
      secret: "hook-secret-1",
    });
    expect(asAdmin.status).toBe(400);
  });

  it("refuses a remote evaluator at a private address", async () => {
    const res = await acme("POST", "/v1/evaluators", {
      kind: "remote",
      name: "team.remote",
      url: receiver.url("/remote"),
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^url: 127\.0\.0\.1 is a loopback address/);
    expect((await acme("GET", "/v1/evaluators")).body.evaluators).not.toContainEqual(
      expect.objectContaining({ name: "team.remote" }),
    );
  });

  it("accepts a public address", async () => {
    const res = await acme("POST", "/v1/webhooks", {
      name: "public",
      url: "https://93.184.216.34/hook",
      secret: "hook-secret-1",
    });
    expect(res.status).toBe(201);
  });

  it("delivers to the config's loopback webhook, and refuses a stored private URL at delivery", async () => {
    // A URL that passed when stored but reaches loopback now (a DNS answer that changed, or a row
    // written before the rule): written straight into the table, as the API would not take it.
    const pool = new pg.Pool({ connectionString: svc.config.database_url });
    try {
      await pool.query("INSERT INTO api_webhooks (project, name, definition) VALUES ($1, $2, $3)", [
        "acme",
        "rebound",
        JSON.stringify({
          name: "rebound",
          url: `http://localhost:${port()}/rebound`,
          secret: "rebound-secret",
          format: "tracejudge",
          timeout_ms: 2000,
          max_attempts: 3,
        }),
      ]);
    } finally {
      await pool.end();
    }
    const rule = { evaluator: "groundedness", each: true, below: 0.5 };
    expect(
      (await acme("POST", "/v1/alert-rules", { ...rule, name: "gate", notify: ["rebound"] }))
        .status,
    ).toBe(201);
    expect(
      (await admin("POST", "/v1/alert-rules", { ...rule, name: "paging", notify: ["oncall"] }))
        .status,
    ).toBe(201);

    const [refusedId] = (await acme("POST", "/v1/alert-rules/gate/test")).body.deliveries;
    const [pagedId] = (await admin("POST", "/v1/alert-rules/paging/test")).body.deliveries;
    const settled = (id: string, status: string) =>
      eventually(
        async () => {
          const d = (await admin("GET", `/v1/deliveries/${id}`)).body;
          return d?.status === status ? d : undefined;
        },
        10_000,
        `delivery ${status}`,
      );
    const dead = await settled(refusedId, "dead");
    // Refused once, for good: the same answer would come every time.
    expect(dead.attempts).toBe(1);
    expect(dead.last_error).toMatch(/host localhost resolves to .*, a loopback address/);
    expect(receiver.received("/rebound")).toHaveLength(0);
    await settled(pagedId, "delivered");
    expect(receiver.received("/oncall")).toHaveLength(1);
  });
});

describe("URLs set through the API, when the config allows private addresses", () => {
  let svc: TestService;
  const open = client(() => svc);

  beforeAll(async () => {
    svc = await startTestService({
      security: { allow_private_urls: true },
      evaluators: [
        { name: "groundedness", enabled: false },
        { name: "hallucination", enabled: false },
      ],
      webhook_delivery: { backoff_ms: 50, max_backoff_ms: 100 },
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("stores and delivers to a loopback webhook", async () => {
    const made = await open("POST", "/v1/webhooks?project=default", {
      name: "local",
      url: `http://localhost:${new URL(receiver.baseUrl).port}/local`,
      secret: "local-secret-1",
    });
    expect(made.status).toBe(201);
    const rule = { name: "local-gate", evaluator: "groundedness", each: true, below: 0.5 };
    expect(
      (await open("POST", "/v1/alert-rules?project=default", { ...rule, notify: ["local"] }))
        .status,
    ).toBe(201);
    expect((await open("POST", "/v1/alert-rules/local-gate/test?project=default")).status).toBe(
      202,
    );
    await eventually(
      async () => (receiver.received("/local").length > 0 ? true : undefined),
      10_000,
      "the loopback webhook",
    );
  });

  it("runs a remote evaluator created through the API", async () => {
    const made = await open("POST", "/v1/evaluators?project=default", {
      kind: "remote",
      name: "team.remote",
      url: receiver.url("/remote"),
      headers: { authorization: "Bearer team-token" },
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: "team.remote", project: "default", source: "api" });
    expect(made.body.version).toMatch(/^1\+[0-9a-f]{8}$/);
    const spans = ragTraceSpans({ answer: "Refunds take 14 days." });
    const res = await fetch(`${svc.url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf" },
      body: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array),
    });
    expect(res.status).toBe(200);
    const traceId = spans[0]?.spanContext().traceId as string;
    const [event] = await eventually(
      async () => {
        const found = (await open("GET", `/v1/traces/${traceId}/evaluations`)).body.evaluations;
        return found.length > 0 ? found : undefined;
      },
      20_000,
      "the remote verdict",
    );
    expect(event).toMatchObject({ evaluator: "team.remote", status: "ok", score: 0.9 });
    expect(receiver.received("/remote").at(-1)?.headers.authorization).toBe("Bearer team-token");
  });
});
