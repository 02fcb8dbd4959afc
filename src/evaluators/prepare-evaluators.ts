import { builtinEvaluators } from "../../evaluators/index.ts";
import type { Config } from "../config/config-schema.ts";
import { createConfigJudge } from "./config-judge.ts";
import { loadEvaluatorModules } from "./load-evaluator-modules.ts";
import { type ActiveEvaluator, EvaluatorRegistry } from "./registry.ts";
import { createRemoteEvaluator } from "./remote-evaluator.ts";

/**
 * Registers the built-ins and the configured evaluator modules, freezes the registry and returns
 * the evaluators to run. Throws (with every broken module named) rather than start half-equipped.
 */
export async function prepareEvaluators(
  config: Config,
): Promise<{ registry: EvaluatorRegistry; active: ActiveEvaluator[] }> {
  const registry = new EvaluatorRegistry();
  for (const evaluator of builtinEvaluators) registry.register(evaluator, "built-in");
  await loadEvaluatorModules(registry, config.evaluator_modules, config.evaluator_dirs);
  config.judges.forEach((judge, i) => {
    registry.register(createConfigJudge(judge), `judges.${i}`);
  });
  config.remote_evaluators.forEach((remote, i) => {
    registry.register(createRemoteEvaluator(remote), `remote_evaluators.${i} (${remote.url})`);
  });
  registry.freeze();
  return { registry, active: registry.activate(config.evaluators) };
}
