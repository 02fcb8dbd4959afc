import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { errorMessage, TracejudgeError } from "../errors.ts";
import { type Evaluator, isEvaluator } from "./define-evaluator.ts";
import type { EvaluatorRegistry } from "./registry.ts";
import { resolveOwnPackage } from "./resolve-own-package.ts";

const TYPESCRIPT_EXTENSIONS = new Set([".ts", ".mts"]);
const MODULE_EXTENSIONS = new Set([...TYPESCRIPT_EXTENSIONS, ".js", ".mjs"]);

/** The module files of a folder (not recursive; `.d.ts` and test files are not evaluators). */
function filesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter(
      (f) =>
        MODULE_EXTENSIONS.has(path.extname(f)) &&
        !f.endsWith(".d.ts") &&
        !/\.test\.[mc]?[jt]s$/.test(f),
    )
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

/**
 * Imports one module. TypeScript goes through tsx's own import, loaded only then (the build runs
 * without it otherwise): a .ts file outside a "type": "module" package would otherwise be compiled
 * to CommonJS, which cannot require() the engine's ES modules. JavaScript is imported as it is.
 */
async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (TYPESCRIPT_EXTENSIONS.has(path.extname(file))) {
    const { tsImport } = await import("tsx/esm/api");
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(url)) as Record<string, unknown>;
}

/** Every export made by `defineEvaluator`, including arrays of them. */
function evaluatorsOf(mod: Record<string, unknown>): Evaluator[] {
  const found: Evaluator[] = [];
  for (const value of Object.values(mod)) {
    if (isEvaluator(value)) found.push(value);
    else if (Array.isArray(value)) found.push(...value.filter(isEvaluator));
  }
  return [...new Set(found)];
}

/**
 * Imports evaluator modules (TypeScript or JavaScript, importing `tracejudge` wherever they are)
 * and registers what they export. Every broken module is reported together, each with its path
 * and the reason, and the start stops: running with an evaluator silently missing would be worse.
 */
export async function loadEvaluatorModules(
  registry: EvaluatorRegistry,
  modulePaths: string[],
  dirs: string[],
): Promise<string[]> {
  const problems: string[] = [];
  const files = [...modulePaths];
  for (const dir of dirs) {
    try {
      files.push(...filesIn(dir));
    } catch (err) {
      problems.push(`${dir}: cannot read the folder: ${errorMessage(err)}`);
    }
  }
  const loaded: string[] = [];
  if (files.length > 0) resolveOwnPackage();
  for (const file of files) {
    try {
      const mod = await importModule(file);
      const evaluators = evaluatorsOf(mod);
      if (evaluators.length === 0) {
        problems.push(`${file}: exports no evaluator made with defineEvaluator`);
        continue;
      }
      for (const evaluator of evaluators) registry.register(evaluator, file);
      loaded.push(file);
    } catch (err) {
      problems.push(`${file}: ${errorMessage(err)}`);
    }
  }
  if (problems.length > 0) {
    throw new TracejudgeError(
      "EVALUATOR_MODULE_FAILED",
      `cannot load evaluator modules:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
  }
  return loaded;
}
