import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";

function configFile(yaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "tj-config-"));
  const file = path.join(dir, "tracejudge.yaml");
  writeFileSync(file, yaml);
  return file;
}

describe("loadConfig", () => {
  it("has working defaults with no file and no variables", () => {
    const config = loadConfig({});
    expect(config.server).toMatchObject({ host: "127.0.0.1", port: 4318 });
    expect(config.sampling.rate).toBe(1);
    expect(config.redis_prefix).toBe("{tracejudge}");
  });

  it("reads the YAML file, lets the environment override it, and resolves module paths against the file", () => {
    const file = configFile(
      "trace_wait_ms: 1000\nsampling:\n  rate: 0.5\nevaluator_modules: [./my-evaluator.ts]\nserver:\n  port: 9000\n",
    );
    const config = loadConfig({
      TRACEJUDGE_CONFIG: file,
      TRACEJUDGE_SAMPLE_RATE: "0.1",
      PORT: "4319",
      DATABASE_URL: "postgres://x/y",
    });
    expect(config.trace_wait_ms).toBe(1000);
    expect(config.sampling.rate).toBe(0.1);
    expect(config.server.port).toBe(4319);
    expect(config.database_url).toBe("postgres://x/y");
    expect(config.evaluator_modules).toEqual([path.join(path.dirname(file), "my-evaluator.ts")]);
  });

  it("names the field and what is wrong", () => {
    expect(() => loadConfig({ TRACEJUDGE_SAMPLE_RATE: "1.5" })).toThrow(/sampling\.rate: .*1/);
    expect(() => loadConfig({ TRACEJUDGE_TRACE_WAIT_MS: "soon" })).toThrow(
      /TRACEJUDGE_TRACE_WAIT_MS: expected a number/,
    );
    expect(() => loadConfig({ TRACEJUDGE_CONFIG: configFile("sampling:\n  rat: 1\n") })).toThrow(
      /sampling: .*rat/,
    );
    expect(() => loadConfig({ TRACEJUDGE_CONFIG: configFile("server: [1, 2]\n") })).toThrow(
      /server: /,
    );
    expect(() => loadConfig({ TRACEJUDGE_CONFIG: configFile("a: [unclosed\n") })).toThrow(
      /not valid YAML/,
    );
    expect(() => loadConfig({ TRACEJUDGE_CONFIG: "/nonexistent/tj.yaml" })).toThrow(
      /cannot read config file/,
    );
    expect(() => loadConfig({ TRACEJUDGE_REDIS_PREFIX: "tj" })).toThrow(
      /redis_prefix: must be a hash tag/,
    );
  });

  it("redacts before the queue under TRACEJUDGE_REDACT_BEFORE_QUEUE, and only with redaction on", () => {
    expect(loadConfig({}).redaction.before_queue).toBe(false);
    expect(loadConfig({ TRACEJUDGE_REDACT_BEFORE_QUEUE: "1" }).redaction.before_queue).toBe(true);
    const file = configFile("redaction:\n  before_queue: true\n");
    expect(loadConfig({ TRACEJUDGE_CONFIG: file }).redaction.before_queue).toBe(true);
    expect(
      loadConfig({ TRACEJUDGE_CONFIG: file, TRACEJUDGE_REDACT_BEFORE_QUEUE: "false" }).redaction
        .before_queue,
    ).toBe(false);
    expect(() => loadConfig({ TRACEJUDGE_REDACT_BEFORE_QUEUE: "yes" })).toThrow(
      /TRACEJUDGE_REDACT_BEFORE_QUEUE: expected 1, 0, true or false/,
    );
    const off = configFile("redaction:\n  enabled: false\n  before_queue: true\n");
    expect(() => loadConfig({ TRACEJUDGE_CONFIG: off })).toThrow(
      /redaction\.before_queue: redacting before the queue needs redaction\.enabled: true/,
    );
  });

  it("takes the service's own resource from OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME, over the file", () => {
    const file = configFile(
      "resource_attributes:\n  service.namespace: llm\n  deployment.environment.name: dev\n",
    );
    expect(loadConfig({}).resource_attributes).toEqual({});
    expect(loadConfig({ TRACEJUDGE_CONFIG: file }).resource_attributes).toEqual({
      "service.namespace": "llm",
      "deployment.environment.name": "dev",
    });
    const config = loadConfig({
      TRACEJUDGE_CONFIG: file,
      OTEL_RESOURCE_ATTRIBUTES:
        "deployment.environment.name=prod, service.name=from-attributes,team=a%2Cb%3Dc,,k8s.pod.name=tj-0",
      OTEL_SERVICE_NAME: "tracejudge-eu",
    });
    expect(config.resource_attributes).toEqual({
      "service.namespace": "llm",
      "deployment.environment.name": "prod",
      // OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES, as in the SDKs.
      "service.name": "tracejudge-eu",
      team: "a,b=c",
      "k8s.pod.name": "tj-0",
    });
    expect(
      loadConfig({ OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attributes" }).resource_attributes,
    ).toEqual({ "service.name": "from-attributes" });
  });

  it("refuses a malformed OTEL_RESOURCE_ATTRIBUTES, naming it", () => {
    for (const bad of ["team", "team=a=b", "=x", "team=%E0%A4%A"]) {
      expect(() => loadConfig({ OTEL_RESOURCE_ATTRIBUTES: bad }), bad).toThrow(
        /OTEL_RESOURCE_ATTRIBUTES: /,
      );
    }
  });

  it("sends the service's own spans only when OTEL_TRACES_EXPORTER asks for otlp", () => {
    const endpoint = (env: Record<string, string>) =>
      loadConfig(env).self_tracing.otlp_traces_endpoint;
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" };
    expect(endpoint(base)).toBeUndefined();
    expect(endpoint({ ...base, OTEL_TRACES_EXPORTER: "none" })).toBeUndefined();
    expect(endpoint({ ...base, OTEL_TRACES_EXPORTER: "otlp" })).toBe(
      "http://collector:4318/v1/traces",
    );
    expect(
      endpoint({
        ...base,
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://tempo:4318/v1/traces",
      }),
    ).toBe("http://tempo:4318/v1/traces");
    expect(endpoint({ OTEL_TRACES_EXPORTER: "otlp" })).toBe("http://localhost:4318/v1/traces");
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: "otlp,zipkin" })).toThrow(
      /OTEL_TRACES_EXPORTER: "zipkin" is not supported/,
    );
  });
});
