import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../src/api/auth.ts";
import { QUALITY_EVALUATOR, writeEvaluatorModule } from "../support/evaluator-module.ts";
import { FakeOpenAIServer, type RecordedRequest } from "../support/fake-openai-server.ts";
import { ragTraceSpans } from "../support/otel-spans.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { TestReceiver } from "../webhooks/receiver.ts";

const KEYS = { acme: "tj_acme_Hq27Lmc8", globex: "tj_globex_Rw55Zpe1", admin: "tj_admin_Kd90Vbn3" };

/** A deterministic evaluator: answers containing "BAD" score 0.1, others 0.95. */
function writeQualityEvaluator(): string {
  return writeEvaluatorModule(QUALITY_EVALUATOR, "quality.ts");
}

let judge: FakeOpenAIServer;
let receiver: TestReceiver;
let svc: TestService;

beforeAll(async () => {
  judge = await FakeOpenAIServer.start(() => ({ content: { reasoning: "Fine.", verdict: true } }));
  receiver = await TestReceiver.start();
  svc = await startTestService({
    auth: {
      keys: [
        { name: "acme-key", project: "acme", sha256: hashKey(KEYS.acme) },
        { name: "globex-key", project: "globex", sha256: hashKey(KEYS.globex) },
        { name: "ops", sha256: hashKey(KEYS.admin), admin: true },
      ],
    },
    judge: { base_url: judge.baseUrl, api_key: "test-key", model: "gpt-4o-mini" },
    evaluator_modules: [writeQualityEvaluator()],
    evaluators: [
      { name: "groundedness", enabled: false },
      { name: "hallucination", enabled: false },
    ],
    webhooks: [{ name: "oncall", url: receiver.url("/oncall"), secret: "oncall-secret" }],
    webhook_delivery: { backoff_ms: 50, max_backoff_ms: 100 },
    alerts: { tick_ms: 500, debounce_ms: 50 },
    // The receiver is on loopback: let the projects' webhooks reach it, and nothing else.
    security: { private_url_allow_list: ["127.0.0.1"] },
  });
});

afterAll(async () => {
  await svc?.stop();
  await receiver?.close();
  await judge?.close();
});

type Key = keyof typeof KEYS;

async function call(key: Key, method: string, url: string, body?: unknown) {
  const res = await fetch(`${svc.url}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${KEYS[key]}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: the tests read whatever the API answered
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}

/** Sends one RAG trace with a project's key; returns its trace id. */
async function sendTrace(key: Key, answer: string): Promise<string> {
  const spans = ragTraceSpans({ answer });
  const res = await fetch(`${svc.url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", authorization: `Bearer ${KEYS[key]}` },
    body: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array),
  });
  expect(res.status).toBe(200);
  return spans[0]?.spanContext().traceId as string;
}

async function verdicts(traceId: string): Promise<{ evaluator: string; project: string }[]> {
  return (await call("admin", "GET", `/v1/traces/${traceId}/evaluations`)).body.evaluations;
}

const rule = (name: string, notify: string[]) => ({
  name,
  evaluator: "test.quality",
  each: true,
  below: 0.5,
  notify,
});

