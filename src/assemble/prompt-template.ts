/**
 * Reads a prompt that carries its own context back into the question and the context that were
 * placed in it, whichever way round the template put them: "Context: … Question: …", LangChain's
 * `rlm/rag-prompt` ("Question: … Context: … Answer:"), XML-like tags, and the frameworks' default
 * templates, with the template's instruction lines left out of both.
 */

/** A framework's default RAG template, verbatim from its source, with `{context}` and `{question}`. */
export interface KnownTemplate {
  name: string;
  /** Where the text comes from, so the next reader can check it against a newer release. */
  source: string;
  /**
   * The template. `{context}` and `{question}` are what gets read back; `{ignored}` is a slot
   * whose value is neither (LlamaIndex refine's existing answer). Whitespace is matched loosely:
   * renderers (Jinja loops, Python string concatenation, chat message joins) differ in it.
   */
  template: string;
}

/** Templates that hold both the context and the question, as a user message or a whole prompt. */
export const QUESTION_TEMPLATES: readonly KnownTemplate[] = [
  {
    name: "langchain-hub-rlm-rag-prompt",
    source: "LangChain hub rlm/rag-prompt",
    template:
      "You are an assistant for question-answering tasks. Use the following pieces of retrieved context to answer the question. If you don't know the answer, just say that you don't know. Use three sentences maximum and keep the answer concise.\nQuestion: {question} \nContext: {context} \nAnswer:",
  },
  {
    name: "langchain-stuff-qa",
    source:
      "langchain libs/langchain/langchain/chains/question_answering/stuff_prompt.py prompt_template; langchainjs langchain/src/chains/question_answering/stuff_prompts.ts DEFAULT_QA_PROMPT",
    template:
      "Use the following pieces of context to answer the question at the end. If you don't know the answer, just say that you don't know, don't try to make up an answer.\n\n{context}\n\nQuestion: {question}\nHelpful Answer:",
  },
  {
    name: "llamaindex-text-qa",
    source:
      "llama_index llama-index-core/llama_index/core/prompts/default_prompts.py DEFAULT_TEXT_QA_PROMPT_TMPL (also the user message of chat_prompts.py CHAT_TEXT_QA_PROMPT)",
    template:
      "Context information is below.\n---------------------\n{context}\n---------------------\nGiven the context information and not prior knowledge, answer the query.\nQuery: {question}\nAnswer: ",
  },
  {
    name: "llamaindex-tree-summarize",
    source:
      "llama_index llama-index-core/llama_index/core/prompts/default_prompts.py DEFAULT_TREE_SUMMARIZE_TMPL",
    template:
      "Context information from multiple sources is below.\n---------------------\n{context}\n---------------------\nGiven the information from multiple sources and not prior knowledge, answer the query.\nQuery: {question}\nAnswer: ",
  },
  {
    name: "llamaindex-refine",
    source:
      "llama_index llama-index-core/llama_index/core/prompts/default_prompts.py DEFAULT_REFINE_PROMPT_TMPL",
    template:
      "The original query is as follows: {question}\nWe have provided an existing answer: {ignored}\nWe have the opportunity to refine the existing answer (only if needed) with some more context below.\n------------\n{context}\n------------\nGiven the new context, refine the original answer to better answer the query. If the context isn't useful, return the original answer.\nRefined Answer: ",
  },
  {
    name: "llamaindex-chat-refine",
    source:
      "llama_index llama-index-core/llama_index/core/prompts/chat_prompts.py CHAT_REFINE_PROMPT_TMPL_MSGS",
    template:
      "You are an expert Q&A system that strictly operates in two modes when refining existing answers:\n1. **Rewrite** an original answer using the new context.\n2. **Repeat** the original answer if the new context isn't useful.\nNever reference the original answer or context directly in your answer.\nWhen in doubt, just repeat the original answer.\nNew Context: {context}\nQuery: {question}\nOriginal Answer: {ignored}\nNew Answer: ",
  },
  {
    name: "haystack-prompt-builder-rag",
    source:
      "haystack haystack/components/builders/prompt_builder.py (the RAG template of PromptBuilder's docs, rendered)",
    template:
      "Given these documents, answer the question.\nDocuments:\n{% for doc in documents %}\n    {context}\n{% endfor %}\n\nQuestion: {question}\nAnswer:",
  },
  {
    name: "haystack-first-rag-pipeline",
    source: "Haystack tutorial 27 (first RAG pipeline, ChatPromptBuilder user message), rendered",
    template:
      "Given the following information, answer the question.\n\nContext:\n{% for document in documents %}\n    {context}\n{% endfor %}\n\nQuestion: {question}\nAnswer:",
  },
];

/** Templates of a system message that holds only the context; the question is the user's message. */
export const CONTEXT_TEMPLATES: readonly KnownTemplate[] = [
  {
    name: "langchain-stuff-chat-system",
    source:
      "langchain libs/langchain/langchain/chains/question_answering/stuff_prompt.py system_template",
    template:
      "Use the following pieces of context to answer the user's question. \nIf you don't know the answer, just say that you don't know, don't try to make up an answer.\n----------------\n{context}",
  },
  {
    name: "langchainjs-stuff-chat-system",
    source: "langchainjs langchain/src/chains/question_answering/stuff_prompts.ts system_template",
    template:
      "Use the following pieces of context to answer the users question. \nIf you don't know the answer, just say that you don't know, don't try to make up an answer.\n----------------\n{context}",
  },
];

