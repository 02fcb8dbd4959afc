import type { Attributes } from "../otlp/otlp-span.ts";
import type { Message } from "../span/llm-span.ts";
import { VERCEL } from "./attribute-names.ts";
import { asText, isRecord, structured } from "./attribute-values.ts";
import { parseMessageList, toToolCall } from "./message-shapes.ts";

/**
 * Vercel AI SDK input: `ai.prompt.messages` on doGenerate/doStream spans (JSON messages whose
 * content is a string or typed parts), else `ai.prompt` on the outer spans, a JSON object
 * `{system?, prompt?, messages?}` where `prompt` is a string or a message list.
 */
export function vercelInputMessages(attrs: Attributes): Message[] {
  const fromMessages = parseMessageList(attrs[VERCEL.PROMPT_MESSAGES], "user");
  if (fromMessages.length > 0) return fromMessages;
  const raw = attrs[VERCEL.PROMPT];
  if (raw === undefined) return [];
  const prompt = structured(raw);
  if (typeof prompt === "string") return prompt === "" ? [] : [{ role: "user", content: prompt }];
  if (!isRecord(prompt)) return [];
  const messages: Message[] = [];
  const system = asText(prompt.system);
  if (system) messages.push({ role: "system", content: system });
  if (typeof prompt.prompt === "string") messages.push({ role: "user", content: prompt.prompt });
  else messages.push(...parseMessageList(prompt.prompt, "user"));
  messages.push(...parseMessageList(prompt.messages, "user"));
  return messages;
}

/**
 * Vercel AI SDK output as one assistant message: the generated text (`ai.response.text`, or
 * `ai.result.text` before SDK 4), else the generated object as JSON text, with the tool calls
 * from `ai.response.toolCalls`/`ai.result.toolCalls`.
 */
export function vercelOutputMessages(attrs: Attributes): Message[] {
  // Generated text is sent verbatim, so it is not unwrapped like double-encoded JSON strings.
  const text =
    asText(attrs[VERCEL.RESPONSE_TEXT]) ??
    asText(attrs[VERCEL.RESULT_TEXT]) ??
    asText(attrs[VERCEL.RESPONSE_OBJECT]) ??
    asText(attrs[VERCEL.RESULT_OBJECT]);
  const rawCalls = structured(attrs[VERCEL.RESPONSE_TOOL_CALLS] ?? attrs[VERCEL.RESULT_TOOL_CALLS]);
  const toolCalls = Array.isArray(rawCalls)
    ? rawCalls.flatMap((raw) => {
        const call = toToolCall(raw);
        return call ? [call] : [];
      })
    : [];
  if (text === null && toolCalls.length === 0) return [];
  return [{ role: "assistant", content: text ?? "", ...(toolCalls.length > 0 && { toolCalls }) }];
}