describe("project-scoped webhooks and alert rules", () => {
  it("lets each project name its own rules and keeps them from the other project's key", async () => {
    expect(
      (
        await call("acme", "POST", "/v1/webhooks", {
          name: "hook",
          url: receiver.url("/acme"),
          secret: "acme-secret-1",
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call("globex", "POST", "/v1/webhooks", {
          name: "hook",
          url: receiver.url("/globex"),
          secret: "globex-secret-1",
        })
      ).status,
    ).toBe(201);

    const created = await call("acme", "POST", "/v1/alert-rules", rule("quality-gate", ["hook"]));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "quality-gate", project: "acme", source: "api" });

    // Another project's rule is not there for globex: 404 to read, change, test or delete it.
    expect((await call("globex", "GET", "/v1/alert-rules/quality-gate")).status).toBe(404);
    expect(
      (await call("globex", "PUT", "/v1/alert-rules/quality-gate", rule("x", ["hook"]))).status,
    ).toBe(404);
    expect((await call("globex", "POST", "/v1/alert-rules/quality-gate/test")).status).toBe(404);
    expect((await call("globex", "DELETE", "/v1/alert-rules/quality-gate")).status).toBe(404);
    expect((await call("globex", "GET", "/v1/alert-rules")).body.alert_rules).toEqual([]);
    // Naming the other project outright is forbidden.
    expect((await call("globex", "GET", "/v1/alert-rules?project=acme")).status).toBe(403);
    expect(
      (
        await call("globex", "POST", "/v1/alert-rules", {
          ...rule("sneaky", ["hook"]),
          project: "acme",
        })
      ).status,
    ).toBe(403);
    // A project's rule notifies its own webhooks, not the config's.
    const configHook = await call("globex", "POST", "/v1/alert-rules", rule("paging", ["oncall"]));
    expect(configHook.status).toBe(400);
    expect(configHook.body.message).toMatch(/notify\.0: no webhook named "oncall"/);

    // Names are unique per project: globex may have a quality-gate of its own.
    const theirs = await call("globex", "POST", "/v1/alert-rules", {
      ...rule("quality-gate", ["hook"]),
      below: 0.3,
    });
    expect(theirs.status).toBe(201);
    expect((await call("acme", "GET", "/v1/alert-rules/quality-gate")).body.below).toBe(0.5);
    expect((await call("globex", "GET", "/v1/alert-rules/quality-gate")).body.below).toBe(0.3);

    // An admin sees both, and addresses one with ?project=.
    const all = (await call("admin", "GET", "/v1/alert-rules")).body.alert_rules as {
      name: string;
      project: string | null;
    }[];
    expect(all.map((r) => `${r.project}/${r.name}`).sort()).toEqual([
      "acme/quality-gate",
      "globex/quality-gate",
    ]);
    expect(
      (await call("admin", "GET", "/v1/alert-rules/quality-gate?project=globex")).body.below,
    ).toBe(0.3);
    expect((await call("admin", "GET", "/v1/alert-rules/quality-gate")).status).toBe(404);
    // A webhook a rule notifies cannot be deleted from under it.
    expect((await call("globex", "DELETE", "/v1/webhooks/hook")).status).toBe(409);
  });

  it("fires a project's rule on its own project's bad eval events only", async () => {
    const before = receiver.received("/acme").length;
    // globex's bad answer fires globex's rule...
    await sendTrace("globex", "BAD: refunds are never possible.");
    await eventually(
      async () => (receiver.received("/globex").length > 0 ? true : undefined),
      20_000,
      "globex's rule to notify globex",
    );
    const alerts = (await call("acme", "GET", "/v1/alerts")).body.alerts as {
      rule: string;
      project: string;
      state: string;
    }[];
    // ...and acme's rule, on the same evaluator, has not seen it.
    expect(alerts.filter((a) => a.state === "firing")).toEqual([]);
    expect(receiver.received("/acme").length).toBe(before);
    const globexAlerts = (await call("globex", "GET", "/v1/alerts")).body.alerts;
    expect(globexAlerts).toEqual([
      expect.objectContaining({ rule: "quality-gate", project: "globex", state: "firing" }),
    ]);

    await sendTrace("acme", "BAD: nothing can be refunded.");
    await eventually(
      async () => (receiver.received("/acme").length > before ? true : undefined),
      20_000,
      "acme's rule to notify acme",
    );
    const body = JSON.parse(receiver.received("/acme").at(-1)?.body ?? "{}");
    expect(body).toMatchObject({ type: "alert.firing", rule: "quality-gate" });
  });

  it("shows and redelivers a project's deliveries to that project's key only", async () => {
    const test = await call("acme", "POST", "/v1/alert-rules/quality-gate/test");
    expect(test.status).toBe(202);
    const id = test.body.deliveries[0] as string;
    await eventually(
      async () =>
        (await call("acme", "GET", `/v1/deliveries/${id}`)).body?.status === "delivered"
          ? true
          : undefined,
      10_000,
      "the test delivery",
    );
    expect((await call("globex", "GET", `/v1/deliveries/${id}`)).status).toBe(404);
    expect((await call("globex", "POST", `/v1/deliveries/${id}/redeliver`)).status).toBe(404);
    expect((await call("acme", "POST", `/v1/deliveries/${id}/redeliver`)).status).toBe(202);
    expect((await call("admin", "GET", `/v1/deliveries/${id}`)).body.project).toBe("acme");

    // Dead letters: listed for their project only.
    receiver.on("/acme", () => ({ status: 400 }));
    const dead = (await call("acme", "POST", "/v1/alert-rules/quality-gate/test")).body
      .deliveries[0];
    await eventually(
      async () =>
        (await call("acme", "GET", `/v1/deliveries/${dead}`)).body?.status === "dead"
          ? true
          : undefined,
      10_000,
      "the refused delivery to be dead",
    );
    const ids = async (key: Key) =>
      (
        (await call(key, "GET", "/v1/deliveries?status=dead")).body.deliveries as { id: string }[]
      ).map((d) => d.id);
    expect(await ids("acme")).toContain(dead);
    expect(await ids("globex")).not.toContain(dead);
    expect(await ids("admin")).toContain(dead);
  });

  it("lets an admin write a project's rule that pages the config's webhook", async () => {
    const made = await call(
      "admin",
      "POST",
      "/v1/alert-rules?project=acme",
      rule("paging", ["oncall"]),
    );
    expect(made.status).toBe(201);
    expect(made.body.project).toBe("acme");
    expect((await call("acme", "GET", "/v1/alert-rules/paging")).status).toBe(200);
    expect((await call("globex", "GET", "/v1/alert-rules/paging")).status).toBe(404);
    const test = await call("acme", "POST", "/v1/alert-rules/paging/test");
    expect(test.status).toBe(202);
    await eventually(
      async () => (receiver.received("/oncall").length > 0 ? true : undefined),
      10_000,
      "oncall",
    );
  });
});

