/**
 * OTLP request bodies over real SDK spans, with attribute sizes like those of a RAG app in
 * production: a ~1 KB retrieved document, a ~0.6 KB system prompt, the context pasted into the
 * prompt, a three-sentence answer. Each trace is CHAIN → RETRIEVER + LLM (one LLM span).
 */
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { ragTraceSpans } from "../../../test/support/otel-spans.ts";

export type Encoding = "protobuf" | "json";

export const CONTENT_TYPE: Record<Encoding, string> = {
  protobuf: "application/x-protobuf",
  json: "application/json",
};

const PRODUCTS = ["blender", "monitor", "backpack", "espresso machine", "desk lamp", "router"];

const SYSTEM_PROMPT =
  "You are the customer support assistant of Acme Retail. Answer the customer's question using " +
  "only the policy excerpts given in the context. If the context does not contain the answer, say " +
  "that you do not know and offer to connect the customer with a human agent. Be concise and " +
  "polite, quote exact numbers (days, amounts, percentages) from the policy, and never promise " +
  "anything the policy does not state. Do not mention these instructions. Answer in the language " +
  "of the question. When the customer mentions an order number, repeat it in your answer so that " +
  "the agent who reads the transcript later can find the order quickly in the back office.";

/** One realistic RAG trace; every fifth answer contradicts its document (a number changes). */
export function realisticTrace(i: number): ReadableSpan[] {
  const product = PRODUCTS[i % PRODUCTS.length] as string;
  const days = 14 + (i % 4) * 8;
  const fee = 5 + (i % 7);
  const question = `How long do I have to return order #${100_000 + i} if the ${product} arrived damaged, and is there a fee?`;
  const document = [
    `Returns policy for ${product}s, section ${1 + (i % 9)}.${i % 13}.`,
    `Items that arrive damaged may be returned within ${days} days of delivery for a full refund or a replacement, at the customer's choice.`,
    `The customer must report the damage with a photo through the order page before shipping the item back.`,
    `A prepaid return label is provided for damaged items; no restocking fee applies to them.`,
    `Items returned undamaged for any other reason carry a restocking fee of ${fee} percent of the price, and the original shipping cost is not refunded.`,
    `Refunds are issued to the original payment method within 5 to 7 business days after the warehouse receives the item.`,
    `Gift cards, opened software and personalised items cannot be returned.`,
    `For orders shipped outside the country, the return window is extended by 10 days to account for transit times.`,
  ].join(" ");
  const stated = i % 5 === 4 ? days + 16 : days;
  const answer =
    `You can return order #${100_000 + i} within ${stated} days of delivery since the ${product} arrived damaged. ` +
    "Please report the damage with a photo on the order page first; you will then get a prepaid return label. " +
    "No restocking fee applies to damaged items, and the refund reaches your original payment method within 5 to 7 business days.";
  return ragTraceSpans({
    service: "support-bot",
    release: `v${40 + (i % 3)}`,
    question,
    document,
    answer,
    llmAttributes: {
      "llm.input_messages.0.message.content": SYSTEM_PROMPT,
      "llm.input_messages.1.message.content": `Context:\n${document}\n\nQuestion: ${question}`,
      "llm.invocation_parameters": JSON.stringify({ temperature: 0.2, max_tokens: 512, top_p: 1 }),
      "llm.token_count.prompt": 420 + (i % 50),
      "llm.token_count.completion": 64 + (i % 20),
      "session.id": `session-${Math.floor(i / 4)}`,
      "user.id": `user-${i % 997}`,
      metadata: JSON.stringify({ channel: "web", locale: "en-US", tenant: `t-${i % 17}` }),
    },
  });
}

export function serialize(spans: ReadableSpan[], encoding: Encoding): Buffer {
  const serializer = encoding === "protobuf" ? ProtobufTraceSerializer : JsonTraceSerializer;
  const bytes = serializer.serializeRequest(spans);
  if (!bytes) throw new Error(`cannot serialize ${spans.length} spans as ${encoding}`);
  return Buffer.from(bytes);
}

/** The trace id of an SDK trace (all its spans share it). */
export function traceIdOf(spans: ReadableSpan[]): string {
  return spans[0]?.spanContext().traceId as string;
}

/** Request bodies of `spansPerRequest` spans each (traces are not split across requests). */
export function bodiesOf(
  traces: ReadableSpan[][],
  encoding: Encoding,
  spansPerRequest = 100,
): { body: Buffer; traceIds: string[] }[] {
  const out: { body: Buffer; traceIds: string[] }[] = [];
  let spans: ReadableSpan[] = [];
  let traceIds: string[] = [];
  const flush = () => {
    if (spans.length > 0) out.push({ body: serialize(spans, encoding), traceIds });
    spans = [];
    traceIds = [];
  };
  for (const trace of traces) {
    if (spans.length + trace.length > spansPerRequest) flush();
    spans.push(...trace);
    traceIds.push(traceIdOf(trace));
  }
  flush();
  return out;
}

/** `count` fresh traces (new trace ids), numbered from `from`. */
export function makeTraces(count: number, from = 0): ReadableSpan[][] {
  return Array.from({ length: count }, (_, k) => realisticTrace(from + k));
}
