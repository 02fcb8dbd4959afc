/**
 * `npm run build` (and `npm pack`, through `prepack`): compiles src/ and evaluators/ to dist/ with
 * declaration files, then copies the files the code reads at run time beside it (the migrations'
 * SQL, the console's static files). dist/ is emptied first, so a deleted source leaves no module.
 */
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const DIST = path.join(ROOT, "dist");

rmSync(DIST, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const compiled = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
  cwd: ROOT,
  stdio: "inherit",
});
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

// Everything under src/ that is not TypeScript is read from disk beside the module that uses it.
for (const entry of readdirSync(path.join(ROOT, "src"), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith(".ts")) continue;
  const from = path.join(entry.parentPath, entry.name);
  cpSync(from, path.join(DIST, path.relative(ROOT, from)));
}
