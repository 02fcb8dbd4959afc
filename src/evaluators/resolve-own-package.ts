import Module, { register } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The ES-module resolve hook, run by Node's loader for every `import` once registered: the bare
 * specifier `tracejudge` becomes the running service's own public API, whoever imports it.
 */
const HOOKS = `
let target;
export function initialize(data) { target = data.target; }
export async function resolve(specifier, context, nextResolve) {
  if (specifier === "tracejudge") return { url: target, shortCircuit: true };
  return nextResolve(specifier, context);
}
`;

/** CommonJS's resolver, which has no public hook before Node 22.15 (`module.registerHooks`). */
type ResolveFilename = (request: string, ...rest: unknown[]) => string;
const commonJs = Module as unknown as { _resolveFilename: ResolveFilename };

let registered = false;

/**
 * Makes `tracejudge` in a user's evaluator module resolve to this running service's own package,
 * wherever the module lives on disk: a folder of its own (a container's /config mount) has no
 * node_modules to find the package in, and a copy installed beside the module would be a second
 * tracejudge, possibly of another version. The target is the public API as this process runs it:
 * the built `index.js`, or `index.ts` in a checkout run through tsx.
 *
 * Both module systems are covered: `import` through a loader hook, and `require`, which tsx uses
 * for a .ts module outside a `"type": "module"` package (it compiles it to CommonJS), through
 * CommonJS's resolver. Both are process-wide, so this registers them once per process.
 */
export function resolveOwnPackage(): void {
  if (registered) return;
  registered = true;
  const ext = path.extname(fileURLToPath(import.meta.url));
  const target = new URL(`../index${ext}`, import.meta.url);
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, {
    data: { target: target.href },
  });
  const resolveFilename = commonJs._resolveFilename;
  commonJs._resolveFilename = function (this: unknown, request, ...rest) {
    return resolveFilename.call(
      this,
      request === "tracejudge" ? fileURLToPath(target) : request,
      ...rest,
    );
  };
}
