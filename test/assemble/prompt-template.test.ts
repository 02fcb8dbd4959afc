import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CONTEXT_TEMPLATES,
  fillTemplate,
  type KnownTemplate,
  QUESTION_TEMPLATES,
  readPromptTemplate,
  readSystemContext,
} from "../../src/assemble/prompt-template.ts";

const QUESTION = "How long do I have to request a refund?";
const CONTEXT =
  "Refunds are accepted within 30 days of purchase.\n\nStore credit is issued for returns after 30 days.";

const known = (name: string): KnownTemplate => {
  const found = [...QUESTION_TEMPLATES, ...CONTEXT_TEMPLATES].find((t) => t.name === name);
  if (!found) throw new Error(`no template ${name}`);
  return found;
};

describe("readPromptTemplate on the frameworks' default templates", () => {
  it("reads LangChain hub rlm/rag-prompt, question first, without the instructions", () => {
    const prompt =
      "You are an assistant for question-answering tasks. Use the following pieces of retrieved context to answer the question. If you don't know the answer, just say that you don't know. Use three sentences maximum and keep the answer concise.\n" +
      `Question: ${QUESTION} \nContext: ${CONTEXT} \nAnswer:`;
    expect(readPromptTemplate(prompt)).toEqual({ question: QUESTION, context: CONTEXT });
  });

  it("reads LangChain's stuff chain default (unlabelled context between instructions and question)", () => {
    const prompt = `Use the following pieces of context to answer the question at the end. If you don't know the answer, just say that you don't know, don't try to make up an answer.\n\n${CONTEXT}\n\nQuestion: ${QUESTION}\nHelpful Answer:`;
    expect(readPromptTemplate(prompt)).toEqual({ question: QUESTION, context: CONTEXT });
  });

  it("reads LlamaIndex's text QA template and its tree-summarize twin", () => {
    const prompt = `Context information is below.\n---------------------\n${CONTEXT}\n---------------------\nGiven the context information and not prior knowledge, answer the query.\nQuery: ${QUESTION}\nAnswer: `;
    expect(readPromptTemplate(prompt)).toEqual({ question: QUESTION, context: CONTEXT });
    const tree = fillTemplate(known("llamaindex-tree-summarize").template, {
      context: CONTEXT,
      question: QUESTION,
    });
    expect(readPromptTemplate(tree)).toEqual({ question: QUESTION, context: CONTEXT });
  });

  it("reads LlamaIndex's refine templates, leaving the existing answer out of the context", () => {
    for (const name of ["llamaindex-refine", "llamaindex-chat-refine"]) {
      const prompt = fillTemplate(known(name).template, {
        context: CONTEXT,
        question: QUESTION,
        ignored: "Within 90 days.",
      });
      expect(readPromptTemplate(prompt), name).toEqual({ question: QUESTION, context: CONTEXT });
    }
  });

  it("reads Haystack's PromptBuilder RAG template as Jinja renders it, documents and all", () => {
    // What `{% for doc in documents %}\n    {{ doc.content }}\n{% endfor %}` gives for two documents.
    const prompt =
      "\n        Given these documents, answer the question.\n        Documents:\n        \n            Joe lives in Berlin\n        \n            Joe is a software engineer\n        \n\n        Question: Where does Joe live?\n        Answer:\n        ";
    const read = readPromptTemplate(prompt);
    expect(read?.question).toBe("Where does Joe live?");
    expect(read?.context.split(/\s*\n\s*/)).toEqual([
      "Joe lives in Berlin",
      "Joe is a software engineer",
    ]);
  });

  it("reads Haystack's first RAG pipeline template", () => {
    const prompt = fillTemplate(known("haystack-first-rag-pipeline").template, {
      context: CONTEXT,
      question: QUESTION,
    });
    expect(prompt).not.toContain("{%");
    expect(readPromptTemplate(prompt)).toEqual({ question: QUESTION, context: CONTEXT });
  });
});

