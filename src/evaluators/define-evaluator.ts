import { z } from "zod";
import { TracejudgeError } from "../errors.ts";
import type { EvaluationContext, EvaluationInput, EvaluationResultInput } from "./contract.ts";
import { type SpanFilter, SpanFilterSchema } from "./span-filter.ts";

const NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/;

/** What a user writes: the evaluator's identity, its settings schema, which spans, and the verdict. */
export interface EvaluatorDefinition<Settings extends z.ZodType = z.ZodType> {
  /** Lowercase name, unique with the version: `groundedness`, `my-team.tone`. */
  name: string;
  /** Part of every eval event; bump it when the verdicts change so old and new sit side by side. */
  version: string;
  description?: string;
  /** A zod schema for the evaluator's own settings (from the config file); defaults apply. */
  settings?: Settings;
  /** Which spans it judges; the default is every LLM span. The config may narrow it further. */
  appliesTo?: SpanFilter;
  /** Whether, with these settings, it calls the LLM judge (for cost estimates). Default: no. */
  usesJudge?(settings: z.output<Settings>): boolean;
  /**
   * Whether, with these settings, it may run inline: in the worker that assembles the trace, as
   * soon as the span is ready, with no queue hop. For code that takes well under a millisecond
   * and calls nothing (the built-ins' offline backend). A failure there is not retried inline:
   * the evaluator goes on to a queued job with the usual retries. Default: no.
   */
  inline?(settings: z.output<Settings>): boolean;
  evaluate(
    input: EvaluationInput,
    ctx: EvaluationContext<z.output<Settings>>,
  ): Promise<EvaluationResultInput> | EvaluationResultInput;
}

const EVALUATOR = Symbol.for("tracejudge.evaluator");

/** A checked definition. Only values made by `defineEvaluator` can be registered. */
export type Evaluator<Settings extends z.ZodType = z.ZodType> = Readonly<
  EvaluatorDefinition<Settings>
> & { readonly [EVALUATOR]: true; readonly settings: Settings };

/** Whether a value (a module's export, say) was made by `defineEvaluator`. */
export function isEvaluator(value: unknown): value is Evaluator {
  return typeof value === "object" && value !== null && EVALUATOR in value;
}

/**
 * Checks an evaluator definition and freezes it. Throws `EVALUATOR_INVALID` naming the evaluator
 * and what is wrong, so a broken module is reported at start rather than at its first span.
 */
export function defineEvaluator<Settings extends z.ZodType = z.ZodObject<Record<string, never>>>(
  definition: EvaluatorDefinition<Settings>,
): Evaluator<Settings> {
  const label = typeof definition?.name === "string" ? definition.name : "<unnamed>";
  const fail = (what: string): never => {
    throw new TracejudgeError("EVALUATOR_INVALID", `evaluator ${label}: ${what}`);
  };
  if (typeof definition !== "object" || definition === null) fail("definition must be an object");
  if (typeof definition.name !== "string" || !NAME_PATTERN.test(definition.name)) {
    fail("name must match /^[a-z0-9][a-z0-9_.-]*$/");
  }
  if (typeof definition.version !== "string" || definition.version.trim() === "") {
    fail("version must be a non-empty string");
  }
  if (typeof definition.evaluate !== "function") fail("evaluate must be a function");
  if (definition.settings !== undefined && !(definition.settings instanceof z.ZodType)) {
    fail("settings must be a zod schema");
  }
  if (definition.appliesTo !== undefined) {
    const parsed = SpanFilterSchema.safeParse(definition.appliesTo);
    if (!parsed.success) fail(`appliesTo: ${z.prettifyError(parsed.error)}`);
  }
  const settings = (definition.settings ?? z.object({})) as Settings;
  return Object.freeze({ ...definition, settings, [EVALUATOR]: true as const });
}
