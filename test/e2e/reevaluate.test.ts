import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groundedness } from "../../evaluators/groundedness.ts";
import { runReevaluateCommand } from "../../src/cli/reevaluate-command.ts";
import { defineEvaluator } from "../../src/evaluators/define-evaluator.ts";
import { EvaluatorRegistry } from "../../src/evaluators/registry.ts";
import { createRedactor } from "../../src/redact/redactor.ts";
import type { LlmSpan } from "../../src/span/llm-span.ts";
import { exportSpans, ragTraceSpans } from "../support/otel-spans.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

/** The next version of the built-in: same name, a new version, a recognisable score. */
const groundednessV2 = defineEvaluator({
  name: "groundedness",
  version: "2.0.0-test",
  evaluate: () => ({ score: 0.5 }),
});

function capture() {
  let text = "";
  const out = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      done();
    },
  });
  return { out, text: () => text };
}

describe("tracejudge reevaluate", () => {
  it("counts, then re-runs a new evaluator version over stored spans, beside the old verdicts", async () => {
    const spans = ragTraceSpans();
    const traceId = spans[0]?.spanContext().traceId as string;
    await exportSpans(svc.url, spans);
    const list = async () =>
      (
        (await (
          await fetch(`${svc.url}/v1/traces/${traceId}/evaluations?evaluator=groundedness`)
        ).json()) as {
          evaluations: { evaluator_version: string; score: number }[];
        }
      ).evaluations;
    await eventually(
      async () => ((await list()).length === 1 ? true : undefined),
      20_000,
      "the first verdict",
    );

    const registry = new EvaluatorRegistry();
    registry.register(groundednessV2, "test");
    const evaluators = registry.activate([]);
    const deps = {
      config: svc.config,
      evaluators,
      judge: null,
      judgePrice: null,
      redact: createRedactor(svc.config.redaction).redactSpan,
      logger: pino({ level: "silent" }),
      interactive: false,
    };

    const dry = capture();
    expect(
      await runReevaluateCommand(["--evaluator", "groundedness", "--dry-run"], {
        ...deps,
        out: dry.out,
      }),
    ).toBe(0);
    expect(dry.text()).toMatch(
      /^1 stored span\(s\) have no verdict of groundedness@2\.0\.0-test\./,
    );
    expect(dry.text()).toMatch(/estimated judge cost: none/);

    const refused = capture();
    expect(
      await runReevaluateCommand(["--evaluator", "groundedness"], { ...deps, out: refused.out }),
    ).toBe(2);
    expect(refused.text()).toMatch(/pass --yes/);

    const run = capture();
    expect(
      await runReevaluateCommand(["--evaluator", "groundedness", "--yes"], {
        ...deps,
        out: run.out,
      }),
    ).toBe(0);
    expect(run.text()).toMatch(/re-evaluated 1 of 1 span/);
    const versions = (await list())
      .map((e) => `${e.evaluator_version}:${e.score === 0.5 ? "v2" : "v1"}`)
      .sort();
    expect(versions).toEqual([`${groundedness.version}:v1`, "2.0.0-test:v2"]);

    const again = capture();
    await runReevaluateCommand(["--evaluator", "groundedness", "--dry-run"], {
      ...deps,
      out: again.out,
    });
    expect(again.text()).toMatch(/^0 stored span/);
    // Room for a busy machine: `--yes` starts a worker in this process, which the CLI tests
    // running beside it (a dozen tsx start-ups) slowed past 30 s once in a full run.
  }, 90_000);

  it("refuses an unknown evaluator or a bad date, naming it", async () => {
    const registry = new EvaluatorRegistry();
    registry.register(groundednessV2, "test");
    const deps = {
      config: svc.config,
      evaluators: registry.activate([]),
      judge: null,
      judgePrice: null,
      redact: (span: LlmSpan) => span,
      logger: pino({ level: "silent" }),
      interactive: false,
      out: capture().out,
    };
    await expect(runReevaluateCommand(["--evaluator", "nope"], deps)).rejects.toThrow(
      /no evaluator named "nope"/,
    );
  });
});
