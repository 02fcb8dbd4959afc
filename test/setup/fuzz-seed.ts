import fc from "fast-check";

// `npm test` runs the fuzz properties on one fixed seed, so the test command gives the same result
// every time; `npm run test:fuzz` (FUZZ_SEED=random) draws new inputs to look for new faults, and a
// failure replays with the seed fast-check prints: FUZZ_SEED=<seed> npx vitest run test/fuzz.
const DEFAULT_SEED = 20261203;

const setting = process.env.FUZZ_SEED ?? "";
if (setting !== "random") {
  const seed = setting === "" ? DEFAULT_SEED : Number(setting);
  if (!Number.isInteger(seed)) {
    throw new Error(`FUZZ_SEED must be an integer or "random", got "${setting}"`);
  }
  fc.configureGlobal({ seed });
}
