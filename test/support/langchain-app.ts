import { LangChainInstrumentation } from "@arizeai/openinference-instrumentation-langchain";
import * as CallbackManagerModule from "@langchain/core/callbacks/manager";
import { Document } from "@langchain/core/documents";
import { StringOutputParser } from "@langchain/core/output_parsers";
import type { ChatPromptTemplate } from "@langchain/core/prompts";
import { BaseRetriever } from "@langchain/core/retrievers";
import { RunnablePassthrough, RunnableSequence } from "@langchain/core/runnables";
import { ChatOpenAI } from "@langchain/openai";
import { type ClientApp, startClientApp } from "./client-app.ts";

/** A LangChain.js app traced by OpenInference's instrumentation, and its chat model. */
export interface LangChainApp extends ClientApp {
  model: ChatOpenAI;
}

/**
 * A client app (see `startClientApp`) with LangChain instrumented the way the instrumentation's
 * README says, and a `ChatOpenAI` model pointed at the app's fake model.
 */
export async function startLangChainApp(
  serviceName: string,
  answers: readonly { question: string; answer: string }[],
): Promise<LangChainApp> {
  const app = await startClientApp(serviceName, answers);
  const instrumentation = new LangChainInstrumentation({ tracerProvider: app.provider });
  instrumentation.manuallyInstrument(CallbackManagerModule);
  const model = new ChatOpenAI({
    model: "gpt-4o-mini",
    apiKey: "sk-test-not-a-real-key-0000",
    configuration: { baseURL: app.llm.baseUrl },
  });
  return {
    ...app,
    model,
    async close() {
      instrumentation.disable();
      await app.close();
    },
  };
}

/** A small in-memory retriever: the documents holding a keyword that the query holds. */
export class KeywordRetriever extends BaseRetriever {
  override lc_namespace = ["tracejudge", "test"];
  static override lc_name() {
    return "KeywordRetriever";
  }

  constructor(
    private readonly documents: readonly string[],
    private readonly keywords: readonly string[],
  ) {
    super();
  }

  override async _getRelevantDocuments(query: string): Promise<Document[]> {
    const asked = this.keywords.filter((k) => query.toLowerCase().includes(k));
    return this.documents
      .filter((doc) => asked.some((k) => doc.toLowerCase().includes(k)))
      .map((pageContent) => new Document({ pageContent }));
  }
}

/**
 * LangChain's RAG chain as its tutorial writes it: the retriever's documents joined by blank
 * lines as `{context}`, the input as `{question}`, then the prompt, the model and a string parser.
 */
export function retrievalChain(
  app: LangChainApp,
  retriever: BaseRetriever,
  prompt: ChatPromptTemplate,
): RunnableSequence<string, string> {
  const formatDocs = (docs: Document[]) => docs.map((d) => d.pageContent).join("\n\n");
  return RunnableSequence.from([
    { context: retriever.pipe(formatDocs), question: new RunnablePassthrough() },
    prompt,
    app.model,
    new StringOutputParser(),
  ]);
}
