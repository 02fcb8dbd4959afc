import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup/fuzz-seed.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration files each use their own database and Redis prefix, but two cores do not gain
    // from many parallel service-backed files.
    maxWorkers: 2,
  },
});
