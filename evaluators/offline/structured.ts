import { CLOCK_RANGE, recordHours, type WeekHours } from "./hours.ts";

/**
 * Structured context (a JSON record from a tool, a database row, a business listing) read as the
 * sentences a writer makes of it, so that prose written from it can be checked word by word.
 * `{"attributes": {"OutdoorSeating": false}}` says what "no outdoor seating" says, and
 * `"hours": {"Monday": "11:0-21:0"}` what "open Mondays from 11 am to 9 pm" says; as raw JSON
 * neither shares a word with its prose.
 */

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

// Two-letter codes a record gives for a US state, read as the name prose uses.
const US_STATES: Readonly<Record<string, string>> = {
  AL: "Alabama",
  AK: "Alaska",
  AZ: "Arizona",
  AR: "Arkansas",
  CA: "California",
  CO: "Colorado",
  CT: "Connecticut",
  DE: "Delaware",
  DC: "District of Columbia",
  FL: "Florida",
  GA: "Georgia",
  HI: "Hawaii",
  ID: "Idaho",
  IL: "Illinois",
  IN: "Indiana",
  IA: "Iowa",
  KS: "Kansas",
  KY: "Kentucky",
  LA: "Louisiana",
  ME: "Maine",
  MD: "Maryland",
  MA: "Massachusetts",
  MI: "Michigan",
  MN: "Minnesota",
  MS: "Mississippi",
  MO: "Missouri",
  MT: "Montana",
  NE: "Nebraska",
  NV: "Nevada",
  NH: "New Hampshire",
  NJ: "New Jersey",
  NM: "New Mexico",
  NY: "New York",
  NC: "North Carolina",
  ND: "North Dakota",
  OH: "Ohio",
  OK: "Oklahoma",
  OR: "Oregon",
  PA: "Pennsylvania",
  RI: "Rhode Island",
  SC: "South Carolina",
  SD: "South Dakota",
  TN: "Tennessee",
  TX: "Texas",
  UT: "Utah",
  VT: "Vermont",
  VA: "Virginia",
  WA: "Washington",
  WV: "West Virginia",
  WI: "Wisconsin",
  WY: "Wyoming",
};

/** `RestaurantsTakeOut` → `Restaurants Take Out (takeout)`; `review_stars` → `review stars`. */
export function keyWords(key: string): string {
  const parts = key
    .replace(/([a-z\d])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[\s_\-.]+/)
    .filter(Boolean);
  // Prose often writes a split key as one word: "Take Out" as takeout, "Wi Fi" as wifi.
  const joined: string[] = [];
  for (let i = 0; i + 1 < parts.length; i++) {
    const a = parts[i] as string;
    const b = parts[i + 1] as string;
    if (a.length <= 4 && b.length <= 4 && /^[a-z]+$/i.test(a + b))
      joined.push(`${a}${b}`.toLowerCase());
  }
  const words = parts.join(" ");
  return joined.length > 0 ? `${words} (${joined.join(", ")})` : words;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?Z?)?$/;
// Python's repr of a string, as some exports keep it: u'free', 'no'.
const PY_REPR = /^u?'(.*)'$/;

function clock(h: number, m: number): string {
  const hour = h % 12 === 0 ? 12 : h % 12;
  const minutes = m === 0 ? "" : `:${String(m).padStart(2, "0")}`;
  const half = h % 24 < 12 ? "am" : "pm";
  if (h % 24 === 0 && m === 0) return "midnight (12 am)";
  if (h === 12 && m === 0) return "noon (12 pm)";
  return `${hour}${minutes} ${half}`;
}

