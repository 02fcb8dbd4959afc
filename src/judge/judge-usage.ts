import { z } from "zod";

/** What a verdict cost when a judge model gave it. */
export const JudgeUsageSchema = z.object({
  model: z.string().nullable(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative().nullable(),
  latencyMs: z.number().nonnegative(),
});
export type JudgeUsage = z.infer<typeof JudgeUsageSchema>;
