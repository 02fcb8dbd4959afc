import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Settings from the environment, tables and the small statistics the benchmarks print. */

/** A positive number from the environment, else the default. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One line of the summary `npm run bench` prints. */
export interface SummaryRow {
  benchmark: string;
  engine: string;
  ceiling: string;
  ratio: string;
  target: string;
  met: "yes" | "no" | "n/a";
}

/** Prints rows as an aligned text table (also valid Markdown). */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  process.stdout.write(`\n${title}\n\n`);
  process.stdout.write(`${line(header)}\n`);
  process.stdout.write(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |\n`);
  for (const r of cells.slice(1)) process.stdout.write(`${line(r)}\n`);
  process.stdout.write("\n");
}

export function printSummary(rows: SummaryRow[]): void {
  printTable(
    "Summary",
    ["benchmark", "engine", "ceiling", "ratio", "target", "met"],
    rows.map((r) => [r.benchmark, r.engine, r.ceiling, r.ratio, r.target, r.met]),
  );
}

/** 12345.6 → "12,346"; small values keep a decimal or two. */
export function fmt(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return String(value);
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function ratio(engine: number, ceiling: number): number {
  return ceiling > 0 ? engine / ceiling : Number.NaN;
}

/** The q-quantile (0..1) of the values, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Least-squares slope of y over x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Runs `main` when the module is the entry point, exiting non-zero on failure. */
export function runIfMain(url: string, main: () => Promise<unknown>): void {
  const entry = process.argv[1];
  if (!entry || fileURLToPath(url) !== resolve(entry)) return;
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : err}\n`);
      process.exit(1);
    },
  );
}
