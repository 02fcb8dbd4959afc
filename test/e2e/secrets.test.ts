import { Writable } from "node:stream";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../src/api/auth.ts";
import { ragTraceSpans } from "../support/otel-spans.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { TestReceiver } from "../webhooks/receiver.ts";

/** Recognisable secrets: none of them may show up in an answer, a log line or a metric. */
const SECRETS = {
  acmeKey: "tj_acme_KEYSECRET_9f41c2",
  adminKey: "tj_admin_KEYSECRET_5d7a0e",
  wrongKey: "tj_wrong_KEYSECRET_33aa10",
  webhookSecret: "whsec_WEBHOOKSECRET_71b9",
  headerValue: "Bearer HEADERSECRET_0c5e",
  routingKey: "ROUTINGKEYSECRET_e8d4f6",
  remoteToken: "Bearer REMOTESECRET_2a9b",
};

const logLines: string[] = [];
const seen: string[] = [];
let receiver: TestReceiver;
let svc: TestService;

beforeAll(async () => {
  receiver = await TestReceiver.start();
  for (const path of ["/fail", "/pd", "/remote?token=QUERYSECRET_77"])
    receiver.on(path, () => ({ status: 500, body: "upstream broke" }));
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  svc = await startTestService(
    {
      auth: {
        keys: [
          { name: "acme-key", project: "acme", sha256: hashKey(SECRETS.acmeKey) },
          { name: "ops", sha256: hashKey(SECRETS.adminKey), admin: true },
        ],
      },
      evaluators: [
        { name: "groundedness", enabled: false },
        { name: "hallucination", enabled: false },
      ],
      workers: { attempts: 1 },
      webhook_delivery: { backoff_ms: 20, max_backoff_ms: 40 },
      security: { private_url_allow_list: ["127.0.0.1"] },
      log_level: "trace",
    },
    { logger: pino({ level: "trace" }, sink) },
  );
});

afterAll(async () => {
  await svc?.stop();
  await receiver?.close();
});

/** Calls the API and keeps the whole answer (status line, headers, body) for the final check. */
async function call(key: string, method: string, url: string, body?: unknown) {
  const res = await fetch(`${svc.url}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  seen.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
  const json = res.headers.get("content-type")?.includes("json") && text;
  // biome-ignore lint/suspicious/noExplicitAny: the tests read whatever the API answered
  return { status: res.status, body: (json ? JSON.parse(text) : text) as any };
}

const acme = (method: string, url: string, body?: unknown) =>
  call(SECRETS.acmeKey, method, url, body);

describe("secrets", () => {
  it("never appear in answers, logs, metrics or stored errors", async () => {
    const hook = {
      name: "pager",
      url: receiver.url("/fail"),
      secret: SECRETS.webhookSecret,
      headers: { authorization: SECRETS.headerValue },
      max_attempts: 2,
    };
    const made = await acme("POST", "/v1/webhooks", hook);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      secret: "[redacted]",
      headers: { authorization: "[redacted]" },
    });
    const pd = {
      name: "pd",
      url: receiver.url("/pd"),
      format: "pagerduty",
      routing_key: SECRETS.routingKey,
      max_attempts: 1,
    };
    expect((await acme("POST", "/v1/webhooks", pd)).status).toBe(201);
    // Errors about a body that holds secrets name the field, not the values.
    expect(
      (await acme("POST", "/v1/webhooks", { ...hook, name: "bad", timeout_ms: -1 })).status,
    ).toBe(400);
    expect((await acme("POST", "/v1/webhooks", hook)).status).toBe(409);
    expect(
      (await acme("PUT", "/v1/webhooks/pager", { ...hook, url: "http://10.1.2.3/x" })).status,
    ).toBe(400);
    expect((await acme("GET", "/v1/webhooks")).status).toBe(200);
    expect((await acme("GET", "/v1/webhooks/pager")).status).toBe(200);
    expect((await call(SECRETS.adminKey, "GET", "/v1/webhooks")).status).toBe(200);

    // Deliveries that fail: attempts logged, dead-lettered, listed and read back.
    const rule = {
      name: "gate",
      evaluator: "test.none",
      each: true,
      below: 0.5,
      notify: ["pager", "pd"],
    };
    expect((await acme("POST", "/v1/alert-rules", rule)).status).toBe(201);
    const ids = (await acme("POST", "/v1/alert-rules/gate/test")).body.deliveries as string[];
    for (const id of ids) {
      await eventually(
        async () =>
          (await acme("GET", `/v1/deliveries/${id}`)).body?.status === "dead" ? true : undefined,
        10_000,
        "the failing deliveries to be dead",
      );
    }
    expect(receiver.received("/fail")[0]?.headers.authorization).toBe(SECRETS.headerValue);
    expect(JSON.parse(receiver.received("/pd")[0]?.body ?? "{}").routing_key).toBe(
      SECRETS.routingKey,
    );
    expect((await acme("GET", "/v1/deliveries?status=dead")).body.deliveries).toHaveLength(2);

    // A remote evaluator whose service fails: the stored error and the logs leave its header out.
    const remote = await call(SECRETS.adminKey, "POST", "/v1/evaluators?project=acme", {
      kind: "remote",
      name: "team.remote",
      url: receiver.url("/remote?token=QUERYSECRET_77"),
      headers: { authorization: SECRETS.remoteToken },
    });
    expect(remote.status).toBe(201);
    const spans = ragTraceSpans({ answer: "Refunds take 14 days." });
    const sent = await fetch(`${svc.url}/v1/traces`, {
      method: "POST",
      headers: {
        "content-type": "application/x-protobuf",
        authorization: `Bearer ${SECRETS.acmeKey}`,
      },
      body: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array),
    });
    expect(sent.status).toBe(200);
    const traceId = spans[0]?.spanContext().traceId as string;
    await eventually(
      async () => {
        const found = (await acme("GET", `/v1/traces/${traceId}/evaluations`)).body.evaluations;
        return found.some((e: { status: string }) => e.status === "error") ? true : undefined;
      },
      20_000,
      "the remote evaluator's error",
    );
    const called = receiver.received("/remote?token=QUERYSECRET_77");
    expect(called[0]?.headers.authorization).toBe(SECRETS.remoteToken);

    // Keys: a wrong one, a right one where it may not go; the metrics.
    expect((await call(SECRETS.wrongKey, "GET", "/v1/alert-rules")).status).toBe(401);
    expect((await acme("GET", "/metrics")).status).toBe(403);
    expect((await call(SECRETS.adminKey, "GET", "/metrics")).status).toBe(200);
    expect((await call(SECRETS.adminKey, "GET", "/v1/console/deliveries")).status).toBe(200);

    // The failures were logged (so the check below looked at something)...
    const logs = logLines.join("");
    expect(logs).toMatch(/webhook delivery dead-lettered/);
    expect(logs).toMatch(/job failed|evaluation/);
    // ...and nothing anywhere holds a secret.
    const everything = `${seen.join("\n")}\n${logs}`;
    for (const [what, secret] of Object.entries({ ...SECRETS, query: "QUERYSECRET_77" })) {
      const value = secret.replace(/^Bearer /, "");
      expect(everything.includes(value), `${what} leaked`).toBe(false);
    }
  });
});
