import { LangChainInstrumentation } from "@arizeai/openinference-instrumentation-langchain";
import * as CallbackManagerModule from "@langchain/core/callbacks/manager";
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
