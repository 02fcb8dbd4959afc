import { TracejudgeError } from "../errors.ts";
import { packageVersion } from "./package-version.ts";
import { commandHelp, isCommand, mainUsage, usageLine, wantsHelp } from "./usage.ts";

/**
 * Runs one CLI command; resolves to the exit code for commands that end. `--help` and `--version`
 * touch nothing. A command line that cannot run (unknown command or flag, a required flag
 * missing) is reported on stderr with the usage line, and exits with 2.
 */
export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<number | "running"> {
  const [command, ...rest] = argv;
  const usageError = (message: string, usage: string) => {
    process.stderr.write(`tracejudge: ${message}\n${usage}\n`);
    return 2;
  };
  if (command === "--version" || command === "-v") {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (command === "--help" || command === "-h" || command === "help") {
    const topic = command === "help" ? rest[0] : undefined;
    process.stdout.write(`${topic && isCommand(topic) ? commandHelp(topic) : mainUsage()}\n`);
    return 0;
  }
  if (!command) return usageError("no command given", mainUsage());
  if (!isCommand(command)) return usageError(`unknown command "${command}"`, mainUsage());
  if (wantsHelp(rest)) {
    process.stdout.write(`${commandHelp(command)}\n`);
    return 0;
  }
  try {
    const { runCommand } = await import("./run-command.ts");
    return await runCommand(command, rest, env);
  } catch (err) {
    if (!(err instanceof TracejudgeError) || err.code !== "USAGE_INVALID") throw err;
    return usageError(
      err.message,
      `${usageLine(command)}\n(tracejudge ${command} --help for more)`,
    );
  }
}
