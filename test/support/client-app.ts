import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import pg from "pg";
import { FakeOpenAIServer } from "./fake-openai-server.ts";
import { eventually } from "./services.ts";
import { startTestService, type TestService } from "./test-service.ts";

/**
 * The tracer provider a traced app sets up: its service name on the resource, and every span
 * exported at once over OTLP/HTTP (protobuf) to the service under test. `processor` replaces that
 * export with the app's own span processor (an instrumentation's, say), given the service's URL.
 */
export function exportingTracerProvider(
  svc: TestService,
  serviceName: string,
  options: { processor?: (serviceUrl: string) => SpanProcessor } = {},
): BasicTracerProvider {
  const processor =
    options.processor?.(svc.url) ??
    new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${svc.url}/v1/traces` }));
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName }),
    spanProcessors: [processor],
  });
}

/** A traced app's world: the service it exports to, its model, and its tracer provider. */
export interface ClientApp {
  svc: TestService;
  /** Answers the scripted question of the latest message that asks one with its answer. */
  llm: FakeOpenAIServer;
  provider: BasicTracerProvider;
  /** Shuts down the provider (exporting what is left), the model and the service. */
  close(): Promise<void>;
}

/** The model's name in its answers, as OpenAI reports the snapshot that answered. */
export const ANSWERING_MODEL = "gpt-4o-mini-2024-07-18";

/**
 * Starts the service, an OpenAI-compatible model that answers each of `answers`' questions with
 * its answer, and the app's tracer provider; and, as a Node app's SDK setup does, a context
 * manager so the active span follows async calls.
 */
export async function startClientApp(
  serviceName: string,
  answers: readonly { question: string; answer: string }[],
): Promise<ClientApp> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const svc = await startTestService();
  const llm = await FakeOpenAIServer.start((request) => {
    // The latest message that asks a scripted question: earlier turns are chat history.
    const found = request.messages
      .map((m) => JSON.stringify(m.content))
      .reverse()
      .flatMap((asked) => answers.filter((a) => asked.includes(a.question)))[0];
    return { content: found?.answer ?? "I don't know.", model: ANSWERING_MODEL };
  });
  const provider = exportingTracerProvider(svc, serviceName);
  return {
    svc,
    llm,
    provider,
    async close() {
      context.disable();
      await provider.shutdown();
      await llm.close();
      await svc.stop();
    },
  };
}

/** A stored LLM span: what it was judged on, and its verdicts. */
export interface JudgedSpan {
  trace_id: string;
  span_id: string;
  name: string;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  convention: string;
  question: string | null;
  answer: string | null;
  /** The content of each context document, in the stored order. */
  context: string[];
  /** One per evaluator, sorted by evaluator name. */
  verdicts: { evaluator: string; status: string; passed: boolean | null }[];
}

/** `JudgedSpan.verdicts` of an answer both built-in evaluators passed. */
export const BOTH_PASSED: JudgedSpan["verdicts"] = [
  { evaluator: "groundedness", status: "ok", passed: true },
  { evaluator: "hallucination", status: "ok", passed: true },
];

/**
 * Waits until the service has stored `count` LLM spans and each has a verdict of both built-in
 * evaluators, and returns them in start order. Reads PostgreSQL directly: the spans table holds
 * exactly the question, answer and context the evaluators were given.
 */
export async function judgedLlmSpans(
  svc: TestService,
  count: number,
  timeoutMs = 15_000,
): Promise<JudgedSpan[]> {
  const db = new pg.Client({ connectionString: svc.config.database_url });
  await db.connect();
  try {
    return await eventually(
      async () => {
        const { rows } = await db.query<Omit<JudgedSpan, "context"> & { context: unknown }>(
          `SELECT s.trace_id, s.span_id, s.name, s.model, s.input_tokens, s.output_tokens,
                  s.convention, s.question, s.answer,
                  s.context,
                  coalesce(json_agg(json_build_object('evaluator', e.evaluator,
                    'status', e.status, 'passed', e.passed) ORDER BY e.evaluator)
                    FILTER (WHERE e.id IS NOT NULL), '[]') AS verdicts
             FROM spans s LEFT JOIN eval_events e USING (trace_id, span_id)
            WHERE s.kind = 'LLM'
            GROUP BY s.trace_id, s.span_id
            ORDER BY s.start_time`,
        );
        if (rows.length < count || rows.some((r) => r.verdicts.length < 2)) return undefined;
        return rows.map((r) => ({
          ...r,
          context: (r.context as { content: string }[]).map((d) => d.content),
        }));
      },
      timeoutMs,
      `${count} judged LLM span(s)`,
    );
  } finally {
    await db.end();
  }
}
