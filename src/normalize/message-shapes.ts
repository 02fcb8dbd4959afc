import type { Message } from "../span/llm-span.ts";
import { asText, isRecord, parseJson, structured, toText } from "./attribute-values.ts";

type ToolCall = NonNullable<Message["toolCalls"]>[number];

/** Part types whose text is message content. Reasoning, media and file parts are not. */
const TEXT_PART_TYPES = new Set(["text", "input_text", "output_text"]);

interface PartTally {
  texts: string[];
  toolCalls: ToolCall[];
  toolResults: { id: string | null; text: string }[];
}

/**
 * A tool call from any of the shapes senders use: OpenAI `{id, function: {name, arguments}}`,
 * OTel parts and OpenLLMetry `{id, name, arguments}`, Vercel `{toolCallId, toolName, args|input}`,
 * Anthropic `{id, name, input}`. Arguments are kept as JSON text.
 */
export function toToolCall(raw: unknown): ToolCall | null {
  if (!isRecord(raw)) return null;
  const fn = isRecord(raw.function) ? raw.function : {};
  const name = toText(fn.name ?? raw.name ?? raw.toolName);
  if (name === null) return null;
  const id = toText(raw.id ?? raw.toolCallId);
  const args = asText(fn.arguments ?? raw.arguments ?? raw.args ?? raw.input);
  return { name, ...(id !== null && { id }), ...(args !== null && { arguments: args }) };
}

/** Vercel v5 wraps tool output as `{type: "text" | "json", value}`. */
function toolOutputText(value: unknown): string | null {
  if (isRecord(value) && "value" in value && typeof value.type === "string") {
    return asText(value.value);
  }
  return asText(value);
}

function tallyPart(part: unknown, tally: PartTally): void {
  if (typeof part === "string") {
    tally.texts.push(part);
    return;
  }
  if (!isRecord(part)) return;
  const type = typeof part.type === "string" ? part.type : "";
  if (TEXT_PART_TYPES.has(type) || (type === "" && typeof part.text === "string")) {
    // OTel parts carry text in `content`, OpenAI/Vercel/Anthropic parts in `text`.
    const text = typeof part.content === "string" ? part.content : part.text;
    if (typeof text === "string") tally.texts.push(text);
    return;
  }
  switch (type) {
    case "tool_call":
    case "tool-call":
    case "tool_use": {
      const call = toToolCall(part);
      if (call) tally.toolCalls.push(call);
      return;
    }
    case "tool_call_response":
    case "tool-result":
    case "tool_result": {
      // The OTel schema says `response`, its own registry example says `result`: accept both.
      const body =
        part.response ??
        part.result ??
        part.output ??
        (type === "tool_result" ? part.content : null);
      const text = Array.isArray(body) ? textOfParts(body) : toolOutputText(body);
      const id = toText(part.id ?? part.toolCallId ?? part.tool_use_id);
      tally.toolResults.push({ id, text: text ?? "" });
      return;
    }
    default:
      return;
  }
}

/** The text parts of a parts array, joined with newlines. */
export function textOfParts(parts: unknown[]): string {
  const tally: PartTally = { texts: [], toolCalls: [], toolResults: [] };
  for (const part of parts) tallyPart(part, tally);
  return tally.texts.join("\n");
}

/**
 * Message content as a parts array when it is one. A string is only parsed when it holds an array
 * of typed parts (OpenLLMetry stores multimodal content that way), so that a user who literally
 * typed JSON keeps their text.
 */
function contentParts(content: unknown): unknown[] | null {
  if (Array.isArray(content)) return content;
  if (typeof content !== "string" || !content.trimStart().startsWith("[")) return null;
  const parsed = parseJson(content);
  if (!Array.isArray(parsed) || parsed.length === 0) return null;
  return parsed.every((p) => isRecord(p) && typeof p.type === "string") ? parsed : null;
}

/** `gen_ai.choice` bodies wrap the message: `{index, finish_reason, message: {...}, tool_calls}`. */
function unwrapChoice(raw: Record<string, unknown>): Record<string, unknown> {
  const inner = structured(raw.message);
  if (!isRecord(inner) || "role" in raw || "parts" in raw || "content" in raw) return raw;
  return { ...inner, tool_calls: inner.tool_calls ?? raw.tool_calls };
}

/**
 * One message-like value of any convention as messages: OTel `{role, parts}`, OpenAI-shaped
 * `{role, content, tool_calls, tool_call_id}` (content a string or typed parts), Vercel and
 * Anthropic content parts, legacy event bodies and `gen_ai.choice` bodies. Usually one message;
 * a message made only of several tool results becomes one `tool` message per result, because
 * that is what each of them is. A bare string is a message of `fallbackRole`.
 */
export function toMessages(raw: unknown, fallbackRole: string): Message[] {
  if (typeof raw === "string") return [{ role: fallbackRole, content: raw }];
  if (!isRecord(raw)) return [];
  const source = unwrapChoice(raw);
  const tally: PartTally = { texts: [], toolCalls: [], toolResults: [] };
  const parts = structured(source.parts);
  if (Array.isArray(parts)) for (const part of parts) tallyPart(part, tally);
  const content = source.content;
  const asParts = contentParts(content);
  if (asParts) for (const part of asParts) tallyPart(part, tally);
  else if (isRecord(content)) tallyPart(content, tally);
  else if (content !== undefined && content !== null) tally.texts.push(asText(content) ?? "");
  const rawCalls = structured(source.tool_calls ?? source.toolCalls);
  if (Array.isArray(rawCalls)) {
    for (const rawCall of rawCalls) {
      const call = toToolCall(rawCall);
      if (call) tally.toolCalls.push(call);
    }
  }

  // A role is a name; a number or object there means the value is not a message at all.
  const declaredRole = typeof source.role === "string" && source.role !== "" ? source.role : null;
  const empty = tally.texts.length + tally.toolCalls.length + tally.toolResults.length === 0;
  if (declaredRole === null && empty) return [];
  const role = declaredRole ?? fallbackRole;
  // v1.28 `gen_ai.tool.message` bodies name the call in `id`.
  const callId = toText(
    source.tool_call_id ?? source.toolCallId ?? (role === "tool" ? source.id : null),
  );

  if (tally.texts.length === 0 && tally.toolResults.length > 0 && tally.toolCalls.length === 0) {
    return tally.toolResults.map((result) => {
      const id = result.id ?? callId;
      return { role: "tool", content: result.text, ...(id !== null && { toolCallId: id }) };
    });
  }
  const text = [...tally.texts, ...tally.toolResults.map((r) => r.text)].join("\n");
  return [
    {
      role,
      content: text,
      ...(callId !== null && { toolCallId: callId }),
      ...(tally.toolCalls.length > 0 && { toolCalls: tally.toolCalls }),
    },
  ];
}

/**
 * A list of messages from an attribute value: a JSON string or a structured array (or an object
 * with a `messages` array, as in a request body). Unparseable JSON yields no messages rather than
 * an error; a plain string is not a message list.
 */
export function parseMessageList(value: unknown, fallbackRole: string): Message[] {
  const parsed = structured(value);
  const list = Array.isArray(parsed)
    ? parsed
    : isRecord(parsed) && Array.isArray(parsed.messages)
      ? parsed.messages
      : null;
  if (!list) return [];
  return list.flatMap((item) => toMessages(item, fallbackRole));
}
