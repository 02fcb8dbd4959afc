/**
 * Opening hours: what a record says for each weekday, and what a claim says of them. A record's
 * hours are numbers ("11:0-21:0"), and a wrong claim about them ("open Monday to Sunday from 11 am
 * to 2 pm") reuses the record's own numbers and day names, so word checks pass it: it is checked
 * here, day by day.
 */

/** Minutes after midnight that a day opens and closes (closing past midnight adds 24 h). */
export interface DayHours {
  open: number;
  close: number;
}

/** Hours by weekday, 0 = Monday … 6 = Sunday; a day the record lists not is closed. */
export interface WeekHours {
  hours: ReadonlyMap<number, DayHours>;
  /** Days listed as "0:0-0:0": closed, or open around the clock; listings mean either. */
  unknown: ReadonlySet<number>;
}

const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const DAY_NAMES = DAYS.map((d) => `${d[0]?.toUpperCase()}${d.slice(1)}`);
const DAY_ABBREVIATIONS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/** A record's hours of one day, `H:M-H:M` ("11:0-21:30"): what listings export. */
export const CLOCK_RANGE = /^(\d{1,2}):(\d{1,2})\s*-\s*(\d{1,2}):(\d{1,2})$/;

/** 0 for Monday … 6 for Sunday, from a day's name or its abbreviation; -1 for neither. */
function dayIndex(word: string): number {
  const w = word.toLowerCase().replace(/\.$/, "").replace(/s$/, "");
  const full = DAYS.indexOf(w);
  return full >= 0 ? full : DAY_ABBREVIATIONS.indexOf(w.slice(0, 3));
}

/**
 * The weekly hours of a record: the first object whose keys are weekday names and whose values
 * are `H:M-H:M` ranges, wherever it is nested. Null when there is none.
 */
export function recordHours(record: unknown, depth = 0): WeekHours | null {
  if (record === null || typeof record !== "object" || depth > 6) return null;
  if (!Array.isArray(record)) {
    const hours = new Map<number, DayHours>();
    const unknown = new Set<number>();
    for (const [key, value] of Object.entries(record as Record<string, unknown>)) {
      const day = DAYS.indexOf(key.toLowerCase());
      const range = typeof value === "string" ? CLOCK_RANGE.exec(value.trim()) : null;
      if (day < 0 || !range) continue;
      const [h1, m1, h2, m2] = range.slice(1).map(Number) as [number, number, number, number];
      const open = h1 * 60 + m1;
      let close = h2 * 60 + m2;
      // "0:0-0:0" is what listings hold for a day closed and for one open around the clock
      // alike: nothing to check it against. A close before the opening is past midnight.
      if (open === 0 && close === 0) {
        unknown.add(day);
        continue;
      }
      if (close <= open) close += 24 * 60;
      hours.set(day, { open, close });
    }
    if (hours.size > 0) return { hours, unknown };
  }
  for (const value of Object.values(record as Record<string, unknown>)) {
    const found = recordHours(value, depth + 1);
    if (found) return found;
  }
  return null;
}

// A time of day: "11", "11:30", "11 am", "11:30pm", "11 a.m.", "14:00". Half-day words optional.
const TIME = String.raw`(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?`;
const TIME_RANGE = new RegExp(
  String.raw`\b${TIME}\s*(?:-|–|to|until|till|through)\s*${TIME}(?![\d:])`,
  "gi",
);
// "until 10 pm on Fridays": a later closing than the days around it.
const UNTIL = new RegExp(String.raw`\b(?:until|till)\s+${TIME}(?![\d:])`, "gi");
// Day names in full, in any case, or abbreviated with a capital: "sat" and "wed" are verbs.
const DAY_WORD = String.raw`(?:[Mm]onday|[Tt]uesday|[Ww]ednesday|[Tt]hursday|[Ff]riday|[Ss]aturday|[Ss]unday|Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)s?\b\.?`;
const DAY_RANGE = new RegExp(
  String.raw`\b(${DAY_WORD})\s*(?:-|–|to|through|thru|until)\s*(${DAY_WORD})`,
  "g",
);
const SINGLE_DAY = new RegExp(String.raw`\b(${DAY_WORD})`, "g");
const EVERY_DAY = /\b(every ?day|daily|seven days a week|7 days a week|all week)\b/i;
// Friday is left out of both: prose counts it with the week or the weekend as it likes.
const WEEKDAYS = /\bweekdays\b/i;
const WEEKENDS = /\bweekends?\b/i;
const CLOSED = /\bclosed\b/i;
// Where a claim moves to another group of days: "Monday to Thursday 5-9 pm, Friday 11 am-10 pm".
const SEGMENT = /[,;]|\b(?:and|with|while|but|except)\b/;

