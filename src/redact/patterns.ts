import { ibanValid, looksLikeToken, luhnValid } from "./checksums.ts";

/** Which `RedactionConfig` switch turns a detector on: `secrets` or `pii`. */
export type DetectorCategory = "secret" | "pii";

/**
 * One thing to find in free text. The redactor joins every enabled detector's `pattern` into one
 * alternation and scans each string once, so patterns must hold no capturing groups (they would
 * shift the group numbers) and must stay linear: each starts with a look-behind or a literal so a
 * match can only begin at the start of a run, and no quantified group can split input two ways.
 */
export interface Detector {
  /** Shown in the replacement: `[REDACTED:<kind>]`. */
  readonly kind: string;
  readonly category: DetectorCategory;
  /** Case-sensitive, no flags, no capturing groups. */
  readonly pattern: RegExp;
  /**
   * The text to put in place of a match, given the replacement for this kind; null keeps the
   * match (a failed checksum). Default: the whole match becomes the replacement.
   */
  readonly redact?: (match: string, mask: string) => string | null;
}

/** `ci("key")` is `[kK][eE][yY]`: Node 20 has no inline `(?i:…)` and the one pass is case-sensitive. */
function ci(fragment: string): string {
  return fragment.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
}

const requireDigit = (match: string, mask: string): string | null =>
  /\d/.test(match) ? mask : null;

