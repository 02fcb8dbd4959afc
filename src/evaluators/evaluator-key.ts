/**
 * `name@version`: the identity of an evaluator everywhere (the registry, job ids and names, eval
 * event keys, presence in Redis). Build it here only, so every place spells it alike.
 */
export function evaluatorKey(name: string, version: string): string {
  return `${name}@${version}`;
}
