import { instantOfWallTime, type LocalTime, wallTimeOf } from "./local-time.js";

/**
 * The sim's own reading of PVE calendar events (`pvescheduler`, `schedule-analyze`, the
 * `pve-calendar-event` format), written from PVE's documented behaviour (reference §3.5,
 * `calendar-events.adoc`, proxmox-time's observable rules), not from the product's calendar: the lab
 * is a witness, and a shared mistake would hide from every test.
 *
 * A spec is kept as PVE keeps it, a list of terms per field (`5`, `1..7`, `0/15`, `8..18/2`), and
 * asked "does this value match"; the next run is found by walking forward through the calendar one
 * day, minute and second at a time, which is slow but plainly right.
 */

/** One comma-separated item of a field: a value, a range, or a repetition. */
interface Term {
  readonly from: number;
  /** Inclusive; `Infinity` for `N/step` without an end. */
  readonly to: number;
  /** 1 for a plain value or range; 0 never matches past `from`. */
  readonly step: number;
}

/** A field's terms; an empty list (`*`) matches every value. */
type Field = readonly Term[];

export interface SimCalendarEvent {
  readonly utc: boolean;
  /** ISO weekdays (Monday = 1 … Sunday = 7) the event runs on; empty means every day. */
  readonly weekdays: ReadonlySet<number>;
  readonly years: Field;
  readonly months: Field;
  readonly days: Field;
  readonly hours: Field;
  readonly minutes: Field;
  readonly seconds: Field;
}

const ANY: Field = [];
const ZERO: Field = [{ from: 0, to: 0, step: 1 }];

function matches(field: Field, value: number): boolean {
  if (field.length === 0) return true;
  return field.some(
    (t) =>
      value >= t.from && value <= t.to && (t.step === 0 ? value === t.from : (value - t.from) % t.step === 0),
  );
}

/** The keywords, as full events (proxmox-time `calendar_event.rs`); matched case-sensitively. */
function keywordEvent(word: string, utc: boolean): SimCalendarEvent | undefined {
  const at = (fields: Partial<SimCalendarEvent>): SimCalendarEvent => ({
    utc,
    weekdays: new Set(),
    years: ANY,
    months: ANY,
    days: ANY,
    hours: ZERO,
    minutes: ZERO,
    seconds: ZERO,
    ...fields,
  });
  const first: Field = [{ from: 1, to: 1, step: 1 }];
  const monthsOf = (...months: number[]): Field => months.map((m) => ({ from: m, to: m, step: 1 }));
  switch (word) {
    case "minutely":
      return at({ hours: ANY, minutes: ANY });
    case "hourly":
      return at({ hours: ANY });
    case "daily":
      return at({});
    case "weekly":
      return at({ weekdays: new Set([1]) });
    case "monthly":
      return at({ days: first });
    case "yearly":
    case "annually":
      return at({ months: first, days: first });
    case "quarterly":
      return at({ months: monthsOf(1, 4, 7, 10), days: first });
    case "semiannually":
    case "semi-annually":
      return at({ months: monthsOf(1, 7), days: first });
    default:
      return undefined;
  }
}

const WEEKDAY_WORDS: Readonly<Record<string, number>> = {
  mon: 1,
  monday: 1,
  tue: 2,
  tuesday: 2,
  wed: 3,
  wednesday: 3,
  thu: 4,
  thursday: 4,
  fri: 5,
  friday: 5,
  sat: 6,
  saturday: 6,
  sun: 7,
  sunday: 7,
};

class SpecError extends Error {}

/** A cursor over the spec text: each `read*` consumes what it recognises. */
class Reader {
  constructor(
    private text: string,
    private at = 0,
  ) {}

  get rest(): string {
    return this.text.slice(this.at);
  }

  peek(pattern: RegExp): RegExpExecArray | null {
    const sticky = new RegExp(pattern.source, "y");
    sticky.lastIndex = this.at;
    return sticky.exec(this.text);
  }

  take(pattern: RegExp): string | undefined {
    const m = this.peek(pattern);
    if (m === null) return undefined;
    this.at += m[0].length;
    return m[0];
  }

  mark(): number {
    return this.at;
  }

  reset(mark: number): void {
    this.at = mark;
  }