/** Minutes after midnight, or null when the hour is no hour of the clock. */
function minutes(
  hour: string,
  minute: string | undefined,
  half: string | undefined,
): number | null {
  let h = Number(hour);
  const m = minute === undefined ? 0 : Number(minute);
  if (h > 24 || m > 59) return null;
  const pm = half?.toLowerCase().startsWith("p");
  if (half !== undefined && h > 12) return null;
  if (pm && h < 12) h += 12;
  if (half !== undefined && !pm && h === 12) h = 0;
  return h * 60 + m;
}

function daySpan(from: number, to: number): number[] {
  const out: number[] = [];
  for (let d = from; ; d = (d + 1) % 7) {
    out.push(d);
    if (d === to || out.length === 7) return out;
  }
}

/** What one segment of a claim says: its days, and the hours or the closing it gives them. */
interface Segment {
  days: number[];
  range?: DayHours;
  /** "until 10 pm": the closing alone. */
  closeOnly?: number;
  closed: boolean;
  /** "weekdays", "weekends": prose rounds these, so one day of the group agreeing is enough. */
  loose: boolean;
}

function readSegment(text: string): Segment {
  const days = new Set<number>();
  let rest = text;
  for (const m of text.matchAll(DAY_RANGE)) {
    const from = dayIndex(m[1] as string);
    const to = dayIndex(m[2] as string);
    if (from >= 0 && to >= 0) for (const d of daySpan(from, to)) days.add(d);
    rest = rest.replace(m[0], " ");
  }
  for (const m of rest.matchAll(SINGLE_DAY)) {
    const day = dayIndex(m[1] as string);
    if (day >= 0) days.add(day);
  }
  if (EVERY_DAY.test(text)) for (const d of daySpan(0, 6)) days.add(d);
  const loose = days.size === 0 && (WEEKDAYS.test(text) || WEEKENDS.test(text));
  if (WEEKDAYS.test(text)) for (const d of daySpan(0, 3)) days.add(d);
  if (WEEKENDS.test(text)) for (const d of [5, 6]) days.add(d);
  const segment: Segment = { days: [...days], closed: CLOSED.test(text), loose };
  for (const m of text.matchAll(TIME_RANGE)) {
    const [, h1, m1, half1, h2, m2, half2] = m;
    // "from 5 to 9 pm": the first time takes the second's half of the day.
    const open = minutes(h1 as string, m1, half1 ?? (m1 === undefined ? half2 : undefined));
    let close = minutes(h2 as string, m2, half2);
    // Bare numbers with neither a colon nor am/pm ("5 to 9 people") are no times.
    if (open === null || close === null) continue;
    if (half1 === undefined && half2 === undefined && m1 === undefined && m2 === undefined)
      continue;
    if (close <= open) close += 24 * 60;
    segment.range = { open, close };
    return segment;
  }
  for (const m of text.matchAll(UNTIL)) {
    const [, h, min, half] = m;
    const close = minutes(h as string, min, half);
    if (close !== null && (half !== undefined || min !== undefined)) segment.closeOnly = close;
  }
  return segment;
}

function sameHours(actual: DayHours | undefined, open: number, close: number): boolean {
  return actual !== undefined && actual.open === open && actual.close === close;
}

