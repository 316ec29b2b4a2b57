#!/usr/bin/env node
import { createRequire as __pvebCreateRequire } from 'node:module';
const require = __pvebCreateRequire(import.meta.url); const __dirname = import.meta.dirname;

// src/core/calendar.ts
var FORMAT = "[WEEKDAY] [[YEARS-]MONTHS-DAYS] [HOURS:MINUTES[:SECONDS]] [UTC]";
var KEYWORDS = /* @__PURE__ */ new Map([
  ["minutely", "*:*"],
  ["hourly", "*:0"],
  ["daily", "0:0"],
  ["weekly", "mon 0:0"],
  ["monthly", "*-*-01 0:0"],
  ["yearly", "*-01-01 0:0"],
  ["annually", "*-01-01 0:0"],
  ["quarterly", "*-01,04,07,10-01 0:0"],
  ["semiannually", "*-01,07-01 0:0"],
  ["semi-annually", "*-01,07-01 0:0"]
]);
var WEEKDAY_NAMES = /* @__PURE__ */ new Map([
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
  ["sunday", 7]
]);
function span(min, max) {
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}
var YEAR = { name: "year", min: 0, max: 2199, absent: [] };
var MONTH = { name: "month", min: 1, max: 12, absent: span(1, 12) };
var DAY = { name: "day", min: 1, max: 31, absent: span(1, 31) };
var HOUR = { name: "hour", min: 0, max: 23, absent: [0] };
var MINUTE = { name: "minute", min: 0, max: 59, absent: [0] };
var SECOND = { name: "second", min: 0, max: 59, absent: [0] };
var ITEM = /^(?:(\*)|(\d+)(?:\.\.(\d+))?)(?:\/(\d+))?$/;
function parseItem(item, field, into) {
  const match = ITEM.exec(item);
  if (match === null) return `invalid ${field.name} '${item}'`;
  const [, star, startText, endText, stepText] = match;
  const step = stepText === void 0 ? 1 : Number(stepText);
  const start = star === void 0 ? Number(startText) : field.min;
  const end = endText !== void 0 ? Number(endText) : star !== void 0 || stepText !== void 0 ? field.max : start;
  if (step < 1) return `the step of ${field.name} '${item}' must be at least 1`;
  if (step > field.max) return `the step of ${field.name} '${item}' must be at most ${field.max}`;
  const outside = [start, end].find((value) => value < field.min || value > field.max);
  if (outside !== void 0) return `${field.name} ${outside} is out of range ${field.min}-${field.max}`;
  if (end < start) return `${field.name} range '${item}' runs backwards`;
  for (let value = start; value <= end; value += step) into.add(value);
  return void 0;
}
function parseField(text, field) {
  if (text === void 0) return { ok: true, value: field.absent };
  const values = /* @__PURE__ */ new Set();
  for (const item of text.split(",")) {
    const error = parseItem(item, field, values);
    if (error !== void 0) return { ok: false, error };
  }
  return { ok: true, value: [...values].sort((a, b) => a - b) };
}
function parseWeekdays(token) {
  const values = /* @__PURE__ */ new Set();
  for (const item of token.split(",")) {
    const dots = item.indexOf("..");
    const fromName = dots < 0 ? item : item.slice(0, dots);
    const toName = dots < 0 ? item : item.slice(dots + 2);
    const from = WEEKDAY_NAMES.get(fromName);
    if (from === void 0) return { ok: false, error: `unknown weekday '${fromName}'` };
    const to = WEEKDAY_NAMES.get(toName);
    if (to === void 0) return { ok: false, error: `unknown weekday '${toName}'` };
    const length = (to - from + 7) % 7;
    for (let offset = 0; offset <= length; offset++) values.add((from + offset) % 7);
  }
  return { ok: true, value: [...values].sort((a, b) => a - b) };
}
function parseDate(token) {
  const parts = token.split("-");
  if (parts.length > 3) return { ok: false, error: `invalid date '${token}', expected [YEARS-]MONTHS-DAYS` };
  const [dayText, monthText, yearText] = parts.reverse();
  const years = yearText === void 0 || yearText === "*" ? void 0 : parseField(yearText, YEAR);
  if (years?.ok === false) return years;
  const months = parseField(monthText, MONTH);
  if (!months.ok) return months;
  const days = parseField(dayText, DAY);
  if (!days.ok) return days;
  return { ok: true, value: { years: years?.value, months: months.value, days: days.value } };
}
function parseTime(token) {
  const parts = token.split(":");
  if (parts.length > 3) {
    return { ok: false, error: `invalid time '${token}', expected HOURS:MINUTES[:SECONDS]` };
  }
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
function parseCalendarEvent(text) {
  const fail = (detail) => ({
    ok: false,
    error: `invalid calendar event '${text}': ${detail}`
  });
  const trimmed = text.trim();
  const utc = trimmed.endsWith("UTC");
  const normalized = (utc ? trimmed.slice(0, -3).trimEnd() : trimmed).toLowerCase();
  if (normalized === "") return fail("the event is empty");
  const tokens = (KEYWORDS.get(normalized) ?? normalized).split(/\s+/);
  if (tokens.length > 3) return fail(`too many parts (${tokens.length}), expected ${FORMAT}`);
  const keyword = tokens.find((token) => KEYWORDS.has(token));
  if (keyword !== void 0) return fail(`keyword '${keyword}' cannot be combined with other parts`);
  let weekdays = span(0, 6);
  let date = { years: void 0, months: MONTH.absent, days: DAY.absent };
  let time = { hours: [0], minutes: [0], seconds: [0] };
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
var SECOND_MS = 1e3;
var DAY_MS = 864e5;
var LAST_SECOND_OF_DAY = 86399;
var SEARCH_DAYS = 146097;
var FOLD_MS = 3 * 36e5;
var EARLIEST_MS = -3e13;
var LATEST_MS = 2e14;
var formatters = /* @__PURE__ */ new Map();
function formatterFor(timeZone) {
  const cached = formatters.get(timeZone);
  if (cached !== void 0) return cached;
  try {
    const format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric"
    });
    formatters.set(timeZone, format);
    return format;
  } catch {
    return void 0;
  }
}
function wallClockMs(format, ms) {
  const fields = {
    year: 0,
    month: 0,
    day: 0,
    hour: 0,
    minute: 0,
    second: 0
  };
  for (const part of format.formatToParts(ms)) fields[part.type] = Number(part.value);
  return Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
}
function wallClockAt(ms, timeZone) {
  const format = formatterFor(timeZone);
  if (!format) return void 0;
  const d = new Date(wallClockMs(format, ms));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    isoWeekday: d.getUTCDay() || 7
  };
}
function wallClockToEpoch(format, wallMs) {
  const earlier = wallMs - (wallClockMs(format, wallMs - DAY_MS) - (wallMs - DAY_MS));
  if (wallClockMs(format, earlier) === wallMs) return earlier;
  const later = wallMs - (wallClockMs(format, wallMs + DAY_MS) - (wallMs + DAY_MS));
  return wallClockMs(format, later) === wallMs ? later : void 0;
}
function firstOfMonth(year, month) {
  const date = /* @__PURE__ */ new Date(0);
  date.setUTCFullYear(year, month - 1, 1);
  return date.getTime() / DAY_MS;
}
function nearestMatchingMonth(event, day, direction) {
  const date = new Date(day * DAY_MS);
  let year = date.getUTCFullYear();
  let month = date.getUTCMonth() + 1;
  const yearMatches = () => event.years === void 0 || event.years.includes(year);
  if (yearMatches() && event.months.includes(month)) return day;
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
  return void 0;
}
function dayMatches(event, day) {
  const date = new Date(day * DAY_MS);
  return event.weekdays.includes(date.getUTCDay()) && event.days.includes(date.getUTCDate()) && event.months.includes(date.getUTCMonth() + 1) && (event.years === void 0 || event.years.includes(date.getUTCFullYear()));
}
function nextTimeOfDay(event, from) {
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
  return void 0;
}
function previousTimeOfDay(event, to) {
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
  return void 0;
}
function searchable(ms) {
  return ms >= EARLIEST_MS && ms <= LATEST_MS;
}
function nextOccurrence(event, afterMs, timeZone) {
  const format = formatterFor(event.utc ? "UTC" : timeZone);
  if (format === void 0 || !searchable(afterMs)) return void 0;
  const start = wallClockMs(format, afterMs) + SECOND_MS;
  const firstDay = Math.floor(start / DAY_MS);
  for (let day = firstDay; day <= firstDay + SEARCH_DAYS; day++) {
    const inMonth = nearestMatchingMonth(event, day, 1);
    if (inMonth === void 0) return void 0;
    day = inMonth;
    if (!dayMatches(event, day)) continue;
    const dayStart = day * DAY_MS;
    const from = day === firstDay ? (start - dayStart) / SECOND_MS : 0;
    for (let second = nextTimeOfDay(event, from); second !== void 0; second = nextTimeOfDay(event, second + 1)) {
      const ms = wallClockToEpoch(format, dayStart + second * SECOND_MS);
      if (ms !== void 0 && ms > afterMs) return ms;
    }
  }
  return void 0;
}
function previousOccurrence(event, atOrBeforeMs, timeZone) {
  const format = formatterFor(event.utc ? "UTC" : timeZone);
  if (format === void 0 || !searchable(atOrBeforeMs)) return void 0;
  const wall = wallClockMs(format, atOrBeforeMs);
  const shift = wallClockMs(format, atOrBeforeMs - FOLD_MS) + FOLD_MS - wall;
  const upper = Math.max(wall, wallClockMs(format, atOrBeforeMs - shift) + shift);
  const firstDay = Math.floor(upper / DAY_MS);
  for (let day = firstDay; day >= firstDay - SEARCH_DAYS; day--) {
    const inMonth = nearestMatchingMonth(event, day, -1);
    if (inMonth === void 0) return void 0;
    day = inMonth;
    if (!dayMatches(event, day)) continue;
    const dayStart = day * DAY_MS;
    const to = day === firstDay ? (upper - dayStart) / SECOND_MS : LAST_SECOND_OF_DAY;
    for (let second = previousTimeOfDay(event, to); second !== void 0; second = previousTimeOfDay(event, second - 1)) {
      const ms = wallClockToEpoch(format, dayStart + second * SECOND_MS);
      if (ms !== void 0 && ms <= atOrBeforeMs) return ms;
    }
  }
  return void 0;
}

export {
  parseCalendarEvent,
  wallClockAt,
  nextOccurrence,
  previousOccurrence
};
//# sourceMappingURL=chunk-OSAFXUH4.js.map
