import { z } from "zod";

/** A project's name: what keys, spans, eval events, evaluators, rules and webhooks belong to. */
export const ProjectNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "must be a slug: lower-case letters, digits, - and _");

/** An API key, stored only as its SHA-256: the config never holds a usable secret. */
export const ApiKeySchema = z
  .object({
    /** Names the key in logs and metrics (never the key itself). */
    name: z.string().min(1),
    /** The project the key belongs to; its spans and verdicts are that project's alone. */
    project: ProjectNameSchema.default("default"),
    /** Hex SHA-256 of the key, as `tracejudge hash-key KEY` prints it. */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be the hex SHA-256 of the key (tracejudge hash-key KEY)"),
    /**
     * Admin keys see every project and may use every endpoint. Other keys may only use the
     * project routes (`PROJECT_ROUTES`), on their own project's data. Default false.
     */
    admin: z.boolean().default(false),
    /** Spans per second this key may send (a one-second burst); none = no limit. */
    ingest_spans_per_s: z.number().positive().optional(),
  })
  .strict();
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const AuthConfigSchema = z
  .object({
    /** With no keys, the API is open (bind it to a private address). */
    keys: z.array(ApiKeySchema).default([]),
  })
  .strict();