describe("project-scoped evaluators", () => {
  const judgeDef = {
    name: "acme-tone",
    prompt: "Is this reply polite?\n{{answer}}",
    output: { type: "boolean" },
  };

  it("runs a project's evaluator on that project's spans only, and keeps it from other keys", async () => {
    const made = await call("acme", "POST", "/v1/evaluators", judgeDef);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: "acme-tone", project: "acme", source: "api" });
    const names = async (key: Key) =>
      ((await call(key, "GET", "/v1/evaluators")).body.evaluators as { name: string }[]).map(
        (e) => e.name,
      );
    expect(await names("acme")).toEqual(expect.arrayContaining(["acme-tone", "test.quality"]));
    expect(await names("globex")).not.toContain("acme-tone");
    expect(await names("globex")).toContain("test.quality");
    expect((await call("globex", "DELETE", "/v1/evaluators/acme-tone")).status).toBe(404);
    // Config names are everyone's; a global evaluator may not take a project's name.
    expect(
      (await call("acme", "POST", "/v1/evaluators", { ...judgeDef, name: "test.quality" })).status,
    ).toBe(409);
    expect((await call("admin", "POST", "/v1/evaluators", judgeDef)).status).toBe(409);

    const theirs = await sendTrace("globex", "Globex answer: refunds take 30 days.");
    const ours = await sendTrace("acme", "Acme answer: refunds take 14 days.");
    const mine = await eventually(
      async () => {
        const found = await verdicts(ours);
        return found.some((e) => e.evaluator === "acme-tone") ? found : undefined;
      },
      20_000,
      "acme's judge on acme's span",
    );
    expect(mine.every((e) => e.project === "acme")).toBe(true);
    const other = await eventually(
      async () => {
        const found = await verdicts(theirs);
        return found.some((e) => e.evaluator === "test.quality") ? found : undefined;
      },
      20_000,
      "globex's verdicts",
    );
    await new Promise((r) => setTimeout(r, 300));
    expect((await verdicts(theirs)).map((e) => e.evaluator)).toEqual(["test.quality"]);
    expect(other.every((e) => e.project === "globex")).toBe(true);
    const judged = judge.requests.map((r: RecordedRequest) => JSON.stringify(r.messages));
    expect(judged.some((m) => m.includes("Acme answer"))).toBe(true);
    expect(judged.some((m) => m.includes("Globex answer"))).toBe(false);

    expect((await call("acme", "DELETE", "/v1/evaluators/acme-tone")).status).toBe(204);
    expect(await names("acme")).not.toContain("acme-tone");
  });
});
