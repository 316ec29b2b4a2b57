import { nextOccurrence, parseCalendarEvent } from "../../src/core/calendar.js";
import { describePveCalendarVectors } from "./calendar-pve-vectors.js";

describePveCalendarVectors("the core calendar", {
  parses: (spec) => parseCalendarEvent(spec).ok,
  nextSec(spec, lastSec, timeZone) {
    const parsed = parseCalendarEvent(spec);
    if (!parsed.ok) throw new Error(parsed.error);
    const next = nextOccurrence(parsed.event, lastSec * 1000, timeZone);
    return next === undefined ? undefined : next / 1000;
  },
});
