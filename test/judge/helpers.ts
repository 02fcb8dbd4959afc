import { z } from "zod";
import { TracejudgeError } from "../../src/errors.ts";
import type { JudgeRequest } from "../../src/judge/judge.ts";
import type { JudgeConfig, JudgeConfigInput } from "../../src/judge/judge-config.ts";
import { JudgeConfigSchema } from "../../src/judge/judge-config.ts";

/** The verdict shape most judge tests ask for. */
export const VerdictSchema = z.object({
  score: z.number().min(0).max(1),
  reason: z.string(),
});
export type Verdict = z.infer<typeof VerdictSchema>;

export function verdictRequest(over: Partial<JudgeRequest<Verdict>> = {}): JudgeRequest<Verdict> {
  return {
    system: "You grade answers. Reply with a score in [0, 1] and a reason.",
    user: "Question: 2+2? Answer: 4",
    schema: VerdictSchema,
    schemaName: "verdict",
    ...over,
  };
}

/** A judge config for the fake server; generous rate limits unless a test sets them. */
export function judgeConfig(baseUrl: string, over: JudgeConfigInput = {}): JudgeConfig {
  return JudgeConfigSchema.parse({
    base_url: baseUrl,
    api_key: "sk-test",
    requests_per_minute: 100_000,
    tokens_per_minute: 100_000_000,
    ...over,
  });
}

/** Retry back-off short enough for tests. */
export const FAST_RETRY = { baseMs: 10, maxMs: 40 };

/** The error a promise rejects with, or a failure if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<TracejudgeError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TracejudgeError) return err;
    throw err;
  }
  throw new Error("expected a rejection");
}
