import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * The version in tracejudge's own package.json, found by walking up from this module, so it
 * holds wherever the module runs from (the sources or a build under another folder).
 */
export function packageVersion(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
      if (pkg.name === "tracejudge" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // No package.json here (or not ours): look in the parent.
    }
    if (path.dirname(dir) === dir) return "unknown";
  }
}
