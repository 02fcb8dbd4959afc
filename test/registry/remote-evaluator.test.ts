import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evalCaseToInput } from "../../src/cases/eval-case.ts";
import { runEvaluator } from "../../src/evaluate/run-evaluator.ts";
import { EvaluatorRegistry } from "../../src/evaluators/registry.ts";
import {
  createRemoteEvaluator,
  RemoteEvaluatorConfigSchema,
} from "../../src/evaluators/remote-evaluator.ts";

/** A team's evaluator service, as a Python one would answer: scripted per path. */
let server: Server;
let base: string;
const bodies: unknown[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString()));
      const reply = (status: number, body: string) =>
        res.writeHead(status, { "content-type": "application/json" }).end(body);
      if (req.url === "/good")
        return reply(
          200,
          JSON.stringify({ score: 0.8, label: "polite", passed: true, explanation: "fine" }),
        );
      if (req.url === "/down") return reply(503, '{"detail":"warming up"}');
      if (req.url === "/bad-request") return reply(422, '{"detail":"answer missing"}');
      if (req.url === "/nonsense") return reply(200, JSON.stringify({ score: "high" }));
      if (req.url === "/slow") return setTimeout(() => reply(200, '{"score":1}'), 2000);
      reply(404, "{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const input = evalCaseToInput({
  id: "r1",
  question: "Can I return it?",
  context: "Returns within 30 days.",
  answer: "Yes, within 30 days.",
});

async function evaluate(path: string, timeout_ms = 5000) {
  const evaluator = createRemoteEvaluator(
    RemoteEvaluatorConfigSchema.parse({ name: "team.tone", url: `${base}${path}`, timeout_ms }),
  );
  const registry = new EvaluatorRegistry();
  registry.register(evaluator, "test");
  const [active] = registry.activate([]);
  if (!active) throw new Error("not active");
  return runEvaluator(active, input, { logger: console, timeoutMs: 10_000, judge: null });
}

describe("remote evaluators", () => {
  it("POST the input as snake_case JSON and read back the verdict", async () => {
    bodies.length = 0;
    const { result } = await evaluate("/good");
    expect(result).toMatchObject({
      status: "ok",
      score: 0.8,
      label: "polite",
      passed: true,
      explanation: "fine",
    });
    expect(bodies[0]).toMatchObject({
      trace_id: input.traceId,
      span_id: input.spanId,
      question: "Can I return it?",
      answer: "Yes, within 30 days.",
      context: [{ content: "Returns within 30 days." }],
      span: { kind: "LLM" },
    });
  });

  it("treat 5xx and timeouts as retryable, other 4xx and bad verdicts as final", async () => {
    await expect(evaluate("/down")).rejects.toMatchObject({
      code: "EVALUATOR_FAILED",
      retryable: true,
      message: expect.stringMatching(/503/),
    });
    await expect(evaluate("/bad-request")).rejects.toMatchObject({
      code: "EVALUATOR_FAILED",
      retryable: false,
    });
    await expect(evaluate("/nonsense")).rejects.toMatchObject({
      code: "EVALUATOR_RESULT_INVALID",
      retryable: false,
    });
    await expect(evaluate("/slow", 200)).rejects.toMatchObject({
      code: "EVALUATOR_FAILED",
      retryable: true,
    });
  });

  it("refuse a malformed configuration, naming the field", () => {
    const parsed = RemoteEvaluatorConfigSchema.safeParse({ name: "x", url: "not a url" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["url"]);
  });
});
