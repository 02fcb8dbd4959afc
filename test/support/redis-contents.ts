import type { Redis } from "ioredis";

/** A Redis glob matching `text` literally. */
function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Every byte a key holds, whatever its type: strings, hashes, lists, sets, sorted sets, streams. */
async function keyContents(redis: Redis, key: string): Promise<Buffer[]> {
  const type = await redis.type(key);
  switch (type) {
    case "string": {
      const value = await redis.getBuffer(key);
      return value ? [value] : [];
    }
    case "hash":
      return Object.entries(await redis.hgetallBuffer(key)).flatMap(([field, value]) => [
        Buffer.from(field),
        value,
      ]);
    case "list":
      return redis.lrangeBuffer(key, 0, -1);
    case "set":
      return redis.smembersBuffer(key);
    case "zset":
      return redis.zrangeBuffer(key, "0", "-1");
    case "stream":
      // [[id, [field, value, field, value, …]], …]
      return (await redis.xrangeBuffer(key, "-", "+")).flatMap(([id, fields]) => [id, ...fields]);
    default:
      return []; // "none": gone since the scan listed it
  }
}

/**
 * The keys under `prefix` whose name or value holds each needle (UTF-8, as stored: a gzip body
 * hides its text), reading every type BullMQ and the trace buffer use.
 */
export async function keysHolding(
  redis: Redis,
  prefix: string,
  needles: readonly string[],
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>(needles.map((needle) => [needle, []]));
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${globLiteral(prefix)}*`, "COUNT", 500);
    cursor = next;
    for (const key of keys) {
      const contents = [Buffer.from(key), ...(await keyContents(redis, key))];
      for (const needle of needles) {
        if (contents.some((bytes) => bytes.includes(needle))) found.get(needle)?.push(key);
      }
    }
  } while (cursor !== "0");
  return found;
}