/**
 * A template as its literal pieces (each a whitespace-loose pattern) and the slots between them.
 * Matching walks the pieces left to right, each slot ending at the next piece's first occurrence
 * and the last piece anchored at the end: linear, where one regular expression for the whole
 * template backtracks quadratically on a long prompt that almost matches.
 */
interface CompiledTemplate {
  /** pieces.length === slots.length + 1 */
  pieces: RegExp[];
  slots: string[];
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A Jinja statement (`{% for … %}`) renders to nothing but whitespace around the loop body. */
const JINJA_STATEMENT = /\{%[^%]*%\}/g;

function compile(template: string): CompiledTemplate {
  const parts = template.replace(JINJA_STATEMENT, " ").split(/\{(context|question|ignored)\}/);
  const pieces: RegExp[] = [];
  const slots: string[] = [];
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      slots.push(part);
      return;
    }
    // Every run of whitespace, and the edges of a literal, may hold any whitespace at all.
    const words = part.split(/\s+/).filter((w) => w !== "");
    const body = `\\s*${words.map(escapeRegExp).join("\\s*")}\\s*`;
    const last = i === parts.length - 1;
    pieces.push(new RegExp(last ? `${body}$` : body, i === 0 ? "y" : "g"));
  });
  return { pieces, slots };
}

const compiledQuestion = QUESTION_TEMPLATES.map((t) => compile(t.template));
const compiledContext = CONTEXT_TEMPLATES.map((t) => compile(t.template));

function matchOne(text: string, { pieces, slots }: CompiledTemplate): Map<string, string> | null {
  const first = pieces[0];
  if (!first) return null;
  first.lastIndex = 0;
  if (!first.exec(text)) return null;
  let cursor = first.lastIndex;
  const values = new Map<string, string>();
  for (let i = 0; i < slots.length; i++) {
    const piece = pieces[i + 1];
    if (!piece) return null;
    piece.lastIndex = cursor;
    const match = piece.exec(text);
    if (!match) return null;
    values.set(slots[i] ?? "", text.slice(cursor, match.index).trim());
    cursor = piece.lastIndex;
  }
  return values;
}

function matchKnown(text: string, templates: CompiledTemplate[]): Map<string, string> | null {
  for (const template of templates) {
    const values = matchOne(text, template);
    if (values) return values;
  }
  return null;
}

/** Renders a known template the way its framework would, for tests and examples. */
export function fillTemplate(
  template: string,
  values: { context: string; question?: string; ignored?: string },
): string {
  return template
    .replace(/\{%[^%]*%\}/g, "")
    .replace("{context}", () => values.context)
    .replace("{question}", () => values.question ?? "")
    .replace("{ignored}", () => values.ignored ?? "");
}

const CONTEXT_LABELS =
  "context|contexts|retrieved context|context information|documents?|retrieved documents|passages?|sources|knowledge|knowledge base|excerpts?|snippets?|search results";
const QUESTION_LABELS = "question|query|user question|user query|user's question";
// A label that ends the section before it and carries nothing the judge needs.
const ANSWER_LABELS =
  "answer|helpful answer|final answer|your answer|response|refined answer|new answer";

/** A label opening a line: "Context:", "**Question:**", "### Documents" (a heading needs no colon). */
const LABEL_LINE = new RegExp(
  `^[ \\t]*(?:(?:#{1,6}[ \\t]*)?\\**(${CONTEXT_LABELS}|${QUESTION_LABELS}|${ANSWER_LABELS})\\**[ \\t]*:\\**[ \\t]*|#{1,6}[ \\t]*(${CONTEXT_LABELS}|${QUESTION_LABELS}|${ANSWER_LABELS})[ \\t]*$)`,
  "gim",
);
const CONTEXT_LABEL = new RegExp(`^(?:${CONTEXT_LABELS})$`, "i");
const QUESTION_LABEL = new RegExp(`^(?:${QUESTION_LABELS})$`, "i");

// A tag's body stops at the next opening or closing of the same tag, so that an unclosed tag
// costs one scan to the next one, not one to the end of the prompt.
const CONTEXT_TAG =
  /<(context|contexts|documents|document|passages|sources|retrieved_context|search_results)(?:\s[^>]*)?>((?:(?!<\/?\1\b)[\s\S])*)<\/\1\s*>/gi;
const QUESTION_TAG =
  /<(question|query|user_question|user_query)(?:\s[^>]*)?>((?:(?!<\/?\1\b)[\s\S])*)<\/\1\s*>/gi;

/**
 * A paragraph that tells the model what to do with the context rather than being part of it: it
 * opens with an instruction and names the context or the question ("Use the following pieces of
 * context…", "Given the information above, answer…"), or announces the context ("Context
 * information is below.").
 */
