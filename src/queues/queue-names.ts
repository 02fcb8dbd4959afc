/** Queue of "this trace is quiet, assemble it" jobs. */
export const TRACES_QUEUE = "traces";
/** Queue of one job per span, naming every evaluator version due for it. */
export const EVALUATIONS_QUEUE = "evaluations";
