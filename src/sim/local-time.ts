import { wallClockAt } from "../core/calendar.js";
import type { WallClock } from "../core/model.js";

/**
 * Node-local wall-clock time. PVE formats archive names, `Backup started at` lines and prune
 * period ids with `localtime()` of the node (reference §11.3), so the sim does all of that in the
 * scenario's IANA time zone.
 */

export interface LocalTime extends WallClock {
  /** ISO weekday: Monday = 1 … Sunday = 7. */
  readonly isoWeekday: number;
}

export type LocalClock = (ms: number) => LocalTime;

/** A converter from epoch milliseconds to wall-clock fields in `timeZone` (throws on an unknown zone). */
export function localClock(timeZone: string): LocalClock {
  if (!wallClockAt(0, timeZone)) throw new RangeError(`unknown time zone: ${timeZone}`);
  return (ms) => wallClockAt(ms, timeZone) as LocalTime;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** `strftime("%F %H:%M:%S")`, as in `Backup started at 2025-01-05 02:00:02`. */
export function formatLocal(t: WallClock): string {
  return `${t.year}-${pad2(t.month)}-${pad2(t.day)} ${pad2(t.hour)}:${pad2(t.minute)}:${pad2(t.second)}`;
}

/** ISO 8601 week-numbering year and week (`strftime("%G/%V")`). */
export function isoWeek(t: Pick<WallClock, "year" | "month" | "day">): { year: number; week: number } {
  const date = Date.UTC(t.year, t.month - 1, t.day);
  const weekday = new Date(date).getUTCDay() || 7;
  // The Thursday of this week decides the week-numbering year.
  const thursday = new Date(date + (4 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return { year, week };
}

const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTH_NAMES = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
] as const;

/** Perl's `scalar(gmtime($t))`, e.g. `Thu Feb 12 03:00:00 2026` (day of month space-padded). */
export function perlGmtime(epochSec: number): string {
  const d = new Date(epochSec * 1000);
  const day = String(d.getUTCDate()).padStart(2, " ");
  const time = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  return `${DAY_NAMES[d.getUTCDay()]} ${MONTH_NAMES[d.getUTCMonth()]} ${day} ${time} ${d.getUTCFullYear()}`;
}
