/**
 * A connection URL fit for a log line: its password (or a lone credential, as in
 * `redis://:secret@host`) replaced by `***`. A value that does not parse is masked the same way
 * by pattern, so a typo never prints a secret.
 */
export function maskedUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    else if (url.username && url.protocol.startsWith("redis")) url.username = "***";
    return url.toString();
  } catch {
    return value.replace(/\/\/([^/@:]*)(:[^/@]*)?@/, (_, user: string, pass?: string) =>
      pass ? `//${user}:***@` : "//***@",
    );
  }
}
