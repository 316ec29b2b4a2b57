/**
 * Proxmox VE calendar events (the `schedule` of a backup job): parsing and occurrence search.
 *
 * Grammar (PVE `calendar-events.adoc`, a subset of systemd's, as proxmox-time parses it):
 * `[WEEKDAY] [[YEARS-]MONTHS-DAYS] [HOURS:MINUTES[:SECONDS]] [UTC]`, plus the keywords `minutely`,
 * `hourly`, `daily`, `weekly`, `monthly`, `yearly`/`annually`, `quarterly` and
 * `semiannually`/`semi-annually`, each optionally followed by `UTC`.
 *
 * Occurrences are wall-clock times in an IANA time zone (in UTC for an event ending in `UTC`). A wall
 * time that does not exist (skipped by a DST change) does not occur; one that exists twice (repeated
 * by a DST change) occurs once, at the earlier instant.
 */

import type { WallClock } from "./model.js";

/** A parsed calendar event. Every list is sorted ascending and free of duplicates. */
export interface CalendarEvent {
  /** The text the event was parsed from. */
  readonly source: string;
  /** Whether the event ends in `UTC`: it then runs on UTC wall-clock time, whatever the node's zone. */
  readonly utc: boolean;
  /** Days of the week, 0 = Sunday … 6 = Saturday (as `Date#getUTCDay`). */
  readonly weekdays: readonly number[];
  /** Calendar years; `undefined` matches every year. */
  readonly years: readonly number[] | undefined;
  /** Months, 1-12. */
  readonly months: readonly number[];
  /** Days of the month, 1-31. */
  readonly days: readonly number[];
  /** Hours, 0-23. */
  readonly hours: readonly number[];
  /** Minutes, 0-59. */
  readonly minutes: readonly number[];
  /** Seconds, 0-59. */
  readonly seconds: readonly number[];
}

type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** One numeric component of the grammar. */
interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** The values when the component is left out. */
  readonly absent: readonly number[];
}

const FORMAT = "[WEEKDAY] [[YEARS-]MONTHS-DAYS] [HOURS:MINUTES[:SECONDS]] [UTC]";

const KEYWORDS: ReadonlyMap<string, string> = new Map([
  ["minutely", "*:*"],
  ["hourly", "*:0"],
  ["daily", "0:0"],
  ["weekly", "mon 0:0"],
  ["monthly", "*-*-01 0:0"],
  ["yearly", "*-01-01 0:0"],
  ["annually", "*-01-01 0:0"],
  ["quarterly", "*-01,04,07,10-01 0:0"],
  ["semiannually", "*-01,07-01 0:0"],
  ["semi-annually", "*-01,07-01 0:0"],
]);

/**
 * Weekday names, numbered Monday = 1 … Sunday = 7. A range runs forward through the week and wraps
 * past Sunday: `fri..mon` is Friday to Monday, `sun..sat` every day (proxmox-time `week_days.rs`).
 */
const WEEKDAY_NAMES: ReadonlyMap<string, number> = new Map([
  ["mon", 1],
  ["tue", 2],
  ["wed", 3],
  ["thu", 4],
  ["fri", 5],
  ["sat", 6],
  ["sun", 7],
  ["monday", 1],
  ["tuesday", 2],
  ["wednesday", 3],
  ["thursday", 4],
  ["friday", 5],
  ["saturday", 6],
  ["sunday", 7],
]);

