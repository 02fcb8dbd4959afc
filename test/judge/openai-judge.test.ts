import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { TracejudgeError } from "../../src/errors.ts";
import { JudgeMalformedError } from "../../src/judge/judge.ts";
import { OpenAIJudge } from "../../src/judge/openai-judge.ts";
import { errorBody, FakeOpenAIServer } from "../support/fake-openai-server.ts";
import { FAST_RETRY, judgeConfig, rejectionOf, verdictRequest } from "./helpers.ts";

let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await FakeOpenAIServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

function judge(over: Parameters<typeof judgeConfig>[1] = {}) {
  return new OpenAIJudge(judgeConfig(server.baseUrl, over), { retry: FAST_RETRY });
}

describe("OpenAIJudge: structured output", () => {
  it("sends the schema as a strict JSON-schema format and returns the validated value", async () => {
    server.enqueue({ content: { score: 0.75, reason: "mostly right" } });
    const { value } = await judge().complete(verdictRequest());
    expect(value).toEqual({ score: 0.75, reason: "mostly right" });

    const [request] = server.requests;
    expect(request?.headers.authorization).toBe("Bearer sk-test");
    expect(request?.model).toBe("gpt-4o-mini");
    expect(request?.body.temperature).toBe(0);
    expect(request?.messages).toEqual([
      { role: "system", content: verdictRequest().system },
      { role: "user", content: verdictRequest().user },
    ]);
    expect(request?.responseFormat).toEqual({
      type: "json_schema",
      json_schema: {
        name: "verdict",
        strict: true,
        schema: {
          type: "object",
          properties: {
            score: { type: "number", minimum: 0, maximum: 1 },
            reason: { type: "string" },
          },
          required: ["score", "reason"],
          additionalProperties: false,
        },
      },
    });
  });

  it("uses the request's model and output limit, and omits a null temperature", async () => {
    server.enqueue({ content: { score: 1, reason: "ok" } });
    await judge({ temperature: null }).complete(
      verdictRequest({ model: "gpt-4.1-mini", maxOutputTokens: 300 }),
    );
    const body = server.requests[0]?.body;
    expect(body.model).toBe("gpt-4.1-mini");
    expect(body.max_completion_tokens).toBe(300);
    expect(body).not.toHaveProperty("temperature");
  });

  it("reports the response's model, tokens, cost from the price table, and latency", async () => {
    server.enqueue({
      content: { score: 1, reason: "ok" },
      model: "gpt-4o-mini-2024-07-18",
      usage: { prompt_tokens: 1000, completion_tokens: 500 },
    });
    const { usage } = await judge().complete(verdictRequest());
    expect(usage.model).toBe("gpt-4o-mini-2024-07-18");
    expect(usage.inputTokens).toBe(1000);
    expect(usage.outputTokens).toBe(500);
    // List price 0.15 / 0.60 USD per million tokens.
    expect(usage.costUsd).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / 1e6, 12);
    expect(usage.latencyMs).toBeGreaterThan(0);
  });

  it("prices configured models by glob and leaves unpriced models at null", async () => {
    const config = { model: "local-llama", prices: { "local-*": { input: 1, output: 2 } } };
    server.enqueue({ content: { score: 1, reason: "ok" }, usage: usage(2000, 1000) });
    const priced = await judge(config).complete(verdictRequest());
    expect(priced.usage.costUsd).toBeCloseTo(0.004, 12);

    server.enqueue({ content: { score: 1, reason: "ok" }, model: "mystery-model" });
    const unpriced = await judge().complete(verdictRequest());
    expect(unpriced.usage.costUsd).toBeNull();
  });

  it("accepts JSON wrapped in a Markdown code block", async () => {
    server.enqueue({ content: '```json\n{"score": 0.5, "reason": "half"}\n```' });
    const { value } = await judge().complete(verdictRequest());
    expect(value.score).toBe(0.5);
  });
});

describe("OpenAIJudge: malformed answers", () => {
  it("asks once more, saying what was wrong, and sums both calls' usage", async () => {
    server.enqueue(
      { content: "I think it deserves a 7", usage: usage(100, 10) },
      { content: { score: 0.7, reason: "fixed" }, usage: usage(150, 20) },
    );
    const { value, usage: total } = await judge().complete(verdictRequest());
    expect(value.score).toBe(0.7);
    expect(total.inputTokens).toBe(250);
    expect(total.outputTokens).toBe(30);
    const followUp = server.requests[1]?.messages ?? [];
    expect(followUp).toHaveLength(4);
    expect(followUp[2]).toEqual({ role: "assistant", content: "I think it deserves a 7" });
    expect(followUp[3]?.content).toMatch(/not valid: the answer is not JSON/);
  });

  it("throws JUDGE_MALFORMED (final) with the reason after a second miss", async () => {
    server.enqueue(
      { content: { score: 7, reason: "out of range" }, usage: usage(100, 10) },
      { content: { score: "high" }, usage: usage(120, 10) },
    );
    const err = await rejectionOf(judge().complete(verdictRequest()));
    expect(err).toBeInstanceOf(JudgeMalformedError);
    expect(err.code).toBe("JUDGE_MALFORMED");
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/does not match the schema/);
    expect(err.message).toMatch(/score/);
    expect((err as JudgeMalformedError).usage.inputTokens).toBe(220);
    expect(server.callCount).toBe(2);
    expect(server.requests[1]?.messages[3]?.content).toMatch(/does not match the schema/);
  });

  it("treats a cut-off answer as malformed", async () => {
    server.enqueue(
      { content: '{"score": 0.5, "rea', finishReason: "length" },
      { content: '{"score": 0.5, "rea', finishReason: "length" },
    );
    const err = await rejectionOf(judge().complete(verdictRequest()));
    expect(err.code).toBe("JUDGE_MALFORMED");
    expect(err.message).toMatch(/cut off at the output token limit/);
  });
});