  number(limit: number, what: string): number {
    const digits = this.take(/\d+/);
    if (digits === undefined) throw new SpecError(`expected a number for the ${what} at '${this.rest}'`);
    const value = Number(digits);
    if (value >= limit) throw new SpecError(`${what} value ${value} is too large (below ${limit})`);
    return value;
  }

  /** A star (optionally with a step), or a comma list of `N`, `N..M`, `N/S`, `N..M/S`; values below `limit`. */
  field(limit: number, starStart: number, what: string): Field {
    if (this.take(/\*/) !== undefined) {
      const save = this.mark();
      if (this.take(/\//) !== undefined) {
        const step = this.number(limit, what);
        if (step > 0) return [{ from: starStart, to: Number.POSITIVE_INFINITY, step }];
        this.reset(save);
      }
      return ANY;
    }
    const terms: Term[] = [];
    do {
      const from = this.number(limit, what);
      let to = from;
      let ranged = false;
      if (this.take(/\.\./) !== undefined) {
        to = this.number(limit, what);
        ranged = true;
        if (from > to) throw new SpecError(`${what} range ${from}..${to} runs backwards`);
      }
      if (this.take(/\//) !== undefined) {
        const step = this.number(limit, what);
        terms.push({ from, to: ranged ? to : Number.POSITIVE_INFINITY, step });
      } else {
        terms.push({ from, to, step: 1 });
      }
    } while (this.take(/,/) !== undefined);
    return terms;
  }
}

function readWeekdays(r: Reader): Set<number> {
  const days = new Set<number>();
  do {
    const word = r.take(/[A-Za-z]+/);
    const from = word === undefined ? undefined : WEEKDAY_WORDS[word.toLowerCase()];
    if (from === undefined) throw new SpecError(`'${word ?? r.rest}' is not a weekday`);
    let to = from;
    if (r.take(/\.\./) !== undefined) {
      const end = r.take(/[A-Za-z]+/);
      const endDay = end === undefined ? undefined : WEEKDAY_WORDS[end.toLowerCase()];
      if (endDay === undefined) throw new SpecError(`'${end ?? r.rest}' is not a weekday`);
      to = endDay;
    }
    // A range runs forward through the week, past Sunday if need be: fri..mon is four days.
    for (let day = from; ; day = (day % 7) + 1) {
      days.add(day);
      if (day === to) break;
    }
  } while (r.take(/,/) !== undefined);
  return days;
}

/** Runs `read`; if it fails, puts the reader back where it was and gives undefined. */
function attempt<T>(r: Reader, read: () => T): T | undefined {
  const start = r.mark();
  try {
    return read();
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    r.reset(start);
    return undefined;
  }
}

function expect(r: Reader, literal: RegExp): void {
  if (r.take(literal) === undefined) throw new SpecError(`expected '${literal.source}' at '${r.rest}'`);
}

/** `[YEARS-]MONTHS-DAYS`, or undefined (nothing consumed) when the text there is not a date. */
function readDate(r: Reader): Pick<SimCalendarEvent, "years" | "months" | "days"> | undefined {
  const full = attempt(r, () => {
    const years = r.field(2200, 0, "year");
    expect(r, /-/);
    const months = r.field(13, 1, "month");
    expect(r, /-/);
    return { years, months, days: r.field(32, 1, "day") };
  });
  return (
    full ??
    attempt(r, () => {
      const months = r.field(13, 1, "month");
      expect(r, /-/);
      return { years: ANY, months, days: r.field(32, 1, "day") };
    })
  );
}

/** `[HOURS:]MINUTES[:SECONDS]`, or undefined (nothing consumed) when there is no time. */
function readTime(r: Reader): Pick<SimCalendarEvent, "hours" | "minutes" | "seconds"> | undefined {
  if (r.peek(/[\d*]/) === null) return undefined;
  const hours = attempt(r, () => {
    const field = r.field(24, 0, "hour");
    expect(r, /:/);
    return field;
  });
  const minutes = r.field(60, 0, "minute");
  const seconds = r.take(/:/) === undefined ? ZERO : r.field(60, 0, "second");
  // Without an hour, a lone number is the minute of every hour.
  return { hours: hours ?? ANY, minutes, seconds };
}

/**
 * Reads a calendar event as PVE does: `[WEEKDAYS] [[YEARS-]MONTHS-DAYS] [[HOURS:]MINUTES[:SECONDS]]`
 * with an optional trailing `UTC`, or a keyword. Returns the event or PVE-style error text.
 */
export function readCalendarEvent(spec: string): { event: SimCalendarEvent } | { error: string } {
  const fail = (why: string) => ({ error: `invalid calendar event '${spec}' - ${why}` });
  let text = spec.trim();
  if (text === "") return fail("unable to parse calendar event - event is empty");
  const utc = text.endsWith("UTC");
  if (utc) text = text.slice(0, -3).replace(/ +$/, "");
  const keyword = keywordEvent(text, utc);
  if (keyword) return { event: keyword };
  const r = new Reader(text);
  try {
    const weekdays = r.peek(/[A-Za-z]/) === null ? new Set<number>() : readWeekdays(r);
    r.take(/[ \t]*/);
    const date = readDate(r);
    if (date) r.take(/[ \t]*/);
    const time = readTime(r);
    if (weekdays.size === 0 && !date && !time) throw new SpecError("expected a date or time");
    if (r.rest !== "") throw new SpecError(`unused parts '${r.rest}'`);
    return {
      event: {
        utc,
        weekdays,
        years: date?.years ?? ANY,
        months: date?.months ?? ANY,
        days: date?.days ?? ANY,
        hours: time?.hours ?? ZERO,
        minutes: time?.minutes ?? ZERO,
        seconds: time?.seconds ?? ZERO,
      },
    };
  } catch (error) {
    if (error instanceof SpecError) return fail(`unable to parse calendar event - ${error.message}`);
    throw error;
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function monthLength(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
}

/** A Date holds ±8.64e15 ms; the walk looks up to 400 years (and a zone offset) past the start. */
const LAST_DATE_MS = 8.64e15 - 401 * 366 * 86_400_000;

/** 400 Gregorian years: every date and weekday combination comes round within it. */
const MAX_DAYS_AHEAD = 146_097;

/**
 * The first run of `event` strictly after `afterMs` on a node in `timeZone` (UTC for a `UTC`
 * event), in epoch milliseconds; undefined when it never runs again.
 *
 * Walks the node's wall clock forward from the second after `afterMs`: day by day, then on a matching
 * day minute by minute, then second by second. A wall time skipped by a DST change never runs; one
 * repeated by a DST change runs once, at its first instant.
 */
export function nextRunMs(event: SimCalendarEvent, afterMs: number, timeZone: string): number | undefined {
  // Beyond what a Date can hold (a `starttime` of 10^15, say) there is no wall clock to walk.
  if (!(Math.abs(afterMs) < LAST_DATE_MS)) return undefined;
  const zone = event.utc ? "UTC" : timeZone;
  const after = Math.floor(afterMs / 1000) * 1000;
  const start: LocalTime = wallTimeOf(after + 1000, zone);
  const lastListedYear = Math.max(...event.years.map((t) => t.to));
  let { year, month, day, isoWeekday } = start;
  let firstDay = true;
  for (let walked = 0; walked <= MAX_DAYS_AHEAD; walked++) {
    if (event.years.length > 0 && year > lastListedYear) return undefined;
    const dayMatches =
      (event.weekdays.size === 0 || event.weekdays.has(isoWeekday)) &&
      matches(event.years, year) &&
      matches(event.months, month) &&
      matches(event.days, day);
    if (dayMatches) {
      const fromMinute = firstDay ? start.hour * 60 + start.minute : 0;
      for (let minuteOfDay = fromMinute; minuteOfDay < 1440; minuteOfDay++) {
        const hour = Math.floor(minuteOfDay / 60);
        const minute = minuteOfDay % 60;
        if (!matches(event.hours, hour) || !matches(event.minutes, minute)) continue;
        const fromSecond = firstDay && minuteOfDay === fromMinute ? start.second : 0;
        for (let second = fromSecond; second < 60; second++) {
          if (!matches(event.seconds, second)) continue;
          const at = instantOfWallTime({ year, month, day, hour, minute, second }, zone);
          if (at !== undefined && at > after) return at;
        }
      }
    }
    firstDay = false;
    isoWeekday = (isoWeekday % 7) + 1;
    day++;
    if (day > monthLength(year, month)) {
      day = 1;
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
    }
  }
  return undefined;
}