function clock(total: number): string {
  const m = total % (24 * 60);
  const h = Math.floor(m / 60);
  const half = h < 12 ? "am" : "pm";
  const hour = h % 12 === 0 ? 12 : h % 12;
  const min = m % 60 === 0 ? "" : `:${String(m % 60).padStart(2, "0")}`;
  return `${hour}${min} ${half}`;
}

/**
 * What a claim gets wrong about the record's hours: the hours it gives a day that are not the
 * record's, a day it calls closed that the record opens, a day it gives hours that the record
 * does not list. The claim is read segment by segment (at commas, "and", "with"): a segment's
 * hours go with its days, or with the next or previous segment's days when it names none, and a
 * later segment overrides an earlier one for its days ("Monday to Sunday, 11 am to 8 pm, with
 * extended hours until 9 pm on Fridays"). Hours with no day at all must be some day's.
 */
export function hoursFindings(text: string, week: WeekHours): string[] {
  if (!/\d/.test(text) && !CLOSED.test(text)) return [];
  const segments: Segment[] = [];
  for (const segment of text.split(SEGMENT).map(readSegment)) {
    const previous = segments[segments.length - 1];
    const timed = segment.range !== undefined || segment.closeOnly !== undefined;
    // "until 9 pm on Friday and Saturday": days alone after a segment with days go on its list.
    if (
      previous &&
      previous.days.length > 0 &&
      segment.days.length > 0 &&
      !timed &&
      !segment.closed
    ) {
      previous.days = [...previous.days, ...segment.days];
      continue;
    }
    segments.push(segment);
  }
  const claimed = new Map<number, DayHours | "closed">();
  const findings: string[] = [];
  segments.forEach((segment, i) => {
    let days = segment.days;
    const timed = segment.range !== undefined || segment.closeOnly !== undefined;
    let loose = segment.loose;
    if (days.length === 0 && timed) {
      // "open from 8:00 to 14:00, from Tuesday to Sunday": the days are in a segment nearby.
      const next = segments[i + 1];
      const previous = segments[i - 1];
      const partner =
        next && next.days.length > 0 && !next.range && next.closeOnly === undefined
          ? next
          : previous && previous.days.length > 0 && !previous.range
            ? previous
            : undefined;
      if (partner) {
        days = partner.days;
        loose = partner.loose;
      }
    }
    if (segment.range && days.length === 0) {
      const { open, close } = segment.range;
      const anyDay = [...week.hours.values()].some((h) => sameHours(h, open, close));
      if (!anyDay) findings.push(`no day of the record is ${clock(open)} to ${clock(close)}`);
      return;
    }
    if (segment.range && loose) {
      const { open, close } = segment.range;
      if (days.some((d) => week.unknown.has(d) || sameHours(week.hours.get(d), open, close))) {
        for (const d of days) claimed.delete(d);
        return;
      }
    }
    for (const day of days) {
      if (segment.range) claimed.set(day, segment.range);
      else if (segment.closeOnly !== undefined) {
        const before = claimed.get(day);
        if (before && before !== "closed") {
          const close =
            segment.closeOnly <= before.open ? segment.closeOnly + 24 * 60 : segment.closeOnly;
          claimed.set(day, { open: before.open, close });
        }
      } else if (segment.closed) claimed.set(day, "closed");
    }
  });
  for (const [day, says] of [...claimed].sort((a, b) => a[0] - b[0])) {
    if (week.unknown.has(day)) continue;
    const actual = week.hours.get(day);
    if (says === "closed") {
      if (actual) findings.push(`the record has hours on ${DAY_NAMES[day]}`);
    } else if (actual === undefined) {
      findings.push(`the record lists no hours on ${DAY_NAMES[day]}`);
    } else if (!sameHours(actual, says.open, says.close)) {
      findings.push(
        `the record's hours on ${DAY_NAMES[day]} are ${clock(actual.open)} to ${clock(actual.close)}`,
      );
    }
    // One finding names the error; the rest of the same schedule would repeat it.
    if (findings.length > 0) break;
  }
  return findings;
}
