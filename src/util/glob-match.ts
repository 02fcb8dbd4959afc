/**
 * Glob patterns as the config file writes them (`service: ["checkout-*"]`, `allow_hosts:
 * ["*.internal"]`): span filters, alert scopes, judge routes, webhook and URL allow-lists all match
 * with this one.
 */

const globCache = new Map<string, RegExp>();

/** `*` matches any run of characters; everything else is literal. */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes("*")) return pattern === value;
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    re = new RegExp(`^${body}$`, "s");
    globCache.set(pattern, re);
  }
  return re.test(value);
}
