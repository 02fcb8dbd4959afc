import { type EvalEventStore, eventKey, type NewEvalEvent } from "./eval-event-store.ts";
import { WriteBatcher, type WriteBatcherOptions } from "./write-batcher.ts";

/**
 * The verdicts of concurrent evaluations in multi-row INSERTs (22 parameters a row stays far
 * below Postgres' limit at the default 500). `add` resolves true when the verdict was new, false
 * when an earlier attempt had stored it already.
 */
export class EvalEventBatcher extends WriteBatcher<NewEvalEvent, boolean> {
  constructor(store: EvalEventStore, options: WriteBatcherOptions = {}) {
    super(async (events) => {
      const inserted = await store.insertNew(events);
      return events.map((event) => inserted.has(eventKey(event)));
    }, options);
  }
}
