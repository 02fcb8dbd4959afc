import { describe, expect, it } from "vitest";
import { isConnectionError, storing } from "../../src/errors.ts";

describe("storing", () => {
  it("marks an unreachable PostgreSQL as STORE_UNAVAILABLE, and leaves data errors as they are", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
      code: "ECONNREFUSED",
    });
    await expect(storing(() => Promise.reject(refused))).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      retryable: true,
    });
    const shutdown = Object.assign(
      new Error("terminating connection due to administrator command"),
      { code: "57P01" },
    );
    expect(isConnectionError(shutdown)).toBe(true);
    expect(isConnectionError(new Error("Connection terminated unexpectedly"))).toBe(true);
    const badValue = Object.assign(new Error("invalid byte sequence for encoding UTF8: 0x00"), {
      code: "22021",
    });
    await expect(storing(() => Promise.reject(badValue))).rejects.toBe(badValue);
    const check = Object.assign(new Error("violates check constraint"), { code: "23514" });
    expect(isConnectionError(check)).toBe(false);
  });
});
