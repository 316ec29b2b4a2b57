import { describe, expect, it } from "vitest";

/**
 * Proxmox's own calendar-event test vectors, as a suite any calendar implementation can be run
 * against (the product's core calendar and the simulated lab's own).
 *
 * Sources (facts transcribed, nothing else):
 * - `proxmox-time/src/test.rs`, `test_compute_next_event` and `test_calendar_event_weekday`, in
 *   proxmox/proxmox-rs at f3305009 (the Rust crate PVE's `Proxmox::RS::CalendarEvent` wraps). Every
 *   spec there is parsed with " UTC" appended, so it is computed in UTC.
 * - `proxmox-time/src/calendar_event.rs`, the examples in the `CalendarEvent` documentation.
 * - `test/calendar_event_test.pl` in proxmox/pve-common at f665029: the `nextsync` pairs (run with
 *   `utc = 1`), the parse expectations, and the Europe/Vienna cases around the 2018 CEST/CET switch.
 *
 * Times are epoch seconds, as in the sources.
 */

const MIN = 60;
const HOUR = 3600;
const DAY = 86_400;
/** `make_test_time(mday, hour, min)`: epoch 0 is Thursday, 1970-01-01 00:00 UTC. */
const testTime = (mday: number, hour: number, min: number) => mday * DAY + hour * HOUR + min * MIN;
const THURSDAY_00_00 = testTime(0, 0, 0);
const THURSDAY_15_00 = testTime(0, 15, 0);
const JUL_31_2020 = 1_596_153_600; // Friday, 2020-07-31 00:00:00 UTC
const DEC_31_2020 = 1_609_372_800; // Thursday, 2020-12-31 00:00:00 UTC

/** `[spec, last, expected next]`: the first occurrence strictly after `last`. */
type Vector = readonly [string, number, number];

/** A chained run `n = next(n)` from the source's loops, as the pairs it asserts. */
function chain(spec: string, step: number, offset: number): Vector[] {
  // `for i in 2..100 { n = test_value(spec, n, THURSDAY_00_00 + i * step + offset) }`
  return Array.from({ length: 98 }, (_, k) => {
    const i = k + 2;
    return [spec, THURSDAY_00_00 + (i - 1) * step + offset, THURSDAY_00_00 + i * step + offset] as const;
  });
}

