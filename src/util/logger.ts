/**
 * What the service logs through: pino's four levels, object first. The service's own parts take
 * it as a dependency, and an evaluator gets one as `EvaluatorLogger` (the same shape).
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