function span(min: number, max: number): number[] {
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

// proxmox-time reads years below 2200 ("the upper limit for systemd"); `*/N` counts from year 0.
const YEAR: Field = { name: "year", min: 0, max: 2199, absent: [] };
const MONTH: Field = { name: "month", min: 1, max: 12, absent: span(1, 12) };
const DAY: Field = { name: "day", min: 1, max: 31, absent: span(1, 31) };
const HOUR: Field = { name: "hour", min: 0, max: 23, absent: [0] };
const MINUTE: Field = { name: "minute", min: 0, max: 59, absent: [0] };
const SECOND: Field = { name: "second", min: 0, max: 59, absent: [0] };

/** `*`, `N`, `N..M`, each optionally followed by `/STEP`. */
const ITEM = /^(?:(\*)|(\d+)(?:\.\.(\d+))?)(?:\/(\d+))?$/;

/** Parses one comma-separated item of a numeric component into `into`; returns an error or undefined. */
function parseItem(item: string, field: Field, into: Set<number>): string | undefined {
  const match = ITEM.exec(item);
  if (match === null) return `invalid ${field.name} '${item}'`;
  const [, star, startText, endText, stepText] = match;
  const step = stepText === undefined ? 1 : Number(stepText);
  const start = star === undefined ? Number(startText) : field.min;
  const end =
    endText !== undefined
      ? Number(endText)
      : star !== undefined || stepText !== undefined
        ? field.max
        : start;
  if (step < 1) return `the step of ${field.name} '${item}' must be at least 1`;
  // proxmox-time reads a step like any other value of the component: no larger than its maximum.
  if (step > field.max) return `the step of ${field.name} '${item}' must be at most ${field.max}`;
  const outside = [start, end].find((value) => value < field.min || value > field.max);
  if (outside !== undefined) return `${field.name} ${outside} is out of range ${field.min}-${field.max}`;
  if (end < start) return `${field.name} range '${item}' runs backwards`;
  for (let value = start; value <= end; value += step) into.add(value);
  return undefined;
}

/** Parses a numeric component (`*`, lists, ranges, repetitions); `undefined` text means left out. */
function parseField(text: string | undefined, field: Field): Result<readonly number[]> {
  if (text === undefined) return { ok: true, value: field.absent };
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const error = parseItem(item, field, values);
    if (error !== undefined) return { ok: false, error };
  }
  return { ok: true, value: [...values].sort((a, b) => a - b) };
}

function parseWeekdays(token: string): Result<readonly number[]> {
  const values = new Set<number>();
  for (const item of token.split(",")) {
    const dots = item.indexOf("..");
    const fromName = dots < 0 ? item : item.slice(0, dots);
    const toName = dots < 0 ? item : item.slice(dots + 2);
    const from = WEEKDAY_NAMES.get(fromName);
    if (from === undefined) return { ok: false, error: `unknown weekday '${fromName}'` };
    const to = WEEKDAY_NAMES.get(toName);
    if (to === undefined) return { ok: false, error: `unknown weekday '${toName}'` };
    const length = (to - from + 7) % 7;
    for (let offset = 0; offset <= length; offset++) values.add((from + offset) % 7);
  }
  return { ok: true, value: [...values].sort((a, b) => a - b) };
}

interface DatePart {
  readonly years: readonly number[] | undefined;
  readonly months: readonly number[];
  readonly days: readonly number[];
}

function parseDate(token: string): Result<DatePart> {
  const parts = token.split("-");
  if (parts.length > 3) return { ok: false, error: `invalid date '${token}', expected [YEARS-]MONTHS-DAYS` };
  const [dayText, monthText, yearText] = parts.reverse();
  const years = yearText === undefined || yearText === "*" ? undefined : parseField(yearText, YEAR);
  if (years?.ok === false) return years;
  const months = parseField(monthText, MONTH);
  if (!months.ok) return months;
  const days = parseField(dayText, DAY);
  if (!days.ok) return days;
  return { ok: true, value: { years: years?.value, months: months.value, days: days.value } };
}

interface TimePart {
  readonly hours: readonly number[];
  readonly minutes: readonly number[];
  readonly seconds: readonly number[];
}

function parseTime(token: string): Result<TimePart> {
  const parts = token.split(":");
  if (parts.length > 3) {
    return { ok: false, error: `invalid time '${token}', expected HOURS:MINUTES[:SECONDS]` };
  }
  // A single component is the minute, of every hour.
  if (parts.length === 1) parts.unshift("*");
  const [hourText, minuteText, secondText] = parts;
  const hours = parseField(hourText, HOUR);
  if (!hours.ok) return hours;
  const minutes = parseField(minuteText, MINUTE);
  if (!minutes.ok) return minutes;
  const seconds = parseField(secondText, SECOND);
  if (!seconds.ok) return seconds;
  return { ok: true, value: { hours: hours.value, minutes: minutes.value, seconds: seconds.value } };
}

