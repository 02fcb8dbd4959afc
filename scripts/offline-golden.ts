/**
 * Golden check of the offline grounding backend: records everything it computes for a set of
 * labelled cases (each claim's feature vector, evidence and issues, the unrounded scores, and both
 * evaluators' full results), or compares a fresh run against such a record. Made to prove that a
 * speed-up changes no score.
 *
 *   npx tsx scripts/offline-golden.ts write /tmp/golden.json
 *   npx tsx scripts/offline-golden.ts check /tmp/golden.json
 *   npx tsx scripts/offline-golden.ts fixture
 *
 * `fixture` rewrites the committed, smaller form of this check that the tests run
 * (`test/evaluators/fixtures/offline-scores.jsonl`, see `test/evaluators/offline-scores.test.ts`):
 * the scores of a fixed subset of about 280 of the cases. Rewrite it only when a change is meant to
 * change scores.
 *
 * Cases: every dev case, every train case, the RAG regression fixture, and a second version of
 * every fourth dev case with its context split into two documents (the multi-document paths). The
 * check runs them forwards and then backwards, evaluators interleaved, so that anything cached
 * across calls has to give the same answer whatever came before.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { builtinEvaluators } from "../evaluators/index.ts";
import { analyseOffline } from "../evaluators/offline/analyse.ts";
import { featurise } from "../evaluators/offline/featurise.ts";
import { caseToInput, type LabelledCase, parseCases } from "../evaluators/testing/case-input.ts";
import { offlineContext } from "../evaluators/testing/offline-context.ts";
import type { EvaluationInput } from "../src/index.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

interface GoldenCase {
  key: string;
  input: EvaluationInput;
  /** Part of the committed fixture. */
  inFixture: boolean;
  /** Where it comes from: a file of `FILES`, the case id, and where its context was cut in two. */
  source: { file: string; id: string; cut?: number };
}

/** A case with its context cut in two documents after the full stop at `cut`. */
function splitInput(c: LabelledCase, cut: number): EvaluationInput {
  const input = caseToInput(c);
  const parts = [c.context.slice(0, cut + 1), c.context.slice(cut + 2)];
  return { ...input, context: parts.map((content, j) => ({ id: `d${j}`, content })) };
}

// Paths from the repository root; the data files are in the shared folder beside it.
const FILES = {
  dev: "../shared/data/hallucination-dev.jsonl",
  train: "../shared/data/hallucination-train.jsonl",
  rag: "test/evaluators/fixtures/rag-regression.jsonl",
};

function loadCases(): GoldenCase[] {
  const out: GoldenCase[] = [];
  // Every tenth dev case, every 37th train case, all the regression cases: the fixture's.
  const fixtureEvery = { dev: 10, train: 37, rag: 1 };
  const read = (path: string): LabelledCase[] => {
    const file = resolve(ROOT, path);
    if (!existsSync(file)) throw new Error(`missing ${file}`);
    return parseCases(readFileSync(file, "utf8"));
  };
  for (const [name, path] of Object.entries(FILES)) {
    read(path).forEach((c, i) => {
      out.push({
        key: c.id,
        input: caseToInput(c),
        inFixture: i % fixtureEvery[name as keyof typeof FILES] === 0,
        source: { file: name, id: c.id },
      });
    });
  }
  // The multi-document paths: every fourth dev case cut at the sentence end nearest its middle.
  read(FILES.dev).forEach((c, i) => {
    const cut = i % 4 === 0 ? c.context.indexOf(". ", Math.floor(c.context.length / 2)) : -1;
    if (cut < 0) return;
    out.push({
      key: `${c.id}/split`,
      input: splitInput(c, cut),
      inFixture: i % 40 === 0,
      source: { file: "dev", id: c.id, cut },
    });
  });
  return out;
}

/** Everything the backend computes for one case, as plain JSON. */
async function record(input: EvaluationInput): Promise<unknown> {
  const documents = input.context.map((d) => d.content).filter((c) => c.trim() !== "");
  const offline = { answer: input.answer ?? "", question: input.question, documents };
  const f = featurise(offline);
  const a = analyseOffline(offline);
  const results: unknown[] = [];
  for (const evaluator of builtinEvaluators) {
    results.push(await evaluator.evaluate(input, offlineContext(evaluator)));
  }
  return {
    refusal: f.refusal,
    claims: f.claims.map((c) => ({
      text: c.claim.text,
      sentence: c.claim.sentence,
      tokens: c.claim.tokens,
      features: c.features,
      evidence: c.evidence,
      issues: c.issues,
      unsupportedByDocuments: c.unsupportedByDocuments,
    })),
    analysis: a,
    results,
  };
}

/** The first difference between two JSON values, as a path and both sides; numbers within 1e-12. */
function diff(a: unknown, b: unknown, path = "$"): string | null {
  if (typeof a === "number" && typeof b === "number") {
    return a === b || Math.abs(a - b) < 1e-12 ? null : `${path}: ${a} != ${b}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} != ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) return `${path}: keys ${ka.join()} != ${kb.join()}`;
    for (const k of ka) {
      const d = diff(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${path}.${k}`,
      );
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${path}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`;
}

const FIXTURE = resolve(ROOT, "test/evaluators/fixtures/offline-scores.jsonl");

/**
 * The committed fixture: per case, its source (file and id, and whether the context is split in
 * two), the unrounded scores (groundedness, no-hallucination, each claim's probability) and each
 * evaluator's score, label and passed.
 */
async function writeFixture(cases: readonly GoldenCase[]): Promise<void> {
  const rows = [];
  for (const c of cases) {
    const r = (await record(c.input)) as {
      analysis: { groundedness: number; noHallucination: number; claims: { score: number }[] };
      results: { score: number | null; label?: string; passed?: boolean }[];
    };
    rows.push({
      ...c.source,
      groundedness: r.analysis.groundedness,
      noHallucination: r.analysis.noHallucination,
      claims: r.analysis.claims.map((x) => x.score),
      results: r.results.map((x) => [x.score, x.label ?? null, x.passed ?? null]),
    });
  }
  writeFileSync(FIXTURE, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
  console.log(`wrote ${rows.length} cases to ${FIXTURE}`);
}

async function main(): Promise<void> {
  const [mode, file] = process.argv.slice(2);
  const cases = loadCases();
  if (mode === "fixture") {
    writeFixture(cases.filter((c) => c.inFixture));
    return;
  }
  if ((mode !== "write" && mode !== "check") || !file) {
    console.error("usage: offline-golden.ts write|check FILE, or fixture");
    process.exit(2);
  }
  if (mode === "write") {
    const out: Record<string, unknown> = {};
    for (const c of cases) out[c.key] = await record(c.input);
    writeFileSync(file, JSON.stringify(out));
    console.log(`wrote ${cases.length} cases to ${file}`);
    return;
  }
  const golden = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  let failures = 0;
  for (const order of [cases, [...cases].reverse()]) {
    for (const c of order) {
      // Through JSON, as the record was: undefined fields vanish the same way on both sides.
      const now = JSON.parse(JSON.stringify(await record(c.input)));
      const d = diff(golden[c.key], now);
      if (d && failures++ < 10) console.error(`${c.key}: ${d}`);
    }
  }
  console.log(
    failures === 0
      ? `all ${cases.length} cases identical, forwards and backwards`
      : `${failures} differences`,
  );
  process.exit(failures === 0 ? 0 : 1);
}

await main();
