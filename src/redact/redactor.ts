import type { Attributes, AttrValue } from "../otlp/otlp-span.ts";
import type { Document, LlmSpan, Message } from "../span/llm-span.ts";
import { DETECTORS, type Detector } from "./patterns.ts";
import type { RedactionConfig } from "./redaction-config.ts";
import { createKeyMatcher } from "./sensitive-keys.ts";

/** Masks secrets and personal data in what is stored. Built once from the config; stateless after. */
export interface Redactor {
  /** The text with every detected secret and piece of personal data replaced. */
  redactText(text: string): string;
  /**
   * An attribute value with its text redacted, recursively through arrays and maps. When `key`
   * (or a nested map key) is sensitive per `config.keys`, every string below it is replaced
   * whole; numbers and booleans are kept, since counts and flags are never credentials.
   */
  redactValue(value: AttrValue, key?: string): AttrValue;
  /**
   * A new span with every free-text field redacted: system instructions, messages (content and
   * tool-call arguments), input, output, question, answer, documents, the status message, and
   * attribute and resource values. Ids, kind, model, provider, service, release, usage and times
   * are left alone. The input is never mutated; with `enabled: false` it is returned as is.
   */
  redactSpan(span: LlmSpan): LlmSpan;
}

interface ExtraRule {
  readonly re: RegExp;
  readonly mask: string;
}

// Nothing a built-in detector finds is shorter than `pwd=x`, so shorter strings skip the scan.
const MIN_CANDIDATE_LENGTH = 5;
/** Texts whose redaction is remembered: long enough to be worth it, short enough to keep. */
const MEMO_MIN_LENGTH = 64;
const MEMO_MAX_LENGTH = 64 * 1024;
/** At most this many (so at most 32 MiB of UTF-16 held, usually far less). */
const MEMO_ENTRIES = 256;

/**
 * Builds a redactor. Every regex is compiled here, once: the enabled built-in detectors become a
 * single alternation so each string is scanned in one pass; each of `extra_patterns` adds a pass.
 */
export function createRedactor(config: RedactionConfig): Redactor {
  if (!config.enabled) {
    return {
      redactText: (text) => text,
      redactValue: (value) => value,
      redactSpan: (span) => span,
    };
  }

  const maskFor = (kind: string): string => config.replacement.replaceAll("<kind>", kind);
  const detectors = DETECTORS.filter((d) =>
    d.category === "secret" ? config.secrets : config.pii,
  );
  const masks = detectors.map((d) => maskFor(d.kind));
  // One capturing group per detector: the group that took part tells which one matched.
  const combined =
    detectors.length === 0
      ? null
      : new RegExp(detectors.map((d) => `(${d.pattern.source})`).join("|"), "g");
  const extras: ExtraRule[] = config.extra_patterns.map((p) => ({
    re: new RegExp(p.pattern, `${p.flags}g`),
    mask: maskFor(p.name),
  }));
  const sensitiveKey = createKeyMatcher(config.keys);

  function redactBuiltIn(text: string, re: RegExp): string {
    let out = "";
    let copied = 0;
    let changed = false;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const index = m.findIndex((group, i) => i > 0 && group !== undefined) - 1;
      const detector = detectors[index] as Detector;
      const replacement = detector.redact
        ? detector.redact(m[0], masks[index] as string)
        : (masks[index] as string);
      if (replacement === null) {
        // Rejected (a failed checksum): look again from the next character, so a shorter match
        // inside, say, a rejected `Bearer` phrase is still found.
        re.lastIndex = m.index + 1;
        continue;
      }
      out += text.slice(copied, m.index) + replacement;
      copied = m.index + m[0].length;
      changed = true;
    }
    return changed ? out + text.slice(copied) : text;
  }

  // The same long texts come again and again: a system prompt in every call of an app, and
  // each message or document twice in a span (its attribute and the field read from it).
  // Redaction is a pure function of the text, so recent results are kept and reused.
  const recent = new Map<string, string>();

  function redactText(text: string): string {
    if (text.length < MEMO_MIN_LENGTH || text.length > MEMO_MAX_LENGTH) return scan(text);
    const known = recent.get(text);
    if (known !== undefined) return known;
    const result = scan(text);
    if (recent.size >= MEMO_ENTRIES) recent.delete(recent.keys().next().value as string);
    recent.set(text, result);
    return result;
  }

  function scan(text: string): string {
    if (text.length < MIN_CANDIDATE_LENGTH && extras.length === 0) return text;
    let result =
      combined && text.length >= MIN_CANDIDATE_LENGTH ? redactBuiltIn(text, combined) : text;
    for (const { re, mask } of extras) {
      // An empty match (a look-around-only pattern) has nothing to hide.
      result = result.replace(re, (match) => (match === "" ? match : mask));
    }
    return result;
  }

  function maskAll(value: AttrValue, mask: string): AttrValue {
    if (typeof value === "string") return mask;
    if (Array.isArray(value)) return value.map((v) => maskAll(v, mask));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v, mask)]));
    }
    return value;
  }

  function redactValue(value: AttrValue, key?: string): AttrValue {
    const hit = key === undefined ? null : sensitiveKey(key);
    if (hit !== null) return maskAll(value, maskFor(hit));
    if (typeof value === "string") return redactText(value);
    if (Array.isArray(value)) return value.map((v) => redactValue(v));
    if (value !== null && typeof value === "object") return redactAttributes(value);
    return value;
  }

  function redactAttributes(attributes: Attributes): Attributes {
    return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, redactValue(v, k)]));
  }

  const nullableText = (text: string | null): string | null =>
    text === null ? null : redactText(text);

  function redactMessage(message: Message): Message {
    const redacted: Message = { ...message, content: redactText(message.content) };
    if (message.toolCalls) {
      redacted.toolCalls = message.toolCalls.map((call) =>
        call.arguments === undefined
          ? { ...call }
          : { ...call, arguments: redactText(call.arguments) },
      );
    }
    return redacted;
  }

  const redactDocument = (doc: Document): Document => ({
    ...doc,
    content: redactText(doc.content),
  });

  function redactSpan(span: LlmSpan): LlmSpan {
    return {
      ...span,
      // Provider errors echo credentials ("Incorrect API key provided: sk-…").
      status:
        span.status.message === undefined
          ? { ...span.status }
          : { ...span.status, message: redactText(span.status.message) },
      systemInstructions: nullableText(span.systemInstructions),
      inputMessages: span.inputMessages.map(redactMessage),
      outputMessages: span.outputMessages.map(redactMessage),
      input: nullableText(span.input),
      output: nullableText(span.output),
      question: nullableText(span.question),
      answer: nullableText(span.answer),
      documents: span.documents.map(redactDocument),
      usage: { ...span.usage },
      attributes: redactAttributes(span.attributes),
      resource: redactAttributes(span.resource),
    };
  }

  return { redactText, redactValue, redactSpan };
}