/** A string value with the readings prose gives it beside it: times of day, dates, states. */
function readString(value: string): string {
  const text = value.replace(PY_REPR, "$1").trim();
  const range = CLOCK_RANGE.exec(text);
  if (range) {
    const [h1, m1, h2, m2] = range.slice(1).map(Number) as [number, number, number, number];
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${pad(h1)}:${pad(m1)} to ${pad(h2)}:${pad(m2)}, from ${clock(h1, m1)} to ${clock(h2, m2)}`;
  }
  const date = DATE_TIME.exec(text);
  if (date) {
    const [year, month, day] = date.slice(1, 4).map(Number) as [number, number, number];
    const name = MONTHS[month - 1];
    if (name) return `${text} (${name} ${day}, ${year})`;
  }
  const state = US_STATES[text];
  if (state) return `${text} (${state})`;
  return text;
}

/** A record's prose, and the attributes it says yes and no to. */
interface Verbalised {
  out: string[];
  /** Lowercase words naming an attribute the record says no to (`"garage": false`). */
  denied: Set<string>;
  /** The same for attributes it says yes to: a word in both is no evidence either way. */
  affirmed: Set<string>;
}

/**
 * The word prose uses for an attribute: the joined form of a split key ("takeout"), else its last
 * word of four letters or more ("Outdoor Seating" → seating, "Good For Groups" → groups).
 */
function attributeWord(key: string): string | null {
  const words = keyWords(key);
  const joined = /\(([^,)]+)/.exec(words)?.[1];
  if (joined) return joined;
  const parts = words.toLowerCase().split(" ");
  for (let i = parts.length - 1; i >= 0; i--)
    if ((parts[i] as string).length >= 4) return parts[i] as string;
  return null;
}

function noteAttribute(key: string | undefined, yes: boolean, v: Verbalised): void {
  const word = key === undefined ? null : attributeWord(key);
  if (word !== null) (yes ? v.affirmed : v.denied).add(word);
}

function verbalise(value: unknown, path: readonly string[], v: Verbalised): void {
  const { out } = v;
  const label = path.map(keyWords).join(" ");
  const last = path.length > 0 ? keyWords(path[path.length - 1] as string) : "";
  if (value === null || value === undefined) return; // unknown: says nothing either way
  if (typeof value === "boolean") {
    noteAttribute(path[path.length - 1], value, v);
    // The verbs prose uses for a record's yes/no attribute: "offers outdoor seating", "has no
    // garage parking".
    out.push(
      value
        ? `${label}: yes. There is ${last}; it has, offers and provides ${last}, available.`
        : `${label}: no. There is no ${last}.`,
    );
    return;
  }
  if (typeof value === "number") {
    // JSON.parse reads 4.0 as 4: both forms, as prose may write either.
    out.push(`${label}: ${Number.isInteger(value) ? `${value} (${value.toFixed(1)})` : value}.`);
    return;
  }
  if (typeof value === "string") {
    const text = readString(value);
    if (text === "" || text.toLowerCase() === "none") return;
    if (PY_REPR.test(value.trim()) && /^(no|none|false)$/i.test(text)) {
      noteAttribute(path[path.length - 1], false, v);
      out.push(`${label}: no. There is no ${last}.`);
      return;
    }
    noteAttribute(path[path.length - 1], true, v);
    // Long text (a review, a description) keeps its own sentences, after its label.
    out.push(`${label}: ${text}${/[.!?]$/.test(text) ? "" : "."}`);
    return;
  }
  if (Array.isArray(value)) {
    const scalars = value.every((x) => x === null || typeof x !== "object");
    if (scalars) {
      const items = value.filter((x) => x !== null).map((x) => readString(String(x)));
      if (items.length > 0) out.push(`${label}: ${items.join(", ")}.`);
      return;
    }
    value.forEach((item, i) => {
      verbalise(item, [...path.slice(0, -1), `${path[path.length - 1] ?? "item"} ${i + 1}`], v);
    });
    return;
  }
  if (typeof value === "object") {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      verbalise(inner, [...path, key], v);
    }
  }
}

/**
 * The document as sentences when it is a JSON object or array, else null. Each leaf becomes
 * `<its key path in words>: <value>.`; booleans also say "There is (no) <key>", nulls say
 * nothing, times, dates and state codes carry their prose readings.
 */
export function verbaliseStructured(document: string): string | null {
  return readRecord(document)?.prose ?? null;
}

/** A structured document read: its prose, its hours, and the attribute words it denies. */
export interface RecordReading {
  prose: string;
  /** Its weekly opening hours, when it has them. */
  hours: WeekHours | null;
  /** Words of attributes the record says no to, and never yes to: "garage" for `"garage": false`. */
  denied: string[];
}

/** `verbaliseStructured`, with the record's opening hours and the attributes it denies. */
export function readRecord(document: string): RecordReading | null {
  const text = document.trim();
  if (!(text.startsWith("{") || text.startsWith("["))) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== "object") return null;
  const v: Verbalised = { out: [], denied: new Set(), affirmed: new Set() };
  verbalise(parsed, [], v);
  if (v.out.length === 0) return null;
  return {
    prose: v.out.join("\n"),
    hours: recordHours(parsed),
    denied: [...v.denied].filter((w) => !v.affirmed.has(w)),
  };
}
