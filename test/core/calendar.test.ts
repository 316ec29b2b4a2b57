import { describe, expect, it } from "vitest";
import {
  type CalendarEvent,
  nextOccurrence,
  parseCalendarEvent,
  previousOccurrence,
  typicalIntervalMs,
  wallClockAt,
} from "../../src/core/calendar.js";

const BERLIN = "Europe/Berlin";
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

function span(min: number, max: number, step = 1): number[] {
  const values: number[] = [];
  for (let value = min; value <= max; value += step) values.push(value);
  return values;
}

function event(text: string): CalendarEvent {
  const parsed = parseCalendarEvent(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.event;
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

const ALL_WEEKDAYS = span(0, 6);
const WORKDAYS = span(1, 5);
const EVERY_MONTH = span(1, 12);
const EVERY_DAY = span(1, 31);
const EVERY_HOUR = span(0, 23);
const EVERY_MINUTE = span(0, 59);

describe("parseCalendarEvent", () => {
  it.each<[string, Partial<CalendarEvent>]>([
    [
      "03:00",
      {
        weekdays: ALL_WEEKDAYS,
        years: undefined,
        months: EVERY_MONTH,
        days: EVERY_DAY,
        hours: [3],
        minutes: [0],
        seconds: [0],
      },
    ],
    ["3:15", { hours: [3], minutes: [15], seconds: [0] }],
    ["sun 01:00", { weekdays: [0], hours: [1], minutes: [0] }],
    ["sat 04:00", { weekdays: [6], hours: [4], minutes: [0] }],
    ["mon..fri 22", { weekdays: WORKDAYS, hours: EVERY_HOUR, minutes: [22] }],
    ["*/5", { weekdays: ALL_WEEKDAYS, hours: EVERY_HOUR, minutes: span(0, 55, 5), seconds: [0] }],
    ["12:05", { hours: [12], minutes: [5] }],
    ["sat *-1..7 15:00", { weekdays: [6], months: EVERY_MONTH, days: span(1, 7), hours: [15], minutes: [0] }],
    ["2015-10-21", { years: [2015], months: [10], days: [21], hours: [0], minutes: [0], seconds: [0] }],
    ["*/30", { hours: EVERY_HOUR, minutes: [0, 30] }],
    ["*/2:00", { hours: span(0, 22, 2), minutes: [0] }],
    ["21:00", { hours: [21], minutes: [0] }],
    ["2,22:30", { hours: [2, 22], minutes: [30] }],
    ["mon..fri 00:00", { weekdays: WORKDAYS, hours: [0], minutes: [0] }],
    ["mon..fri */1:00", { weekdays: WORKDAYS, hours: EVERY_HOUR, minutes: [0] }],
    ["mon..fri 7..18:00/15", { weekdays: WORKDAYS, hours: span(7, 18), minutes: [0, 15, 30, 45] }],
    ["mon..wed 30/10", { weekdays: [1, 2, 3], hours: EVERY_HOUR, minutes: [30, 40, 50] }],
    ["fri 12..13:5/20", { weekdays: [5], hours: [12, 13], minutes: [5, 25, 45] }],
    ["7..18/2:00", { hours: span(7, 17, 2), minutes: [0] }],
    ["mon,wed..fri", { weekdays: [1, 3, 4, 5], hours: [0], minutes: [0] }],
    ["sat,sun", { weekdays: [0, 6] }],
    ["sat..sun", { weekdays: [0, 6] }],
    ["fri..mon 03:00", { weekdays: [0, 1, 5, 6], hours: [3] }],
    ["sun..sat", { weekdays: ALL_WEEKDAYS }],
    ["tue..tue", { weekdays: [2] }],
    ["1965/5-01-01", { years: span(1965, 2195, 5), months: [1], days: [1] }],
    ["Saturday,SUNDAY 10:00", { weekdays: [0, 6], hours: [10] }],
    ["  Mon,WED..Fri \t 12:00:30 ", { weekdays: [1, 3, 4, 5], hours: [12], minutes: [0], seconds: [30] }],
    ["*", { hours: EVERY_HOUR, minutes: EVERY_MINUTE, seconds: [0] }],
    ["0:0:*/20", { hours: [0], minutes: [0], seconds: [0, 20, 40] }],
    ["3,1,3", { minutes: [1, 3] }],
    ["*-05", { years: undefined, months: EVERY_MONTH, days: [5], hours: [0], minutes: [0] }],
    ["*-*-01", { years: undefined, months: EVERY_MONTH, days: [1] }],
    ["2024..2026/2-02-29", { years: [2024, 2026], months: [2], days: [29] }],
    ["minutely", { weekdays: ALL_WEEKDAYS, days: EVERY_DAY, hours: EVERY_HOUR, minutes: EVERY_MINUTE }],
    ["hourly", { hours: EVERY_HOUR, minutes: [0], seconds: [0] }],
    ["daily", { weekdays: ALL_WEEKDAYS, days: EVERY_DAY, hours: [0], minutes: [0], seconds: [0] }],
    ["weekly", { weekdays: [1], days: EVERY_DAY, hours: [0], minutes: [0] }],
    ["monthly", { weekdays: ALL_WEEKDAYS, months: EVERY_MONTH, days: [1], hours: [0], minutes: [0] }],
    ["yearly", { years: undefined, months: [1], days: [1], hours: [0], minutes: [0] }],
    ["annually", { months: [1], days: [1], hours: [0], minutes: [0] }],
    ["quarterly", { months: [1, 4, 7, 10], days: [1], hours: [0] }],
    ["semiannually", { months: [1, 7], days: [1], hours: [0] }],
    ["Daily", { hours: [0], minutes: [0] }],
  ])("parses %j", (text, expected) => {
    const parsed = parseCalendarEvent(text);
    expect(parsed).toMatchObject({ ok: true, event: { source: text, ...expected } });
  });

  it("expands year repetitions from year 0, as proxmox-time's `*/N` does", () => {
    expect(event("*/25-01-01").years).toEqual(span(0, 2199, 25));
  });

  it.each<[string, Partial<CalendarEvent>]>([
    ["mon..fri 02:00 UTC", { utc: true, weekdays: WORKDAYS, hours: [2] }],
    ["daily UTC", { utc: true, hours: [0], minutes: [0] }],
    ["  sun 01:00UTC ", { utc: true, weekdays: [0], hours: [1] }],
    ["sun 01:00", { utc: false }],
  ])("reads the UTC suffix of %j", (text, expected) => {
    expect(event(text)).toMatchObject(expected);
  });

  const FORMAT = "[WEEKDAY] [[YEARS-]MONTHS-DAYS] [HOURS:MINUTES[:SECONDS]] [UTC]";
  it.each<[string, string]>([
    ["", "the event is empty"],
    ["  \t ", "the event is empty"],
    ["tue..xyz 03:00", "unknown weekday 'xyz'"],
    ["xyz..tue", "unknown weekday 'xyz'"],
    ["garbage", "unknown weekday 'garbage'"],
    ["mon..tue..wed", "unknown weekday 'tue..wed'"],
    ["mon,,tue", "unknown weekday ''"],
    ["UTC", "the event is empty"],
    ["mon 03:00 utc", `'utc' is out of place, expected ${FORMAT}`],
    ["25:00", "hour 25 is out of range 0-23"],
    ["5..30:00", "hour 30 is out of range 0-23"],
    ["18..7:00", "hour range '18..7' runs backwards"],
    ["12:60", "minute 60 is out of range 0-59"],
    ["12:ab", "invalid minute 'ab'"],
    ["*..5", "invalid minute '*..5'"],
    ["1,2,", "invalid minute ''"],
    ["*/0", "the step of minute '*/0' must be at least 1"],
    ["12:00:60", "second 60 is out of range 0-59"],
    ["1:2:3:4", "invalid time '1:2:3:4', expected HOURS:MINUTES[:SECONDS]"],
    ["*-13-01", "month 13 is out of range 1-12"],
    ["*-1x-01", "invalid month '1x'"],
    ["*-02-0", "day 0 is out of range 1-31"],
    ["2024-02-3x", "invalid day '3x'"],
    ["2200-01-01", "year 2200 is out of range 0-2199"],
    ["*/61", "the step of minute '*/61' must be at most 59"],
    ["*/24:00", "the step of hour '*/24' must be at most 23"],
    ["20x4-01-01", "invalid year '20x4'"],
    ["1-2-3-4", "invalid date '1-2-3-4', expected [YEARS-]MONTHS-DAYS"],
    ["mon 03:00 04:00 05:00", `too many parts (4), expected ${FORMAT}`],
    ["03:00 mon", `'mon' is out of place, expected ${FORMAT}`],
    ["mon tue", `'tue' is out of place, expected ${FORMAT}`],
    ["03:00 *-01-01", `'*-01-01' is out of place, expected ${FORMAT}`],
    ["03:00 04:00", `'04:00' is out of place, expected ${FORMAT}`],
    ["daily 03:00", "keyword 'daily' cannot be combined with other parts"],
  ])("rejects %j", (text, detail) => {
    expect(parseCalendarEvent(text)).toEqual({
      ok: false,
      error: `invalid calendar event '${text}': ${detail}`,
    });
  });
});

describe("nextOccurrence", () => {
  it.each<[string, string, string, string | undefined]>([
    // UTC
    ["03:00", "UTC", "2024-06-10T02:59:59.999Z", "2024-06-10T03:00:00.000Z"],
    ["03:00", "UTC", "2024-06-10T03:00:00.000Z", "2024-06-11T03:00:00.000Z"],
    ["03:00", "UTC", "2024-06-10T03:00:00.001Z", "2024-06-11T03:00:00.000Z"],
    ["*/5", "UTC", "2024-06-10T12:03:20.000Z", "2024-06-10T12:05:00.000Z"],
    ["*/30", "UTC", "2024-06-10T23:45:00.000Z", "2024-06-11T00:00:00.000Z"],
    ["*/2:00", "UTC", "2024-06-10T23:00:00.000Z", "2024-06-11T00:00:00.000Z"],
    ["2,22:30", "UTC", "2024-06-10T02:31:00.000Z", "2024-06-10T22:30:00.000Z"],
    ["12:00:30", "UTC", "2024-06-10T12:00:10.000Z", "2024-06-10T12:00:30.000Z"],
    ["*:*:*/20", "UTC", "2024-06-10T12:00:41.000Z", "2024-06-10T12:01:00.000Z"],
    ["mon..fri 22", "UTC", "2024-06-07T23:22:00.000Z", "2024-06-10T00:22:00.000Z"],
    ["mon..fri 7..18:00/15", "UTC", "2024-06-07T18:45:00.000Z", "2024-06-10T07:00:00.000Z"],
    ["mon..fri 7..18:00/15", "UTC", "2024-06-10T09:07:00.000Z", "2024-06-10T09:15:00.000Z"],
    ["sun 01:00", "UTC", "2024-06-08T01:00:00.000Z", "2024-06-09T01:00:00.000Z"],
    ["weekly", "UTC", "2024-06-03T00:00:00.000Z", "2024-06-10T00:00:00.000Z"],
    // month and year boundaries
    ["monthly", "UTC", "2024-01-31T12:00:00.000Z", "2024-02-01T00:00:00.000Z"],
    ["yearly", "UTC", "2024-12-31T23:59:59.999Z", "2025-01-01T00:00:00.000Z"],
    ["quarterly", "UTC", "2024-04-01T00:00:00.000Z", "2024-07-01T00:00:00.000Z"],
    ["*-*-31", "UTC", "2024-04-01T00:00:00.000Z", "2024-05-31T00:00:00.000Z"],
    ["sat *-1..7 15:00", "UTC", "2024-06-01T15:00:00.000Z", "2024-07-06T15:00:00.000Z"],
    // leap day
    ["*-02-29", "UTC", "2024-02-28T12:00:00.000Z", "2024-02-29T00:00:00.000Z"],
    ["*-02-29", "UTC", "2024-03-01T00:00:00.000Z", "2028-02-29T00:00:00.000Z"],
    // fixed dates and impossible events
    ["2015-10-21", "UTC", "2015-01-01T00:00:00.000Z", "2015-10-21T00:00:00.000Z"],
    ["2015-10-21", "UTC", "2015-10-21T00:00:00.000Z", undefined],
    ["*-02-30", "UTC", "2024-01-01T00:00:00.000Z", undefined],
    // the next Monday 29 February is twenty years on; a fixed date fifty years on is found too
    ["mon *-02-29", "UTC", "2024-03-01T00:00:00.000Z", "2044-02-29T00:00:00.000Z"],
    ["2020-07-31", "UTC", "1970-01-01T00:00:00.000Z", "2020-07-31T00:00:00.000Z"],
    // Europe/Berlin, ordinary days and year boundary
    ["daily", BERLIN, "2024-06-10T22:00:00.000Z", "2024-06-11T22:00:00.000Z"],
    ["yearly", BERLIN, "2024-12-31T22:59:59.000Z", "2024-12-31T23:00:00.000Z"],
    ["sat 04:00", BERLIN, "2024-10-26T02:00:00.000Z", "2024-11-02T03:00:00.000Z"],
    // Europe/Berlin, spring forward on 2024-03-31 (02:00 CET -> 03:00 CEST at 01:00Z)
    ["03:00", BERLIN, "2024-03-30T02:00:00.000Z", "2024-03-31T01:00:00.000Z"],
    ["02:30", BERLIN, "2024-03-30T02:00:00.000Z", "2024-04-01T00:30:00.000Z"],
    ["minutely", BERLIN, "2024-03-31T00:59:30.000Z", "2024-03-31T01:00:00.000Z"],
    // Europe/Berlin, fall back on 2024-10-27 (03:00 CEST -> 02:00 CET at 01:00Z): 02:xx occurs once
    ["02:30", BERLIN, "2024-10-26T12:00:00.000Z", "2024-10-27T00:30:00.000Z"],
    ["hourly", BERLIN, "2024-10-27T00:00:00.000Z", "2024-10-27T02:00:00.000Z"],
    ["minutely", BERLIN, "2024-10-27T01:15:00.000Z", "2024-10-27T02:00:00.000Z"],
    // UTC in the event: the node's zone does not count
    ["03:00 UTC", BERLIN, "2024-03-30T02:00:00.000Z", "2024-03-30T03:00:00.000Z"],
    // a zone west of UTC
    ["daily", "America/New_York", "2024-06-10T03:59:59.000Z", "2024-06-10T04:00:00.000Z"],
  ])("%j in %s after %s is %s", (text, zone, after, expected) => {
    expect(iso(nextOccurrence(event(text), Date.parse(after), zone))).toBe(expected);
  });
});

describe("previousOccurrence", () => {
  it.each<[string, string, string, string | undefined]>([
    // weekly events asked six days after an occurrence
    ["sun 01:00", "UTC", "2024-06-08T01:00:00.000Z", "2024-06-02T01:00:00.000Z"],
    ["weekly", "UTC", "2024-06-09T00:00:00.000Z", "2024-06-03T00:00:00.000Z"],
    ["weekly", BERLIN, "2024-06-08T22:00:00.000Z", "2024-06-02T22:00:00.000Z"],
    // UTC in the event: the node's zone does not count
    ["sun 01:00 UTC", BERLIN, "2024-06-08T01:00:00.000Z", "2024-06-02T01:00:00.000Z"],
    // exactly at an occurrence, and just before it
    ["03:00", "UTC", "2024-06-10T03:00:00.000Z", "2024-06-10T03:00:00.000Z"],
    ["03:00", "UTC", "2024-06-10T02:59:59.999Z", "2024-06-09T03:00:00.000Z"],
    ["mon..fri 7..18:00/15", "UTC", "2024-06-08T12:00:00.000Z", "2024-06-07T18:45:00.000Z"],
    ["mon..fri 7..18:00/15", "UTC", "2024-06-10T09:14:59.000Z", "2024-06-10T09:00:00.000Z"],
    ["*:*:*/20", "UTC", "2024-06-10T12:00:19.000Z", "2024-06-10T12:00:00.000Z"],
    // month and year boundaries
    ["monthly", "UTC", "2024-02-29T23:59:59.999Z", "2024-02-01T00:00:00.000Z"],
    ["yearly", "UTC", "2024-12-31T23:59:59.999Z", "2024-01-01T00:00:00.000Z"],
    ["sat *-1..7 15:00", "UTC", "2024-07-06T14:59:00.000Z", "2024-06-01T15:00:00.000Z"],
    // leap day
    ["*-02-29", "UTC", "2024-03-01T00:00:00.000Z", "2024-02-29T00:00:00.000Z"],
    ["*-02-29", "UTC", "2024-02-29T00:00:00.000Z", "2024-02-29T00:00:00.000Z"],
    ["*-02-29", "UTC", "2024-02-28T23:59:59.999Z", "2020-02-29T00:00:00.000Z"],
    // fixed dates and impossible events
    ["2015-10-21", "UTC", "2020-01-01T00:00:00.000Z", "2015-10-21T00:00:00.000Z"],
    ["2015-10-21", "UTC", "2024-01-01T00:00:00.000Z", "2015-10-21T00:00:00.000Z"],
    ["2030-10-21", "UTC", "2024-01-01T00:00:00.000Z", undefined],
    ["mon *-02-29", "UTC", "2044-02-28T00:00:00.000Z", "2016-02-29T00:00:00.000Z"],
    ["*-02-30", "UTC", "2024-01-01T00:00:00.000Z", undefined],
    // Europe/Berlin, year boundary
    ["yearly", BERLIN, "2024-12-31T23:00:00.000Z", "2024-12-31T23:00:00.000Z"],
    ["yearly", BERLIN, "2024-12-31T22:59:59.999Z", "2023-12-31T23:00:00.000Z"],
    // Europe/Berlin, spring forward on 2024-03-31
    ["03:00", BERLIN, "2024-03-31T01:00:00.000Z", "2024-03-31T01:00:00.000Z"],
    ["02:30", BERLIN, "2024-04-01T00:00:00.000Z", "2024-03-30T01:30:00.000Z"],
    ["minutely", BERLIN, "2024-03-31T01:00:30.000Z", "2024-03-31T01:00:00.000Z"],
    ["minutely", BERLIN, "2024-03-31T00:59:59.000Z", "2024-03-31T00:59:00.000Z"],
    // Europe/Berlin, fall back on 2024-10-27: the repeated hour has no occurrences of its own
    ["minutely", BERLIN, "2024-10-27T01:15:00.000Z", "2024-10-27T00:59:00.000Z"],
    ["hourly", BERLIN, "2024-10-27T01:30:00.000Z", "2024-10-27T00:00:00.000Z"],
    ["hourly", BERLIN, "2024-10-27T02:00:00.000Z", "2024-10-27T02:00:00.000Z"],
    ["hourly", BERLIN, "2024-10-27T03:30:00.000Z", "2024-10-27T03:00:00.000Z"],
    ["02:30", BERLIN, "2024-10-27T01:45:00.000Z", "2024-10-27T00:30:00.000Z"],
  ])("%j in %s at or before %s is %s", (text, zone, at, expected) => {
    expect(iso(previousOccurrence(event(text), Date.parse(at), zone))).toBe(expected);
  });
});

describe("nextOccurrence and previousOccurrence agree", () => {
  // Walks a month of occurrences across a DST change: each occurrence is its own previous one, and the
  // previous one of the instant just before it is the occurrence before.
  it.each<[string, string, string]>([
    ["hourly", BERLIN, "2024-10-26T12:00:00.000Z"],
    ["*/20", BERLIN, "2024-03-30T22:00:00.000Z"],
    ["02:30", BERLIN, "2024-03-25T00:00:00.000Z"],
    ["mon..fri 7..18:00/15", "UTC", "2024-06-06T00:00:00.000Z"],
    ["sat *-1..7 15:00", "America/New_York", "2024-01-01T00:00:00.000Z"],
  ])("%j in %s from %s", (text, zone, from) => {
    const calendar = event(text);
    let previous = nextOccurrence(calendar, Date.parse(from), zone);
    for (let step = 0; step < 50 && previous !== undefined; step++) {
      const current = nextOccurrence(calendar, previous, zone);
      expect(current).toBeGreaterThan(previous);
      if (current === undefined) return;
      expect(previousOccurrence(calendar, current, zone)).toBe(current);
      expect(previousOccurrence(calendar, current - 1, zone)).toBe(previous);
      previous = current;
    }
  });
});

describe("typicalIntervalMs", () => {
  it.each<[string, string, string, number | undefined]>([
    ["daily", "UTC", "2024-06-10T12:00:00.000Z", DAY_MS],
    ["03:00", BERLIN, "2024-06-10T12:00:00.000Z", DAY_MS],
    ["weekly", "UTC", "2024-06-10T12:00:00.000Z", 7 * DAY_MS],
    ["sun 01:00", BERLIN, "2024-06-10T12:00:00.000Z", 7 * DAY_MS],
    ["hourly", "UTC", "2024-06-10T12:30:00.000Z", HOUR_MS],
    ["*/30", "UTC", "2024-06-10T12:10:00.000Z", HOUR_MS / 2],
    ["mon..fri 03:00", "UTC", "2024-06-07T04:00:00.000Z", DAY_MS],
    ["daily", BERLIN, "2024-03-30T00:00:00.000Z", 23 * HOUR_MS],
    ["2015-10-21", "UTC", "2015-01-01T00:00:00.000Z", undefined],
    ["2015-10-21", "UTC", "2016-01-01T00:00:00.000Z", undefined],
  ])("%j in %s from %s is %s", (text, zone, from, expected) => {
    expect(typicalIntervalMs(event(text), Date.parse(from), zone)).toBe(expected);
  });
});

describe("unusable input", () => {
  const daily = event("daily");
  const june = Date.parse("2024-06-10T12:00:00.000Z");

  it.each<[string, number, string]>([
    ["an unknown time zone", june, "Mars/Olympus_Mons"],
    ["NaN", Number.NaN, "UTC"],
    ["Infinity", Number.POSITIVE_INFINITY, "UTC"],
    ["an instant beyond year 8300", 2e14 + 1, "UTC"],
    ["an instant before year 1020", -3e13 - 1, "UTC"],
  ])("gives no occurrence for %s", (_what, ms, zone) => {
    expect(nextOccurrence(daily, ms, zone)).toBeUndefined();
    expect(previousOccurrence(daily, ms, zone)).toBeUndefined();
    expect(typicalIntervalMs(daily, ms, zone)).toBeUndefined();
  });

  it("still works for a known zone after an unknown one was asked for", () => {
    expect(nextOccurrence(daily, june, "Mars/Olympus_Mons")).toBeUndefined();
    expect(iso(nextOccurrence(daily, june, "utc"))).toBe("2024-06-11T00:00:00.000Z");
  });
});

describe("wallClockAt", () => {
  it.each<[string, string, object | undefined]>([
    [
      "2026-02-11T02:00:03Z",
      "UTC",
      { year: 2026, month: 2, day: 11, hour: 2, minute: 0, second: 3, isoWeekday: 3 },
    ],
    [
      "2026-02-15T23:30:00Z",
      "Europe/Berlin",
      { year: 2026, month: 2, day: 16, hour: 0, minute: 30, second: 0, isoWeekday: 1 },
    ],
    [
      "2026-02-15T12:00:00Z",
      "UTC",
      { year: 2026, month: 2, day: 15, hour: 12, minute: 0, second: 0, isoWeekday: 7 },
    ],
    ["2026-02-15T12:00:00Z", "Mars/Olympus_Mons", undefined],
  ])("%s in %s", (iso, tz, expected) => {
    expect(wallClockAt(Date.parse(iso), tz)).toEqual(expected);
  });
});
