import { describe, expect, it } from "vitest";
import {
  type RedactionConfigInput,
  RedactionConfigSchema,
} from "../../src/redact/redaction-config.ts";
import { createRedactor } from "../../src/redact/redactor.ts";
import type { LlmSpan } from "../../src/span/llm-span.ts";
import { FAKE, makeSpan, SPAN_ID, TRACE_ID } from "./fixtures.ts";

const redactorWith = (config: RedactionConfigInput = {}) =>
  createRedactor(RedactionConfigSchema.parse(config));

/** A support-bot span where users pasted what they should not have. */
function leakySpan(): LlmSpan {
  return makeSpan({
    status: { code: 2, message: `401 Incorrect API key provided: ${FAKE.openai}.` },
    isError: true,
    systemInstructions:
      "You are the support assistant for release 2026.08.1. Escalate to ops@acme.example.com.",
    inputMessages: [
      { role: "system", content: "Answer in under 200 words." },
      {
        role: "user",
        content: `My integration broke on 2026-08-01. I'm using ${FAKE.openai} with max_tokens 1024, can you check it?`,
      },
      {
        role: "assistant",
        content: "",
        toolCalls: [
          {
            id: "call_01",
            name: "lookup_customer",
            arguments: '{"email":"maria.garcia@example.org","phone":"+34 612 345 678","limit":10}',
          },
        ],
      },
      { role: "tool", toolCallId: "call_01", content: '{"customer_id":"C-90211","tier":"gold"}' },
    ],
    outputMessages: [
      {
        role: "assistant",
        content:
          "I found your account. The card on file, 4111 1111 1111 1111, was charged $49.00 on 2026-08-01T10:30:00Z for 1,532 tokens.",
      },
    ],
    input: null,
    output: null,
    question: `My integration broke on 2026-08-01. I'm using ${FAKE.openai} with max_tokens 1024, can you check it?`,
    answer:
      "I found your account. The card on file, 4111 1111 1111 1111, was charged $49.00 on 2026-08-01T10:30:00Z for 1,532 tokens.",
    documents: [
      {
        id: "kb-311",
        content:
          "Account manager: John Smith, john.smith@acme.example.com, +1 (415) 555-2671. Refunds go to IBAN DE89 3704 0044 0532 0130 00 within 14 days.",
        score: 0.87,
        origin: "retrieval",
      },
    ],
    attributes: {
      "gen_ai.usage.input_tokens": 1532,
      "gen_ai.usage.output_tokens": 211,
      "llm.token_count.prompt": 1532,
      "gen_ai.request.max_tokens": 1024,
      "gen_ai.request.model": "gpt-4o",
      "http.request.header.authorization": [`Bearer ${FAKE.openai}`],
      "http.request.header.x-api-key": "k-live-0001",
      "db.connection_string": "postgres://app:s3cr3t@db.internal:5432/support",
      "gen_ai.input.messages": JSON.stringify([{ role: "user", content: `key ${FAKE.anthropic}` }]),
      "app.request": { headers: { Cookie: "sid=abc123", Accept: "application/json" }, retries: 2 },
      "app.tags": ["billing", "contact me at bob@example.net"],
      "app.trace_ref": TRACE_ID,
      "app.created_at": "2026-08-01T10:30:00.123Z",
    },
    resource: {
      "service.name": "support-bot",
      "service.version": "2026.08.1",
      "process.command_args": ["node", "server.js", `--openai-key=${FAKE.openai}`],
    },
  });
}

