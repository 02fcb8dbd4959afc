import { z } from "zod";
import { errorMessage } from "../errors.ts";

/**
 * Attribute-key substrings whose whole value is masked, matched case-insensitively where they end
 * a word of the key and are not followed by a measurement word (see `sensitive-keys.ts`): so
 * `token` covers `access_token` and `x-auth-token` but not `gen_ai.usage.input_tokens` or
 * `llm.token_count.prompt`.
 */
export const DEFAULT_REDACTED_KEYS: readonly string[] = [
  "authorization",
  "api_key",
  "apikey",
  "api-key",
  "x-api-key",
  "password",
  "passwd",
  "secret",
  "token",
  "cookie",
  "set-cookie",
  "private_key",
  "private-key",
  "credential",
  "credentials",
];

/** What a match becomes; `<kind>` is replaced by the detector's kind, e.g. `[REDACTED:email]`. */
export const DEFAULT_REPLACEMENT = "[REDACTED:<kind>]";

/** A user detector: `name` becomes the kind in the replacement. */
export const ExtraPatternSchema = z
  .object({
    name: z.string().min(1),
    /** A JavaScript regular expression source, without slashes. */
    pattern: z.string().min(1),
    /** RegExp flags among `i`, `m`, `s`, `u`; `g` is always added. Default none. */
    flags: z
      .string()
      .regex(/^[imsu]*$/, "flags may only hold i, m, s and u")
      .default(""),
  })
  .strict();
export type ExtraPattern = z.infer<typeof ExtraPatternSchema>;

/**
 * Redaction of what is stored: on by default. Validated once at start; every issue's path names
 * the field (`extra_patterns.1.pattern`).
 */
export const RedactionConfigSchema = z
  .object({
    /** Master switch. Default true; false stores spans exactly as received. */
    enabled: z.boolean().default(true),
    /** Mask API keys, tokens, private keys, passwords and credentials in URLs. Default true. */
    secrets: z.boolean().default(true),
    /** Mask emails, phone numbers, Luhn-valid card numbers, IBANs and US SSNs. Default true. */
    pii: z.boolean().default(true),
    /** Attribute-key substrings whose string values are masked whole. Default `DEFAULT_REDACTED_KEYS`. */
    keys: z.array(z.string().trim().min(1)).default([...DEFAULT_REDACTED_KEYS]),
    /** User regexes run after the built-ins, each masked as `name`. Default none. */
    extra_patterns: z
      .array(ExtraPatternSchema)
      .default([])
      .superRefine((entries, ctx) => {
        entries.forEach((entry, i) => {
          let re: RegExp;
          try {
            re = new RegExp(entry.pattern, entry.flags);
          } catch (err) {
            ctx.addIssue({
              code: "custom",
              path: [i, "pattern"],
              message: `extra_patterns[${i}] "${entry.name}": invalid regular expression: ${errorMessage(err)}`,
            });
            return;
          }
          // A pattern that matches nothing at all would put the replacement between every character.
          if (re.test("")) {
            ctx.addIssue({
              code: "custom",
              path: [i, "pattern"],
              message: `extra_patterns[${i}] "${entry.name}": pattern matches the empty string`,
            });
          }
        });
      }),
    /** Replacement text; `<kind>` is filled in. Default `[REDACTED:<kind>]`. */
    replacement: z.string().min(1).default(DEFAULT_REPLACEMENT),
    /**
     * For strict deployments: the API decodes, normalises and redacts each export request itself
     * and writes only the redacted spans to Redis, instead of spooling the request as it came for
     * a worker to read. Costs the API that work. Default false.
     */
    before_queue: z.boolean().default(false),
  })
  .strict()
  .refine((config) => config.enabled || !config.before_queue, {
    path: ["before_queue"],
    message: "redacting before the queue needs redaction.enabled: true",
  });
export type RedactionConfig = z.infer<typeof RedactionConfigSchema>;
/** The config as written: every field optional. */
export type RedactionConfigInput = z.input<typeof RedactionConfigSchema>;
