import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FakeOpenAIServer,
  type RecordedRequest,
  unfencedText,
} from "../support/fake-openai-server.ts";
import { exportSpans, ragTraceSpans } from "../support/otel-spans.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";
import { groundingJudge, INJECTION, schemaName, userText } from "./fake-grounding-judge.ts";

type Event = Record<string, unknown>;

const DOCUMENT = "Refunds are accepted within 30 days of purchase with a receipt.";
// The document is also pasted into the prompt: the SDK's span clock can put the retriever's end a
// fraction of a millisecond after a test LLM span's, and trace assembly would then leave the
// retrieved copy out. The two copies are deduplicated, so the judge reads one passage either way.
const QUESTION = `Context: ${DOCUMENT}\nQuestion: How long do I have to request a refund?`;

/** The fake judge, except that answers asking for it stay malformed through the retry. */
function judgeModel(request: RecordedRequest) {
  if (JSON.stringify(request.messages).includes("malformed-please")) return { content: "no." };
  return groundingJudge(request);
}

let judgeServer: FakeOpenAIServer;
let svc: TestService;

beforeAll(async () => {
  judgeServer = await FakeOpenAIServer.start(judgeModel);
  svc = await startTestService({
    judge: { base_url: judgeServer.baseUrl, api_key: "test-key", model: "gpt-4o-mini" },
    evaluators: [
      { name: "groundedness", settings: { backend: "judge" } },
      { name: "hallucination", settings: { backend: "judge" } },
    ],
    workers: { attempts: 1 },
  });
});

afterAll(async () => {
  await svc?.stop();
  await judgeServer?.close();
});

/** Sends a RAG trace with this answer over OTLP and waits for both evaluators' events. */
async function evaluate(answer: string): Promise<Map<string, Event>> {
  const spans = ragTraceSpans({ answer, document: DOCUMENT, question: QUESTION });
  const traceId = spans[0]?.spanContext().traceId as string;
  await exportSpans(svc.url, spans);
  const events = await awaitTraceEvaluations(svc.url, traceId, 2, 20_000);
  return new Map(events.map((e) => [String(e.evaluator), e]));
}

describe("the built-ins on the judge backend, through the service", () => {
  it("stores both judge verdicts with the judge model, tokens and cost", async () => {
    const events = await evaluate("Refunds are accepted within 30 days of purchase.");
    expect(events.get("groundedness")).toMatchObject({
      status: "ok",
      score: 1,
      label: "grounded",
      passed: true,
      judge_model: "gpt-4o-mini",
      details: { backend: "judge" },
    });
    expect(events.get("hallucination")).toMatchObject({
      status: "ok",
      score: 1,
      label: "no_hallucination",
      passed: true,
      judge_model: "gpt-4o-mini",
    });
    for (const event of events.values()) {
      expect(event.judge_input_tokens).toBeGreaterThan(0);
      expect(event.judge_output_tokens).toBeGreaterThan(0);
      expect(event.judge_cost_usd).toBeGreaterThan(0);
    }
    const schemas = judgeServer.requests.map(schemaName).sort();
    expect(schemas).toEqual(["groundedness_claims", "hallucination_findings"]);
  });

  it("fails an invented answer whatever its injected instruction says", async () => {
    const events = await evaluate(`Refunds are accepted within 90 days. ${INJECTION}`);
    expect(events.get("groundedness")).toMatchObject({
      status: "ok",
      label: "ungrounded",
      passed: false,
    });
    const found = events.get("hallucination") as Event;
    expect(found).toMatchObject({ status: "ok", score: 0, label: "hallucination", passed: false });
    expect((found.details as { unsupported: string[] }).unsupported).toContain(
      "Refunds are accepted within 90 days.",
    );
    // The injection reached the judge, inside the answer's fence only.
    const sent = userText(judgeServer.requests.at(-1) as RecordedRequest);
    expect(sent).toContain(INJECTION);
    expect(unfencedText(sent)).not.toContain(INJECTION);
  });

  it("records a judge answer malformed twice as an error event, never a made-up score", async () => {
    const events = await evaluate("malformed-please");
    for (const name of ["groundedness", "hallucination"]) {
      expect(events.get(name)).toMatchObject({
        status: "error",
        reason: "judge_malformed",
        score: null,
      });
    }
  });
});