// `key = value`, `"key": "value"`, `key: 'value'`, JSON escaped once (`\"key\": \"value\"`).
const LABEL_TO_VALUE = String.raw`\\?["']?[ \t]*[:=][ \t]*`;
const ASSIGNMENT_PARTS = /^([^:=]*[:=][ \t]*(?:\\?["'])?)([\s\S]*?)((?:\\?["'])?)$/;
const PLACEHOLDER_VALUES = new Set(["", "null", "none", "undefined", "true", "false"]);

/** Masks the value of a `label: value` match, keeping label, separator and quotes. */
function maskAssignedValue(match: string, mask: string): string | null {
  const parts = ASSIGNMENT_PARTS.exec(match);
  if (!parts) return mask;
  const [, head = "", value = "", tail = ""] = parts;
  if (PLACEHOLDER_VALUES.has(value.toLowerCase())) return null;
  // `max_token: 4096` is a limit, not a credential.
  if (/token/i.test(head) && /^\d+$/.test(value)) return null;
  return `${head}${mask}${tail}`;
}

// ---- secrets -------------------------------------------------------------------------------

const PEM_LABEL = "(?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?";

/**
 * A PEM private key: BEGIN line, body, END line. The body stops at the next `-----`, so a key cut
 * off before its END line (a truncated attribute) is still masked up to there.
 */
export const PRIVATE_KEY_BLOCK: Detector = {
  kind: "private_key",
  category: "secret",
  pattern: new RegExp(
    `-----BEGIN ${PEM_LABEL}-----[^-]*(?:-(?!----)[^-]*)*(?:-----END ${PEM_LABEL}-----)?`,
  ),
};

/** `postgres://user:pass@host`: only the password goes; scheme, user and host stay readable. */
export const CONNECTION_STRING_PASSWORD: Detector = {
  kind: "password",
  category: "secret",
  pattern: /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,30}:\/\/[^\s:@/]*:[^\s@/]+@/,
  redact: (match, mask) => {
    const colon = match.indexOf(":", match.indexOf("://") + 3);
    return `${match.slice(0, colon + 1)}${mask}@`;
  },
};

/** A JWT: a base64url JSON header (`eyJ`), a JSON payload (`ey`), and a signature (maybe empty). */
export const JWT: Detector = {
  kind: "jwt",
  category: "secret",
  pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]+\.ey[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/,
};

/** `sk-ant-api03-…`. Listed before OpenAI's, which would match it too. */
export const ANTHROPIC_KEY: Detector = {
  kind: "anthropic_key",
  category: "secret",
  pattern: /(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,}/,
  redact: requireDigit,
};

/** `sk-…`, `sk-proj-…`, `sk-svcacct-…`. A real key has digits; `sk-learn-…` prose does not. */
export const OPENAI_KEY: Detector = {
  kind: "openai_key",
  category: "secret",
  pattern: /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}/,
  redact: requireDigit,
};

/** AWS access key ids: long-term `AKIA…` and temporary `ASIA…`. */
export const AWS_ACCESS_KEY_ID: Detector = {
  kind: "aws_access_key_id",
  category: "secret",
  pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/,
};

/**
 * An AWS secret access key, only when labelled (`aws_secret_access_key = …`, `"SecretAccessKey":
 * "…"`): forty base64 characters alone are too common to mask on sight.
 */
export const AWS_SECRET_ACCESS_KEY: Detector = {
  kind: "aws_secret_access_key",
  category: "secret",
  pattern: new RegExp(
    `(?<![A-Za-z0-9])${ci("(?:(?:aws[_.-]?)?secret[_.-]?access[_.-]?key|aws[_.-]?secret(?:[_.-]?key)?)")}` +
      String.raw`${LABEL_TO_VALUE}\\?["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])`,
  ),
  redact: (match, mask) => `${match.slice(0, -40)}${mask}`,
};

/** GitHub tokens: classic `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` and fine-grained `github_pat_`. */
export const GITHUB_TOKEN: Detector = {
  kind: "github_token",
  category: "secret",
  pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/,
};

/** Slack tokens: `xoxb-`, `xoxp-`, `xoxa-`, `xoxo-`, `xoxs-`, `xoxr-`. */
export const SLACK_TOKEN: Detector = {
  kind: "slack_token",
  category: "secret",
  pattern: /(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}/,
};

/** Stripe secret and restricted keys, live and test (test keys still open an account's data). */
export const STRIPE_KEY: Detector = {
  kind: "stripe_key",
  category: "secret",
  pattern: /(?<![A-Za-z0-9_])[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/,
};

/** Google API keys: `AIza` and 35 more characters. */
export const GOOGLE_API_KEY: Detector = {
  kind: "google_api_key",
  category: "secret",
  pattern: /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}/,
};

/** `Authorization: <scheme> <credential>` in text: the scheme stays, the credential goes. */
export const AUTHORIZATION_HEADER: Detector = {
  kind: "authorization",
  category: "secret",
  pattern: new RegExp(
    `(?<![A-Za-z0-9])${ci("authorization")}${LABEL_TO_VALUE}` +
      String.raw`\\?["']?(?:[A-Za-z]+ +)?[A-Za-z0-9._~+/=-]{8,}`,
  ),
  redact: (match, mask) => {
    const parts = /^([\s\S]*?[:=][ \t]*(?:\\?["'])?(?:[A-Za-z]+ +)?)([\s\S]+)$/.exec(match);
    if (!parts?.[1] || !parts[2] || !looksLikeToken(parts[2])) return null;
    return `${parts[1]}${mask}`;
  },
};

/** `Bearer <token>` anywhere; the token must look machine-made, so "bearer authentication" stays. */
export const BEARER_TOKEN: Detector = {
  kind: "bearer_token",
  category: "secret",
  pattern: /(?<![A-Za-z0-9])[Bb]earer\s+[A-Za-z0-9._~+/-]{8,}=*/,
  redact: (match, mask) => {
    const scheme = /^[Bb]earer\s+/.exec(match)?.[0] ?? "";
    return looksLikeToken(match.slice(scheme.length)) ? `${scheme}${mask}` : null;
  },
};

/**
 * `password=…`, `api_key: …`, `"client_secret": "…"`, `access_token=…` in free text (env files,
 * logs, JSON, query strings). The label may be prefixed (`db_password`); it must be followed by
 * `:` or `=` on the same line. Numbers after a `token` label are kept (`max_token: 4096`).
 */
export const SECRET_ASSIGNMENT: Detector = {
  kind: "secret",
  category: "secret",
  pattern: new RegExp(
    `(?<![A-Za-z0-9])${ci(
      "(?:password|passwd|pwd|passphrase|secret(?:[_-]?access)?(?:[_-]?key)?|api[_-]?key|private[_-]?key|token)",
    )}${LABEL_TO_VALUE}` +
      String.raw`(?:"[^"\n]{0,256}"|'[^'\n]{0,256}'|\\"[^"\\\n]{0,256}\\"|\\?["']?[^\s"'\\,;&=<>(){}[\]][^\s"'\\,;&<>(){}[\]]*)`,
  ),
  redact: maskAssignedValue,
};

// ---- personal data -------------------------------------------------------------------------

/** Email addresses with a dotted domain and an alphabetic TLD (`user@localhost` and `pkg@1.2.3` stay). */
export const EMAIL: Detector = {
  kind: "email",
  category: "pii",
  pattern:
    /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/,
};

/**
 * Payment card numbers: 13–19 digits starting 2–6 (every card brand; millisecond and nanosecond
 * timestamps start with 1), plain or in 4-4-4-4(-3) / Amex 4-6-5 groups, that pass Luhn. A short
 * trailing group (an expiry or CVV typed after the number) is left out when only that fails Luhn.
 */
export const CARD_NUMBER: Detector = {
  kind: "card",
  category: "pii",
  pattern:
    /(?<![\w.+-])(?:[2-6]\d{3}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?|3\d{3}[ -]\d{6}[ -]\d{4,5}|[2-6]\d{12,18})(?![\w]|\.\d)/,
  redact: (match, mask) => {
    const shorter = match.replace(/[ -]\d{1,3}$/, "");
    for (const candidate of shorter === match ? [match] : [match, shorter]) {
      const digits = candidate.replace(/\D/g, "");
      if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) {
        return `${mask}${match.slice(candidate.length)}`;
      }
    }
    return null;
  },
};

/** IBANs, grouped by four or not, that pass the mod-97 check (upper case only). */
export const IBAN: Detector = {
  kind: "iban",
  category: "pii",
  pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/,
  redact: (match, mask) => {
    // A following all-caps word of four letters may have been taken as a group: retry without.
    let candidate = match;
    for (let tries = 0; tries < 3; tries++) {
      if (ibanValid(candidate.replace(/ /g, ""))) return `${mask}${match.slice(candidate.length)}`;
      const cut = candidate.lastIndexOf(" ");
      if (cut < 0) break;
      candidate = candidate.slice(0, cut);
    }
    return null;
  },
};

/** US social security numbers in the dashed form only (nine bare digits are anything). */
export const US_SSN: Detector = {
  kind: "ssn",
  category: "pii",
  pattern: /(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w]|-\d)/,
};

/**
 * International numbers: `+`, a country code, then digits in groups (`+44 20 7946 0958`, `+1
 * (415) 555-2671`, `+14155552671`). 8–15 digits; ungrouped ones need 10 so `+20000000 users`
 * stays, and `+3.1415926535` is a decimal, not a phone.
 */
export const PHONE_INTERNATIONAL: Detector = {
  kind: "phone",
  category: "pii",
  pattern:
    /(?<![\w+])\+[1-9]\d{0,14}(?:(?:[ .-]|[ .-]?\(\d{1,4}\)[ .-]?)\d{1,10}){0,6}(?![\w]|[.-]\d)/,
  redact: (match, mask) => {
    const digits = match.replace(/\D/g, "").length;
    const separators = match.slice(1).replace(/\d/g, "");
    if (digits < 8 || digits > 15) return null;
    if (separators === "" && digits < 10) return null;
    if (separators === ".") return null;
    return mask;
  },
};

/** North American numbers with separators: `(415) 555-2671`, `415-555-2671`, `1 415 555 2671`. */
export const PHONE_US: Detector = {
  kind: "phone",
  category: "pii",
  pattern:
    /(?<![\w.+:-])(?:1[ .-])?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}(?![\w]|[.-]\d)/,
};

/**
 * European national numbers with a trunk 0 and separators: `030 12345678`, `06 12 34 56 78`,
 * `020 7946 0958`, `0049 30 1234567`. 9–12 digits; day-month-year dates are not numbers.
 */
export const PHONE_EU: Detector = {
  kind: "phone",
  category: "pii",
  pattern: /(?<![\w.+/:-])0\d{1,4}[ /-]\d{2,8}(?:[ -]\d{2,8}){0,3}(?![\w]|[./-]\d)/,
  redact: (match, mask) => {
    const digits = match.replace(/\D/g, "").length;
    if (digits < 9 || digits > 12) return null;
    if (/^\d{1,2}[ /-]\d{1,2}[ /-](?:19|20)\d{2}(?!\d)/.test(match)) return null;
    return mask;
  },
};

/**
 * Every built-in detector, in priority order: where two match at the same position the earlier
 * one wins (Anthropic before OpenAI, labelled AWS secret before the generic assignment).
 */
export const DETECTORS: readonly Detector[] = [
  PRIVATE_KEY_BLOCK,
  CONNECTION_STRING_PASSWORD,
  JWT,
  ANTHROPIC_KEY,
  OPENAI_KEY,
  AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY,
  GITHUB_TOKEN,
  SLACK_TOKEN,
  STRIPE_KEY,
  GOOGLE_API_KEY,
  AUTHORIZATION_HEADER,
  BEARER_TOKEN,
  SECRET_ASSIGNMENT,
  EMAIL,
  CARD_NUMBER,
  IBAN,
  US_SSN,
  PHONE_INTERNATIONAL,
  PHONE_US,
  PHONE_EU,
];
