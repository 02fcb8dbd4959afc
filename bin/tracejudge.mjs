#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so that custom evaluators written in TypeScript load
// the same way as the built-ins.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
try {
  const code = await main(process.argv.slice(2), process.env);
  if (code !== "running") process.exitCode = code;
} catch (err) {
  // Configuration and module errors are for a person to read: the message, not a stack.
  const message =
    err && typeof err === "object" && "code" in err && "message" in err
      ? `${err.code}: ${err.message}`
      : err;
  process.stderr.write(
    `tracejudge: ${message instanceof Error ? (message.stack ?? message.message) : message}\n`,
  );
  process.exitCode = 1;
}
