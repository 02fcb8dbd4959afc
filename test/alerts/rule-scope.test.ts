import { describe, expect, it } from "vitest";
import { fieldValue, scopeOf, scopeRelease } from "../../src/alerts/rule-scope.ts";
import { rule, sample } from "./helpers.ts";

describe("scopeOf", () => {
  const gate = rule({
    window: "5m",
    below: 0.85,
    where: { "service.name": "checkout-*", "service.version": "v42" },
  });

  it("places a matching event in the rule's single scope, with the exact where values", () => {
    expect(scopeOf(gate, sample(0.9))).toEqual({
      key: "*",
      values: { "service.version": "v42" },
    });
  });

  it("is null for another evaluator, a where mismatch or a missing field", () => {
    expect(scopeOf(gate, sample(0.9, { evaluator: "toxicity" }))).toBeNull();
    expect(scopeOf(gate, sample(0.9, { service_version: "v41" }))).toBeNull();
    expect(scopeOf(gate, sample(0.9, { service_name: "search" }))).toBeNull();
    expect(scopeOf(gate, sample(0.9, { service_name: null }))).toBeNull();
  });

  it("ignores the status: error events still belong to the scope", () => {
    expect(scopeOf(gate, sample(null, { status: "error" }))?.key).toBe("*");
  });

  it("splits scopes by group_by values, URI-encoded, '' when absent", () => {
    const perRelease = rule({ window: "5m", below: 0.8, group_by: ["service.version", "model"] });
    expect(scopeOf(perRelease, sample(0.9))).toEqual({
      key: "service.version=v42&model=gpt-4o",
      values: { "service.version": "v42", model: "gpt-4o" },
    });
    expect(scopeOf(perRelease, sample(0.9, { service_version: "a&b", model: null }))?.key).toBe(
      "service.version=a%26b&model=",
    );
  });

  it("matches aliases, route and span attributes", () => {
    const s = sample(0.9, {
      route: "/checkout",
      attributes: { "app.tenant": "acme", "app.tier": 2, nested: { a: 1 } },
    });
    expect(fieldValue(s, "gen_ai.request.model")).toBe("gpt-4o");
    expect(fieldValue(s, "span.name")).toBe("chat");
    expect(fieldValue(s, "route")).toBe("/checkout");
    expect(fieldValue(s, "app.tier")).toBe("2");
    expect(fieldValue(s, "nested")).toBeNull();
    expect(fieldValue(sample(1, { attributes: { "http.route": "/x" } }), "route")).toBe("/x");
    const tenant = rule({
      each: true,
      below: 0.5,
      where: { "app.tenant": "ac*", route: "/checkout" },
    });
    expect(scopeOf(tenant, s)).not.toBeNull();
    expect(scopeOf(tenant, sample(0.9))).toBeNull();
  });

  it("names the scope's release", () => {
    expect(scopeRelease({ key: "*", values: { "service.version": "v42" } })).toBe("v42");
    expect(scopeRelease({ key: "*", values: {} })).toBeNull();
  });
});
