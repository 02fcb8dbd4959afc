import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { JudgeSpend } from "../../src/cases/judge-spend.ts";
import type { RunTally } from "../../src/cases/run-cases.ts";
import { evalProgress } from "../../src/cli/eval-progress.ts";

function capture(tty: boolean): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (d) => {
    text += d;
  });
  Object.assign(stream, { isTTY: tty, columns: 120 });
  return { stream, text: () => text };
}

function tally(done: number, total: number, errors = 0): RunTally {
  const spend = new JudgeSpend();
  spend.add({
    model: "gpt-4o-mini",
    inputTokens: 100 * done,
    outputTokens: 10 * done,
    costUsd: 0.001 * done,
    latencyMs: 1,
  });
  return { total, done, ok: done - errors, skipped: 0, errors, notRun: 0, spend, stopped: null };
}

describe("evalProgress", () => {
  it("prints a plain line at each tenth of the run when not on a terminal", () => {
    const out = capture(false);
    const progress = evalProgress(out.stream, false, 25);
    for (let done = 1; done <= 25; done++) progress.update(tally(done, 25, done > 20 ? 1 : 0));
    progress.stop();
    const lines = out.text().trim().split("\n");
    // Every 3 evaluations (a tenth of 25, rounded up), then the end.
    expect(lines.map((l) => l.split(" ")[1])).toEqual([
      "3/25",
      "6/25",
      "9/25",
      "12/25",
      "15/25",
      "18/25",
      "21/25",
      "24/25",
      "25/25",
    ]);
    expect(lines.at(-1)).toBe(
      "progress: 25/25 evaluations (100%), 1 error(s), 2750 judge tokens, $0.0250",
    );
  });

  it("draws a bar in place on a terminal", () => {
    const out = capture(true);
    const progress = evalProgress(out.stream, true, 4);
    for (let done = 1; done <= 4; done++) progress.update(tally(done, 4));
    progress.stop();
    progress.stop(); // idempotent
    expect(out.text()).toContain("4/4 evaluations | 100%");
    expect(out.text()).not.toContain("progress:");
    expect(out.text()).not.toContain("\n4/4");
  });
});
