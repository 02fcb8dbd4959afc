import type { Attributes, AttrValue } from "../otlp/otlp-span.ts";
import type { Message } from "../span/llm-span.ts";
import { collectIndexed } from "./attribute-values.ts";
import { toMessages } from "./message-shapes.ts";

/**
 * Messages flattened the OpenInference way, `<prefix>.N.message.{role, content, name,
 * tool_call_id}`, `.message.contents.M.message_content.{type, text}` and
 * `.message.tool_calls.K.tool_call.{id, function.name, function.arguments}`. OpenInference uses
 * the prefixes `llm.input_messages`/`llm.output_messages`; traceAI Python reuses the same layout
 * under `gen_ai.input.messages`/`gen_ai.output.messages`.
 */
export function openInferenceMessages(
  attrs: Attributes,
  prefix: string,
  fallbackRole: string,
): Message[] {
  return collectIndexed(attrs, prefix).flatMap((group) => {
    const contents = collectIndexed(group, "message.contents").map((item) => ({
      type: item["message_content.type"] ?? "text",
      text: item["message_content.text"],
    }));
    const toolCalls = collectIndexed(group, "message.tool_calls").map((call) => ({
      id: call["tool_call.id"],
      function: {
        name: call["tool_call.function.name"],
        arguments: call["tool_call.function.arguments"],
      },
    }));
    return toMessages(
      {
        role: group["message.role"],
        content: group["message.content"] ?? (contents.length > 0 ? contents : undefined),
        tool_call_id: group["message.tool_call_id"],
        tool_calls: toolCalls,
      },
      fallbackRole,
    );
  });
}

/**
 * OpenLLMetry's legacy indexed messages: `<prefix>.N.{role, content, tool_call_id}` and
 * `<prefix>.N.tool_calls.K.{id, name, arguments}`, under `gen_ai.prompt` and `gen_ai.completion`.
 * `content` may be a JSON string of typed parts, which `toMessages` recognises.
 */
export function openLlmetryMessages(
  attrs: Attributes,
  prefix: string,
  fallbackRole: string,
): Message[] {
  return collectIndexed(attrs, prefix).flatMap((group) =>
    toMessages(
      {
        role: group.role,
        content: group.content,
        tool_call_id: group.tool_call_id,
        tool_calls: collectIndexed(group, "tool_calls") as AttrValue[],
      },
      fallbackRole,
    ),
  );
}

/** OpenInference's legacy completion-API keys: `llm.prompts.N.prompt.text`, `llm.choices.N.completion.text`. */
export function openInferenceTexts(
  attrs: Attributes,
  prefix: string,
  textKey: string,
  role: string,
): Message[] {
  return collectIndexed(attrs, prefix).flatMap((group) => {
    const text = group[textKey];
    return typeof text === "string" ? [{ role, content: text }] : [];
  });
}
