import { type EvalEventStore, eventKey, type NewEvalEvent } from "./eval-event-store.ts";

export interface EvalEventBatcherOptions {
  /** Most rows in one INSERT (default 500; 22 parameters a row stays far below Postgres' limit). */
  maxBatch?: number;
  /** How long the first verdict of a batch waits for company (default 5 ms). */
  maxDelayMs?: number;
}

interface Waiting {
  event: NewEvalEvent;
  resolve: (inserted: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * Groups the verdicts of concurrent evaluation jobs into multi-row INSERTs. Each job still awaits
 * its own row: `add` resolves only once the statement holding it has committed (true if the row
 * was new), and rejects if it failed, so a job never completes before its verdict is stored.
 */
export class EvalEventBatcher {
  private pending: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly store: EvalEventStore,
    options: EvalEventBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 5;
  }

  add(event: NewEvalEvent): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs);
    });
  }

  /** Writes what is waiting now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const write = this.write(batch).finally(() => this.inFlight.delete(write));
    this.inFlight.add(write);
  }

  private async write(batch: Waiting[]): Promise<void> {
    try {
      const inserted = await this.store.insertNew(batch.map((w) => w.event));
      for (const w of batch) w.resolve(inserted.has(eventKey(w.event)));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      // One bad row must not fail its neighbours: try each alone, so only its own job retries.
      await Promise.all(batch.map((w) => this.write([w])));
    }
  }

  /** Flushes and waits for every write in progress. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.inFlight]);
  }
}
