#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so that custom evaluators written in TypeScript load
// the same way as the built-ins.
import { register } from "tsx/esm/api";

register();

/**
 * Configuration and module errors are for a person to read: the message, not a stack. A command
 * line the CLI cannot run exits with 2, as usage errors do by convention; other failures with 1.
 */
function report(err) {
  const message =
    err && typeof err === "object" && "code" in err && "message" in err
      ? `${err.code}: ${err.message}`
      : err;
  process.stderr.write(
    `tracejudge: ${message instanceof Error ? (message.stack ?? message.message) : message}\n`,
  );
  process.exitCode = err && typeof err === "object" && err.code === "USAGE_INVALID" ? 2 : 1;
}

// No top-level await: while this module is still evaluating, a user's evaluator module compiled
// to CommonJS (a .ts file outside a "type": "module" package) could not require() our ES modules.
import("../src/cli/main.ts")
  .then(({ main }) => main(process.argv.slice(2), process.env))
  .then((code) => {
    if (code !== "running") process.exitCode = code;
  }, report);