/**
 * Parses a PVE calendar event such as `mon..fri 22:00`, `sat *-1..7 15:00`, `0/30` or `daily`.
 * Matching is case-insensitive; tokens are separated by whitespace.
 *
 * @param text - The calendar event, as in a backup job's `schedule`.
 * @returns The parsed event, or an error sentence naming the offending part.
 */
export function parseCalendarEvent(
  text: string,
): { ok: true; event: CalendarEvent } | { ok: false; error: string } {
  const fail = (detail: string) => ({
    ok: false as const,
    error: `invalid calendar event '${text}': ${detail}`,
  });
  const trimmed = text.trim();
  // proxmox-time strips a literal `UTC` suffix (case-sensitive) before parsing the rest.
  const utc = trimmed.endsWith("UTC");
  const normalized = (utc ? trimmed.slice(0, -3).trimEnd() : trimmed).toLowerCase();
  if (normalized === "") return fail("the event is empty");
  const tokens = (KEYWORDS.get(normalized) ?? normalized).split(/\s+/);
  if (tokens.length > 3) return fail(`too many parts (${tokens.length}), expected ${FORMAT}`);
  const keyword = tokens.find((token) => KEYWORDS.has(token));
  if (keyword !== undefined) return fail(`keyword '${keyword}' cannot be combined with other parts`);

  let weekdays: readonly number[] = span(0, 6);
  let date: DatePart = { years: undefined, months: MONTH.absent, days: DAY.absent };
  let time: TimePart = { hours: [0], minutes: [0], seconds: [0] };
  let position = 0;
  for (const token of tokens) {
    const kind = /^[a-z]/.test(token) ? 1 : token.includes("-") ? 2 : 3;
    if (kind <= position) return fail(`'${token}' is out of place, expected ${FORMAT}`);
    position = kind;
    if (kind === 1) {
      const parsed = parseWeekdays(token);
      if (!parsed.ok) return fail(parsed.error);
      weekdays = parsed.value;
    } else if (kind === 2) {
      const parsed = parseDate(token);
      if (!parsed.ok) return fail(parsed.error);
      date = parsed.value;
    } else {
      const parsed = parseTime(token);
      if (!parsed.ok) return fail(parsed.error);
      time = parsed.value;
    }
  }
  return { ok: true, event: { source: text, utc, weekdays, ...date, ...time } };
}

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;
const LAST_SECOND_OF_DAY = 86_399;
/**
 * How far the searches look, in days: 400 years, one whole cycle of the Gregorian calendar's dates
 * and weekdays, so an event not found within it never occurs (proxmox-time finds a `2020-07-31` from
 * 1970, fifty years on).
 */
const SEARCH_DAYS = 146_097;
/** Longer than any backward DST jump, so a repeated wall-clock hour is always seen whole. */
const FOLD_MS = 3 * 3_600_000;
/** Instants outside roughly years 1020-8300 are refused: they would leave what `Date` can represent. */
const EARLIEST_MS = -30_000_000_000_000;
const LATEST_MS = 200_000_000_000_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | undefined {
  const cached = formatters.get(timeZone);
  if (cached !== undefined) return cached;
  try {
    const format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, format);
    return format;
  } catch {
    return undefined;
  }
}

/** The wall-clock time of instant `ms` (truncated to the second), encoded as if it were UTC. */
function wallClockMs(format: Intl.DateTimeFormat, ms: number): number {
  const fields: WallClock & Record<string, number> = {
    year: 0,
    month: 0,
    day: 0,
    hour: 0,
    minute: 0,
    second: 0,
  };
  for (const part of format.formatToParts(ms)) fields[part.type] = Number(part.value);
  return Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
}

/**
 * The wall-clock time of instant `ms` in `timeZone`, with the ISO weekday (Monday = 1); undefined
 * for an unknown zone. What PVE's `localtime()` gives a node.
 */
export function wallClockAt(ms: number, timeZone: string): (WallClock & { isoWeekday: number }) | undefined {
  const format = formatterFor(timeZone);
  if (!format) return undefined;
  const d = new Date(wallClockMs(format, ms));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    isoWeekday: d.getUTCDay() || 7,
  };
}

