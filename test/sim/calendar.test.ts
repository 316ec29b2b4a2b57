import { describe, expect, it } from "vitest";
import { nextOccurrence, parseCalendarEvent } from "../../src/core/calendar.js";
import { nextRunMs, readCalendarEvent, type SimCalendarEvent } from "../../src/sim/calendar.js";
import { describePveCalendarVectors } from "../core/calendar-pve-vectors.js";

function simEvent(spec: string): SimCalendarEvent {
  const read = readCalendarEvent(spec);
  if ("error" in read) throw new Error(read.error);
  return read.event;
}

describePveCalendarVectors("the sim's calendar", {
  parses: (spec) => "event" in readCalendarEvent(spec),
  nextSec(spec, lastSec, timeZone) {
    const next = nextRunMs(simEvent(spec), lastSec * 1000, timeZone);
    return next === undefined ? undefined : next / 1000;
  },
});

describe("the sim's calendar", () => {
  it.each([
    // proxmox-time tries `HOURS:` first and falls back to `MINUTES:SECONDS`: 25:00 is minute 25.
    ["sun 25:00", "UTC", "2026-02-12T12:00:00Z", "2026-02-15T00:25:00Z"],
    ["5/0", "UTC", "2026-02-12T12:00:00Z", "2026-02-12T12:05:00Z"],
    ["fri..mon 02:00", "UTC", "2026-02-10T12:00:00Z", "2026-02-13T02:00:00Z"],
    // Europe/Berlin springs forward on 2026-03-29 (02:00 -> 03:00) and falls back on 2026-10-25.
    ["02:30", "Europe/Berlin", "2026-03-28T12:00:00Z", "2026-03-30T00:30:00Z"],
    ["02:30", "Europe/Berlin", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"],
    ["02:30", "Europe/Berlin", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"],
    ["hourly", "Europe/Berlin", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"],
    ["03:00 UTC", "Europe/Berlin", "2026-10-25T00:00:00Z", "2026-10-25T03:00:00Z"],
    ["*-02-30", "UTC", "2026-01-01T00:00:00Z", undefined],
    ["2015-10-21", "UTC", "2026-01-01T00:00:00Z", undefined],
    ["daily", "UTC", "+275000-01-01T00:00:00Z", "+275000-01-02T00:00:00Z"],
    ["daily", "UTC", "+275700-01-01T00:00:00Z", undefined],
  ])("runs '%s' in %s after %s at %s", (spec, zone, after, expected) => {
    const next = nextRunMs(simEvent(spec), Date.parse(after), zone);
    expect(next === undefined ? undefined : new Date(next).toISOString()).toBe(
      expected === undefined ? undefined : new Date(expected).toISOString(),
    );
  });

  it.each([
    ["", "event is empty"],
    ["Daily", "'Daily' is not a weekday"],
    ["*/0", "unused parts '/0'"],
    ["sun 3:60", "minute value 60 is too large"],
    ["9..3", "runs backwards"],
    ["2200-01-01", "too large"],
  ])("refuses '%s' (%s)", (spec, why) => {
    const read = readCalendarEvent(spec);
    expect("error" in read && read.error).toContain(why);
  });

  // Two calendars written apart agree on everyday schedules, across DST changes in both hemispheres.
  const SCHEDULES = [
    "daily",
    "weekly",
    "monthly",
    "hourly",
    "sun 01:00",
    "mon..fri 22:00",
    "sat *-1..7 15:00",
    "*/30",
    "*/2:00",
    "2,22:30",
    "mon..fri 7..18:00/15",
    "02:30",
    "*-02-29 03:00",
    "quarterly",
    "fri..mon 04:00",
    "0:0:*/20",
    "sun 01:00 UTC",
  ];
  const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"];
  const STARTS = [
    "2026-03-07T12:34:56Z",
    "2026-03-28T23:59:59Z",
    "2026-10-03T12:00:00Z",
    "2026-10-24T22:00:00Z",
  ];
  it.each(ZONES)("agrees with the core calendar on ten runs of each schedule in %s", (zone) => {
    for (const spec of SCHEDULES) {
      const core = parseCalendarEvent(spec);
      if (!core.ok) throw new Error(core.error);
      const sim = simEvent(spec);
      for (const start of STARTS) {
        let coreAt: number | undefined = Date.parse(start);
        let simAt: number | undefined = coreAt;
        for (let i = 0; i < 10 && coreAt !== undefined && simAt !== undefined; i++) {
          coreAt = nextOccurrence(core.event, coreAt, zone);
          simAt = nextRunMs(sim, simAt, zone);
          expect(simAt, `${spec} in ${zone} from ${start}, run ${i + 1}`).toBe(coreAt);
        }
      }
    }
  });
});