describe("readPromptTemplate on labelled and tagged prompts", () => {
  it("reads context first or question first, with any of the usual labels", () => {
    const cases = [
      `Context:\n${CONTEXT}\n\nQuestion: ${QUESTION}`,
      `Question: ${QUESTION}\nContext: ${CONTEXT}`,
      `Documents:\n${CONTEXT}\n\nQuery: ${QUESTION}\nAnswer:`,
      `Query: ${QUESTION}\n\nPassages:\n${CONTEXT}\n\nAnswer:`,
      `### Context\n${CONTEXT}\n\n### Question\n${QUESTION}\n\n### Answer`,
      `**Question:** ${QUESTION}\n**Sources:**\n${CONTEXT}`,
    ];
    for (const prompt of cases) {
      expect(readPromptTemplate(prompt), prompt).toEqual({ question: QUESTION, context: CONTEXT });
    }
  });

  it("never takes the instruction lines around the sections as the context", () => {
    const prompt = `Answer the question using only the context below. Say you don't know otherwise.\n\nContext:\n${CONTEXT}\n\nGiven the context above, answer the question.\n\nQuestion: ${QUESTION}\nAnswer:`;
    expect(readPromptTemplate(prompt)).toEqual({ question: QUESTION, context: CONTEXT });
  });

  it("reads XML-like tags, in either order, and a question left outside the context tag", () => {
    expect(
      readPromptTemplate(`<question>${QUESTION}</question>\n<context>\n${CONTEXT}\n</context>`),
    ).toEqual({ question: QUESTION, context: CONTEXT });
    expect(
      readPromptTemplate(
        `Answer from the documents only.\n<documents>\n${CONTEXT}\n</documents>\n<query>${QUESTION}</query>`,
      ),
    ).toEqual({ question: QUESTION, context: CONTEXT });
    expect(
      readPromptTemplate(
        `<context>\n${CONTEXT}\n</context>\n\nAnswer the question using the context above.\n\n${QUESTION}`,
      ),
    ).toEqual({ question: QUESTION, context: CONTEXT });
  });

  it("keeps a context's own label-like lines inside its tags", () => {
    const faq = "Question: Do you ship abroad?\nAnswer: Yes, to 30 countries.";
    expect(
      readPromptTemplate(`<context>${faq}</context>\n<question>${QUESTION}</question>`),
    ).toEqual({ question: QUESTION, context: faq });
  });

  it("reads an unlabelled context before the question, as before", () => {
    expect(
      readPromptTemplate(`Refunds are accepted within 30 days.\n\nQuestion: ${QUESTION}`),
    ).toEqual({ question: QUESTION, context: "Refunds are accepted within 30 days." });
  });

  it("leaves an ordinary question, or a question with nothing to answer from, whole", () => {
    expect(readPromptTemplate("What is the refund window?")).toBeNull();
    expect(readPromptTemplate("Question: only a question")).toBeNull();
    expect(
      readPromptTemplate("Use the context to answer the question.\nQuestion: Refund?"),
    ).toBeNull();
    expect(readPromptTemplate("Context: some text, but no question")).toBeNull();
  });
});

describe("readSystemContext", () => {
  it("reads LangChain's (Python and JS) stuff chain chat system templates", () => {
    for (const name of ["langchain-stuff-chat-system", "langchainjs-stuff-chat-system"]) {
      const system = fillTemplate(known(name).template, { context: CONTEXT });
      expect(readSystemContext(system), name).toBe(CONTEXT);
    }
  });

  it("reads a context tag or label, and the paragraphs after an opening instruction", () => {
    expect(
      readSystemContext(
        `Answer any questions based solely on the context below:\n\n<context>\n${CONTEXT}\n</context>`,
      ),
    ).toBe(CONTEXT);
    expect(readSystemContext(`You are a support bot.\n\nContext:\n${CONTEXT}`)).toBe(CONTEXT);
    expect(
      readSystemContext(
        `You are an assistant for question-answering tasks. Use the following pieces of retrieved context to answer the question.\n\n${CONTEXT}`,
      ),
    ).toBe(CONTEXT);
  });

  it("gives null for a system message of no such shape", () => {
    expect(readSystemContext("Policy: refunds within 30 days.")).toBeNull();
    expect(readSystemContext("Answer from this policy only: refunds within 30 days.")).toBeNull();
  });
});

