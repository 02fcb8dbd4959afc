import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fenced, groundingJudge, userText } from "../evaluators/fake-grounding-judge.ts";
import { errorBody, FakeOpenAIServer } from "../support/fake-openai-server.ts";
import { runCli } from "../support/run-cli.ts";

/**
 * `tracejudge eval --backend judge` as a user runs it: the real CLI in a child process, against a
 * real HTTP server speaking the OpenAI API. The fake judge (`groundingJudge`) takes each sentence
 * of the answer as a claim, supported when a passage holds it word for word, so each case's
 * verdict is known from its text.
 */
const dir = mkdtempSync(path.join(tmpdir(), "tj-eval-judge-"));
let server: FakeOpenAIServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await FakeOpenAIServer.start();
  const config = path.join(dir, "tracejudge.yaml");
  // A priced model (so costs are known) and limits that do not slow the tests down.
  writeFileSync(
    config,
    "judge:\n  model: gpt-4o-mini\n  requests_per_minute: 100000\n  tokens_per_minute: 100000000\n",
  );
  env = {
    TRACEJUDGE_CONFIG: config,
    OPENAI_BASE_URL: server.baseUrl,
    OPENAI_API_KEY: "sk-test",
  };
});
afterEach(() => server.reset());
afterAll(() => server.close());

interface Line {
  id: string;
  evaluator: string;
  status: string;
  reason?: string;
  score: number | null;
  passed: boolean | null;
  explanation: string;
  usage?: { model: string; input_tokens: number; output_tokens: number; cost_usd: number | null };
}

const lines = (stdout: string): Line[] =>
  stdout
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Line);

const byId = (ls: Line[]): Map<string, Line> => new Map(ls.map((l) => [l.id, l]));

