import { auc, classification } from "../../evaluators/testing/metrics.ts";

/** The labels a case may carry, as in `shared/data/*.jsonl`. */
export type CaseLabel = "supported" | "hallucinated";

/** A case's `label` when it is one of the two this report knows, else null. */
export function caseLabel(label: unknown): CaseLabel | null {
  return label === "supported" || label === "hallucinated" ? label : null;
}

/** One scored verdict on a labelled case. */
export interface LabelledVerdict {
  evaluator: string;
  /** The case's `task` (qa, summarization, data2text, …), or null. */
  task: string | null;
  label: CaseLabel;
  /** Higher = more supported, as every evaluator's score. */
  score: number;
  passed: boolean;
}

/** How well one evaluator's verdicts match the labels, over all cases or one task. */
export interface QualityRow {
  evaluator: string;
  /** `all`, or a task. */
  subset: string;
  n: number;
  /**
   * "hallucinated" is the positive class, and a verdict that did not pass predicts it. NaN where
   * undefined: precision when none is predicted, recall when none is labelled, F1 when neither.
   */
  precision: number;
  recall: number;
  f1: number;
  /** Of the score against "supported"; NaN when a class is missing. */
  auc: number;
}

/**
 * Precision, recall and F1 of "hallucinated" (predicted by a verdict that did not pass, so at the
 * evaluator's own threshold) and AUC of the score, per evaluator: over all its verdicts, then per
 * task when the cases have more than one. The response-level form of the RAGTruth paper.
 */
export function qualityRows(verdicts: readonly LabelledVerdict[]): QualityRow[] {
  const rows: QualityRow[] = [];
  const evaluators = [...new Set(verdicts.map((v) => v.evaluator))];
  for (const evaluator of evaluators) {
    const own = verdicts.filter((v) => v.evaluator === evaluator);
    const tasks = [...new Set(own.map((v) => v.task).filter((t): t is string => t !== null))];
    rows.push(row(evaluator, "all", own));
    if (tasks.length < 2) continue;
    for (const task of tasks.sort()) {
      rows.push(
        row(
          evaluator,
          task,
          own.filter((v) => v.task === task),
        ),
      );
    }
  }
  return rows;
}

function row(evaluator: string, subset: string, verdicts: readonly LabelledVerdict[]): QualityRow {
  const supported = verdicts.map((v) => v.label === "supported");
  const m = classification(
    verdicts.map((v) => v.passed),
    supported,
  );
  // Undefined rather than 0 where nothing was predicted or labelled hallucinated (n/a in the table).
  const predicted = verdicts.some((v) => !v.passed);
  const actual = verdicts.some((v) => v.label === "hallucinated");
  return {
    evaluator,
    subset,
    n: verdicts.length,
    precision: predicted ? m.precisionHallucinated : Number.NaN,
    recall: actual ? m.recallHallucinated : Number.NaN,
    f1: predicted || actual ? m.f1Hallucinated : Number.NaN,
    auc: auc(
      verdicts.map((v) => v.score),
      supported,
    ),
  };
}

const pct = (x: number): string => (Number.isNaN(x) ? "n/a" : (100 * x).toFixed(1));

/** The rows as a Markdown table: precision, recall and F1 in percent, AUC as a fraction. */
export function formatQualityTable(rows: readonly QualityRow[]): string {
  const header = ["evaluator", "subset", "n", "precision", "recall", "F1", "AUC"];
  const cells = rows.map((r) => [
    r.evaluator,
    r.subset,
    String(r.n),
    pct(r.precision),
    pct(r.recall),
    pct(r.f1),
    Number.isNaN(r.auc) ? "n/a" : r.auc.toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]?.length ?? 0)));
  const line = (c: readonly string[]): string =>
    `| ${c.map((x, i) => (i < 2 ? x.padEnd(widths[i] ?? 0) : x.padStart(widths[i] ?? 0))).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)]
    .join("\n")
    .concat("\n");
}
