/** Queue of "this trace is quiet, assemble it" jobs. */
export const TRACES_QUEUE = "traces";
/** Queue of one job per (span, evaluator, version). */
export const EVALUATIONS_QUEUE = "evaluations";
