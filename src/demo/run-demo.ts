import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { parseCommandArgs } from "../cli/usage.ts";
import { type Config, ConfigSchema } from "../config/config-schema.ts";
import { TracejudgeError } from "../errors.ts";
import { prepareEvaluators } from "../evaluators/prepare-evaluators.ts";
import { createRedactor } from "../redact/redactor.ts";
import { startService } from "../service/service.ts";
import { verifySignature } from "../webhooks/signature.ts";
import { DemoApp } from "./demo-app.ts";

const SERVICE = "demo-support-bot";

/** A local webhook receiver that prints every alert it gets, after checking its signature. */
async function startReceiver(
  secret: string,
  print: (line: string) => void,
  onAlert: (type: string) => void,
): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString();
      const signed = verifySignature(
        secret,
        String(req.headers["x-tracejudge-signature"] ?? ""),
        raw,
      );
      const body = JSON.parse(raw) as {
        type: string;
        rule: string;
        scope: Record<string, string>;
        observed: number | null;
        threshold: number | null;
        samples: number;
        examples: { trace_id: string; explanation: string }[];
      };
      print(
        `[webhook] ${body.type} ${body.rule} ${JSON.stringify(body.scope)} observed=${body.observed?.toFixed(3) ?? "-"} threshold=${body.threshold ?? "-"} samples=${body.samples} signature=${signed ? "valid" : "INVALID"}`,
      );
      for (const example of body.examples.slice(0, 2))
        print(`          worst: trace ${example.trace_id}: ${example.explanation.slice(0, 100)}`);
      res.writeHead(204).end();
      onAlert(body.type);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** The demo's additions to the configuration: its receiver, and a release gate on groundedness. */
function demoConfig(base: Config, receiverUrl: string, secret: string): Config {
  return ConfigSchema.parse({
    ...base,
    trace_wait_ms: Math.min(base.trace_wait_ms, 1000),
    webhooks: [...base.webhooks, { name: "demo-receiver", url: receiverUrl, secret }],
    alert_rules: [
      ...base.alert_rules,
      {
        name: "demo-groundedness-gate",
        evaluator: "groundedness",
        where: { "service.name": SERVICE },
        group_by: ["service.version"],
        window: "2m",
        aggregate: "mean",
        min_samples: 8,
        below: 0.7,
        cooldown: "10m",
        notify: ["demo-receiver"],
      },
    ],
    alerts: { ...base.alerts, tick_ms: 2000 },
  });
}

/**
 * `tracejudge demo`: the service, a small instrumented RAG app sending traces of two releases
 * (v2 hallucinates far more than v1) and a local webhook receiver that prints the alerts. Runs
 * until Ctrl-C, or `--traces N` have been sent (and `--exit-after-alert` has seen an alert).
 */
export async function runDemo(args: string[], base: Config, logger: Logger): Promise<number> {
  const { values } = parseCommandArgs("demo", args, {
    traces: { type: "string", default: "0" },
    interval: { type: "string", default: "250" },
    "exit-after-alert": { type: "boolean", default: false },
  });
  const limit = Number(values.traces);
  const intervalMs = Number(values.interval);
  if (!Number.isInteger(limit) || limit < 0 || !(intervalMs > 0)) {
    throw new TracejudgeError(
      "USAGE_INVALID",
      `demo: --traces must be a whole number and --interval a positive number of milliseconds, not "${values.traces}" and "${values.interval}"`,
    );
  }
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const secret = randomBytes(16).toString("hex");
  let alerted: () => void = () => {};
  const firstAlert = new Promise<void>((resolve) => {
    alerted = resolve;
  });
  const receiver = await startReceiver(
    secret,
    print,
    (type) => type === "alert.firing" && alerted(),
  );
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/tracejudge`;
  const config = demoConfig(base, receiverUrl, secret);
  const { active } = await prepareEvaluators(config);
  const service = await startService(
    { config, logger, evaluators: active, redact: createRedactor(config.redaction).redactSpan },
    { api: true, workers: true },
  );
  print(`tracejudge demo: the service listens on ${service.url}`);
  print(`  console:  ${service.url}/`);
  print(`  queues:   ${service.url}/admin/queues`);
  print(`  webhooks: ${receiverUrl} (alerts are printed below)`);
  print(
    `  traces:   ${SERVICE} v1 (mostly right) and v2 (mostly hallucinated), every ${intervalMs} ms`,
  );

  const app = new DemoApp({
    endpoint: `${service.url}/v1/traces`,
    service: SERVICE,
    releases: [
      { version: "v1", badShare: 0.1 },
      { version: "v2", badShare: 0.7 },
    ],
  });
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    process.once("SIGINT", () => {
      stopping = true;
      resolve();
    });
  });
  let sent = 0;
  while (!stopping && (limit === 0 || sent < limit)) {
    const { release, hallucinated } = app.ask();
    sent += 1;
    if (sent % 10 === 0)
      print(`[app] ${sent} traces sent (last: ${release}${hallucinated ? ", hallucinated" : ""})`);
    await Promise.race([new Promise((r) => setTimeout(r, intervalMs)), stopped]);
  }
  if (values["exit-after-alert"] && !stopping) {
    // Give up waiting after a minute, without that timer keeping the process alive afterwards.
    await Promise.race([firstAlert, stopped, new Promise((r) => setTimeout(r, 60_000).unref())]);
  } else if (!stopping && limit > 0) {
    print("[app] done sending; Ctrl-C to stop");
    await stopped;
  }
  await app.close();
  await service.close();
  // Deliveries keep their connections alive; close them so the receiver (and the process) can end.
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  return 0;
}
