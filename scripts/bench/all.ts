/**
 * `npm run bench`: every benchmark in turn, each measuring the engine and its ceiling on the same
 * Redis and PostgreSQL, then one summary table. Name some to run only those:
 * `npm run bench -- pipeline latency`. Settings: see the header of each script (environment).
 * The latency benchmark measures the peak again on its own service, just before loading it at half.
 */
import { runIngest } from "./ingest.ts";
import { runJudge } from "./judge.ts";
import { runLatency } from "./latency.ts";
import { printSummary, runIfMain, type SummaryRow } from "./lib/report.ts";
import { runMemory } from "./memory.ts";
import { runPipeline } from "./pipeline.ts";
import { runScaleOut } from "./scale-out.ts";

const NAMES = ["ingest", "pipeline", "judge", "latency", "memory", "scale"] as const;

runIfMain(import.meta.url, async () => {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((n) => !(NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(", ")}: ${NAMES}`);
  const chosen = asked.length > 0 ? NAMES.filter((n) => asked.includes(n)) : NAMES;
  const rows: SummaryRow[] = [];
  const started = performance.now();
  for (const name of chosen) {
    process.stdout.write(`\n=== ${name} ===\n`);
    if (name === "ingest") rows.push(...(await runIngest()).rows);
    if (name === "pipeline") rows.push(...(await runPipeline()).rows);
    if (name === "judge") rows.push(...(await runJudge()).rows);
    if (name === "latency") rows.push(...(await runLatency()).rows);
    if (name === "memory") rows.push(...(await runMemory()).rows);
    if (name === "scale") rows.push(...(await runScaleOut()).rows);
  }
  printSummary(rows);
  process.stdout.write(
    `${chosen.length} benchmark(s) in ${Math.round((performance.now() - started) / 1000)} s ` +
      `on ${new Date().toISOString()}, node ${process.version}\n`,
  );
});
