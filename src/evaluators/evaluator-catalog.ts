import { errorMessage, TracejudgeError } from "../errors.ts";
import { type ConfigJudge, configJudgeVersion, createConfigJudge } from "./config-judge.ts";
import type { EvaluatorLogger } from "./contract.ts";
import type { EvaluatorConfigStore } from "./evaluator-config-store.ts";
import { type ActiveEvaluator, evaluatorKey, toActive } from "./registry.ts";

export interface EvaluatorCatalogOptions {
  /** How often API-defined judges are re-read, so every replica sees a change. Default 5 s. */
  refreshMs?: number;
  logger: EvaluatorLogger;
}

/**
 * The evaluators a process runs: those fixed at start (built-ins, modules, the config's judges
 * and remote evaluators) and the judges defined through the API, which live in PostgreSQL and are
 * re-read on a timer. Every version ever stored stays resolvable, so jobs queued before a change
 * still run; the newest enabled definition of each name is what new spans get.
 */
export class EvaluatorCatalog {
  private dynamic: ActiveEvaluator[] = [];
  private readonly known = new Map<string, ActiveEvaluator>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fixed: ActiveEvaluator[],
    private readonly store: EvaluatorConfigStore,
    private readonly options: EvaluatorCatalogOptions,
  ) {
    for (const active of fixed) this.known.set(active.key, active);
  }

  /** What new spans are evaluated with. */
  active(): ActiveEvaluator[] {
    return [...this.fixed, ...this.dynamic];
  }

  /** Any version this process knows, for a queued job. */
  get(key: string): ActiveEvaluator | undefined {
    return this.known.get(key);
  }

  isApiDefined(name: string): boolean {
    return !this.fixed.some((a) => a.evaluator.name === name);
  }

  async refresh(): Promise<void> {
    const stored = await this.store.all();
    const newest = new Map<string, ActiveEvaluator>();
    for (const { definition, version, enabled } of stored) {
      const key = evaluatorKey(definition.name, version);
      let active = this.known.get(key);
      if (!active) {
        active = toActive(createConfigJudge(definition), {});
        this.known.set(key, active);
      }
      // Oldest first: a later definition of the same name replaces an earlier one.
      if (enabled) newest.set(definition.name, active);
      else newest.delete(definition.name);
    }
    this.dynamic = [...newest.values()];
  }

  /** Loads the API-defined judges, then keeps re-reading them. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((err) =>
        this.options.logger.warn({ err: errorMessage(err) }, "cannot refresh evaluators"),
      );
    }, this.options.refreshMs ?? 5000);
    this.timer.unref();
  }

  /**
   * Defines (or redefines) a judge. A name taken by a configured evaluator is refused: the
   * config file owns those. Returns the active evaluator and whether the definition was new.
   */
  async define(definition: ConfigJudge): Promise<{ active: ActiveEvaluator; created: boolean }> {
    if (!this.isApiDefined(definition.name)) {
      throw new TracejudgeError(
        "EVALUATOR_DUPLICATE",
        `evaluator "${definition.name}" is defined by the service's configuration, not the API`,
      );
    }
    const created = await this.store.save(definition, configJudgeVersion(definition));
    await this.refresh();
    const active = this.known.get(evaluatorKey(definition.name, configJudgeVersion(definition)));
    if (!active) throw new Error(`judge ${definition.name} was stored but cannot be activated`);
    return { active, created };
  }

  /** Stops running an API-defined judge; returns whether there was one. */
  async remove(name: string): Promise<boolean> {
    const changed = await this.store.disable(name);
    await this.refresh();
    return changed > 0;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