describe("OpenAIJudge: transient failures", () => {
  it("waits for Retry-After (seconds) on 429, then succeeds", async () => {
    server.enqueue(
      { status: 429, headers: { "retry-after": "1" }, body: errorBody("slow down", "requests") },
      { content: { score: 1, reason: "ok" } },
    );
    const started = performance.now();
    const { value } = await judge().complete(verdictRequest());
    expect(value.score).toBe(1);
    expect(server.callCount).toBe(2);
    const gap = (server.requests[1]?.at ?? 0) - (server.requests[0]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(900);
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("honours Retry-After given as an HTTP date", async () => {
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString(); // second precision: 1–2 s
    server.enqueue(
      { status: 503, headers: { "retry-after": inTwoSeconds }, body: errorBody("busy") },
      { content: { score: 1, reason: "ok" } },
    );
    const started = performance.now();
    await judge().complete(verdictRequest());
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("gives up after max_retries 500s with JUDGE_UNAVAILABLE (retryable)", async () => {
    server.setHandler(() => ({ status: 500, body: errorBody("boom") }));
    const err = await rejectionOf(judge({ max_retries: 2 }).complete(verdictRequest()));
    expect(err.code).toBe("JUDGE_UNAVAILABLE");
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/after 3 attempts: HTTP 500/);
    expect(server.callCount).toBe(3);
  });

  it("retries an answer slower than the timeout", async () => {
    server.enqueue({ delayMs: 2000, content: { score: 0, reason: "late" } });
    server.enqueue({ content: { score: 1, reason: "on time" } });
    const { value } = await judge({ timeout_ms: 200 }).complete(verdictRequest());
    expect(value.reason).toBe("on time");
    expect(server.callCount).toBe(2);
  });

  it("retries a reset connection", async () => {
    server.enqueue({ reset: true }, { content: { score: 1, reason: "ok" } });
    const { value } = await judge().complete(verdictRequest());
    expect(value.score).toBe(1);
    expect(server.callCount).toBe(2);
  });

  it("does not retry other 4xx: JUDGE_UNAVAILABLE, final, naming the status", async () => {
    server.setHandler(() => ({ status: 401, body: errorBody("bad key", "invalid_request_error") }));
    const err = await rejectionOf(judge().complete(verdictRequest()));
    expect(err.code).toBe("JUDGE_UNAVAILABLE");
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/HTTP 401.*api_key/);
    expect(server.callCount).toBe(1);
  });

  it("stops retrying an exhausted quota (429 insufficient_quota) but leaves it retryable", async () => {
    server.setHandler(() => ({
      status: 429,
      body: errorBody("quota", "insufficient_quota", "insufficient_quota"),
    }));
    const err = await rejectionOf(judge().complete(verdictRequest()));
    expect(err.retryable).toBe(true);
    expect(server.callCount).toBe(1);
  });
});

describe("OpenAIJudge: abort", () => {
  it("stops waiting for a slow answer when the signal aborts", async () => {
    server.enqueue({ delayMs: 5000, content: { score: 1, reason: "ok" } });
    const reason = new TracejudgeError("EVALUATOR_TIMEOUT", "too slow", { retryable: true });
    const started = performance.now();
    const call = judge().complete(verdictRequest({ signal: AbortSignal.timeout(150) }));
    await expect(call).rejects.toThrow();
    // Well before the 5 s answer, with room for a busy machine.
    expect(performance.now() - started).toBeLessThan(3000);

    const controller = new AbortController();
    server.enqueue({ status: 429, headers: { "retry-after": "5" }, body: errorBody("wait") });
    const backingOff = judge().complete(verdictRequest({ signal: controller.signal }));
    setTimeout(() => controller.abort(reason), 200);
    await expect(backingOff).rejects.toBe(reason);
    expect(server.callCount).toBe(2); // the slow one and the 429; no retry after the abort
  });

  it("refuses at once when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    await expect(judge().complete(verdictRequest({ signal: controller.signal }))).rejects.toThrow(
      "gone",
    );
    expect(server.callCount).toBe(0);
  });
});

describe("OpenAIJudge: configuration", () => {
  it("needs a key for the default OpenAI endpoint", () => {
    const config = { ...judgeConfig(server.baseUrl), base_url: undefined, api_key: undefined };
    expect(() => new OpenAIJudge(config)).toThrow(
      expect.objectContaining({ code: "JUDGE_NOT_CONFIGURED" }),
    );
  });

  it("rejects a schema that JSON schema cannot express", async () => {
    const request = verdictRequest();
    const bad = { ...request, schema: z.date() as unknown as typeof request.schema };
    const err = await rejectionOf(judge().complete(bad));
    expect(err.code).toBe("EVALUATOR_INVALID");
  });
});

function usage(prompt_tokens: number, completion_tokens: number) {
  return { prompt_tokens, completion_tokens };
}
