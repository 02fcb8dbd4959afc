import { createHash } from "node:crypto";
import { z } from "zod";
import { reasonOf } from "../error-catalog.ts";
import { TracejudgeError } from "../errors.ts";
import { FENCE_INSTRUCTIONS, fence } from "../judge/fence.ts";
import type { EvaluationInput, EvaluationResultInput } from "./contract.ts";
import { defineEvaluator, type Evaluator } from "./define-evaluator.ts";
import { SpanFilterSchema } from "./span-filter.ts";

/** How the judge answers, and how its answer becomes a score in [0, 1]. */
export const JudgeOutputSchema = z.discriminatedUnion("type", [
  z
    .object({ type: z.literal("range"), min: z.number(), max: z.number() })
    .strict()
    .refine((o) => o.max > o.min, { message: "max must be greater than min", path: ["max"] }),
  z.object({ type: z.literal("boolean") }).strict(),
  z
    .object({
      type: z.literal("categories"),
      /** Each category the judge may pick, with its score (1 best). */
      choices: z
        .record(z.string().min(1), z.number().min(0).max(1))
        .refine((c) => Object.keys(c).length >= 2, "needs at least two choices"),
    })
    .strict(),
]);
export type JudgeOutput = z.infer<typeof JudgeOutputSchema>;

/** Variables a prompt template may use; the untrusted ones are fenced when filled in. */
const TRUSTED_VARIABLES = ["model", "service", "release", "span_name"] as const;
const UNTRUSTED_VARIABLES = ["question", "answer", "context", "system"] as const;
const VARIABLE = /\{\{\s*([a-zA-Z_][\w.-]*)\s*\}\}/g;

function templateVariables(template: string): string[] {
  return [...template.matchAll(VARIABLE)].map((m) => m[1] as string);
}

function isKnownVariable(name: string): boolean {
  return (
    (TRUSTED_VARIABLES as readonly string[]).includes(name) ||
    (UNTRUSTED_VARIABLES as readonly string[]).includes(name) ||
    /^attributes\..+/.test(name)
  );
}

/** A judge defined by configuration alone: a prompt template, an output shape, a threshold. */
export const ConfigJudgeSchema = z
  .object({
    name: z.string().min(1),
    version: z.string().min(1).default("1"),
    description: z.string().optional(),
    /** The judge model; the judge's default when absent. */
    model: z.string().optional(),
    /**
     * The instructions, with `{{question}}`, `{{answer}}`, `{{context}}`, `{{system}}`,
     * `{{model}}`, `{{service}}`, `{{release}}`, `{{span_name}}` or `{{attributes.KEY}}`.
     */
    prompt: z
      .string()
      .min(1)
      .superRefine((prompt, ctx) => {
        for (const name of templateVariables(prompt)) {
          if (!isKnownVariable(name))
            ctx.addIssue({ code: "custom", message: `unknown variable {{${name}}}` });
        }
      }),
    output: JudgeOutputSchema,
    /** Passing score. Default 0.5. */
    threshold: z.number().min(0).max(1).default(0.5),
    applies_to: SpanFilterSchema.optional(),
  })
  .strict();
export type ConfigJudge = z.infer<typeof ConfigJudgeSchema>;

/** The version stored with every verdict: the declared one plus a hash of the definition. */
export function configJudgeVersion(def: ConfigJudge): string {
  const { version, description: _description, ...rest } = def;
  const digest = createHash("sha256").update(JSON.stringify(rest)).digest("hex").slice(0, 8);
  return `${version}+${digest}`;
}

function verdictSchema(output: JudgeOutput) {
  const verdict =
    output.type === "range"
      ? z.number().min(output.min).max(output.max)
      : output.type === "boolean"
        ? z.boolean()
        : z.enum(Object.keys(output.choices) as [string, ...string[]]);
  return z.object({ reasoning: z.string(), verdict });
}

function toScore(output: JudgeOutput, verdict: number | boolean | string): number {
  if (output.type === "range")
    return ((verdict as number) - output.min) / (output.max - output.min);
  if (output.type === "boolean") return verdict ? 1 : 0;
  return output.choices[verdict as string] ?? 0;
}

function fill(template: string, input: EvaluationInput): string {
  const span = input.span;
  const values: Record<string, () => string> = {
    question: () => fence("QUESTION", input.question ?? ""),
    answer: () => fence("ANSWER", input.answer ?? ""),
    context: () =>
      fence("CONTEXT", input.context.map((d, i) => `[${i + 1}] ${d.content}`).join("\n\n")),
    system: () => fence("SYSTEM_PROMPT", span.systemInstructions ?? ""),
    model: () => span.model ?? span.requestModel ?? "unknown",
    service: () => span.serviceName ?? "unknown",
    release: () => span.serviceVersion ?? "unknown",
    span_name: () => span.name,
  };
  return template.replace(VARIABLE, (_, name: string) => {
    if (name.startsWith("attributes.")) {
      const value = span.attributes[name.slice("attributes.".length)];
      return fence(
        "ATTRIBUTE",
        value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value),
      );
    }
    return values[name]?.() ?? "";
  });
}

function outputInstructions(output: JudgeOutput): string {
  if (output.type === "range")
    return `Answer with JSON: "reasoning" (one or two sentences), then "verdict", a number from ${output.min} to ${output.max}.`;
  if (output.type === "boolean")
    return 'Answer with JSON: "reasoning" (one or two sentences), then "verdict", true or false.';
  return `Answer with JSON: "reasoning" (one or two sentences), then "verdict", one of: ${Object.keys(output.choices).join(", ")}.`;
}

/**
 * Turns a configured judge into an evaluator. The prompt's untrusted parts (question, answer,
 * context, attributes) are fenced, so text inside them that reads like instructions stays data.
 */
export function createConfigJudge(def: ConfigJudge): Evaluator {
  const variables = new Set(templateVariables(def.prompt));
  const schema = verdictSchema(def.output);
  const system = `You are an evaluator of an AI application's output. ${FENCE_INSTRUCTIONS} ${outputInstructions(def.output)}`;
  return defineEvaluator({
    name: def.name,
    version: configJudgeVersion(def),
    description: def.description ?? "judge defined by configuration",
    ...(def.applies_to ? { appliesTo: def.applies_to } : {}),
    usesJudge: () => true,
    async evaluate(input, ctx): Promise<EvaluationResultInput> {
      if (variables.has("answer") && input.answer === null)
        return { status: "skipped", reason: "no_answer", score: null };
      if (variables.has("context") && input.context.length === 0)
        return { status: "skipped", reason: "no_context", score: null };
      if (!ctx.judge)
        return { status: "skipped", reason: reasonOf("JUDGE_NOT_CONFIGURED"), score: null };
      const response = await ctx.judge.complete({
        system,
        user: fill(def.prompt, input),
        schema,
        schemaName: "verdict",
        ...(def.model ? { model: def.model } : {}),
        signal: ctx.signal,
      });
      const score = toScore(def.output, response.value.verdict);
      if (!Number.isFinite(score)) {
        throw new TracejudgeError(
          "JUDGE_MALFORMED",
          `${def.name}: verdict ${String(response.value.verdict)} gives no score`,
        );
      }
      return {
        score,
        label: String(response.value.verdict),
        passed: score >= def.threshold,
        explanation: response.value.reasoning,
        usage: response.usage,
      };
    },
  });
}