function casesFile(name: string, cases: object[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${cases.map((c) => JSON.stringify(c)).join("\n")}\n`);
  return file;
}

/** `tracejudge eval --cases FILE --evaluator NAME --backend judge ...extra` against the fake judge. */
function judgeEval(
  file: string,
  evaluator: string,
  extra: string[] = [],
  over: Record<string, string> = {},
): ReturnType<typeof runCli> {
  return runCli(
    ["eval", "--cases", file, "--evaluator", evaluator, "--backend", "judge", ...extra],
    { ...env, ...over },
  );
}

const CONTEXT =
  "The plant opened in 2019 in Leeds. It employs 300 people. The plant makes electric buses.";
const SUPPORTED = "The plant opened in 2019 in Leeds.";
const INVENTED = "The plant closed in 2021.";

/** A case in the RAGTruth file's shape: id, task, question, context, answer, label, model. */
function ragCase(id: string, answer: string, label: string, task = "qa"): object {
  return {
    id,
    task,
    question: "Tell me about the plant.",
    context: CONTEXT,
    answer,
    label,
    model: "gpt-4-0613",
  };
}

// Each test starts the CLI (a few seconds of TypeScript loading), slower on a busy machine.
describe("tracejudge eval --backend judge", { timeout: 60_000 }, () => {
  it("judges each case through the endpoint and prints each verdict, its usage and the run's cost", async () => {
    server.setHandler(groundingJudge);
    const file = casesFile("basic.jsonl", [
      ragCase("ok-1", SUPPORTED, "supported"),
      ragCase("bad-1", `${SUPPORTED} ${INVENTED}`, "hallucinated"),
      ragCase("bad-2", INVENTED, "hallucinated"),
    ]);
    const { code, stdout, stderr } = await judgeEval(file, "groundedness");
    expect(code, stderr).toBe(0);
    const out = byId(lines(stdout));
    expect([...out.keys()].sort()).toEqual(["bad-1", "bad-2", "ok-1"]);
    expect(out.get("ok-1")).toMatchObject({ status: "ok", score: 1, passed: true });
    expect(out.get("bad-1")).toMatchObject({ status: "ok", score: 0.5, passed: false });
    expect(out.get("bad-2")).toMatchObject({ status: "ok", score: 0, passed: false });
    expect(out.get("bad-2")?.explanation).toContain(INVENTED.replace(/\.$/, ""));
    expect(server.callCount).toBe(3);
    for (const line of out.values()) {
      expect(line.usage?.model).toBe("gpt-4o-mini");
      expect(line.usage?.input_tokens).toBeGreaterThan(0);
      expect(line.usage?.cost_usd).toBeGreaterThan(0);
    }
    const input = [...out.values()].reduce((n, l) => n + (l.usage?.input_tokens ?? 0), 0);
    const output = [...out.values()].reduce((n, l) => n + (l.usage?.output_tokens ?? 0), 0);
    const cost = [...out.values()].reduce((n, l) => n + (l.usage?.cost_usd ?? 0), 0);
    expect(stderr).toContain(
      `judge: 3 evaluation(s), ${input} input + ${output} output tokens, $${cost.toFixed(4)}`,
    );
    expect(stderr).toMatch(/judge gpt-4o-mini at http:\/\/127\.0\.0\.1:\d+\/v1/);
    // No terminal: plain progress lines rather than a bar.
    expect(stderr).toContain("progress: 3/3 evaluations (100%)");
  });

  it("measures the judge against the cases' labels: precision, recall and F1 of hallucinated, and AUC, per task", async () => {
    server.setHandler(groundingJudge);
    // hallucination score = 1 − unsupported sentences / sentences; any unsupported one fails.
    //   supported:    s1 1 (pass), s2 1 (pass), s3 0.5 (fail)
    //   hallucinated: h1 0.5 (fail), h2 0 (fail), h3 1 (pass), h4 1 (pass)
    // hallucinated predicted 3, right 2 → precision 2/3; 2 of 4 found → recall 1/2; F1 4/7.
    // AUC: supported scores beat hallucinated ones in 7.5 of 12 pairs (ties half) → 0.625.
    // qa (s1 s3 h1 h3): precision 1/2, recall 1/2, AUC 2/4; summarization (s2 h2 h4): precision
    // 1/1, recall 1/2, F1 2/3, AUC 1.5/2.
    const file = casesFile("labelled.jsonl", [
      ragCase("s1", SUPPORTED, "supported", "qa"),
      ragCase("s2", SUPPORTED, "supported", "summarization"),
      ragCase("s3", `${SUPPORTED} ${INVENTED}`, "supported", "qa"),
      ragCase("h1", `${SUPPORTED} ${INVENTED}`, "hallucinated", "qa"),
      ragCase("h2", INVENTED, "hallucinated", "summarization"),
      ragCase("h3", SUPPORTED, "hallucinated", "qa"),
      ragCase("h4", "It employs 300 people.", "hallucinated", "summarization"),
    ]);
    const { code, stdout, stderr } = await judgeEval(file, "hallucination");
    expect(code, stderr).toBe(0);
    expect(lines(stdout)).toHaveLength(7);
    const row = (subset: string): string[] | undefined =>
      stderr
        .split("\n")
        .find((l) => new RegExp(`^\\| hallucination +\\| ${subset} +\\|`).test(l))
        ?.split("|")
        .slice(3, 8)
        .map((c) => c.trim());
    // n, precision, recall, F1 (percent), AUC
    expect(row("all")).toEqual(["7", "66.7", "50.0", "57.1", "0.625"]);
    expect(row("qa")).toEqual(["4", "50.0", "50.0", "50.0", "0.500"]);
    expect(row("summarization")).toEqual(["3", "100.0", "50.0", "66.7", "0.750"]);
  });

  it("keeps at most --concurrency judge calls in flight, and uses that many", async () => {
    let inFlight = 0;
    let most = 0;
    server.setHandler(async (request) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 150));
      inFlight -= 1;
      return groundingJudge(request);
    });
    const file = casesFile(
      "many.jsonl",
      Array.from({ length: 10 }, (_, i) => ragCase(`c${i}`, SUPPORTED, "supported")),
    );
    const { code, stdout, stderr } = await judgeEval(file, "groundedness", ["--concurrency", "3"]);
    expect(code, stderr).toBe(0);
    expect(lines(stdout)).toHaveLength(10);
    expect(server.callCount).toBe(10);
    expect(most).toBe(3);
  });

  it("stops calling the judge once the run's budget is spent, and reports the rest as not run", async () => {
    server.setHandler(groundingJudge);
    const file = casesFile(
      "budget.jsonl",
      Array.from({ length: 5 }, (_, i) => ragCase(`b${i}`, SUPPORTED, "supported")),
    );
    // One call of a few hundred tokens of gpt-4o-mini costs about $0.0001: more than the budget.
    const { code, stdout, stderr } = await judgeEval(file, "groundedness", [
      "--concurrency",
      "1",
      "--budget",
      "0.00001",
    ]);
    expect(server.callCount).toBe(1);
    const out = lines(stdout);
    expect(out).toHaveLength(5);
    expect(out.filter((l) => l.status === "ok")).toHaveLength(1);
    const notRun = out.filter((l) => l.status === "skipped");
    expect(notRun).toHaveLength(4);
    for (const line of notRun) {
      expect(line).toMatchObject({ reason: "budget", score: null, passed: null });
      expect(line.explanation).toContain("judge budget of $0.00001 for this run is spent");
    }
    expect(stderr).toMatch(
      /stopped calling the judge: the judge budget of \$0\.00001 for this run is spent .*; 4 evaluation\(s\) not run/,
    );
    expect(code).toBe(1);
  });

  it("caps the run at the config's daily judge budget when no --budget is given", async () => {
    server.setHandler(groundingJudge);
    const config = path.join(dir, "budgeted.yaml");
    writeFileSync(
      config,
      "judge:\n  model: gpt-4o-mini\n  requests_per_minute: 100000\n  daily_budget_usd: 0.00001\n",
    );
    const file = casesFile(
      "daily.jsonl",
      Array.from({ length: 3 }, (_, i) => ragCase(`d${i}`, SUPPORTED, "supported")),
    );
    const { code, stdout, stderr } = await judgeEval(
      file,
      "hallucination",
      ["--concurrency", "1"],
      { TRACEJUDGE_CONFIG: config },
    );
    expect(server.callCount).toBe(1);
    expect(lines(stdout).map((l) => l.reason ?? l.status)).toEqual(["ok", "budget", "budget"]);
    expect(stderr).toContain("budget $0.00001");
    expect(code).toBe(1);
  });

  it("retries a 429 from the endpoint, honouring its retry-after", async () => {
    server.enqueue({
      status: 429,
      headers: { "retry-after-ms": "50" },
      body: errorBody("Rate limit reached for requests", "requests", "rate_limit_exceeded"),
    });
    server.setHandler(groundingJudge);
    const file = casesFile("retry.jsonl", [ragCase("r1", SUPPORTED, "supported")]);
    const { code, stdout, stderr } = await judgeEval(file, "groundedness");
    expect(code, stderr).toBe(0);
    expect(server.callCount).toBe(2);
    expect(lines(stdout)[0]).toMatchObject({ id: "r1", status: "ok", passed: true });
    const [first, second] = server.requests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(45);
  });

  it("reports a case the judge failed on in that case's line, counts it, and judges the others", async () => {
    server.setHandler((request, index) =>
      fenced(userText(request), "ANSWER") === INVENTED
        ? { status: 400, body: errorBody(`request ${index} refused`, "invalid_request_error") }
        : groundingJudge(request),
    );
    const file = casesFile("failing.jsonl", [
      ragCase("fine-1", SUPPORTED, "supported"),
      ragCase("refused", INVENTED, "hallucinated"),
      ragCase("fine-2", SUPPORTED, "supported"),
    ]);
    const { code, stdout, stderr } = await judgeEval(file, "groundedness");
    const out = byId(lines(stdout));
    expect(out.get("refused")).toMatchObject({
      status: "error",
      reason: "judge_unavailable",
      score: null,
      passed: null,
    });
    expect(out.get("refused")?.explanation).toMatch(/HTTP 400/);
    expect(out.get("fine-1")).toMatchObject({ status: "ok", passed: true });
    expect(out.get("fine-2")).toMatchObject({ status: "ok", passed: true });
    expect(stderr).toContain("2 ok, 0 skipped, 1 error(s), 0 not run");
    expect(code).toBe(1);
  });

  it("refuses to start without a judge, or with a bad flag, naming what is wrong (exit 2)", async () => {
    const file = casesFile("usage.jsonl", [ragCase("u1", SUPPORTED, "supported")]);
    const none = await runCli(["eval", "--cases", file, "--backend", "judge"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/needs an OpenAI-compatible endpoint.*\n.*OPENAI_BASE_URL/);
    const flags: [string[], RegExp][] = [
      [["--backend", "llm"], /--backend must be offline or judge, not "llm"/],
      [["--concurrency", "0"], /--concurrency must be a positive integer, not "0"/],
      [["--limit", "many"], /--limit must be a positive integer, not "many"/],
      [["--budget", "0"], /--budget must be a positive number, not "0"/],
      [["--cases", path.join(dir, "missing.jsonl")], /cannot read cases file .*missing\.jsonl/],
      [
        ["--model", "llama3", "--budget", "1"],
        /a budget needs the price of the judge model "llama3"/,
      ],
    ];
    const runs = await Promise.all(
      flags.map(([extra]) => runCli(["eval", "--cases", file, ...extra], env)),
    );
    flags.forEach(([extra, message], i) => {
      expect(runs[i]?.code, extra.join(" ")).toBe(2);
      expect(runs[i]?.stderr).toMatch(message);
    });
    expect(server.callCount).toBe(0);
  }, 120_000);

  const ragtruth = path.resolve(import.meta.dirname, "../../../shared/data/ragtruth-dev.jsonl");
  it.skipIf(!existsSync(ragtruth))(
    "loads the RAGTruth file as cases and measures the judge on --limit of them, spread over its tasks",
    async () => {
      server.setHandler(groundingJudge);
      const { code, stdout, stderr } = await judgeEval(ragtruth, "all", ["--limit", "9"]);
      expect(code, stderr).toBe(0);
      const out = lines(stdout);
      expect(out).toHaveLength(18); // 9 cases × groundedness and hallucination
      expect(out.every((l) => l.status === "ok")).toBe(true);
      expect(stderr).toMatch(/: 9 case\(s\) of 878/);
      for (const task of ["data2text", "qa", "summarization"]) {
        expect(stderr).toMatch(new RegExp(`\\| groundedness +\\| ${task} +\\| +\\d \\|`));
      }
    },
  );
});
