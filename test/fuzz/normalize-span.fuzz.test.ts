import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as names from "../../src/normalize/attribute-names.ts";
import { normalizeSpan } from "../../src/normalize/normalize-span.ts";
import { storableText } from "../../src/otlp/any-value.ts";
import { type AttrValue, type OtlpSpan, OtlpSpanSchema } from "../../src/otlp/otlp-span.ts";
import { LlmSpanSchema } from "../../src/span/llm-span.ts";
import { assertStorable } from "./fuzz-support.ts";

/** Every attribute and event name the normaliser reads, straight from its own table. */
const ALL_NAMES: string[] = [
  ...new Set(
    Object.values(names).flatMap((group) =>
      typeof group === "string" ? [group] : Object.values(group as Record<string, string>),
    ),
  ),
];

/** Names used as roots of flattened `root.N.rest` keys. */
const PREFIXES: string[] = [
  ...Object.entries(names).flatMap(([, group]) =>
    typeof group === "object" && !Array.isArray(group)
      ? Object.entries(group as Record<string, string>)
          .filter(([key]) => key.endsWith("_PREFIX"))
          .map(([, value]) => value)
      : [],
  ),
  names.GEN_AI.INPUT_MESSAGES,
  names.GEN_AI.OUTPUT_MESSAGES,
  names.GEN_AI.PROMPT,
  names.GEN_AI.COMPLETION,
];

/** What follows the index in the flattened conventions (OpenInference, traceAI, OpenLLMetry). */
const SUFFIXES = [
  "",
  "message.role",
  "message.content",
  "message.name",
  "message.tool_call_id",
  "message.contents.0.message_content.type",
  "message.contents.0.message_content.text",
  "message.contents.1.message_content.text",
  "message.tool_calls.0.tool_call.id",
  "message.tool_calls.0.tool_call.function.name",
  "message.tool_calls.0.tool_call.function.arguments",
  "document.id",
  "document.content",
  "document.score",
  "role",
  "content",
  "tool_call_id",
  "tool_calls.0.id",
  "tool_calls.0.name",
  "tool_calls.0.arguments",
  "prompt.text",
  "completion.text",
  "__proto__",
  "constructor",
];

/** Strings that have broken lookups before: prototype keys, numbers that are not, blanks. */
const SPECIAL_STRINGS = [
  "",
  " ",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "NaN",
  "Infinity",
  "-Infinity",
  "1e999",
  "-1",
  "1e308",
  "99999999999999999999999",
  "2026-01-01T00:00:00Z",
  "not a date",
  "\u0000",
  "\ud800",
  "null",
  "[]",
  "{}",
  '""',
  '"\\"double\\""',
  '"nul \\u0000 and lone \\ud800"',
  '[{"role":"user","content":"a\\u0000b\\udc00"}]',
  "[1,2,3]",
  '[{"type":"text"}]',
  '{"role":5}',
  "LLM",
  "llm",
  "chat",
  "memory_search",
  "retriever",
  "generation",
  "openai",
  "openai.chat",
  "azure",
  "google.vertex.chat",
  "ai.generateText",
  "ai.generateText.doGenerate",
  "ai.toolCall",
  "ai.embed",
  "user",
  "assistant",
  "system",
  "tool",
  "tool_call",
  "tool-result",
  "tool_result",
  "tool_call_response",
  "text",
  "ERROR",
];

/** Field names of the message, part, document and body shapes the normaliser looks into. */
const SHAPE_FIELDS = [
  "role",
  "content",
  "parts",
  "type",
  "text",
  "tool_calls",
  "toolCalls",
  "tool_call_id",
  "toolCallId",
  "tool_use_id",
  "id",
  "name",
  "toolName",
  "function",
  "arguments",
  "args",
  "input",
  "output",
  "response",
  "result",
  "value",
  "message",
  "messages",
  "choices",
  "index",
  "finish_reason",
  "query",
  "question",
  "score",
  "page_content",
  "route",
  "version",
  "body",
  "prompt_tokens",
  "input_tokens",
  "total",
  "__proto__",
];