const RUST_NEXT: readonly Vector[] = [
  // minute only syntax
  ["0", THURSDAY_00_00, THURSDAY_00_00 + HOUR],
  ["*", THURSDAY_00_00, THURSDAY_00_00 + MIN],
  ["*:0", THURSDAY_00_00, THURSDAY_00_00 + HOUR],
  ["*:*", THURSDAY_00_00, THURSDAY_00_00 + MIN],
  ["*:*:*", THURSDAY_00_00, THURSDAY_00_00 + 1],
  ["*:3:5", THURSDAY_00_00, THURSDAY_00_00 + 3 * MIN + 5],
  ["mon *:*", THURSDAY_00_00, THURSDAY_00_00 + 4 * DAY],
  ["mon 2:*", THURSDAY_00_00, THURSDAY_00_00 + 4 * DAY + 2 * HOUR],
  ["mon 2:50", THURSDAY_00_00, THURSDAY_00_00 + 4 * DAY + 2 * HOUR + 50 * MIN],
  ["tue", THURSDAY_00_00, THURSDAY_00_00 + 5 * DAY],
  ["wed", THURSDAY_00_00, THURSDAY_00_00 + 6 * DAY],
  ["thu", THURSDAY_00_00, THURSDAY_00_00 + 7 * DAY],
  ["fri", THURSDAY_00_00, THURSDAY_00_00 + 1 * DAY],
  ["sat", THURSDAY_00_00, THURSDAY_00_00 + 2 * DAY],
  ["sun", THURSDAY_00_00, THURSDAY_00_00 + 3 * DAY],
  // repeated ranges
  ["4..10/2:0", THURSDAY_00_00, THURSDAY_00_00 + 4 * HOUR],
  ["4..10/2:0", THURSDAY_00_00 + 5 * HOUR, THURSDAY_00_00 + 6 * HOUR],
  ["4..10/2:0", THURSDAY_00_00 + 11 * HOUR, THURSDAY_00_00 + 1 * DAY + 4 * HOUR],
  // several values for one field, in any order
  ["5,10:4,8", THURSDAY_00_00, THURSDAY_00_00 + 5 * HOUR + 4 * MIN],
  ["10,5:8,4", THURSDAY_00_00, THURSDAY_00_00 + 5 * HOUR + 4 * MIN],
  ["6,4..10:23,5/5", THURSDAY_00_00, THURSDAY_00_00 + 4 * HOUR + 5 * MIN],
  ["4..10,6:5/5,23", THURSDAY_00_00, THURSDAY_00_00 + 4 * HOUR + 5 * MIN],
  // month wrapping
  ["sat", JUL_31_2020, JUL_31_2020 + 1 * DAY],
  ["sun", JUL_31_2020, JUL_31_2020 + 2 * DAY],
  ["mon", JUL_31_2020, JUL_31_2020 + 3 * DAY],
  ["tue", JUL_31_2020, JUL_31_2020 + 4 * DAY],
  ["wed", JUL_31_2020, JUL_31_2020 + 5 * DAY],
  ["thu", JUL_31_2020, JUL_31_2020 + 6 * DAY],
  ["fri", JUL_31_2020, JUL_31_2020 + 7 * DAY],
  // year wrapping
  ["fri", DEC_31_2020, DEC_31_2020 + 1 * DAY],
  ["sat", DEC_31_2020, DEC_31_2020 + 2 * DAY],
  ["sun", DEC_31_2020, DEC_31_2020 + 3 * DAY],
  ["mon", DEC_31_2020, DEC_31_2020 + 4 * DAY],
  ["tue", DEC_31_2020, DEC_31_2020 + 5 * DAY],
  ["wed", DEC_31_2020, DEC_31_2020 + 6 * DAY],
  ["thu", DEC_31_2020, DEC_31_2020 + 7 * DAY],
  ["daily", THURSDAY_00_00, THURSDAY_00_00 + DAY],
  ["daily", THURSDAY_00_00 + 1, THURSDAY_00_00 + DAY],
  ["5/2:0", THURSDAY_00_00, THURSDAY_00_00 + 5 * HOUR],
  ["5/2:0", THURSDAY_00_00 + 5 * HOUR, THURSDAY_00_00 + 7 * HOUR],
  ["5/2:0", THURSDAY_00_00 + 7 * HOUR, THURSDAY_00_00 + 9 * HOUR],
  ["5/2:0", THURSDAY_00_00 + 9 * HOUR, THURSDAY_00_00 + 11 * HOUR],
  ["*:*", THURSDAY_00_00, THURSDAY_00_00 + MIN],
  ...chain("*:*", MIN, 0),
  ["*:0", THURSDAY_00_00, THURSDAY_00_00 + HOUR],
  ...chain("*:0", HOUR, 0),
  ["1:0", THURSDAY_15_00, THURSDAY_00_00 + DAY + HOUR],
  ...chain("1:0", DAY, HOUR),
  // dates
  ["2020-07-31", 0, JUL_31_2020],
  ["02-28", 0, (31 + 27) * DAY],
  ["02-29", 0, 2 * 365 * DAY + (31 + 28) * DAY], // 1972-02-29
  ["1965/5-01-01", -1, THURSDAY_00_00],
  ["2020-7..9-2/2", JUL_31_2020, JUL_31_2020 + 2 * DAY],
  ["2020,2021-12-31", JUL_31_2020, DEC_31_2020],
  // keyword shortcuts
  ["minutely", THURSDAY_00_00, THURSDAY_00_00 + MIN],
  ["hourly", THURSDAY_00_00, THURSDAY_00_00 + HOUR],
  ["weekly", THURSDAY_00_00, THURSDAY_00_00 + 4 * DAY],
  ["monthly", 0, 31 * DAY],
  ["quarterly", 0, (31 + 28 + 31) * DAY],
  ["semiannually", 0, (31 + 28 + 31 + 30 + 31 + 30) * DAY],
  ["semi-annually", 0, (31 + 28 + 31 + 30 + 31 + 30) * DAY],
  ["yearly", 0, 365 * DAY],
  ["annually", 0, 365 * DAY],
];

