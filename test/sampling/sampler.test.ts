import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src/config/config-schema.ts";
import { decideSampling, traceIdInRatio, traceUsage } from "../../src/sampling/sampler.ts";
import { makeSpan } from "../support/llm-spans.ts";

const config = (sampling: object, prices: object = {}) => ConfigSchema.parse({ sampling, prices });

describe("traceIdInRatio", () => {
  it("keeps about the configured share of random trace ids, and always the same ones", () => {
    const ids = Array.from({ length: 20_000 }, () => randomBytes(16).toString("hex"));
    const kept = ids.filter((id) => traceIdInRatio(id, 0.25));
    expect(kept.length / ids.length).toBeGreaterThan(0.23);
    expect(kept.length / ids.length).toBeLessThan(0.27);
    expect(ids.filter((id) => traceIdInRatio(id, 0.25))).toEqual(kept);
  });

  it("is monotonic: a trace kept at a rate is kept at every higher rate", () => {
    const ids = Array.from({ length: 2000 }, () => randomBytes(16).toString("hex"));
    const at10 = ids.filter((id) => traceIdInRatio(id, 0.1));
    expect(at10.every((id) => traceIdInRatio(id, 0.5))).toBe(true);
    expect(ids.every((id) => traceIdInRatio(id, 1))).toBe(true);
    expect(ids.some((id) => traceIdInRatio(id, 0))).toBe(false);
  });
});

describe("decideSampling", () => {
  const dropped = "ffffffffffffffffffffffffffffffff"; // low 64 bits at the top of the range
  const llm = (over = {}) => makeSpan({ traceId: dropped, kind: "LLM", ...over });

  it("drops an ordinary trace outside the ratio, keeps it inside", () => {
    expect(decideSampling(dropped, [llm()], config({ rate: 0.5 }))).toEqual({ sampled: false });
    expect(
      decideSampling("00000000000000000000000000000001", [llm()], config({ rate: 0.5 })),
    ).toEqual({
      sampled: true,
      reason: "ratio",
    });
  });

  it("keeps every trace with an error, whatever the ratio", () => {
    expect(
      decideSampling(dropped, [llm(), makeSpan({ isError: true })], config({ rate: 0 })),
    ).toEqual({
      sampled: true,
      reason: "error",
    });
    expect(
      decideSampling(dropped, [makeSpan({ isError: true })], config({ rate: 0, errors: false })),
    ).toEqual({ sampled: false });
  });

  it("keeps token and cost outliers, counting leaf LLM calls only", () => {
    const wrapper = makeSpan({
      spanId: "b000000000000001",
      kind: "LLM",
      usage: { inputTokens: 900, outputTokens: 100, totalTokens: 1000 },
    });
    const leaf = llm({
      parentSpanId: wrapper.spanId,
      model: "gpt-4o",
      usage: { inputTokens: 900, outputTokens: 100, totalTokens: 1000 },
    });
    expect(traceUsage([wrapper, leaf], {}).tokens).toBe(1000);
    expect(
      decideSampling(dropped, [wrapper, leaf], config({ rate: 0, min_tokens: 1000 })),
    ).toMatchObject({ reason: "tokens" });
    expect(decideSampling(dropped, [wrapper, leaf], config({ rate: 0, min_tokens: 1001 }))).toEqual(
      { sampled: false },
    );
    const priced = config(
      { rate: 0, min_cost_usd: 0.003 },
      { "gpt-4o*": { input: 2.5, output: 10 } },
    );
    // 900 × 2.5 / 1e6 + 100 × 10 / 1e6 = 0.00325 USD
    expect(decideSampling(dropped, [wrapper, leaf], priced)).toMatchObject({ reason: "cost" });
  });

  it("keeps traces a rule asks for", () => {
    const cfg = config({ rate: 0, always: [{ service: ["checkout-*"] }] });
    expect(decideSampling(dropped, [llm({ serviceName: "checkout-api" })], cfg)).toMatchObject({
      reason: "rule",
    });
    expect(decideSampling(dropped, [llm({ serviceName: "search" })], cfg)).toEqual({
      sampled: false,
    });
  });
});
