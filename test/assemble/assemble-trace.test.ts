import { describe, expect, it } from "vitest";
import { type AssembledTrace, assembleTrace } from "../../src/assemble/assemble-trace.ts";
import { makeSpan } from "../support/llm-spans.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

const llmTargets = (trace: AssembledTrace) => trace.targets.filter((t) => t.span.kind === "LLM");

function ragTrace() {
  const root = makeSpan({
    spanId: "a000000000000001",
    kind: "CHAIN",
    startTimeUnixNano: "100",
    endTimeUnixNano: "900",
  });
  const retriever = makeSpan({
    spanId: "a000000000000002",
    parentSpanId: root.spanId,
    kind: "RETRIEVER",
    startTimeUnixNano: "110",
    endTimeUnixNano: "200",
    documents: [
      { id: "d1", content: "Refunds are accepted within 30 days." },
      { content: "Store credit after 30 days." },
    ],
  });
  const llm = makeSpan({
    spanId: "a000000000000003",
    parentSpanId: root.spanId,
    kind: "LLM",
    startTimeUnixNano: "210",
    endTimeUnixNano: "800",
    question: "How long do I have?",
    answer: "30 days.",
  });
  return { root, retriever, llm };
}

describe("assembleTrace", () => {
  it("links parents and gives the LLM span its question, answer and the retrieved context", () => {
    const { root, retriever, llm } = ragTrace();
    // Out of order, as spans arrive from several requests.
    const trace = assembleTrace(TRACE, [llm, retriever, root]);
    expect(trace.roots).toEqual([root.spanId]);
    expect(trace.orphans).toEqual([]);
    expect(trace.children.get(root.spanId)?.sort()).toEqual([retriever.spanId, llm.spanId].sort());
    expect(llmTargets(trace)).toHaveLength(1);
    const target = llmTargets(trace)[0];
    expect(target?.question).toBe("How long do I have?");
    expect(target?.answer).toBe("30 days.");
    expect(target?.context.map((d) => d.content)).toEqual([
      "Refunds are accepted within 30 days.",
      "Store credit after 30 days.",
    ]);
    expect(target?.context[0]?.sourceSpanId).toBe(retriever.spanId);
    expect(target?.context[0]?.origin).toBe("retrieval");
  });

  it("reports spans whose parent is missing as orphans, and still evaluates them", () => {
    const llm = makeSpan({ kind: "LLM", parentSpanId: "ffffffffffffffff", answer: "x" });
    const trace = assembleTrace(TRACE, [llm]);
    expect(trace.orphans).toEqual([llm.spanId]);
    expect(llmTargets(trace)).toHaveLength(1);
  });

  it("does not feed a retrieval that happened after the answer into its context", () => {
    const { root, retriever, llm } = ragTrace();
    const later = makeSpan({
      kind: "RETRIEVER",
      parentSpanId: root.spanId,
      startTimeUnixNano: "850",
      endTimeUnixNano: "880",
      documents: [{ content: "A later turn's document." }],
    });
    const trace = assembleTrace(TRACE, [root, retriever, llm, later]);
    expect(llmTargets(trace)[0]?.context.map((d) => d.content)).not.toContain(
      "A later turn's document.",
    );
  });

  it("prefers a reranker's output over the retriever's longer list", () => {
    const { root, retriever, llm } = ragTrace();
    const reranker = makeSpan({
      kind: "RERANKER",
      parentSpanId: root.spanId,
      startTimeUnixNano: "201",
      endTimeUnixNano: "205",
      documents: [{ content: "Refunds are accepted within 30 days." }],
    });
    const trace = assembleTrace(TRACE, [root, retriever, reranker, llm]);
    expect(llmTargets(trace)[0]?.context.map((d) => d.content)).toEqual([
      "Refunds are accepted within 30 days.",
    ]);
  });

  it("uses tool results, from TOOL spans and tool messages, as context", () => {
    const tool = makeSpan({
      kind: "TOOL",
      endTimeUnixNano: "150",
      output: '{"temperature": "57F", "sky": "rain"}',
    });
    const llm = makeSpan({
      kind: "LLM",
      question: "Weather?",
      answer: "Rainy, 57F.",
      inputMessages: [
        { role: "user", content: "Weather?" },
        { role: "tool", content: "rainy, 57°F", toolCallId: "call_1" },
      ],
    });
    const trace = assembleTrace(TRACE, [tool, llm]);
    const context = llmTargets(trace)[0]?.context ?? [];
    expect(context.map((d) => d.origin)).toEqual(["tool", "tool"]);
    expect(context.map((d) => d.content)).toContain("rainy, 57°F");
  });

  it.each([
    {
      layout: "context first",
      prompt:
        "Context:\n[doc_123] Refunds are accepted within 30 days of purchase.\n\nQuestion: How long do I have to request a refund?",
      context: "[doc_123] Refunds are accepted within 30 days of purchase.",
    },
    {
      layout: "LangChain's rlm/rag-prompt, question first",
      prompt:
        "You are an assistant for question-answering tasks. Use the following pieces of retrieved context to answer the question. If you don't know the answer, just say that you don't know. Use three sentences maximum and keep the answer concise.\nQuestion: How long do I have to request a refund? \nContext: Refunds are accepted within 30 days of purchase.\n\nStore credit is issued after 30 days. \nAnswer:",
      context:
        "Refunds are accepted within 30 days of purchase.\n\nStore credit is issued after 30 days.",
    },
  ])("splits context pasted in the prompt from the question ($layout)", ({ prompt, context }) => {
    const llm = makeSpan({ kind: "LLM", question: prompt, answer: "Within 90 days." });
    const target = llmTargets(assembleTrace(TRACE, [llm]))[0];
    expect(target?.question).toBe("How long do I have to request a refund?");
    expect(target?.context).toEqual([
      { content: context, sourceSpanId: llm.spanId, origin: "prompt" },
    ]);
  });

  it.each([
    {
      case: "stand for the same documents pasted in the prompt",
      prompt:
        "Question: How long do I have? \nContext: Refunds are accepted within 30 days.\n\nStore credit after 30 days. \nAnswer:",
      context: ["Refunds are accepted within 30 days.", "Store credit after 30 days."],
    },
    {
      case: "are kept beside pasted context the retriever did not return",
      prompt: "Context: Orders ship within 2 days.\n\nQuestion: How long do I have?",
      context: [
        "Refunds are accepted within 30 days.",
        "Store credit after 30 days.",
        "Orders ship within 2 days.",
      ],
    },
  ])("the retriever's documents $case", ({ prompt, context }) => {
    const { root, retriever, llm } = ragTrace();
    const pasted = makeSpan({ ...llm, question: prompt });
    const target = llmTargets(assembleTrace(TRACE, [root, retriever, pasted]))[0];
    expect(target?.question).toBe("How long do I have?");
    expect(target?.context.map((d) => d.content)).toEqual(context);
    expect(target?.context[0]?.origin).toBe("retrieval");
  });

  it("takes a chat RAG system message's context without its instructions", () => {
    const llm = makeSpan({
      kind: "LLM",
      systemInstructions:
        "Use the following pieces of context to answer the user's question. \nIf you don't know the answer, just say that you don't know, don't try to make up an answer.\n----------------\nRefunds are accepted within 30 days.",
      question: "Refund?",
      answer: "30 days",
    });
    const target = llmTargets(assembleTrace(TRACE, [llm]))[0];
    expect(target?.question).toBe("Refund?");
    expect(target?.context.map((d) => d.content)).toEqual(["Refunds are accepted within 30 days."]);
  });

  it("counts a span sent twice once, and ignores spans of other traces", () => {
    const { root, retriever, llm } = ragTrace();
    const other = makeSpan({ traceId: "ffffffffffffffffffffffffffffffff", kind: "LLM" });
    const trace = assembleTrace(TRACE, [root, retriever, llm, llm, other]);
    expect(trace.spans).toHaveLength(3);
    expect(llmTargets(trace)).toHaveLength(1);
  });

  it("falls back to the system instructions when nothing else gives context", () => {
    const llm = makeSpan({
      kind: "LLM",
      systemInstructions: "Policy: refunds within 30 days.",
      question: "Refund?",
      answer: "30 days",
    });
    expect(llmTargets(assembleTrace(TRACE, [llm]))[0]?.context.map((d) => d.content)).toEqual([
      "Policy: refunds within 30 days.",
    ]);
  });
});

describe("targets of other span kinds", () => {
  it("gives a retriever its query and its own documents, and a tool its arguments and result", () => {
    const { root, retriever, llm } = ragTrace();
    const tool = makeSpan({ kind: "TOOL", input: '{"city":"Paris"}', output: "rainy, 57°F" });
    const retrieverQuestion = makeSpan({ ...retriever, question: "How long do I have?" });
    const trace = assembleTrace(TRACE, [root, retrieverQuestion, llm, tool]);
    const byId = new Map(trace.targets.map((t) => [t.span.spanId, t]));
    expect(byId.get(retriever.spanId)).toMatchObject({
      question: "How long do I have?",
      context: [
        { content: "Refunds are accepted within 30 days." },
        { content: "Store credit after 30 days." },
      ],
    });
    expect(byId.get(tool.spanId)).toMatchObject({
      question: '{"city":"Paris"}',
      answer: "rainy, 57°F",
    });
  });
});
