import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { hashKey } from "../../src/api/auth.ts";
import { freePorts } from "../support/free-ports.ts";
import { runCli } from "../support/run-cli.ts";
import { ADMIN_DATABASE_URL, testDatabaseUrl } from "../support/services.ts";

const COMMANDS = ["start", "api", "worker", "migrate", "hash-key", "eval", "demo", "reevaluate"];
const version = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, "../../package.json"), "utf8"),
).version;

/** A database no command may create, and a Redis port nothing listens on. */
const db = testDatabaseUrl();
const [closedPort] = await freePorts(1);
const env = { DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${closedPort}` };

async function databaseExists(name: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return rowCount === 1;
  } finally {
    await admin.end();
  }
}

afterAll(() => db.drop());

describe("tracejudge --help and --version", () => {
  it("answers every command's --help and -h on stdout with exit 0, touching nothing", async () => {
    // Both spellings, half the commands each; four at a time on a small machine.
    const runs: { command: string; code: number | null; stdout: string; stderr: string }[] = [];
    for (let i = 0; i < COMMANDS.length; i += 4) {
      const batch = COMMANDS.slice(i, i + 4).map(async (command, j) => ({
        command,
        ...(await runCli([command, j % 2 ? "-h" : "--help"], env)),
      }));
      runs.push(...(await Promise.all(batch)));
    }
    for (const { command, code, stdout, stderr } of runs) {
      expect({ command, code, stderr }).toEqual({ command, code: 0, stderr: "" });
      expect(stdout).toMatch(new RegExp(`^usage: tracejudge ${command}\\b`));
    }
    // Nothing was hashed, started or migrated.
    expect(runs.map((r) => r.stdout).join("")).not.toContain(hashKey("--help"));
    expect(await databaseExists(db.name)).toBe(false);
  }, 120_000);

  it("lists the commands at the top level, and prints the package's version", async () => {
    for (const flag of ["--help", "-h", "help"]) {
      const { code, stdout } = await runCli([flag], env);
      expect(code).toBe(0);
      for (const command of COMMANDS) expect(stdout).toContain(`  ${command} `);
    }
    for (const flag of ["--version", "-v"]) {
      const { code, stdout } = await runCli([flag], env);
      expect({ code, stdout }).toEqual({ code: 0, stdout: `${version}\n` });
    }
  });
});

describe("usage errors", () => {
  it.each([
    [["nope"], /unknown command "nope"/, /^usage: tracejudge <command>/m],
    [[], /no command given/, /^usage: tracejudge <command>/m],
    [["start", "--port", "3"], /start: Unknown option '--port'/, /^usage: tracejudge start$/m],
    [["worker", "extra"], /worker: Unexpected argument 'extra'/, /^usage: tracejudge worker$/m],
    [["migrate", "--force"], /migrate: Unknown option '--force'/, /^usage: tracejudge migrate$/m],
    [["eval"], /eval: --cases FILE.jsonl is required/, /^usage: tracejudge eval --cases/m],
    [
      ["eval", "--cases"],
      /eval: Option '--cases <value>' argument missing/,
      /^usage: tracejudge eval/m,
    ],
    [
      ["demo", "--traces", "many"],
      /demo: --traces must be a whole number/,
      /^usage: tracejudge demo/m,
    ],
    [["reevaluate"], /reevaluate: --evaluator NAME is required/, /^usage: tracejudge reevaluate/m],
    [
      ["reevaluate", "--evaluator", "groundedness", "--since", "yesterday"],
      /--since "yesterday"/,
      /^usage: tracejudge reevaluate/m,
    ],
    [["hash-key", "a", "b"], /hash-key: one key at a time/, /^usage: tracejudge hash-key/m],
  ])("tracejudge %j exits 2 naming what is wrong, with the usage", async (args, message, usage) => {
    const { code, stdout, stderr } = await runCli(args, env);
    expect({ code, stdout, stderr }).toMatchObject({ code: 2, stdout: "" });
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(usage);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
