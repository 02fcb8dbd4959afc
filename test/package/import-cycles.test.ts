import { readdirSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = resolve(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Each file's relative imports and re-exports, type-only ones included (TypeScript's own reading). */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    graph.set(
      file,
      importedFiles
        .filter((ref) => ref.fileName.startsWith("."))
        .map((ref) => resolve(dirname(file), ref.fileName))
        .filter((target) => known.has(target)),
    );
  }
  return graph;
}

/** The strongly connected components of more than one file (Tarjan), or of one that imports itself. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component);
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("module structure", () => {
  it("has no import cycles in src/ and evaluators/, counting type-only imports", () => {
    const files = [
      ...sourceFiles(resolve(ROOT, "src")),
      ...sourceFiles(resolve(ROOT, "evaluators")),
    ];
    const graph = importGraph(files);
    // The reading must see the imports at all: a parser that found none would pass vacuously.
    expect([...graph.values()].flat().length).toBeGreaterThan(files.length);
    const named = cycles(graph).map((c) => c.map((f) => relative(ROOT, f)).sort());
    expect(named).toEqual([]);
  });

  it("finds a cycle that type-only imports make", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(cycles(graph).map((c) => c.sort())).toEqual([["a.ts", "b.ts", "c.ts"]]);
    const { importedFiles } = ts.preProcessFile(
      'import type { A } from "./a.ts";\nexport { b } from "./b.ts";\n',
      true,
      true,
    );
    expect(importedFiles.map((f) => f.fileName)).toEqual(["./a.ts", "./b.ts"]);
  });
});