/** Text that holds none of the labels, tags or separators a template uses. */
const WORDS = [
  "refunds",
  "are",
  "accepted",
  "within",
  "30",
  "days",
  "Berlin",
  "shipping",
  "costs",
  "€5",
  "per",
  "order",
  "how",
  "long",
  "do",
  "I",
  "have?",
  "the",
  "store",
  "credit",
  "is",
  "issued",
  "après",
  "日本",
  "(see",
  "§4.2)",
  "a-b",
  "x:y",
  "#7",
  '"quoted"',
];
const SEPARATORS = [" ", " ", " ", "\n", "\n\n", "  ", "\t"];
const vocabularyText = fc
  .array(fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...SEPARATORS)), {
    minLength: 1,
    maxLength: 40,
  })
  .map((pairs) =>
    pairs
      .map(([word, sep]) => word + sep)
      .join("")
      .trim(),
  );
/**
 * Anything else a user or a document might hold (any Unicode, any whitespace), less what a
 * template uses to mark its parts: labels, tags, heading marks and separator lines.
 */
const MARKERS =
  /question|query|context|document|passage|source|knowledge|excerpt|snippet|search result|answer|response|[<>#]|-{3}|={3}|\*{3}|_{3}/i;
const anyText = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 60 })
  .filter((t) => t.trim() !== "" && !MARKERS.test(t))
  .map((t) => t.trim());
const text = fc.oneof(vocabularyText, anyText);
/** Known templates are matched whole, so their slots may even hold instruction-like sentences. */
const instructionLike = fc.constantFrom(
  "Use the context to answer the question.",
  "Given the information above, answer.",
  "Context information is below.",
);
const freeText = fc
  .tuple(text, fc.option(instructionLike), text)
  .map(([a, b, c]) => (b ? `${b}\n\n${a}\n\n${c}` : `${a} ${c}`));

/** Labelled and tagged forms, each with its instructions, both orders of question and context. */
const LABELLED_FORMS = [
  "Context:\n{context}\n\nQuestion: {question}",
  "Question: {question}\nContext: {context}\nAnswer:",
  "Answer the question from the documents only.\n\nDocuments:\n{context}\n\nQuery: {question}\nAnswer:",
  "Query: {question}\n\nPassages:\n{context}\n\nAnswer:",
  "You are a helpful assistant.\n\n### Context\n{context}\n\n### Question\n{question}\n\n### Answer",
  "<context>\n{context}\n</context>\n<question>\n{question}\n</question>",
  "Use only the documents.\n<question>{question}</question>\n<documents>{context}</documents>",
  "Answer using the context below.\n<context>\n{context}\n</context>\n\nQuestion: {question}",
];

describe("property: what was placed in a template is what is read back", () => {
  it("holds for every known framework template", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...QUESTION_TEMPLATES),
        freeText,
        freeText,
        text,
        (template, question, context, ignored) => {
          const prompt = fillTemplate(template.template, { question, context, ignored });
          expect(readPromptTemplate(prompt)).toEqual({ question, context });
        },
      ),
      { numRuns: 500 },
    );
  });

  it("holds for the labelled and tagged forms, either way round", () => {
    fc.assert(
      fc.property(fc.constantFrom(...LABELLED_FORMS), text, text, (form, question, context) => {
        const prompt = fillTemplate(form, { question, context });
        expect(readPromptTemplate(prompt)).toEqual({ question, context });
      }),
      { numRuns: 500 },
    );
  });

  it("holds for the system templates that hold only the context", () => {
    fc.assert(
      fc.property(fc.constantFrom(...CONTEXT_TEMPLATES), freeText, (template, context) => {
        expect(readSystemContext(fillTemplate(template.template, { context }))).toBe(context);
      }),
      { numRuns: 200 },
    );
  });
});

describe("cost", () => {
  it("reads long prompts that almost match a template in linear time", () => {
    const rlm = fillTemplate(QUESTION_TEMPLATES[0]?.template ?? "", {
      question: QUESTION,
      context: "",
    }).replace(/Answer:\s*$/, "");
    const prompts = [
      `${rlm}${"word Context: ".repeat(20_000)}`,
      "<context> ".repeat(20_000),
      "Question: a\n".repeat(20_000),
    ];
    for (const prompt of prompts) {
      const started = performance.now();
      readPromptTemplate(prompt);
      readSystemContext(prompt);
      // A whole-template regular expression took 30 s on the first of these; linear reading takes
      // milliseconds (the bound leaves room for a busy machine).
      expect(performance.now() - started).toBeLessThan(5_000);
    }
  });
});
