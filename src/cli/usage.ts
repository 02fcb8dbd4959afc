import { type ParseArgsConfig, parseArgs } from "node:util";
import { errorMessage, TracejudgeError } from "../errors.ts";

/** One CLI command as `--help` describes it. */
interface CommandHelp {
  /** What follows `tracejudge` on the usage line. */
  synopsis: string;
  summary: string;
  /** Each flag with what it does. */
  options?: [flag: string, description: string][];
}

const CONFIGURATION =
  "configuration: TRACEJUDGE_CONFIG=path/to/config.yaml, DATABASE_URL, REDIS_URL, PORT, HOST,\nTRACEJUDGE_* (see README.md)";

/** Every command, in the order the top-level usage lists them. */
export const COMMANDS = {
  start: {
    synopsis: "start",
    summary: "the OTLP receiver, the HTTP API and the workers in one process",
  },
  api: { synopsis: "api", summary: "the OTLP receiver and the HTTP API only" },
  worker: { synopsis: "worker", summary: "the workers only (run any number, on any machine)" },
  migrate: {
    synopsis: "migrate",
    summary: "create the database if missing and apply migrations, then exit",
  },
  eval: {
    synopsis:
      "eval --cases FILE.jsonl [--evaluator NAME|all] [--backend offline|judge] [--model M]\n                 [--concurrency C] [--limit N] [--budget USD]",
    summary: "evaluate a cases file without the service (needs no Redis or PostgreSQL)",
    options: [
      ["--cases FILE.jsonl", "one case a line: id, context, answer, optionally question, label"],
      ["--evaluator NAME|all", "one evaluator by name, or all of them (default all)"],
      ["--backend offline|judge", "the backend of the evaluators that have one"],
      ["--model M", "the judge model for this run"],
      ["--concurrency C", "evaluations in flight at once (default 4 with a judge, else 1)"],
      ["--limit N", "this many cases, spread evenly over the file"],
      ["--budget USD", "the most this run may spend on the judge"],
    ],
  },
  demo: {
    synopsis: "demo [--traces N] [--interval MS] [--exit-after-alert]",
    summary:
      "the service, a small instrumented RAG app with two releases, and a webhook receiver that\nprints the alerts",
    options: [
      ["--traces N", "stop sending after N traces (default 0: until Ctrl-C)"],
      ["--interval MS", "time between traces (default 250)"],
      ["--exit-after-alert", "with --traces, exit once the first alert has fired"],
    ],
  },
  "hash-key": {
    synopsis: "hash-key [KEY]",
    summary:
      "print the SHA-256 to put in auth.keys for an API key (read from stdin without KEY, so the\nkey stays out of the shell's history)",
  },
  reevaluate: {
    synopsis: "reevaluate --evaluator NAME [--since ISO-DATE] [--dry-run] [--yes]",
    summary:
      "re-run an evaluator's current version over the stored spans that have no verdict of it",
    options: [
      ["--evaluator NAME", "the evaluator to re-run"],
      ["--since ISO-DATE", "only spans stored since then"],
      ["--dry-run", "print the count and the estimated judge cost, then stop"],
      ["--yes", "do not ask for confirmation (needed without a terminal)"],
    ],
  },
} satisfies Record<string, CommandHelp>;

export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** The top-level usage: every command and what it does. */
export function mainUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  const lines = Object.entries(COMMANDS).map(
    ([name, help]) =>
      `  ${name.padEnd(width)}${help.summary.replaceAll("\n", `\n  ${" ".repeat(width)}`)}`,
  );
  return `usage: tracejudge <command> [options]
       tracejudge <command> --help | tracejudge --version

commands:
${lines.join("\n")}

${CONFIGURATION}`;
}

/** The one line that shows how a command is called. */
export function usageLine(command: CommandName): string {
  return `usage: tracejudge ${COMMANDS[command].synopsis}`;
}

/** What `tracejudge COMMAND --help` prints. */
export function commandHelp(command: CommandName): string {
  const help: CommandHelp = COMMANDS[command];
  const options: [string, string][] = [...(help.options ?? []), ["-h, --help", "this help"]];
  const width = Math.max(...options.map(([flag]) => flag.length)) + 2;
  const lines = options.map(([flag, description]) => `  ${flag.padEnd(width)}${description}`);
  return `${usageLine(command)}\n\n${help.summary}\n\noptions:\n${lines.join("\n")}\n\n${CONFIGURATION}`;
}

/** Whether the arguments ask for help (before a `--`, after which everything is a value). */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}

/** What `parseCommandArgs` returns, named so that the build's declaration files can say it. */
type ParsedCommandArgs<O extends NonNullable<ParseArgsConfig["options"]>> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>
>;

/**
 * A command's flags, parsed strictly: an unknown flag, a missing value or a stray argument is a
 * `USAGE_INVALID` error naming it, which the CLI reports with the usage line and exit code 2.
 */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig["options"]>>(
  command: CommandName,
  args: string[],
  options: O,
  allowPositionals = false,
): ParsedCommandArgs<O> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    throw new TracejudgeError("USAGE_INVALID", `${command}: ${errorMessage(err)}`, { cause: err });
  }
}
