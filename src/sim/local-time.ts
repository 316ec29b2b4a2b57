/**
 * Node-local wall-clock time. PVE formats archive names, `Backup started at` lines and prune
 * period ids with `localtime()` of the node (reference §11.3), so the sim does all of that in the
 * scenario's IANA time zone. The zone's UTC offset at an instant comes from `Intl` (its
 * `longOffset` name, e.g. `GMT+01:00`); everything else is plain arithmetic here.
 */

/** A wall-clock reading, as `struct tm` holds it (month 1-12). */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export interface LocalTime extends WallTime {
  /** ISO weekday: Monday = 1 … Sunday = 7. */
  readonly isoWeekday: number;
}

export type LocalClock = (ms: number) => LocalTime;

const offsetNamers = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at instant `ms`, in milliseconds (east positive). Throws for an unknown zone. */
export function utcOffsetMs(ms: number, timeZone: string): number {
  let namer = offsetNamers.get(timeZone);
  if (namer === undefined) {
    namer = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" });
    offsetNamers.set(timeZone, namer);
  }
  const name = namer.formatToParts(ms).find((part) => part.type === "timeZoneName")?.value ?? "";
  // "GMT" for UTC itself, else "GMT+05:30", "GMT-03:00", or with seconds for old local mean times.
  const m = /^GMT(?:([+-])(\d\d):(\d\d)(?::(\d\d))?)?$/.exec(name);
  if (m === null) throw new RangeError(`cannot read the UTC offset of ${timeZone}: '${name}'`);
  if (m[1] === undefined) return 0;
  const sign = m[1] === "-" ? -1 : 1;
  return sign * ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4] ?? 0)) * 1000;
}

/** The wall clock in `timeZone` at instant `ms` (whole seconds, like `localtime()`). */
export function wallTimeOf(ms: number, timeZone: string): LocalTime {
  const shifted = new Date(Math.floor(ms / 1000) * 1000 + utcOffsetMs(ms, timeZone));
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    isoWeekday: shifted.getUTCDay() === 0 ? 7 : shifted.getUTCDay(),
  };
}

/** Zone offsets stay within UTC-12 … UTC+14: any instant showing a wall time lies this close to it. */
const WIDEST_OFFSET_MS = 14 * 3_600_000;

/**
 * The first instant whose wall clock in `timeZone` reads `wall`, or undefined for a wall time the
 * zone skips (spring forward). A wall time it repeats (fall back) gives the earlier instant.
 */
export function instantOfWallTime(wall: WallTime, timeZone: string): number | undefined {
  const asUtc = new Date(0);
  asUtc.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  asUtc.setUTCHours(wall.hour, wall.minute, wall.second, 0);
  const nominal = asUtc.getTime();
  // Any instant that shows this wall time lies within the widest offset of it, and the offsets in
  // force there are those at the two ends (zones change offset at most once a day).
  const candidates = [
    nominal - utcOffsetMs(nominal - WIDEST_OFFSET_MS, timeZone),
    nominal - utcOffsetMs(nominal + WIDEST_OFFSET_MS, timeZone),
  ].sort((a, b) => a - b);
  return candidates.find((ms) => ms + utcOffsetMs(ms, timeZone) === nominal);
}

/** A converter from epoch milliseconds to wall-clock fields in `timeZone` (throws on an unknown zone). */
export function localClock(timeZone: string): LocalClock {
  utcOffsetMs(0, timeZone);
  return (ms) => wallTimeOf(ms, timeZone);
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/**
 * A little of C's `strftime`: `%Y %m %d %H %M %S` and `%%`, as PVE's Perl uses it for archive names
 * (`-%Y_%m_%d-%H_%M_%S`) and log lines (`%Y-%m-%d %H:%M:%S`).
 */
export function strftime(pattern: string, t: WallTime): string {
  return pattern.replace(/%([YmdHMS%])/g, (_, conversion: string) => {
    switch (conversion) {
      case "Y":
        return String(t.year).padStart(4, "0");
      case "m":
        return pad2(t.month);
      case "d":
        return pad2(t.day);
      case "H":
        return pad2(t.hour);
      case "M":
        return pad2(t.minute);
      case "S":
        return pad2(t.second);
      default:
        return "%";
    }
  });
}

/** `strftime("%Y-%m-%d %H:%M:%S")`, as in `Backup started at 2025-01-05 02:00:02`. */
export function formatLocal(t: WallTime): string {
  return strftime("%Y-%m-%d %H:%M:%S", t);
}

/** ISO 8601 week-numbering year and week (`strftime("%G/%V")`). */
export function isoWeek(t: Pick<WallTime, "year" | "month" | "day">): { year: number; week: number } {
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
