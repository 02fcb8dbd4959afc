import type { Attributes, OtlpSpan, OtlpSpanEvent } from "../otlp/otlp-span.ts";
import type { Message } from "../span/llm-span.ts";
import { GEN_AI, GEN_AI_EVENT } from "./attribute-names.ts";
import { isRecord, structured, toNumber } from "./attribute-values.ts";
import { parseMessageList, toMessages } from "./message-shapes.ts";

/** v1.28–v1.36 per-message events and the role each one implies. */
const MESSAGE_EVENT_ROLES: Record<string, string> = {
  [GEN_AI_EVENT.SYSTEM_MESSAGE]: "system",
  [GEN_AI_EVENT.USER_MESSAGE]: "user",
  [GEN_AI_EVENT.ASSISTANT_MESSAGE]: "assistant",
  [GEN_AI_EVENT.TOOL_MESSAGE]: "tool",
};

/** Names of the events that carry legacy content, for convention detection. */
export const LEGACY_CONTENT_EVENTS: ReadonlySet<string> = new Set([
  GEN_AI_EVENT.CONTENT_PROMPT,
  GEN_AI_EVENT.CONTENT_COMPLETION,
  GEN_AI_EVENT.CHOICE,
  ...Object.keys(MESSAGE_EVENT_ROLES),
]);

/**
 * The body of a v1.28-style event. As log records these events have a real body; as span events
 * the body's fields arrive either as the event's own attributes (`content`, `role`, ...) or as one
 * attribute `body` holding an object or a JSON string. A `gen_ai.choice` may also spread its
 * message as `message.content`/`message.role`.
 */
function eventBody(attrs: Attributes): Record<string, unknown> {
  const body = structured(attrs.body);
  const fields: Record<string, unknown> = isRecord(body) ? body : { ...attrs };
  if (fields.message === undefined) {
    const message: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(attrs)) {
      if (key.startsWith("message.")) message[key.slice("message.".length)] = value;
    }
    if (Object.keys(message).length > 0) fields.message = message;
  }
  return fields;
}

/** Input messages from legacy span events: `gen_ai.content.prompt`, then v1.28 message events. */
export function eventInputMessages(span: OtlpSpan): Message[] {
  for (const event of span.events) {
    if (event.name !== GEN_AI_EVENT.CONTENT_PROMPT) continue;
    const messages = parseMessageList(event.attributes[GEN_AI.PROMPT], "user");
    if (messages.length > 0) return messages;
  }
  return span.events.flatMap((event) => {
    // Own keys only: an event named "constructor" is no message event.
    const role = Object.hasOwn(MESSAGE_EVENT_ROLES, event.name)
      ? MESSAGE_EVENT_ROLES[event.name]
      : undefined;
    return role ? toMessages(eventBody(event.attributes), role) : [];
  });
}

/** Output messages from legacy span events: `gen_ai.content.completion`, then `gen_ai.choice`. */
export function eventOutputMessages(span: OtlpSpan): Message[] {
  for (const event of span.events) {
    if (event.name !== GEN_AI_EVENT.CONTENT_COMPLETION) continue;
    const messages = parseMessageList(event.attributes[GEN_AI.COMPLETION], "assistant");
    if (messages.length > 0) return messages;
  }
  const choices = span.events
    .filter((event) => event.name === GEN_AI_EVENT.CHOICE)
    .map((event, position) => ({ event, order: choiceIndex(event) ?? position }))
    .sort((a, b) => a.order - b.order);
  return choices.flatMap(({ event }) => toMessages(eventBody(event.attributes), "assistant"));
}

function choiceIndex(event: OtlpSpanEvent): number | null {
  const body = structured(event.attributes.body);
  return toNumber(isRecord(body) ? body.index : event.attributes.index);
}

/**
 * The attributes of the v1.37+ `gen_ai.client.inference.operation.details` event, which carries
 * `gen_ai.input.messages` and friends when an instrumentation records content on events instead.
 */
export function operationDetails(span: OtlpSpan): Attributes {
  const event = span.events.find((e) => e.name === GEN_AI_EVENT.OPERATION_DETAILS);
  return event?.attributes ?? {};
}