const specialString = fc.constantFrom(...SPECIAL_STRINGS);
const finiteNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e308, -1e308, 5e-324, 2 ** 53 + 2),
);

/** JSON of the shapes conventions use, with every field of any type. */
const shapeArb: fc.Arbitrary<unknown> = fc.letrec<{ shape: unknown }>((tie) => ({
  shape: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.jsonValue({ maxDepth: 2 }),
    specialString,
    fc.dictionary(fc.constantFrom(...SHAPE_FIELDS), tie("shape"), { maxKeys: 5 }),
    fc.array(tie("shape"), { maxLength: 4 }),
  ),
})).shape;

/** An attribute value: scalars, JSON text of the right and wrong shapes, arrays and maps. */
const attrValueArb: fc.Arbitrary<AttrValue> = fc.letrec<{ value: AttrValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.string({ maxLength: 30 }),
    specialString,
    finiteNumber,
    fc.boolean(),
    fc.constant(null),
    shapeArb.map((shape) => JSON.stringify(shape) ?? "null"),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(...SHAPE_FIELDS)),
      tie("value"),
      {
        maxKeys: 4,
      },
    ),
  ),
})).value;

const flattenedKeyArb = fc
  .tuple(
    fc.constantFrom(...PREFIXES),
    fc.oneof(
      fc.nat({ max: 12 }),
      fc.constantFrom("01", "007", "1e3", "-1", "999999999999999999999999", "1.5"),
    ),
    fc.oneof(fc.constantFrom(...SUFFIXES), fc.string({ maxLength: 8 })),
  )
  .map(([prefix, index, suffix]) =>
    suffix === "" ? `${prefix}.${index}` : `${prefix}.${index}.${suffix}`,
  );

const keyArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ALL_NAMES) },
  { weight: 3, arbitrary: flattenedKeyArb },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 12 }), specialString) },
);

const attributesArb = fc.dictionary(keyArb, attrValueArb, { maxKeys: 14 });

const nanosArb = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  fc.constantFrom("0", "1767225600000000000", "99999999999999999999"),
);

const hexArb = (bytes: number) =>
  fc
    .uint8Array({ minLength: bytes, maxLength: bytes })
    .filter((b) => b.some((x) => x !== 0))
    .map((b) => Buffer.from(b).toString("hex"));

/** A value as the decoder hands it over: U+0000 and unpaired surrogates already replaced. */
function decoderClean<T>(value: T): T {
  if (typeof value === "string") return storableText(value) as T;
  if (Array.isArray(value)) return value.map(decoderClean) as T;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [storableText(k), decoderClean(v)]),
    ) as T;
  }
  return value;
}

const otlpSpanArb: fc.Arbitrary<OtlpSpan> = fc
  .record({
    traceId: hexArb(16),
    spanId: hexArb(8),
    parentSpanId: fc.option(hexArb(8), { nil: null }),
    name: fc.oneof(fc.string({ maxLength: 16 }), specialString),
    kind: fc.integer({ min: 0, max: 5 }),
    startTimeUnixNano: nanosArb,
    endTimeUnixNano: nanosArb,
    attributes: attributesArb,
    events: fc.array(
      fc.record({
        name: fc.oneof(fc.constantFrom(...ALL_NAMES), specialString),
        timeUnixNano: nanosArb,
        attributes: fc.dictionary(
          fc.oneof(keyArb, fc.constantFrom(...SHAPE_FIELDS)),
          attrValueArb,
          {
            maxKeys: 5,
          },
        ),
      }),
      { maxLength: 3 },
    ),
    status: fc.record(
      { code: fc.integer({ min: 0, max: 2 }), message: fc.string({ maxLength: 8 }) },
      { requiredKeys: ["code"] },
    ),
    resource: fc.dictionary(fc.constantFrom(...ALL_NAMES), attrValueArb, { maxKeys: 4 }),
    scope: fc.record(
      { name: fc.oneof(fc.constant("ai"), fc.string({ maxLength: 8 })), version: fc.string() },
      { requiredKeys: ["name"] },
    ),
  })
  .map(decoderClean);

