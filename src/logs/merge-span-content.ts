import { readAnswer, readQuestion } from "../normalize/io-text.ts";
import type { LlmSpan, Message } from "../span/llm-span.ts";
import type { SpanContent } from "./span-content.ts";

const big = (nanos: string): bigint => {
  try {
    return BigInt(nanos);
  } catch {
    return 0n;
  }
};

const compareBig = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Records in the order they were made: by time, then by observed time, then as ingest received
 * them (request, then place in it). The JS SDK stamps every prompt message of a call with the
 * same millisecond, time and observed time alike, so a SimpleLogRecordProcessor's one request per
 * record is ordered by its arrival; workers may buffer those requests in any order.
 */
function chronological(a: SpanContent, b: SpanContent): number {
  const time = (c: SpanContent) =>
    big(c.timeUnixNano === "0" ? c.observedTimeUnixNano : c.timeUnixNano);
  return (
    compareBig(time(a), time(b)) ||
    compareBig(big(a.observedTimeUnixNano), big(b.observedTimeUnixNano)) ||
    a.receivedAtMs - b.receivedAtMs ||
    a.position - b.position
  );
}

/** Choices by their index; records without one keep their place after the indexed ones. */
function byChoice(a: SpanContent, b: SpanContent): number {
  return (a.choiceIndex ?? Number.MAX_SAFE_INTEGER) - (b.choiceIndex ?? Number.MAX_SAFE_INTEGER);
}

function distinctJoined(texts: (string | null)[]): string | null {
  const kept = [...new Set(texts.filter((t): t is string => t !== null && t.trim() !== ""))];
  return kept.length > 0 ? kept.join("\n") : null;
}

/**
 * A span with the content its log records carried. What the span recorded itself wins: log
 * records fill in the messages it left empty (content capture on events only), and the question,
 * answer and system instructions are read again from the merged messages, as the normaliser
 * reads them from a span's own.
 */
function withContent(span: LlmSpan, records: SpanContent[]): LlmSpan {
  const ordered = [...records].sort(chronological);
  const logInput: Message[] = ordered.flatMap((c) => c.inputMessages);
  const logOutput: Message[] = ordered
    .filter((c) => c.outputMessages.length > 0)
    .sort(byChoice)
    .flatMap((c) => c.outputMessages);
  const fillInput = span.inputMessages.length === 0 && logInput.length > 0;
  const fillOutput = span.outputMessages.length === 0 && logOutput.length > 0;
  if (!fillInput && !fillOutput) return span;
  const inputMessages = fillInput ? logInput : span.inputMessages;
  const outputMessages = fillOutput ? logOutput : span.outputMessages;
  return {
    ...span,
    inputMessages,
    outputMessages,
    input: fillInput ? null : span.input,
    output: fillOutput ? null : span.output,
    systemInstructions:
      span.systemInstructions ?? distinctJoined(ordered.map((c) => c.systemInstructions)),
    question: fillInput
      ? (readQuestion(span.attributes, span.kind, inputMessages) ?? span.question)
      : span.question,
    answer: fillOutput ? (readAnswer(span.kind, outputMessages, null) ?? span.answer) : span.answer,
  };
}

/**
 * Joins GenAI content from log records to the spans it belongs to, by span id (the records of a
 * trace are buffered with its spans, whichever came first) and project. A record sent twice
 * counts once; records whose span never arrived join nothing.
 */
export function mergeSpanContent(spans: LlmSpan[], contents: SpanContent[]): LlmSpan[] {
  if (contents.length === 0) return spans;
  const bySpan = new Map<string, Map<string, SpanContent>>();
  for (const content of contents) {
    const records = bySpan.get(content.spanId) ?? new Map<string, SpanContent>();
    if (!records.has(content.id)) records.set(content.id, content);
    bySpan.set(content.spanId, records);
  }
  return spans.map((span) => {
    // Another project's key may not add content to this project's spans.
    const records = [...(bySpan.get(span.spanId)?.values() ?? [])].filter(
      (c) => c.project === span.project,
    );
    return records.length > 0 ? withContent(span, records) : span;
  });
}