/**
 * The earliest instant whose wall-clock time is `wallMs` (whole seconds, encoded as UTC), or undefined
 * when that wall time is skipped by a DST change. The zone's offset a day before and a day after are
 * the only candidates.
 */
function wallClockToEpoch(format: Intl.DateTimeFormat, wallMs: number): number | undefined {
  const earlier = wallMs - (wallClockMs(format, wallMs - DAY_MS) - (wallMs - DAY_MS));
  if (wallClockMs(format, earlier) === wallMs) return earlier;
  const later = wallMs - (wallClockMs(format, wallMs + DAY_MS) - (wallMs + DAY_MS));
  return wallClockMs(format, later) === wallMs ? later : undefined;
}

/** Days since 1970-01-01 of the first of `month` (1-12) in `year`; years 0-99 are not 1900-1999. */
function firstOfMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, 1);
  return date.getTime() / DAY_MS;
}

/**
 * `day` if its year and month match the event; otherwise the first day (`direction` 1) or the last
 * day (`direction` -1) of the nearest matching month that way, or undefined when there is none. Lets
 * the searches step over whole months and years that cannot match.
 */
function nearestMatchingMonth(event: CalendarEvent, day: number, direction: 1 | -1): number | undefined {
  const date = new Date(day * DAY_MS);
  let year = date.getUTCFullYear();
  let month = date.getUTCMonth() + 1;
  const yearMatches = () => event.years === undefined || event.years.includes(year);
  if (yearMatches() && event.months.includes(month)) return day;
  // No further than the searches look (400 years), then a little.
  for (let step = 0; step <= 12 * 401; step++) {
    month += direction;
    if (month > 12 || month < 1) {
      month = direction === 1 ? 1 : 12;
      year += direction;
    }
    if (yearMatches() && event.months.includes(month)) {
      return direction === 1 ? firstOfMonth(year, month) : firstOfMonth(year, month + 1) - 1;
    }
  }
  return undefined;
}

/** Whether the calendar day `day` (days since 1970-01-01) matches the event's date and weekday. */
function dayMatches(event: CalendarEvent, day: number): boolean {
  const date = new Date(day * DAY_MS);
  return (
    event.weekdays.includes(date.getUTCDay()) &&
    event.days.includes(date.getUTCDate()) &&
    event.months.includes(date.getUTCMonth() + 1) &&
    (event.years === undefined || event.years.includes(date.getUTCFullYear()))
  );
}

/** The first time of day (seconds since midnight) of the event at or after `from`. */
function nextTimeOfDay(event: CalendarEvent, from: number): number | undefined {
  for (const hour of event.hours) {
    if ((hour + 1) * 3600 <= from) continue;
    for (const minute of event.minutes) {
      const base = hour * 3600 + minute * 60;
      if (base + 60 <= from) continue;
      for (const second of event.seconds) {
        if (base + second >= from) return base + second;
      }
    }
  }
  return undefined;
}

/** The last time of day (seconds since midnight) of the event at or before `to`. */
function previousTimeOfDay(event: CalendarEvent, to: number): number | undefined {
  for (const hour of [...event.hours].reverse()) {
    if (hour * 3600 > to) continue;
    for (const minute of [...event.minutes].reverse()) {
      const base = hour * 3600 + minute * 60;
      if (base > to) continue;
      for (const second of [...event.seconds].reverse()) {
        if (base + second <= to) return base + second;
      }
    }
  }
  return undefined;
}

function searchable(ms: number): boolean {
  return ms >= EARLIEST_MS && ms <= LATEST_MS;
}

/**
 * The first occurrence of `event` strictly after `afterMs`, in the wall-clock time of `timeZone`.
 *
 * Walks calendar days and, on matching days only, the matching times of day.
 *
 * @param event - A parsed calendar event.
 * @param afterMs - Epoch milliseconds; the result is strictly later.
 * @param timeZone - The node's IANA time zone, such as `Europe/Berlin` (unused when the event ends in `UTC`).
 * @returns Epoch milliseconds, or undefined if there is none within 400 years, the zone is
 *   unknown, or `afterMs` is not a usable instant.
 */
