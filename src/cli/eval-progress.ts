import cliProgress from "cli-progress";
import type { RunTally } from "../cases/run-cases.ts";

/** Shows how far a run over cases is. */
export interface EvalProgress {
  update(tally: RunTally): void;
  /** Idempotent. */
  stop(): void;
}

const spent = (tally: RunTally): string =>
  tally.spend.evaluations === 0
    ? ""
    : `, ${tally.spend.tokens} judge tokens, ${tally.spend.costUsd === null ? "USD unknown" : `$${tally.spend.costUsd.toFixed(4)}`}`;

/**
 * On a terminal, a progress bar (redrawn in place). Elsewhere (CI logs, a file) a bar would be
 * noise, so a plain line at each tenth of the run: `progress: 120/878 (13%), 2 error(s), …`.
 */
export function evalProgress(
  stream: NodeJS.WritableStream,
  tty: boolean,
  total: number,
): EvalProgress {
  if (total === 0) return { update() {}, stop() {} };
  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format:
          "{bar} {value}/{total} evaluations | {percentage}% | eta {eta_formatted} | {errors} error(s){spent}",
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { errors: 0, spent: "" });
    let stopped = false;
    return {
      update: (tally) => bar.update(tally.done, { errors: tally.errors, spent: spent(tally) }),
      stop: () => {
        if (!stopped) bar.stop();
        stopped = true;
      },
    };
  }
  const step = Math.max(1, Math.ceil(total / 10));
  let lastStep = 0;
  return {
    update: (tally) => {
      const reached = Math.floor(tally.done / step);
      if (reached === lastStep && tally.done < total) return;
      if (tally.done === total && lastStep === Number.POSITIVE_INFINITY) return;
      lastStep = tally.done === total ? Number.POSITIVE_INFINITY : reached;
      const percent = Math.floor((100 * tally.done) / total);
      stream.write(
        `progress: ${tally.done}/${total} evaluations (${percent}%), ${tally.errors} error(s)${spent(tally)}\n`,
      );
    },
    stop() {},
  };
}