/** `test_never`: parses, but has no next occurrence. */
const RUST_NEVER: readonly (readonly [string, number])[] = [
  ["2021-02-29", 0],
  ["02-30", 0],
];

/** The examples in the `CalendarEvent` documentation (the spec already ends in UTC). */
const RUST_DOC_NEXT: readonly Vector[] = [
  ["daily UTC", 0, 86_400],
  ["mon..fri *:00 UTC", 0, 3600],
];

/** `test_calendar_event_weekday`: each parses. */
const RUST_WEEKDAYS = [
  "mon,wed..fri",
  "fri..mon",
  "mon",
  "MON",
  "monDay",
  "tue",
  "Tuesday",
  "wed",
  "wednesday",
  "thu",
  "thursday",
  "fri",
  "friday",
  "sat",
  "saturday",
  "sun",
  "sunday",
  "mon..fri",
  "mon,tue,fri",
  "mon,tue..wednesday,fri..sat",
];

/** pve-common's `nextsync` pairs, computed in UTC. */
const PERL_NEXT: readonly Vector[] = [
  ["*", 0, 60],
  ["*", 30, 60],
  ["*", 59, 60],
  ["*", 60, 120],
  ["*/10", 0, 600],
  ["*/10", 599, 600],
  ["*/10", 600, 1200],
  ["*/10", 50 * 60, 60 * 60],
  ["*/12:0", 10, 43200],
  ["*/12:0", 13 * 3600, 24 * 3600],
  ["1/12:0/15", 0, 3600],
  ["1/12:0/15", 3600, 3600 + 15 * 60],
  ["1/12:0/15", 3600 + 16 * 60, 3600 + 30 * 60],
  ["1/12:0/15", 3600 + 30 * 60, 3600 + 45 * 60],
  ["1/12:0/15", 3600 + 45 * 60, 3600 + 12 * 3600],
  ["1/12:0/15", 13 * 3600 + 1, 13 * 3600 + 15 * 60],
  ["1/12:0/15", 13 * 3600 + 15 * 60, 13 * 3600 + 30 * 60],
  ["1/12:0/15", 13 * 3600 + 30 * 60, 13 * 3600 + 45 * 60],
  ["1/12:0/15", 13 * 3600 + 45 * 60, 25 * 3600],
  ["1,4,6", 0, 60],
  ["1,4,6", 60, 4 * 60],
  ["1,4,6", 4 * 60 + 60, 6 * 60],
  ["1,4,6", 6 * 60, 3600 + 60],
  ["Mon", 0, 4 * 86400],
  ["Mon", 4 * 86400, 11 * 86400],
  ["Mon", 11 * 86400, 18 * 86400],
  ["sat..sun", 0, 2 * 86400],
  ["sat..sun", 2 * 86400, 3 * 86400],
  ["sat..sun", 3 * 86400, 9 * 86400],
  ["22/1:0", 0, 22 * 60 * 60],
  ["22/1:0", 22 * 60 * 60, 23 * 60 * 60],
  ["22/1:0", 22 * 60 * 60 + 59 * 60, 23 * 60 * 60],
  ["*/2:*", 0, 60],
  ["*/2:*", 60 * 60, 2 * 60 * 60],
  ["*/2:*", 2 * 60 * 60, 2 * 60 * 60 + 60],
  ["20..22:*/30", 0, 20 * 60 * 60],
  ["20..22:*/30", 20 * 60 * 60, 20 * 60 * 60 + 30 * 60],
  ["20..22:*/30", 22 * 60 * 60 + 30 * 60, 44 * 60 * 60],
  ["0,1,3..5", 0, 60],
  ["0,1,3..5", 60, 3 * 60],
  ["0,1,3..5", 5 * 60, 60 * 60],
  ["2,4:0,1,3..5", 0, 2 * 60 * 60],
  ["2,4:0,1,3..5", 2 * 60 * 60 + 60, 2 * 60 * 60 + 3 * 60],
  ["2,4:0,1,3..5", 2 * 60 * 60 + 5 * 60, 4 * 60 * 60],
];

