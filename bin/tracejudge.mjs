#!/usr/bin/env node
// The installed package runs its build (dist/). A checkout, where the TypeScript sources are
// present, runs them through tsx instead, so that a stale dist/ left by `npm pack` is never what a
// developer (or a test) starts.
import { existsSync } from "node:fs";

const SOURCES = new URL("../src/cli/main.ts", import.meta.url);
const BUILD = new URL("../dist/src/cli/main.js", import.meta.url);

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

const fromSources = existsSync(SOURCES);

// No top-level await: while this module is still evaluating, a user's evaluator module compiled
// to CommonJS (a .ts file outside a "type": "module" package) could not require() our ES modules.
(fromSources ? import("tsx/esm/api").then(({ register }) => register()) : Promise.resolve())
  .then(() => import(fromSources ? SOURCES.href : BUILD.href))
  .then(({ main }) => main(process.argv.slice(2), process.env))
  .then((code) => {
    if (code !== "running") process.exitCode = code;
  }, report);
