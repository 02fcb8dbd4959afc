import { describe, expect, it } from "vitest";
import { hoursFindings, recordHours, type WeekHours } from "../../evaluators/offline/hours.ts";

const week = recordHours({
  name: "Blaze Pizza",
  hours: {
    Monday: "0:0-0:0",
    Tuesday: "11:0-20:0",
    Wednesday: "11:0-20:0",
    Thursday: "11:0-20:0",
    Friday: "11:0-21:0",
    Saturday: "11:0-21:0",
    Sunday: "11:30-20:0",
  },
}) as WeekHours;

describe("opening hours read from a record", () => {
  it("reads each weekday's range, a late close past midnight, and 0:0-0:0 as unknown", () => {
    expect(week.hours.get(1)).toEqual({ open: 660, close: 1200 });
    expect(week.hours.get(6)).toEqual({ open: 690, close: 1200 });
    expect(week.unknown.has(0)).toBe(true);
    const late = recordHours({ attributes: { hours: { Saturday: "17:0-2:0" } } });
    expect(late?.hours.get(5)).toEqual({ open: 1020, close: 26 * 60 });
    expect(recordHours({ name: "no hours", hours: null })).toBeNull();
  });
});

describe("what a claim says of the hours", () => {
  it.each([
    "Blaze Pizza is open from 11:00 am to 8:00 pm from Tuesday to Thursday, with extended hours until 9:00 pm on Friday and Saturday.",
    "It opens Friday and Saturday 11am-9pm.",
    "The restaurant is open from 11 am to 9 pm on weekends.",
    "On Sundays it opens at 11:30 a.m. and closes at 8 p.m.",
    "The restaurant is open from 11 AM to 8 PM.",
    "We sat outside from 5 to 9 and it was lovely.",
    "It is closed on Mondays.",
  ])("finds nothing wrong in %j", (claim) => {
    expect(hoursFindings(claim, week)).toEqual([]);
  });

  it.each([
    [
      "It is open from 11 am to 9 pm from Tuesday to Sunday.",
      "the record's hours on Tuesday are 11 am to 8 pm",
    ],
    [
      "Its hours are 8:00 to 14:00, Tuesday to Friday.",
      "the record's hours on Tuesday are 11 am to 8 pm",
    ],
    [
      "On Friday it is open from 11:00 AM to 10:00 PM.",
      "the record's hours on Friday are 11 am to 9 pm",
    ],
    ["It is closed on Saturdays.", "the record has hours on Saturday"],
    ["It opens every day from 9 am to 8 pm.", "the record's hours on Tuesday are 11 am to 8 pm"],
    ["The cafe is open from 9 am to 5 pm.", "no day of the record is 9 am to 5 pm"],
  ])("in %j finds %j", (claim, finding) => {
    expect(hoursFindings(claim, week)).toEqual([finding]);
  });

  it("names a day the record does not list", () => {
    const weekdaysOnly = recordHours({
      hours: { Monday: "9:0-17:0", Tuesday: "9:0-17:0" },
    }) as WeekHours;
    expect(hoursFindings("It is open Monday to Wednesday, 9 am to 5 pm.", weekdaysOnly)).toEqual([
      "the record lists no hours on Wednesday",
    ]);
  });
});