/**
 * pve-common's parse expectations. Its `Fri..Mon` error is left out: that script's error check
 * cannot fail (`$@` is defined even when empty), and the Rust parser it now calls accepts
 * `fri..mon` as a range through the weekend (`test_calendar_event_weekday` above).
 */
const PERL_VALID = ["0..3", "23..23:0..3", "sun..sat", "wed,mon..tue,fri", "mon */15"];
const PERL_INVALID = ["61", "*/61", "0..80", " mon 0 0 0", "", " mon 0 0"];

/** `timelocal(0, 0, 0, 28, 9, 2018)` etc.: Sunday 2018-10-28, the day CEST ends. */
const VIENNA = "Europe/Vienna";
const PERL_ZONES: readonly (readonly [string, string, string, string])[] = [
  // [spec, node time zone, last (ISO), expected next (ISO)]
  ["mon..fri", "UTC", "2018-10-28T00:00:00Z", "2018-10-29T00:00:00Z"],
  ["mon..fri UTC", "UTC", "2018-10-28T00:00:00Z", "2018-10-29T00:00:00Z"],
  // Local midnight of the 28th is still CEST (+2), of the 29th already CET (+1).
  ["mon..fri", VIENNA, "2018-10-27T22:00:00Z", "2018-10-28T23:00:00Z"],
  // UTC in the spec: midnight UTC, which is 01:00 in Vienna.
  ["mon..fri UTC", VIENNA, "2018-10-27T22:00:00Z", "2018-10-29T00:00:00Z"],
];

/** What a calendar implementation offers the suite; times in epoch seconds. */
export interface CalendarUnderTest {
  parses(spec: string): boolean;
  /** The first occurrence strictly after `lastSec` on a node in `timeZone`, or undefined. */
  nextSec(spec: string, lastSec: number, timeZone: string): number | undefined;
}

/** Registers the vector tests for one implementation. */
export function describePveCalendarVectors(name: string, calendar: CalendarUnderTest): void {
  const { parses, nextSec } = calendar;

  describe(`${name} against proxmox-time's test vectors`, () => {
    it.each(RUST_NEXT)("'%s UTC' after %i is %i", (spec, last, expected) => {
      expect(nextSec(`${spec} UTC`, last, "UTC")).toBe(expected);
    });

    it.each(RUST_NEXT)("'%s UTC' after %i is %i on a node far from UTC", (spec, last, expected) => {
      // The UTC suffix makes the node's own zone irrelevant.
      expect(nextSec(`${spec} UTC`, last, "Pacific/Kiritimati")).toBe(expected);
    });

    it.each(RUST_NEVER)("'%s UTC' after %i never occurs", (spec, last) => {
      expect(nextSec(`${spec} UTC`, last, "UTC")).toBeUndefined();
    });

    it.each(RUST_DOC_NEXT)("'%s' after %i is %i", (spec, last, expected) => {
      expect(nextSec(spec, last, "UTC")).toBe(expected);
    });

    it.each(RUST_WEEKDAYS)("parses '%s'", (spec) => {
      expect(parses(spec)).toBe(true);
    });
  });

  describe(`${name} against pve-common's test vectors`, () => {
    it.each(PERL_NEXT)("'%s' after %i is %i", (spec, last, expected) => {
      expect(nextSec(spec, last, "UTC")).toBe(expected);
    });

    it.each(PERL_VALID)("parses '%s'", (spec) => {
      expect(parses(spec)).toBe(true);
    });

    it.each(PERL_INVALID)("rejects '%s'", (spec) => {
      expect(parses(spec)).toBe(false);
    });

    it.each(PERL_ZONES)("'%s' on a node in %s after %s is %s", (spec, zone, last, expected) => {
      expect(nextSec(spec, Date.parse(last) / 1000, zone)).toBe(Date.parse(expected) / 1000);
    });
  });
}
