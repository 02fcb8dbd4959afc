import { readFile } from "node:fs/promises";
import { z } from "zod";
import { errorMessage, TracejudgeError } from "../errors.ts";
import { type EvalCase, EvalCaseSchema } from "./eval-case.ts";

/** A line of a cases file that is not a case, with its 1-based number and what is wrong. */
export interface InvalidCaseLine {
  line: number;
  message: string;
}

/**
 * Reads a JSON-lines cases file whole (so a run knows its size for the progress bar and `--limit`).
 * Blank lines are skipped; a line that is not a valid case is returned with its number, and the
 * others are kept. Throws `USAGE_INVALID` when the file cannot be read.
 */
export async function readCasesFile(
  path: string,
): Promise<{ cases: EvalCase[]; invalid: InvalidCaseLine[] }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new TracejudgeError(
      "USAGE_INVALID",
      `cannot read cases file ${path}: ${errorMessage(err)}`,
    );
  }
  const cases: EvalCase[] = [];
  const invalid: InvalidCaseLine[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    try {
      const result = EvalCaseSchema.safeParse(JSON.parse(line));
      if (!result.success) throw new Error(z.prettifyError(result.error).replace(/\n/g, "; "));
      cases.push(result.data);
    } catch (err) {
      invalid.push({ line: i + 1, message: errorMessage(err) });
    }
  }
  return { cases, invalid };
}

/**
 * `limit` cases spread evenly over the list, so each task (files are often grouped by task) keeps
 * its share; all of them without a limit or when the limit exceeds the count.
 */
export function spreadCases<C>(cases: readonly C[], limit: number | undefined): C[] {
  if (limit === undefined || limit >= cases.length) return [...cases];
  const step = cases.length / limit;
  return Array.from({ length: limit }, (_, i) => cases[Math.floor(i * step)] as C);
}
