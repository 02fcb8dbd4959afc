import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePorts } from "../support/free-ports.ts";
import { BIN, runCli } from "../support/run-cli.ts";
import {
  deleteRedisPrefix,
  eventually,
  REDIS_URL,
  testDatabaseUrl,
  testRedisPrefix,
} from "../support/services.ts";

const dir = mkdtempSync(path.join(tmpdir(), "tj-cli-"));
const run = runCli;

describe("tracejudge eval", () => {
  const cases = path.join(dir, "cases.jsonl");
  writeFileSync(
    cases,
    [
      {
        id: "c1",
        question: "Where is the Eiffel Tower?",
        context: "The Eiffel Tower is in Paris, France.",
        answer: "Paris",
        label: "supported",
      },
      {
        id: "c2",
        question: "",
        context: "The meeting moved to Tuesday at 3 pm.",
        answer: "The meeting is on Friday at 9 am.",
        label: "hallucinated",
      },
    ]
      .map((c) => JSON.stringify(c))
      .join("\n")
      .concat("\n{not json}\n"),
  );

  it("prints one JSON line per case and evaluator, and reports a bad line with its number", async () => {
    const { code, stdout, stderr } = await run(["eval", "--cases", cases, "--evaluator", "all"]);
    const lines = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => `${l.id}/${l.evaluator}`).sort()).toEqual([
      "c1/groundedness",
      "c1/hallucination",
      "c2/groundedness",
      "c2/hallucination",
    ]);
    for (const line of lines) {
      expect(line).toHaveProperty("score");
      expect(line).toHaveProperty("label");
      expect(line).toHaveProperty("passed");
    }
    expect(stderr).toContain(`${cases}:3: not a valid case`);
    expect(code).toBe(1);
  });

  it("runs one evaluator by name and refuses an unknown one", async () => {
    const one = await run(["eval", "--cases", cases, "--evaluator", "groundedness"]);
    expect(
      one.stdout
        .trim()
        .split("\n")
        .every((l) => JSON.parse(l).evaluator === "groundedness"),
    ).toBe(true);
    const unknown = await run(["eval", "--cases", cases, "--evaluator", "nope"]);
    expect(unknown.code).toBe(2); // a usage error
    expect(unknown.stderr).toMatch(/no evaluator named "nope"/);
  });
});

describe("tracejudge hash-key", () => {
  it("prints the SHA-256 of a key given as an argument or on stdin", async () => {
    const expected = "8766b9cb08e6040b704f1e3ee1e186efccf2635b1d2634d6525333007e6aeae1";
    expect((await run(["hash-key", "secret-a"])).stdout.trim()).toBe(expected);
    const child = spawn(process.execPath, [BIN, "hash-key"], {
      env: { PATH: process.env.PATH ?? "" },
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stdin.end("secret-a\n");
    await new Promise((resolve) => child.on("close", resolve));
    expect(out.trim()).toBe(expected);
  });
});

describe("custom evaluator modules through the CLI", () => {
  it("loads a TypeScript module that lives outside any ES-module package", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "tj-user-"));
    writeFileSync(
      path.join(folder, "shouting.ts"),
      `import { defineEvaluator } from ${JSON.stringify(path.resolve(import.meta.dirname, "../../src/index.ts"))};
type Verdict = { score: number; label: string };
export const shouting = defineEvaluator({
  name: "acme.shouting", version: "1",
  evaluate: ({ answer }): Verdict => ({ score: answer === answer?.toUpperCase() ? 0 : 1, label: "checked" }),
});
`,
    );
    writeFileSync(path.join(folder, "tracejudge.yaml"), "evaluator_modules: [./shouting.ts]\n");
    writeFileSync(
      path.join(folder, "cases.jsonl"),
      `${JSON.stringify({ id: "s1", context: "x", answer: "NO REFUNDS" })}\n`,
    );
    const { code, stdout, stderr } = await run(
      ["eval", "--cases", path.join(folder, "cases.jsonl"), "--evaluator", "acme.shouting"],
      {
        TRACEJUDGE_CONFIG: path.join(folder, "tracejudge.yaml"),
      },
    );
    expect(stderr).not.toMatch(/cannot load/);
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim())).toMatchObject({
      id: "s1",
      evaluator: "acme.shouting",
      score: 0,
      label: "checked",
    });
  });
});

describe("tracejudge start", () => {
  const db = testDatabaseUrl();
  const prefix = testRedisPrefix();
  let child: ChildProcess | undefined;

  afterAll(async () => {
    child?.kill("SIGKILL");
    await db.drop();
    await deleteRedisPrefix(prefix);
  });

  it("stops at once on bad configuration, naming the field", async () => {
    const file = path.join(dir, "bad.yaml");
    writeFileSync(file, "sampling:\n  rate: 2\n");
    const { code, stderr } = await run(["start"], { TRACEJUDGE_CONFIG: file });
    expect(code).toBe(1);
    expect(stderr).toMatch(/sampling\.rate/);
  });

  it("creates its database, becomes ready, and exits cleanly on SIGTERM", async () => {
    const [port = 0] = await freePorts(1);
    child = spawn(process.execPath, [BIN, "start"], {
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: db.url,
        REDIS_URL,
        TRACEJUDGE_REDIS_PREFIX: prefix,
        PORT: String(port),
        TRACEJUDGE_LOG_LEVEL: "warn",
      },
    });
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    const ready = await eventually(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.status === 200 ? res.json() : undefined;
      },
      30_000,
      `the service to be ready (${stderr})`,
    );
    expect(ready).toMatchObject({ status: "ready" });
    const exited = new Promise<number | null>((resolve) =>
      child?.on("exit", (code) => resolve(code)),
    );
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
