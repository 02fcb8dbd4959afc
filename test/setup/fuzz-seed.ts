import fc from "fast-check";

// Locally each run of the fuzz properties draws new inputs, which is how they find faults. CI sets
// FUZZ_SEED so a submission's result does not hang on the draw: the same inputs on every run, and a
// failure replays with the seed fast-check prints.
const seed = process.env.FUZZ_SEED;
if (seed !== undefined && seed !== "") {
  const value = Number(seed);
  if (!Number.isInteger(value)) throw new Error(`FUZZ_SEED must be an integer, got "${seed}"`);
  fc.configureGlobal({ seed: value });
}