describe("createRedactor().redactSpan", () => {
  const redactor = redactorWith();

  it("masks the secrets and personal data users pasted, wherever they landed", () => {
    const out = JSON.stringify(redactor.redactSpan(leakySpan()));
    for (const leaked of [
      FAKE.openai,
      FAKE.anthropic,
      "ops@acme.example.com",
      "maria.garcia@example.org",
      "+34 612 345 678",
      "4111 1111 1111 1111",
      "john.smith@acme.example.com",
      "(415) 555-2671",
      "DE89 3704 0044 0532 0130 00",
      "k-live-0001",
      "s3cr3t",
      "sid=abc123",
      "bob@example.net",
    ]) {
      expect(out, leaked).not.toContain(leaked);
    }
  });

  it("keeps the text around them and every structural field", () => {
    const span = leakySpan();
    const out = redactor.redactSpan(span);

    expect(out.question).toBe(
      "My integration broke on 2026-08-01. I'm using [REDACTED:openai_key] with max_tokens 1024, can you check it?",
    );
    expect(out.answer).toBe(
      "I found your account. The card on file, [REDACTED:card], was charged $49.00 on 2026-08-01T10:30:00Z for 1,532 tokens.",
    );
    expect(out.documents[0]).toEqual({
      id: "kb-311",
      content:
        "Account manager: John Smith, [REDACTED:email], [REDACTED:phone]. Refunds go to IBAN [REDACTED:iban] within 14 days.",
      score: 0.87,
      origin: "retrieval",
    });
    expect(out.systemInstructions).toBe(
      "You are the support assistant for release 2026.08.1. Escalate to [REDACTED:email].",
    );
    expect(out.status).toEqual({
      code: 2,
      message: "401 Incorrect API key provided: [REDACTED:openai_key].",
    });
    expect(out.inputMessages[2]?.toolCalls?.[0]).toEqual({
      id: "call_01",
      name: "lookup_customer",
      arguments: '{"email":"[REDACTED:email]","phone":"[REDACTED:phone]","limit":10}',
    });
    expect(out.inputMessages[3]).toEqual(span.inputMessages[3]);

    const { attributes: a, resource: r } = out;
    expect(a["gen_ai.usage.input_tokens"]).toBe(1532);
    expect(a["llm.token_count.prompt"]).toBe(1532);
    expect(a["gen_ai.request.max_tokens"]).toBe(1024);
    expect(a["http.request.header.authorization"]).toEqual(["[REDACTED:authorization]"]);
    expect(a["http.request.header.x-api-key"]).toBe("[REDACTED:x-api-key]");
    expect(a["db.connection_string"]).toBe(
      "postgres://app:[REDACTED:password]@db.internal:5432/support",
    );
    expect(a["app.request"]).toEqual({
      headers: { Cookie: "[REDACTED:cookie]", Accept: "application/json" },
      retries: 2,
    });
    expect(a["app.tags"]).toEqual(["billing", "contact me at [REDACTED:email]"]);
    expect(a["app.trace_ref"]).toBe(TRACE_ID);
    expect(a["app.created_at"]).toBe("2026-08-01T10:30:00.123Z");
    expect(r["service.version"]).toBe("2026.08.1");
    expect(r["process.command_args"]).toEqual([
      "node",
      "server.js",
      "--openai-key=[REDACTED:openai_key]",
    ]);

    const structural = (s: LlmSpan) => ({
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      name: s.name,
      kind: s.kind,
      model: s.model,
      provider: s.provider,
      serviceName: s.serviceName,
      serviceVersion: s.serviceVersion,
      usage: s.usage,
      startTimeUnixNano: s.startTimeUnixNano,
      endTimeUnixNano: s.endTimeUnixNano,
      timeToFirstTokenMs: s.timeToFirstTokenMs,
      sessionId: s.sessionId,
      promptVersion: s.promptVersion,
    });
    expect(structural(out)).toEqual(structural(span));
    expect(out.traceId).toBe(TRACE_ID);
    expect(out.spanId).toBe(SPAN_ID);
  });

  it("never mutates its input", () => {
    const span = leakySpan();
    const before = structuredClone(span);
    const out = redactor.redactSpan(span);
    expect(span).toEqual(before);
    expect(out).not.toBe(span);
    expect(out.inputMessages).not.toBe(span.inputMessages);
    expect(out.attributes).not.toBe(span.attributes);
  });

  it("returns the span as is when disabled", () => {
    const span = leakySpan();
    const disabled = redactorWith({ enabled: false });
    expect(disabled.redactSpan(span)).toBe(span);
    expect(disabled.redactText(FAKE.openai)).toBe(FAKE.openai);
  });

  it("can keep personal data while masking secrets, and the other way round", () => {
    const text = `key ${FAKE.github} from dev@example.com`;
    expect(redactorWith({ pii: false }).redactText(text)).toBe(
      "key [REDACTED:github_token] from dev@example.com",
    );
    expect(redactorWith({ secrets: false }).redactText(text)).toBe(
      `key ${FAKE.github} from [REDACTED:email]`,
    );
  });

  it("applies extra patterns after the built-ins, with their name as the kind", () => {
    const redactor = redactorWith({
      extra_patterns: [
        { name: "employee_id", pattern: "\\bEMP-\\d{6}\\b" },
        { name: "project", pattern: "project (?:falcon|osprey)", flags: "i" },
      ],
    });
    expect(redactor.redactText("EMP-004211 on Project Falcon mailed a@example.com")).toBe(
      "[REDACTED:employee_id] on [REDACTED:project] mailed [REDACTED:email]",
    );
    const span = redactor.redactSpan(
      makeSpan({ answer: "ask EMP-123456", attributes: { owner: "EMP-654321" } }),
    );
    expect(span.answer).toBe("ask [REDACTED:employee_id]");
    expect(span.attributes.owner).toBe("[REDACTED:employee_id]");
  });

  it("uses a custom replacement and custom keys", () => {
    const redactor = redactorWith({ replacement: "***", keys: ["x-tenant"] });
    expect(redactor.redactText("mail a@example.com")).toBe("mail ***");
    expect(redactor.redactValue("acme", "http.request.header.x-tenant")).toBe("***");
    // `authorization` is no longer a sensitive key, but the token inside is still found.
    expect(redactor.redactValue(`Bearer ${FAKE.jwt}`, "authorization")).toBe("Bearer ***");
  });
});

