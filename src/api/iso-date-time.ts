import { z } from "zod";

// RFC 3339 / ISO 8601 extended format: a date, or a date-time with optional seconds, fraction and
// offset. Date.parse alone takes "1" (the year 2001), "May 3", and rolls 2026-02-30 over to
// March 2nd, none of which an API promising ISO 8601 should take.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The instant an ISO 8601 date or date-time names, or null when the text is not one or names a
 * day or time that does not exist. A date alone is midnight UTC; a date-time without an offset is
 * UTC too (Date.parse would read it in the server's zone, which a client cannot know).
 */
export function parseIsoDateTime(text: string): Date | null {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, offset] = match;
  const [y, mo, d] = [Number(year), Number(month), Number(day)];
  // Day zero of the next month is the last of this one.
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return null;
  if (hour !== undefined && (Number(hour) > 23 || Number(minute) > 59 || Number(second ?? 0) > 59))
    return null;
  if (offset && offset.toUpperCase() !== "Z" && Number(offset.slice(1, 3)) > 23) return null;
  const iso = text.replace(/[ t]/, "T").replace(/z$/, "Z");
  const at = Date.parse(hour !== undefined && !offset ? `${iso}Z` : iso);
  return Number.isNaN(at) ? null : new Date(at);
}

/** A query parameter holding an ISO 8601 date or date-time, parsed to the instant it names. */
export const IsoDateTimeSchema = z.string().transform((text, ctx) => {
  const at = parseIsoDateTime(text);
  if (at === null) {
    ctx.addIssue({
      code: "custom",
      message:
        "must be an ISO 8601 date-time, such as 2026-12-03T10:00:00Z (UTC when no offset is given), or a date, such as 2026-12-03",
    });
    return z.NEVER;
  }
  return at;
});
