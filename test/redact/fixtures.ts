import { type LlmSpan, LlmSpanSchema } from "../../src/span/llm-span.ts";

/**
 * Realistic-looking but fake credentials, assembled from pieces so secret scanners do not flag
 * this repository. Each matches its provider's published shape.
 */
export const FAKE = {
  openai: ["sk", "proj", "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zT3BlbkFJ0"].join("-"),
  openaiLegacy: `sk-${"A1b2C3d4E5f6G7h8I9j0".repeat(2)}K1l2M3n4`,
  anthropic: ["sk", "ant", "api03", `${"Zx9_Yw8-Vu7".repeat(8)}AA`].join("-"),
  awsKeyId: ["AKIA", "IOSFODNN7EXAMPLE"].join(""),
  awsSecret: ["wJalrXUtnFEMI", "K7MDENG", "bPxRfiCYEXAMPLEKEY"].join("/"),
  github: ["ghp", "1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R"].join("_"),
  githubPat: ["github", "pat", "11ABCDEFG0123456789_abcdefghijklmnopqrstuv"].join("_"),
  slack: ["xoxb", "123456789012", "1234567890123", "AbCdEfGhIjKlMnOpQrStUvWx"].join("-"),
  stripe: ["sk", "live", "4eC39HqLyjWDarjtT1zdp7dc"].join("_"),
  google: ["AIza", "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"].join(""),
  jwt: [
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
  ].join("."),
  pem: [
    `-----BEGIN RSA ${"PRIVATE"} KEY-----`,
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
    `-----END RSA ${"PRIVATE"} KEY-----`,
  ].join("\n"),
} as const;

export const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
export const SPAN_ID = "00f067aa0ba902b7";

/** A valid LLM span with harmless content; tests override the fields they exercise. */
export function makeSpan(overrides: Partial<LlmSpan> = {}): LlmSpan {
  return LlmSpanSchema.parse({
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    parentSpanId: null,
    name: "chat gpt-4o",
    kind: "LLM",
    convention: "otel-genai",
    startTimeUnixNano: "1767225600000000000",
    endTimeUnixNano: "1767225601500000000",
    status: { code: 0 },
    isError: false,
    model: "gpt-4o-2024-08-06",
    requestModel: "gpt-4o",
    provider: "openai",
    systemInstructions: null,
    inputMessages: [],
    outputMessages: [],
    input: null,
    output: null,
    question: null,
    answer: null,
    documents: [],
    toolName: null,
    usage: { inputTokens: 1532, outputTokens: 211, totalTokens: 1743 },
    timeToFirstTokenMs: 412,
    sessionId: "sess-2026-08-01-0001",
    userId: "user-42",
    serviceName: "support-bot",
    serviceVersion: "2026.08.1",
    environment: "production",
    promptName: "support-answer",
    promptVersion: "7",
    route: "/v1/chat",
    attributes: {},
    resource: {},
    ...overrides,
  });
}
