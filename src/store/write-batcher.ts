export interface WriteBatcherOptions {
  /** Most items in one statement (default 500). */
  maxBatch?: number;
  /**
   * The longest an item waits while another statement is in flight before a statement of its
   * own starts beside it (default 5 ms). With none in flight it goes at once.
   */
  maxDelayMs?: number;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Groups the writes of concurrent jobs into multi-row statements, as a database's group commit
 * does: with no statement in flight, what was added in this turn of the event loop is written at
 * once; while one is in flight, what arrives meanwhile waits for it and goes together. So an idle
 * service adds no delay, and a busy one writes in batches as large as its load makes them.
 *
 * Each caller still awaits its own item: `add` resolves only once the statement holding it has
 * committed, with that item's result, and rejects if it failed, so a job never completes before
 * what it wrote is stored. When a statement fails, its items are written again one by one, so
 * one bad row fails alone.
 */
export class WriteBatcher<T, R> {
  private pending: Waiting<T, R>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;

  /** @param writeMany writes the items in one statement and returns each one's result, in order. */
  constructor(
    private readonly writeMany: (items: T[]) => Promise<R[]>,
    options: WriteBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 5;
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (this.inFlight.size === 0) this.immediate ??= setImmediate(() => this.flush());
      else this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs);
    });
  }

  /** Writes what is waiting now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearImmediate(this.immediate);
    this.immediate = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const write = this.write(batch).finally(() => {
      this.inFlight.delete(write);
      // What arrived while this statement ran goes now, together.
      if (this.inFlight.size === 0 && this.pending.length > 0) this.flush();
    });
    this.inFlight.add(write);
  }

  private async write(batch: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.writeMany(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        w.resolve(results[i] as R);
      });
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      // One bad row must not fail its neighbours: try each alone, so only its own job retries.
      await Promise.all(batch.map((w) => this.write([w])));
    }
  }

  /** Flushes and waits until nothing is waiting or being written. */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) {
      await Promise.all([...this.inFlight]);
      this.flush();
    }
  }
}
