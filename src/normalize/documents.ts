import type { Attributes, AttrValue, OtlpSpan } from "../otlp/otlp-span.ts";
import type { Document } from "../span/llm-span.ts";
import { GEN_AI, OPENINFERENCE, OPENLLMETRY } from "./attribute-names.ts";
import { collectIndexed, isRecord, structured, toNumber, toText } from "./attribute-values.ts";
import { textOfParts } from "./message-shapes.ts";

/** Fields a document's text may sit under in `gen_ai.retrieval.documents`, which defines none. */
const CONTENT_FIELDS = ["content", "text", "page_content"] as const;

function toDocument(id: unknown, content: unknown, score: unknown): Document | null {
  const text = Array.isArray(content) ? textOfParts(content) : toText(content);
  // A document without text cannot ground anything, so it is not kept.
  if (text === null || text.trim() === "") return null;
  const docId = toText(id);
  const docScore = toNumber(score);
  return {
    content: text,
    ...(docId !== null && { id: docId }),
    ...(docScore !== null && { score: docScore }),
    origin: "retrieval",
  };
}

/** OpenInference/traceAI flattened documents: `<prefix>.N.document.{id, content, score}`. */
function flattenedDocuments(attrs: Attributes, prefix: string): Document[] {
  return collectIndexed(attrs, prefix).flatMap((group) => {
    const doc = toDocument(
      group["document.id"],
      group["document.content"],
      group["document.score"],
    );
    return doc ? [doc] : [];
  });
}

/** OTel `gen_ai.retrieval.documents`: a JSON array of `{id, score}` plus, sometimes, text. */
function otelDocuments(value: AttrValue | undefined): Document[] {
  const list = structured(value);
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    if (!isRecord(item)) return [];
    const field = CONTENT_FIELDS.find((name) => item[name] !== undefined);
    const doc = toDocument(item.id, field ? item[field] : undefined, item.score);
    return doc ? [doc] : [];
  });
}

/**
 * OpenLLMetry vector-database spans: one `db.query.result` span event per hit, with attributes
 * `db.query.result.{id, score, document}` (some instrumentations use `db.search.result.*`).
 */
function queryResultEvents(span: OtlpSpan): Document[] {
  return span.events.flatMap((event) => {
    if (event.name !== OPENLLMETRY.DB_QUERY_RESULT_EVENT) return [];
    const a = event.attributes;
    const read = (field: string) =>
      a[`${OPENLLMETRY.DB_QUERY_RESULT_PREFIX}.${field}`] ??
      a[`${OPENLLMETRY.DB_SEARCH_RESULT_PREFIX}.${field}`];
    const doc = toDocument(read("id"), read("document"), read("score"));
    return doc ? [doc] : [];
  });
}

/**
 * The documents a RETRIEVER or RERANKER span returned. A reranker's output documents are preferred
 * over its input documents (they are what the model was given); then OpenInference/traceAI
 * `retrieval.documents.N`, OTel `gen_ai.retrieval.documents`, and OpenLLMetry result events.
 * Documents without text are dropped.
 */
export function readDocuments(span: OtlpSpan): Document[] {
  const attrs = span.attributes;
  const sources: (() => Document[])[] = [
    () => flattenedDocuments(attrs, OPENINFERENCE.RERANKER_OUTPUT_DOCUMENTS_PREFIX),
    () => flattenedDocuments(attrs, OPENINFERENCE.RERANKER_INPUT_DOCUMENTS_PREFIX),
    () => flattenedDocuments(attrs, OPENINFERENCE.RETRIEVAL_DOCUMENTS_PREFIX),
    () => otelDocuments(attrs[GEN_AI.RETRIEVAL_DOCUMENTS]),
    () => queryResultEvents(span),
  ];
  for (const source of sources) {
    const documents = source();
    if (documents.length > 0) return documents;
  }
  return [];
}
