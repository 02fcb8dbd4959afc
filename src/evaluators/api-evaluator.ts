import { createHash } from "node:crypto";
import { z } from "zod";
import type { FetchLike } from "../security/guarded-fetch.ts";
import { type ConfigJudge, ConfigJudgeSchema, createConfigJudge } from "./config-judge.ts";
import type { Evaluator } from "./define-evaluator.ts";
import {
  createRemoteEvaluator,
  type RemoteEvaluatorConfig,
  RemoteEvaluatorConfigSchema,
} from "./remote-evaluator.ts";

/** What `POST /v1/evaluators` defines: a judge (the default kind) or a remote evaluator. */
export type ApiEvaluator =
  | { kind: "judge"; definition: ConfigJudge }
  | { kind: "remote"; definition: RemoteEvaluatorConfig };
export type ApiEvaluatorKind = ApiEvaluator["kind"];

const KindSchema = z.enum(["judge", "remote"]).default("judge");

/**
 * Parses a request body: `kind: remote` with the fields of a `remote_evaluators:` entry, or
 * (`kind: judge` or no kind) those of a `judges:` entry. Issues name the field like the config's.
 */
export function parseApiEvaluator(body: unknown): z.ZodSafeParseResult<ApiEvaluator> {
  const { kind: rawKind, ...rest } = (body && typeof body === "object" ? body : {}) as {
    kind?: unknown;
  };
  const kind = KindSchema.safeParse(rawKind);
  if (!kind.success) {
    return {
      success: false,
      error: new z.ZodError(
        kind.error.issues.map((i) => ({ ...i, path: ["kind", ...i.path] })),
      ) as z.ZodError<never>,
    };
  }
  if (kind.data === "remote") {
    const parsed = RemoteEvaluatorConfigSchema.safeParse(rest);
    return parsed.success
      ? { success: true, data: { kind: "remote", definition: parsed.data } }
      : { success: false, error: parsed.error as z.ZodError<never> };
  }
  const parsed = ConfigJudgeSchema.safeParse(rest);
  return parsed.success
    ? { success: true, data: { kind: "judge", definition: parsed.data } }
    : { success: false, error: parsed.error as z.ZodError<never> };
}

/**
 * The version stored with every verdict: the declared one plus a hash of the definition, so a
 * changed definition is a new version. Judges keep `configJudgeVersion`'s hash (the same text).
 */
export function apiEvaluatorVersion(api: ApiEvaluator): string {
  const { version, description: _description, ...rest } = api.definition;
  const digest = createHash("sha256").update(JSON.stringify(rest)).digest("hex").slice(0, 8);
  return `${version}+${digest}`;
}

/** The evaluator an API definition runs as; remote ones send through `remoteFetch`. */
export function buildApiEvaluator(api: ApiEvaluator, remoteFetch?: FetchLike): Evaluator {
  if (api.kind === "judge") return createConfigJudge(api.definition);
  return createRemoteEvaluator(
    { ...api.definition, version: apiEvaluatorVersion(api) },
    remoteFetch ? { fetch: remoteFetch } : {},
  );
}
