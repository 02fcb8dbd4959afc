import type { EvaluationTarget } from "../span/evaluation-target.ts";
import type { Document, LlmSpan } from "../span/llm-span.ts";

export type { EvaluationTarget } from "../span/evaluation-target.ts";

import { readPromptTemplate, readSystemContext } from "./prompt-template.ts";

/** A trace rebuilt from its buffered spans, with an evaluation target for every span. */
export interface AssembledTrace {
  traceId: string;
  spans: LlmSpan[];
  /** Spans without a parent. */
  roots: string[];
  /** Spans whose parent never arrived (yet). */
  orphans: string[];
  children: Map<string, string[]>;
  targets: EvaluationTarget[];
}

const big = (nanos: string): bigint => {
  try {
    return BigInt(nanos);
  } catch {
    return 0n;
  }
};

/** The same span sent twice (an exporter retry) counts once: the last copy wins. */
function dedupe(spans: LlmSpan[]): LlmSpan[] {
  const byId = new Map<string, LlmSpan>();
  for (const span of spans) byId.set(span.spanId, span);
  return [...byId.values()].sort((a, b) => {
    const d = big(a.startTimeUnixNano) - big(b.startTimeUnixNano);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  });
}

/**
 * Whether `source` ran before `llm` produced its answer: it started before the LLM call, or it
 * ended no later than the LLM call ended. Retrievers and tools feed a call that starts after them,
 * or (as some SDKs nest them) inside it. Either test alone would trip on clock jitter between
 * spans (an SDK may stamp a retriever's end a hair after a fast LLM call's end).
 */
function precedes(source: LlmSpan, llm: LlmSpan): boolean {
  return (
    big(source.startTimeUnixNano) <= big(llm.startTimeUnixNano) ||
    big(source.endTimeUnixNano) <= big(llm.endTimeUnixNano)
  );
}

function retrievalDocuments(spans: LlmSpan[], llm: LlmSpan): Document[] {
  const before = spans.filter((s) => s !== llm && precedes(s, llm));
  // A reranker's output is what reached the prompt; the retriever's longer list did not.
  const rerankers = before.filter((s) => s.kind === "RERANKER" && s.documents.length > 0);
  const sources = rerankers.length > 0 ? rerankers : before.filter((s) => s.kind === "RETRIEVER");
  const docs: Document[] = [];
  for (const source of sources) {
    for (const doc of source.documents) {
      docs.push({ ...doc, sourceSpanId: source.spanId, origin: "retrieval" });
    }
  }
  for (const tool of before.filter((s) => s.kind === "TOOL")) {
    const result = tool.output ?? tool.answer;
    if (result) docs.push({ content: result, sourceSpanId: tool.spanId, origin: "tool" });
  }
  return docs;
}

/** Context carried by the LLM span's own messages: tool results, and context pasted in the prompt. */
function promptDocuments(llm: LlmSpan): { docs: Document[]; question: string | null } {
  const docs: Document[] = [];
  for (const message of llm.inputMessages) {
    if (message.role === "tool" && message.content) {
      docs.push({ content: message.content, sourceSpanId: llm.spanId, origin: "tool" });
    }
  }
  let question = llm.question;
  if (question) {
    const split = readPromptTemplate(question);
    if (split) {
      docs.push({ content: split.context, sourceSpanId: llm.spanId, origin: "prompt" });
      question = split.question;
    }
  }
  // Earlier user turns and system instructions may carry context too, but only when nothing else
  // does: instructions ("answer from the policy") are not facts an answer can be grounded in.
  return { docs, question };
}

function dedupeDocuments(docs: Document[]): Document[] {
  const seen = new Set<string>();
  return docs.filter((d) => {
    const key = d.content.trim();
    if (!key || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Rebuilds a trace: parent links, roots and orphans, and for each LLM span its question, its answer
 * and its context (documents of RETRIEVER/RERANKER spans and tool results that precede it, and
 * context passed in its own messages). Pure: the same spans always give the same result.
 */
export function assembleTrace(traceId: string, buffered: LlmSpan[]): AssembledTrace {
  const spans = dedupe(buffered.filter((s) => s.traceId === traceId));
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  const orphans: string[] = [];
  for (const span of spans) {
    if (span.parentSpanId === null) {
      roots.push(span.spanId);
    } else if (!ids.has(span.parentSpanId)) {
      orphans.push(span.spanId);
    } else {
      const list = children.get(span.parentSpanId) ?? [];
      list.push(span.spanId);
      children.set(span.parentSpanId, list);
    }
  }

  const targets: EvaluationTarget[] = spans.map((span) =>
    span.kind === "LLM" ? llmTarget(spans, span) : ownTarget(span),
  );

  return { traceId, spans, roots, orphans, children, targets };
}

/**
 * A span that is not an LLM call judged on its own terms: a retriever's query and documents
 * (for relevance evaluators), a tool's arguments and result.
 */
function ownTarget(span: LlmSpan): EvaluationTarget {
  const context = span.documents.map((doc) => ({
    ...doc,
    sourceSpanId: span.spanId,
    origin: "retrieval" as const,
  }));
  return {
    span,
    question: span.question ?? span.input,
    answer: span.answer ?? span.output,
    context,
  };
}

/**
 * The prompt's pasted context when it is not just the retrieved documents rendered into the
 * template: those documents win, with their ids and scores, and the rendering would count them twice.
 */
function beyondRetrieval(own: Document[], retrieved: Document[]): Document[] {
  const documents = retrieved.filter((d) => d.origin === "retrieval" && d.content.trim() !== "");
  if (documents.length === 0) return own;
  return own.filter(
    (doc) =>
      doc.origin !== "prompt" || !documents.every((d) => doc.content.includes(d.content.trim())),
  );
}

function llmTarget(spans: LlmSpan[], llm: LlmSpan): EvaluationTarget {
  const own = promptDocuments(llm);
  const retrieved = retrievalDocuments(spans, llm);
  const context = dedupeDocuments([...retrieved, ...beyondRetrieval(own.docs, retrieved)]);
  if (context.length === 0 && llm.systemInstructions) {
    // A system message that holds the context (a chat RAG template) gives the context without
    // its instructions; any other system message is the best context there is.
    context.push({
      content: readSystemContext(llm.systemInstructions) ?? llm.systemInstructions,
      sourceSpanId: llm.spanId,
      origin: "prompt",
    });
  }
  return { span: llm, question: own.question, answer: llm.answer, context };
}
