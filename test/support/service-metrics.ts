/** Reading a service's `/metrics` (Prometheus text) in tests. */

/** The lines of the service's `/metrics` that start with `prefix`. */
export async function metricLines(baseUrl: string, prefix: string): Promise<string[]> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return text.split("\n").filter((line) => line.startsWith(prefix));
}

/** A metric's value summed over its label sets (0 when absent). */
export async function metricSum(baseUrl: string, name: string): Promise<number> {
  const lines = await metricLines(baseUrl, name);
  return lines
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}

/** How often each evaluator ran in the service's process, from its duration histogram. */
export async function evaluatorRuns(baseUrl: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of await metricLines(baseUrl, "tracejudge_evaluation_duration_seconds_count{")) {
    const m = /^tracejudge_evaluation_duration_seconds_count\{evaluator="([^"]+)"\} (\d+)$/.exec(
      line,
    );
    if (m) out[m[1] as string] = Number(m[2]);
  }
  return out;
}
