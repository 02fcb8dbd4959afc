import { type EvaluationContext, fence } from "../../src/index.ts";

/** The shared LLM judge as an evaluator's context hands it over. */
export type JudgeClient = NonNullable<EvaluationContext<unknown>["judge"]>;

/** What a judge backend evaluates once `preflight` has passed: an answer and its passages. */
export interface JudgeMaterial {
  /** Shown to the judge for understanding only, never as evidence; null when not captured. */
  question: string | null;
  answer: string;
  /** The context documents with text, in order; the judge cites them from 1. */
  documents: readonly string[];
}

/** How one judge backend call is made. */
export interface JudgeCallOptions {
  judge: JudgeClient;
  /** Overrides the judge's default model for this evaluator. */
  model?: string | undefined;
  /** Passing score. */
  threshold: number;
  signal: AbortSignal;
}

/**
 * The user message: the question (when captured), every passage, then the answer, each fenced on
 * its own with a fresh boundary. Passages are fenced one by one, with their number in the fence
 * label rather than in the text, so a document cannot forge a passage number of its own. The
 * answer comes last: the judge reads the evidence before the claims it checks.
 */
export function userMessage(m: JudgeMaterial): string {
  const parts: string[] = [];
  if (m.question !== null && m.question.trim() !== "") {
    parts.push(`The question the assistant was asked:\n${fence("QUESTION", m.question)}`);
  }
  const passages = m.documents.map((d, i) => fence(`PASSAGE_${i + 1}`, d));
  parts.push(
    `The context passages (${m.documents.length}), numbered PASSAGE_1 to PASSAGE_${m.documents.length}:\n${passages.join("\n\n")}`,
  );
  parts.push(`The assistant's answer to check:\n${fence("ANSWER", m.answer)}`);
  return parts.join("\n\n");
}

/** A cited passage number, or null when it is absent, not an integer, or out of range. */
export function citedPassage(cited: number | null, documents: readonly string[]): number | null {
  if (cited === null || !Number.isInteger(cited) || cited < 1 || cited > documents.length) {
    return null;
  }
  return cited;
}

const EVIDENCE_CHARS = 300;
const squash = (s: string): string => s.replace(/\s+/g, " ").trim().toLowerCase();

/**
 * The evidence to show for a claim: the judge's quote when it is really in the cited passage
 * (case and spacing aside), else the start of that passage. A quote the passage does not hold is
 * the judge's paraphrase or invention; showing it as evidence would mislead whoever audits.
 */
export function evidenceText(
  quote: string | null,
  passage: number | null,
  documents: readonly string[],
): string | null {
  if (passage === null) return null;
  const text = documents[passage - 1] ?? "";
  if (quote !== null && quote.trim() !== "" && squash(text).includes(squash(quote))) {
    return quote.trim();
  }
  return text.length > EVIDENCE_CHARS ? `${text.slice(0, EVIDENCE_CHARS - 3)}...` : text;
}

/** `"claim text"` clipped for explanations. */
export function quoted(text: string): string {
  return `"${text.length > 160 ? `${text.slice(0, 157)}...` : text}"`;
}

/** The request fields both backends share: the per-evaluator model and the abort signal. */
export function requestOptions(o: JudgeCallOptions): { model?: string; signal: AbortSignal } {
  return { ...(o.model ? { model: o.model } : {}), signal: o.signal };
}