export function nextOccurrence(event: CalendarEvent, afterMs: number, timeZone: string): number | undefined {
  const format = formatterFor(event.utc ? "UTC" : timeZone);
  if (format === undefined || !searchable(afterMs)) return undefined;
  // Every wall time up to the current one has (at its earlier instant) already occurred.
  const start = wallClockMs(format, afterMs) + SECOND_MS;
  const firstDay = Math.floor(start / DAY_MS);
  for (let day = firstDay; day <= firstDay + SEARCH_DAYS; day++) {
    const inMonth = nearestMatchingMonth(event, day, 1);
    if (inMonth === undefined) return undefined;
    day = inMonth;
    if (!dayMatches(event, day)) continue;
    const dayStart = day * DAY_MS;
    const from = day === firstDay ? (start - dayStart) / SECOND_MS : 0;
    for (
      let second = nextTimeOfDay(event, from);
      second !== undefined;
      second = nextTimeOfDay(event, second + 1)
    ) {
      const ms = wallClockToEpoch(format, dayStart + second * SECOND_MS);
      // Skipped wall times, and the repeated hour after a backward DST jump, do not count.
      if (ms !== undefined && ms > afterMs) return ms;
    }
  }
  return undefined;
}

/**
 * The last occurrence of `event` at or before `atOrBeforeMs`, in the wall-clock time of `timeZone`.
 *
 * @param event - A parsed calendar event.
 * @param atOrBeforeMs - Epoch milliseconds; an occurrence exactly at this instant is returned.
 * @param timeZone - The node's IANA time zone, such as `Europe/Berlin` (unused when the event ends in `UTC`).
 * @returns Epoch milliseconds, or undefined if there is none within 400 years back, the zone is
 *   unknown, or `atOrBeforeMs` is not a usable instant.
 */
export function previousOccurrence(
  event: CalendarEvent,
  atOrBeforeMs: number,
  timeZone: string,
): number | undefined {
  const format = formatterFor(event.utc ? "UTC" : timeZone);
  if (format === undefined || !searchable(atOrBeforeMs)) return undefined;
  // During a repeated hour the wall clock is behind the latest wall time already reached: `shift` is
  // how far the clock was set back within the last FOLD_MS, and the bound is still ahead by that much
  // while the repeated stretch lasts.
  const wall = wallClockMs(format, atOrBeforeMs);
  const shift = wallClockMs(format, atOrBeforeMs - FOLD_MS) + FOLD_MS - wall;
  const upper = Math.max(wall, wallClockMs(format, atOrBeforeMs - shift) + shift);
  const firstDay = Math.floor(upper / DAY_MS);
  for (let day = firstDay; day >= firstDay - SEARCH_DAYS; day--) {
    const inMonth = nearestMatchingMonth(event, day, -1);
    if (inMonth === undefined) return undefined;
    day = inMonth;
    if (!dayMatches(event, day)) continue;
    const dayStart = day * DAY_MS;
    const to = day === firstDay ? (upper - dayStart) / SECOND_MS : LAST_SECOND_OF_DAY;
    for (
      let second = previousTimeOfDay(event, to);
      second !== undefined;
      second = previousTimeOfDay(event, second - 1)
    ) {
      const ms = wallClockToEpoch(format, dayStart + second * SECOND_MS);
      if (ms !== undefined && ms <= atOrBeforeMs) return ms;
    }
  }
  return undefined;
}

/**
 * The gap between the first two occurrences after `fromMs`, e.g. 86 400 000 for a daily event.
 * Irregular events give whatever gap comes next (a `mon..fri` event asked on a Friday gives three
 * days; a daily event across a DST change gives 23 or 25 hours).
 *
 * @param event - A parsed calendar event.
 * @param fromMs - Epoch milliseconds to start looking from (exclusive).
 * @param timeZone - The node's IANA time zone, such as `Europe/Berlin` (unused when the event ends in `UTC`).
 * @returns Milliseconds, or undefined if fewer than two occurrences are found.
 */
export function typicalIntervalMs(
  event: CalendarEvent,
  fromMs: number,
  timeZone: string,
): number | undefined {
  const first = nextOccurrence(event, fromMs, timeZone);
  if (first === undefined) return undefined;
  const second = nextOccurrence(event, first, timeZone);
  return second === undefined ? undefined : second - first;
}
