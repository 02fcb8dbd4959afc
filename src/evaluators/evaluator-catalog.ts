import { errorMessage, TracejudgeError } from "../errors.ts";
import type { FetchLike } from "../security/guarded-fetch.ts";
import type { Logger } from "../util/logger.ts";
import { type ApiEvaluator, apiEvaluatorVersion, buildApiEvaluator } from "./api-evaluator.ts";
import type { EvaluatorConfigStore } from "./evaluator-config-store.ts";
import { evaluatorKey } from "./evaluator-key.ts";
import { type ActiveEvaluator, toActive } from "./registry.ts";

export interface EvaluatorCatalogOptions {
  /** How often API-defined evaluators are re-read, so every replica sees a change. Default 5 s. */
  refreshMs?: number;
  logger: Logger;
  /** How remote evaluators defined through the API send (one that refuses private addresses). */
  remoteFetch?: FetchLike;
}

/** `project` as a map key: "" for global. */
const scopeKey = (project: string | null, name: string) => `${project ?? ""}\u0000${name}`;

/**
 * The evaluators a process runs: those fixed at start (built-ins, modules, the config's judges
 * and remote evaluators) and those defined through the API (judges and remote evaluators), which
 * live in PostgreSQL and are re-read on a timer. Every version ever stored stays resolvable, so
 * jobs queued before a change still run; the newest enabled definition of each name is what new
 * spans get.
 *
 * Names: the fixed ones and global API ones (created without a project) apply to every project
 * and are reserved in all of them; a project's own names are unique within it, and run on its
 * spans only.
 */
export class EvaluatorCatalog {
  private dynamic: ActiveEvaluator[] = [];
  private readonly known = new Map<string, ActiveEvaluator>();
  private readonly fixedNames: Set<string>;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fixed: ActiveEvaluator[],
    private readonly store: EvaluatorConfigStore,
    private readonly options: EvaluatorCatalogOptions,
  ) {
    for (const active of fixed) this.known.set(active.key, active);
    this.fixedNames = new Set(fixed.map((a) => a.evaluator.name));
  }

  /** What new spans are evaluated with (each API one narrowed to its project, if it has one). */
  active(): ActiveEvaluator[] {
    return [...this.fixed, ...this.dynamic];
  }

  /**
   * What a project sees: the fixed and global evaluators, which run on its spans too, and its
   * own. `undefined`: every evaluator of every project.
   */
  visibleTo(project: string | null | undefined): ActiveEvaluator[] {
    if (project === undefined) return this.active();
    return this.active().filter((a) => a.project === undefined || a.project === project);
  }

  /** Any version this process knows, for a queued job. */
  get(key: string): ActiveEvaluator | undefined {
    return this.known.get(key);
  }

  /** Every version (`name@version`) this process knows, for the workers to advertise. */
  knownKeys(): string[] {
    return [...this.known.keys()];
  }

  /** Whether a name belongs to the service's configuration (built-ins, modules, config file). */
  isConfigured(name: string): boolean {
    return this.fixedNames.has(name);
  }

  async refresh(): Promise<void> {
    const stored = await this.store.all();
    const newest = new Map<string, ActiveEvaluator>();
    for (const { api, version, project, enabled } of stored) {
      const key = evaluatorKey(api.definition.name, version);
      let evaluator = this.known.get(key)?.evaluator;
      if (!evaluator) {
        try {
          evaluator = buildApiEvaluator(api, this.options.remoteFetch);
        } catch (err) {
          // One bad row must not keep every other evaluator from loading.
          this.options.logger.warn({ evaluator: key, err: errorMessage(err) }, "skipped evaluator");
          continue;
        }
        // Any project's copy serves queued jobs: the same version is the same definition.
        this.known.set(key, toActive(evaluator, {}));
      }
      const active = toActive(evaluator, {});
      if (project !== null) active.project = project;
      // Oldest first: a later definition of the same name replaces an earlier one.
      const slot = scopeKey(project, api.definition.name);
      if (enabled) newest.set(slot, active);
      else newest.delete(slot);
    }
    this.dynamic = [...newest.values()];
  }

  /** Loads the API-defined evaluators, then keeps re-reading them. */
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
   * Defines (or redefines) an evaluator for a project (null: global). Refused with
   * `EVALUATOR_DUPLICATE`: a name the config owns, a project's name that is global, and a global
   * name some project uses. Returns the active evaluator and whether the definition was new.
   */
  async define(
    api: ApiEvaluator,
    project: string | null,
  ): Promise<{ active: ActiveEvaluator; created: boolean }> {
    const { name } = api.definition;
    // Throws EVALUATOR_INVALID (a bad name, say) before anything is stored.
    buildApiEvaluator(api, this.options.remoteFetch);
    if (this.isConfigured(name)) {
      throw new TracejudgeError(
        "EVALUATOR_DUPLICATE",
        `evaluator "${name}" is defined by the service's configuration, not the API`,
      );
    }
    const version = apiEvaluatorVersion(api);
    // The store refuses a name that is global and a project's at once, for every replica.
    const created = await this.store.save(api, version, project);
    await this.refresh();
    const active = this.dynamic.find(
      (a) => a.key === evaluatorKey(name, version) && (a.project ?? null) === project,
    );
    if (!active) throw new Error(`evaluator ${name} was stored but cannot be activated`);
    return { active, created };
  }

  /** Stops running a project's (null: the global) API-defined evaluator; whether there was one. */
  async remove(name: string, project: string | null): Promise<boolean> {
    const changed = await this.store.disable(name, project);
    await this.refresh();
    return changed > 0;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
