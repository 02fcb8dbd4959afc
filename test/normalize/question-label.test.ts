import { describe, expect, it } from "vitest";
import { assembleTrace } from "../../src/assemble/assemble-trace.ts";
import { readQuestion } from "../../src/normalize/io-text.ts";
import { makeSpan } from "../support/llm-spans.ts";

const QUESTION = "How long does standard shipping take?";
const asked = (content: string) => readQuestion({}, "LLM", [{ role: "user", content }]);

describe("a user message that labels only its question", () => {
  it("is read as the question without the label and the answer cue", () => {
    // The human turn of a chat RAG template whose context is in the system message.
    expect(asked(`Question: ${QUESTION}\nHelpful Answer:`)).toBe(QUESTION);
    expect(asked(`Question: ${QUESTION}`)).toBe(QUESTION);
    expect(asked(`query:   ${QUESTION}  \n\n  Answer:  `)).toBe(QUESTION);
    expect(asked(`User question: ${QUESTION}\nAnswer:`)).toBe(QUESTION);
  });

  it("keeps a question over several lines whole", () => {
    const multi = `${QUESTION}\nAnd for express?`;
    expect(asked(`Question: ${multi}\nAnswer:`)).toBe(multi);
  });

  it("stays whole when it carries anything else labelled or tagged: the context is in it", () => {
    for (const message of [
      `Question: ${QUESTION} \nContext: Standard shipping takes 3 to 5 business days. \nAnswer:`,
      `Question: ${QUESTION}\n<context>Standard shipping takes 3 to 5 business days.</context>`,
      `Context: Standard shipping takes 3 to 5 business days.\nQuestion: ${QUESTION}`,
      `Standard shipping takes 3 to 5 business days.\n\nQuestion: ${QUESTION}\nHelpful Answer:`,
      "Question:",
      QUESTION,
    ]) {
      expect(asked(message)).toBe(message);
    }
  });

  it("is not a retriever's query, which is read as it was sent", () => {
    const query = `Question: ${QUESTION}`;
    expect(readQuestion({ "input.value": query }, "RETRIEVER", [])).toBe(query);
  });

  it("leaves the prompt-template reader a message that pastes its context after the question", () => {
    const message = `Question: ${QUESTION} \nContext: Standard shipping takes 3 to 5 business days. \nAnswer:`;
    const llm = makeSpan({
      kind: "LLM",
      inputMessages: [{ role: "user", content: message }],
      question: asked(message),
      answer: "3 to 5 business days.",
    });
    const [target] = assembleTrace(llm.traceId, [llm]).targets;
    expect(target?.question).toBe(QUESTION);
    expect(target?.context.map((d) => d.content)).toEqual([
      "Standard shipping takes 3 to 5 business days.",
    ]);
  });
});
