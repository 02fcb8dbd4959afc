import { createHash } from "node:crypto";
import type { Queue } from "bullmq";
import { ALERTS_JUDGE_JOB, ALERTS_TICK_JOB, type AlertJob } from "../queues/payloads.ts";
import type { NewEvalEvent } from "../store/eval-event-store.ts";
import { type AlertRuleCatalog, ruleKey } from "./alert-rule-catalog.ts";

const TICK_SCHEDULER = "alerts-tick";

function ruleDigest(name: string): string {
  return createHash("sha256").update(name).digest("hex").slice(0, 16);
}

/**
 * Decides when a rule is judged: seconds after a new eval event of its evaluator (events of one
 * rule within the debounce interval share one job), and on a clock for windows and no-data.
 */
export class AlertScheduler {
  constructor(
    /** The alerts queue. */
    private readonly queue: Queue,
    private readonly rules: AlertRuleCatalog,
    private readonly options: { debounceMs: number; tickMs: number },
  ) {}

  /** The clock: one scheduler for every replica (upserting it again changes nothing). */
  async start(): Promise<void> {
    await this.queue.upsertJobScheduler(
      TICK_SCHEDULER,
      { every: this.options.tickMs },
      { name: ALERTS_TICK_JOB },
    );
  }

  /**
   * A new eval event: judge the rules of its evaluator shortly, the global ones and those of its
   * project (another project's rules never see it).
   */
  async onEvent(
    event: Pick<NewEvalEvent, "evaluator" | "project">,
    nowMs = Date.now(),
  ): Promise<void> {
    const rules = this.rules
      .list()
      .filter(
        (rule) =>
          rule.evaluator === event.evaluator && (!rule.project || rule.project === event.project),
      );
    await this.judgeSoon(rules.map(ruleKey), nowMs);
  }

  /** Every enabled rule, now (the clock's tick). */
  async judgeAll(nowMs = Date.now()): Promise<void> {
    await this.judgeSoon(this.rules.list().map(ruleKey), nowMs);
  }

  /** `keys`: rule keys (`ruleKey`), which the alerts worker hands to the engine. */
  private async judgeSoon(keys: string[], nowMs: number): Promise<void> {
    if (keys.length === 0) return;
    // One job per rule and debounce bucket: a burst of events makes one job, and an event that
    // lands while a rule is being judged makes the next bucket's job rather than being lost.
    const bucket = Math.floor(nowMs / Math.max(this.options.debounceMs, 1));
    await this.queue.addBulk(
      keys.map((rule) => ({
        name: ALERTS_JUDGE_JOB,
        data: { rule } satisfies AlertJob,
        opts: { jobId: `al-${ruleDigest(rule)}-${bucket}`, delay: this.options.debounceMs },
      })),
    );
  }
}
