import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import { maskedUrl } from "../../src/config/masked-url.ts";

describe("maskedUrl", () => {
  it.each([
    ["postgres://app:s3cret@db:5432/tracejudge", "postgres://app:***@db:5432/tracejudge"],
    ["redis://:s3cret@redis:6379/0", "redis://:***@redis:6379/0"],
    // A Redis URL's lone credential is a password (AUTH with one argument).
    ["redis://s3cret@redis:6379", "redis://***@redis:6379"],
    ["postgres://app@db/tracejudge", "postgres://app@db/tracejudge"],
    // Not a URL: still no secret.
    ["postgres//app:s3cret@db", "postgres//app:***@db"],
    ["redis//s3cret@redis", "redis//***@redis"],
    ["not a url", "not a url"],
  ])("%s shows as %s", (value, shown) => {
    expect(maskedUrl(value)).toBe(shown);
  });
});

describe("start-up settings from the environment", () => {
  it("takes the start-up wait, and the logs protocol over the general one", () => {
    const config = loadConfig({
      TRACEJUDGE_STARTUP_WAIT_MS: "2500",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: "http/json",
    });
    expect(config.startup_wait_ms).toBe(2500);
    expect(config.evaluation_export.protocol).toBe("http/json");
    expect(loadConfig({}).startup_wait_ms).toBe(10_000);
    expect(loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }).evaluation_export.protocol).toBe(
      "grpc",
    );
  });
});