function checkNormalize(span: OtlpSpan): void {
  // The input is a span the decoder could have produced.
  OtlpSpanSchema.parse(span);
  const llm = normalizeSpan(span);
  const direct = LlmSpanSchema.safeParse(llm);
  if (!direct.success)
    throw new Error(`normalizeSpan's result fails LlmSpanSchema: ${direct.error.message}`);
  // What the trace buffer stores and reads back must parse too, or the span is silently lost.
  const stored = LlmSpanSchema.safeParse(JSON.parse(JSON.stringify(llm)));
  if (!stored.success)
    throw new Error(`the stored span fails LlmSpanSchema: ${stored.error.message}`);
  // JSON escapes in attribute text (`\\u0000`) must not bring back what the decoder removed.
  assertStorable(llm);
  expect(llm.attributes).toBe(span.attributes);
  expect(llm.resource).toBe(span.resource);
}

describe("normalizeSpan under fuzzing", () => {
  it("never throws and always yields a valid LlmSpan, whatever the attributes hold", () => {
    fc.assert(fc.property(otlpSpanArb, checkNormalize), { numRuns: 1500 });
  });

  it("reads prototype-named values as plain unknown text, never as Object.prototype members", () => {
    const base: OtlpSpan = {
      traceId: "11".repeat(16),
      spanId: "22".repeat(8),
      parentSpanId: null,
      name: "s",
      kind: 0,
      startTimeUnixNano: "0",
      endTimeUnixNano: "0",
      attributes: {},
      events: [],
      status: { code: 0 },
      resource: {},
      scope: { name: "" },
    };
    for (const word of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      for (const key of [
        names.OPENINFERENCE.SPAN_KIND,
        names.LANGFUSE.OBSERVATION_TYPE,
        names.TRACEAI.SPAN_KIND,
        names.OPENLLMETRY.SPAN_KIND,
        names.OPENLLMETRY.REQUEST_TYPE,
        names.GEN_AI.OPERATION_NAME,
        names.GEN_AI.PROVIDER_NAME,
        names.VERCEL.MODEL_PROVIDER,
      ]) {
        const span = { ...base, attributes: { [key]: word, [names.GEN_AI.SYSTEM]: word } };
        checkNormalize(span);
        expect(normalizeSpan(span).kind).toBe("UNKNOWN");
      }
      checkNormalize({
        ...base,
        events: [{ name: word, timeUnixNano: "0", attributes: { content: "hi" } }],
      });
    }
  });

  it("handles many flattened keys in time linear in their number", () => {
    // 300,000 attributes: about 0.4 s on an idle machine once the key list is taken once per
    // span; 3 s and more when every reader listed the keys again (21 s for a million).
    const count = 150_000;
    const attributes: Record<string, AttrValue> = {};
    for (let i = 0; i < count; i++) {
      attributes[`llm.input_messages.${i}.message.role`] = "user";
      attributes[`llm.input_messages.${i}.message.content`] = `message ${i}`;
    }
    const span: OtlpSpan = {
      traceId: "11".repeat(16),
      spanId: "22".repeat(8),
      parentSpanId: null,
      name: "s",
      kind: 0,
      startTimeUnixNano: "0",
      endTimeUnixNano: "0",
      attributes,
      events: [],
      status: { code: 0 },
      resource: {},
      scope: { name: "" },
    };
    // Measured against one pass over the same keys in the same moment, so that a busy machine
    // slows both: about 1.5 to 3 times that pass here, and about 15 times when every reader
    // listed the keys again.
    let started = performance.now();
    let parts = 0;
    for (const key of Object.keys(attributes)) parts += key.split(".").length;
    const onePass = performance.now() - started;
    started = performance.now();
    const llm = normalizeSpan(span);
    const elapsed = performance.now() - started;
    expect(parts).toBe(count * 10);
    expect(llm.inputMessages).toHaveLength(count);
    expect(llm.inputMessages[count - 1]?.content).toBe(`message ${count - 1}`);
    expect(elapsed).toBeLessThan(8 * onePass + 250);
  });
});