describe("createRedactor().redactValue", () => {
  const redactor = redactorWith();

  it.each([
    ["access_token", "opaque-value"],
    ["authToken", "opaque-value"],
    ["OPENAI_API_KEY", "opaque-value"],
    ["http.request.header.x-auth-token", "opaque-value"],
    ["http.response.header.set-cookie", "session=1"],
    ["db.password", "hunter2"],
    ["client_secret", "opaque-value"],
  ])("masks the whole value under sensitive key %s", (key, value) => {
    expect(redactor.redactValue(value, key)).toMatch(/^\[REDACTED:[a-z_-]+\]$/);
  });

  it.each([
    ["gen_ai.usage.input_tokens", "1532"],
    ["llm.token_count.prompt", "1532"],
    ["ai.usage.promptTokens", "1532"],
    ["gen_ai.token.type", "input"],
    ["tokenizer", "cl100k_base"],
    ["secretary", "Ada"],
  ])("leaves %s alone: a count or a word, not a credential", (key, value) => {
    expect(redactor.redactValue(value, key)).toBe(value);
  });

  it("keeps numbers and booleans under a sensitive key, masks its strings", () => {
    expect(
      redactor.redactValue({ expires_in: 3600, value: "x", rotated: true }, "access_token"),
    ).toEqual({
      expires_in: 3600,
      value: "[REDACTED:token]",
      rotated: true,
    });
  });

  it("treats JSON held in a string as text", () => {
    const json = JSON.stringify({ password: "hunter2", user: "ada", card: "4242 4242 4242 4242" });
    expect(redactor.redactValue(json, "app.payload")).toBe(
      '{"password":"[REDACTED:secret]","user":"ada","card":"[REDACTED:card]"}',
    );
  });
});

describe("createRedactor performance", () => {
  // A few hundred milliseconds when linear; the bound leaves room for a busy machine, not for a
  // scan that grows with the square of the text.
  it("redacts a 1 MB realistic prompt in linear time", () => {
    const redactor = redactorWith();
    const chunk = `User john@example.com wrote: use ${FAKE.openai} and card 4111 1111 1111 1111; release 2026.08.1, 1532 tokens. `;
    const text = chunk.repeat(Math.ceil(1_000_000 / chunk.length));
    const started = performance.now();
    const out = redactor.redactText(text);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(out).not.toContain(FAKE.openai);
    expect(out).toContain("release 2026.08.1, 1532 tokens.");
  });
});

describe("createRedactor's memory of recent texts", () => {
  const prompt = `You are the assistant of Acme. Escalate to ops@acme.example.com; the key is ${FAKE.openai}.`;

  it("gives a text seen before the same answer, and keeps each redactor's answers its own", () => {
    const all = redactorWith();
    const secretsOnly = redactorWith({ pii: false });
    const first = all.redactText(prompt);
    expect(first).not.toContain("ops@acme.example.com");
    expect(all.redactText(prompt)).toBe(first);
    // The same text through a redactor of another config: its own answer, not the one kept above.
    const other = secretsOnly.redactText(prompt);
    expect(other).toContain("ops@acme.example.com");
    expect(other).not.toContain(FAKE.openai);
  });

  it("redacts the duplicated texts of a span (attribute and field) alike", () => {
    const redactor = redactorWith();
    const span = redactor.redactSpan(
      makeSpan({
        systemInstructions: prompt,
        attributes: { "llm.input_messages.0.message.content": prompt },
      }),
    );
    expect(span.systemInstructions).toBe(span.attributes["llm.input_messages.0.message.content"]);
    expect(span.systemInstructions).not.toContain(FAKE.openai);
  });
});