const INSTRUCTION =
  /^(?:please\s+)?(?:use|using|answer|based on|given|respond|reply|you are|you're|only|do not|don't|never|always|if you don'?t know|if the answer|according to|refer to|read)\b[\s\S]*\b(?:context|question|query|documents?|information|passages?|sources|excerpts?)\b|^(?:the\s+)?(?:context|information|documents?|passages?|sources)\b[^.\n]*\b(?:is|are)\s+(?:below|above|provided|given|as follows)\b/i;
/** Blank lines and separator lines ("-----") end a paragraph. */
const PARAGRAPH_BREAK = /\n[ \t]*\n|^[ \t]*(?:-{3,}|={3,}|\*{3,}|_{3,})[ \t]*$/m;

/** The paragraphs of a text with where each starts, so that a slice keeps the text as it was. */
function paragraphs(text: string): { text: string; start: number }[] {
  const found: { text: string; start: number }[] = [];
  let cursor = 0;
  for (const piece of text.split(new RegExp(PARAGRAPH_BREAK.source, "gm"))) {
    const trimmed = piece.trim();
    if (trimmed === "") continue;
    const start = text.indexOf(trimmed, cursor);
    found.push({ text: trimmed, start });
    cursor = start + trimmed.length;
  }
  return found;
}

/** The text, unchanged inside, with the instruction paragraphs at either end left out. */
function withoutInstructions(text: string): string {
  const paras = paragraphs(text);
  let first = 0;
  let last = paras.length - 1;
  while (first <= last && INSTRUCTION.test(paras[first]?.text ?? "")) first++;
  while (last >= first && INSTRUCTION.test(paras[last]?.text ?? "")) last--;
  const head = paras[first];
  const tail = paras[last];
  if (!head || !tail || first > last) return "";
  return text.slice(head.start, tail.start + tail.text.length);
}

interface Sections {
  contexts: string[];
  questions: string[];
  /** Text before the first label, and outside every tag. */
  preamble: string;
  labelled: boolean;
}

function readSections(message: string): Sections {
  const contexts: string[] = [];
  const questions: string[] = [];
  // Tagged blocks first: their content may itself hold lines that look like labels.
  let rest = message.replace(CONTEXT_TAG, (_m, _tag, body: string) => {
    contexts.push(body.trim());
    return "\n\n";
  });
  rest = rest.replace(QUESTION_TAG, (_m, _tag, body: string) => {
    questions.push(body.trim());
    return "\n\n";
  });
  const labels = [...rest.matchAll(LABEL_LINE)];
  const preamble = labels.length > 0 ? rest.slice(0, labels[0]?.index) : rest;
  labels.forEach((label, i) => {
    const name = (label[1] ?? label[2] ?? "").toLowerCase();
    const start = (label.index ?? 0) + label[0].length;
    const end = labels[i + 1]?.index ?? rest.length;
    const body = rest.slice(start, end);
    if (CONTEXT_LABEL.test(name)) contexts.push(withoutInstructions(body));
    else if (QUESTION_LABEL.test(name)) questions.push(body.trim());
  });
  return { contexts, questions, preamble, labelled: labels.length > 0 };
}

const nonEmpty = (texts: string[]): string[] => texts.map((t) => t.trim()).filter((t) => t !== "");

/**
 * Splits a user message (or a whole single-string prompt) that carries its own context into the
 * question and the context, whichever comes first. Returns null when the message has no such
 * structure: an ordinary question stays whole.
 */
export function readPromptTemplate(message: string): { context: string; question: string } | null {
  const known = matchKnown(message, compiledQuestion);
  if (known) {
    const context = known.get("context") ?? "";
    const question = known.get("question") ?? "";
    return context && question ? { context, question } : null;
  }
  const sections = readSections(message);
  const contexts = nonEmpty(sections.contexts);
  const questions = nonEmpty(sections.questions);
  let context = contexts.join("\n\n");
  // The last question asked is the one answered (a template may restate it).
  let question = questions.at(-1) ?? "";
  if (!question && context && !sections.labelled) {
    // "<context>…</context> What is …?": the question is what the tags leave, less instructions.
    const left = paragraphs(sections.preamble);
    question = withoutInstructions(sections.preamble) || (left.at(-1)?.text ?? "");
  }
  if (question && !context) {
    // "… pasted context …\n\nQuestion: …": the unlabelled text before the question, less the
    // instructions that open or close it.
    context = withoutInstructions(sections.preamble);
  }
  return context && question ? { context, question } : null;
}

/**
 * The context a system message holds, without its instructions: a framework's system template,
 * a tagged or labelled context section, or the paragraphs after an opening instruction. Null
 * when the message has none of these shapes (then the caller decides what the whole message is).
 */
export function readSystemContext(message: string): string | null {
  const known = matchKnown(message, compiledContext);
  if (known) return known.get("context") || null;
  const sections = readSections(message);
  const contexts = nonEmpty(sections.contexts);
  if (contexts.length > 0) return contexts.join("\n\n");
  const paras = paragraphs(message);
  if (paras.length > 1 && INSTRUCTION.test(paras[0]?.text ?? "")) {
    return withoutInstructions(message) || null;
  }
  return null;
}
