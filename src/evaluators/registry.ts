import { z } from "zod";
import type { EvaluatorConfig } from "../config/config-schema.ts";
import { describeZodError } from "../config/load-config.ts";
import { TracejudgeError } from "../errors.ts";
import type { LlmSpan } from "../span/llm-span.ts";
import type { Evaluator } from "./define-evaluator.ts";
import { evaluatorKey } from "./evaluator-key.ts";
import { DEFAULT_SPAN_FILTER, matchesSpanFilter, type SpanFilter } from "./span-filter.ts";

/** An evaluator as the engine runs it: its definition, the config's narrowing and its parsed settings. */
export interface ActiveEvaluator {
  evaluator: Evaluator;
  key: string;
  settings: unknown;
  filters: SpanFilter[];
  /** Set for an evaluator a project created through the API: it runs on that project's spans only. */
  project?: string;
}

/** An evaluator ready to run, with its own filter and the config's narrowing (if any). */
export function toActive(
  evaluator: Evaluator,
  settings: unknown,
  where?: SpanFilter,
): ActiveEvaluator {
  const filters = [evaluator.appliesTo ?? DEFAULT_SPAN_FILTER];
  if (where) filters.push(where);
  return { evaluator, key: evaluatorKey(evaluator.name, evaluator.version), settings, filters };
}

/** Whether the evaluator, with its settings, runs inline at assembly (see `inline`). */
export function runsInline(active: ActiveEvaluator): boolean {
  return active.evaluator.inline?.(active.settings as never) === true;
}

export function appliesTo(active: ActiveEvaluator, span: LlmSpan): boolean {
  if (active.project !== undefined && active.project !== span.project) return false;
  return active.filters.every((filter) => matchesSpanFilter(filter, span));
}

function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/**
 * Every evaluator the process knows, built-in or custom. Registration is strict: a duplicate
 * `name@version` (`EVALUATOR_DUPLICATE`) or a registration after `freeze()` (`REGISTRY_FROZEN`)
 * is an error naming where it came from.
 */
export class EvaluatorRegistry {
  private readonly byKey = new Map<string, { evaluator: Evaluator; source: string }>();
  private frozen = false;

  register(evaluator: Evaluator, source: string): void {
    const key = evaluatorKey(evaluator.name, evaluator.version);
    if (this.frozen) {
      throw new TracejudgeError(
        "REGISTRY_FROZEN",
        `cannot register ${key} from ${source}: the service has started`,
      );
    }
    const existing = this.byKey.get(key);
    if (existing) {
      throw new TracejudgeError(
        "EVALUATOR_DUPLICATE",
        `evaluator ${key} from ${source} is already registered by ${existing.source}`,
      );
    }
    this.byKey.set(key, { evaluator, source });
  }

  freeze(): void {
    this.frozen = true;
  }

  get(name: string, version: string): Evaluator | undefined {
    return this.byKey.get(evaluatorKey(name, version))?.evaluator;
  }

  /** The newest version of each name (numeric-aware comparison: 1.10 after 1.9). */
  latest(): Evaluator[] {
    const newest = new Map<string, Evaluator>();
    for (const { evaluator } of this.byKey.values()) {
      const current = newest.get(evaluator.name);
      if (!current || compareVersions(evaluator.version, current.version) > 0)
        newest.set(evaluator.name, evaluator);
    }
    return [...newest.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  list(): { evaluator: Evaluator; source: string }[] {
    return [...this.byKey.values()];
  }

  /**
   * The evaluators to run: the newest version of every registered evaluator, unless the config
   * pins a version or disables it, with settings parsed by each evaluator's schema. Throws
   * `CONFIG_INVALID` naming the entry for an unknown evaluator or bad settings.
   */
  activate(configs: EvaluatorConfig[]): ActiveEvaluator[] {
    const byName = new Map<string, { config: EvaluatorConfig; index: number }>();
    configs.forEach((config, index) => {
      if (!this.list().some(({ evaluator }) => evaluator.name === config.name)) {
        throw new TracejudgeError(
          "CONFIG_INVALID",
          `invalid configuration:\n  evaluators.${index}.name: no evaluator named "${config.name}" is registered (known: ${this.latest()
            .map((e) => e.name)
            .join(", ")})`,
        );
      }
      byName.set(config.name, { config, index });
    });
    const active: ActiveEvaluator[] = [];
    for (const latest of this.latest()) {
      const entry = byName.get(latest.name);
      if (entry && !entry.config.enabled) continue;
      const version = entry?.config.version ?? latest.version;
      const evaluator = this.get(latest.name, version);
      if (!evaluator) {
        throw new TracejudgeError(
          "CONFIG_INVALID",
          `invalid configuration:\n  evaluators.${entry?.index}.version: ${evaluatorKey(latest.name, version)} is not registered`,
        );
      }
      const parsed = (evaluator.settings as z.ZodType).safeParse(entry?.config.settings ?? {});
      if (!parsed.success) {
        const where = entry ? `evaluators.${entry.index}.settings` : `${evaluator.name} defaults`;
        throw new TracejudgeError(
          "CONFIG_INVALID",
          describeZodError(prefixIssues(parsed.error, where), "config"),
        );
      }
      active.push(toActive(evaluator, parsed.data, entry?.config.where));
    }
    return active;
  }
}

function prefixIssues(error: z.ZodError, prefix: string): z.ZodError {
  return new z.ZodError(
    error.issues.map((issue) => ({ ...issue, path: [...prefix.split("."), ...issue.path] })),
  );
}
