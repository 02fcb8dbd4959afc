import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src/config/config-schema.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";

let receiver: Server;
let receiverUrl = "";
let answer = 400;
const seen: { id: string; status: number }[] = [];
let svc: TestService;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({ id: String(req.headers["x-tracejudge-delivery"]), status: answer });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  svc = await startTestService({
    webhooks: [{ name: "oncall", url: receiverUrl, secret: "s3cret-enough", max_attempts: 2 }],
    webhook_delivery: { backoff_ms: 50, max_backoff_ms: 100 },
    alert_rules: [
      {
        name: "from-config",
        evaluator: "groundedness",
        window: "5m",
        min_samples: 20,
        below: 0.85,
        notify: ["oncall"],
      },
    ],
  } as never);
});

afterAll(async () => {
  await svc?.stop();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

const call = (method: string, path: string, body?: unknown) =>
  fetch(`${svc.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });

describe("/v1/alert-rules", () => {
  const rule = {
    name: "hallucination-each",
    evaluator: "hallucination",
    each: true,
    below: 0.5,
    notify: ["oncall"],
  };

  it("validates with the config's schema and names the field", async () => {
    const bad = await call("POST", "/v1/alert-rules", { ...rule, notify: ["pager"], below: 2 });
    expect(bad.status).toBe(400);
    const { message } = (await bad.json()) as { message: string };
    expect(message).toMatch(/below/);
    const unknownHook = await call("POST", "/v1/alert-rules", { ...rule, notify: ["pager"] });
    expect(((await unknownHook.json()) as { message: string }).message).toMatch(
      /notify\.0: no webhook named "pager"/,
    );
  });

  it("creates, lists, replaces and deletes API rules, and leaves config rules alone", async () => {
    expect((await call("POST", "/v1/alert-rules", rule)).status).toBe(201);
    expect((await call("POST", "/v1/alert-rules", rule)).status).toBe(409);
    const list = (await (await call("GET", "/v1/alert-rules")).json()) as {
      alert_rules: { name: string; source: string }[];
    };
    expect(list.alert_rules.map((r) => `${r.name}:${r.source}`).sort()).toEqual([
      "from-config:config",
      "hallucination-each:api",
    ]);
    const replaced = await call("PUT", "/v1/alert-rules/hallucination-each", {
      ...rule,
      below: 0.3,
    });
    expect(replaced.status).toBe(200);
    expect(
      (
        (await (await call("GET", "/v1/alert-rules/hallucination-each")).json()) as {
          below: number;
        }
      ).below,
    ).toBe(0.3);
    expect((await call("PUT", "/v1/alert-rules/nope", rule)).status).toBe(404);
    expect(
      (await call("PUT", "/v1/alert-rules/from-config", { ...rule, name: "from-config" })).status,
    ).toBe(409);
    expect((await call("DELETE", "/v1/alert-rules/from-config")).status).toBe(409);
    expect((await call("DELETE", "/v1/alert-rules/hallucination-each")).status).toBe(204);
    expect((await call("DELETE", "/v1/alert-rules/hallucination-each")).status).toBe(404);
  });
});

describe("/v1/deliveries", () => {
  it("dead-letters a refused delivery, lists it, and sends it again on request with the same id", async () => {
    answer = 400;
    const test = (await (await call("POST", "/v1/alert-rules/from-config/test")).json()) as {
      deliveries: string[];
    };
    const id = test.deliveries[0] as string;
    await eventually(
      async () => {
        const d = (await (await call("GET", `/v1/deliveries/${id}`)).json()) as { status: string };
        return d.status === "dead" ? true : undefined;
      },
      10_000,
      "the delivery to be dead",
    );
    const dead = (await (await call("GET", "/v1/deliveries?status=dead")).json()) as {
      deliveries: { id: string }[];
    };
    expect(dead.deliveries.map((d) => d.id)).toContain(id);

    answer = 200;
    expect((await call("POST", `/v1/deliveries/${id}/redeliver`)).status).toBe(202);
    await eventually(
      async () => {
        const d = (await (await call("GET", `/v1/deliveries/${id}`)).json()) as { status: string };
        return d.status === "delivered" ? true : undefined;
      },
      10_000,
      "the redelivery",
    );
    expect(seen.filter((s) => s.id === id).map((s) => s.status)).toEqual([400, 200]);
    expect((await call("POST", "/v1/deliveries/dlv_nope/redeliver")).status).toBe(404);
  });
});

describe("alert configuration", () => {
  it("names a rule's unknown webhook and a duplicate rule", () => {
    const result = ConfigSchema.safeParse({
      webhooks: [{ name: "oncall", url: "http://127.0.0.1:9000/h", secret: "change-me" }],
      alert_rules: [
        {
          name: "r",
          evaluator: "groundedness",
          each: true,
          below: 0.5,
          notify: ["oncall", "slack"],
        },
        { name: "r", evaluator: "groundedness", each: true, below: 0.5, notify: ["oncall"] },
      ],
    });
    expect(result.success).toBe(false);
    const issues = result.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
    expect(issues).toContain(
      'alert_rules.0.notify.1: no webhook named "slack" (configured: oncall)',
    );
    expect(issues).toContain('alert_rules.1.name: a rule named "r" is defined twice');
  });
});
