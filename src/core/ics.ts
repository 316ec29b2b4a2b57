/**
 * The backup calendar: scheduled runs (PVE backup jobs, Home Assistant's automatic backups, Hyper
 * Backup tasks) and past runs with their outcome, as events; and their iCalendar text (RFC 5545).
 *
 * Times are written in the PVE nodes' zone (`DTSTART;TZID=Europe/Berlin:20260329T030000`) with a
 * VTIMEZONE built from the zone's own offsets over the calendar's span (each DST change a
 * STANDARD/DAYLIGHT part), so a client shows the lab's wall-clock times and an event keeps its
 * wall time across a DST change. A wall time the zone has twice (the hour repeated when clocks go
 * back) is written in UTC (`…Z`), which no reader can take for the other pass; so is everything in
 * a zone without offsets of its own (UTC). Lines are folded at
 * 75 octets, text is escaped, UIDs come from PVE's identities (job and run time, task UPID), so
 * an event keeps its UID from one export to the next. Pure.
 */

import { nextOccurrence, parseCalendarEvent, wallClockAt } from "./calendar.js";
import type { AttemptOutcome } from "./model.js";

export interface IcsEvent {
  readonly uid: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly summary: string;
  readonly description?: string;
  readonly status?: "CONFIRMED" | "TENTATIVE" | "CANCELLED";
  readonly categories?: readonly string[];
}

export interface CalendarJob {
  readonly cluster: string;
  readonly id: string;
  readonly enabled: boolean;
  readonly schedule?: string;
  readonly storage?: string;
  /** The guests it backs up, for the event's text. */
  readonly guests: readonly number[];
}

export interface CalendarAttempt {
  readonly cluster: string;
  readonly upid: string;
  readonly vmid: number;
  readonly startMs: number;
  readonly endMs?: number;
  readonly outcome: AttemptOutcome;
  readonly error?: string;
}

export interface CalendarInput {
  readonly jobs: readonly CalendarJob[];
  readonly attempts: readonly CalendarAttempt[];
  /**
   * Home Assistant's automatic backup: its plan when managed here (a PVE-style calendar event such
   * as `mon,thu 05:45`), and its next run when Home Assistant said (`backup/info`).
   */
  readonly haBackup?: { readonly schedule?: string; readonly nextAutomaticMs?: number };
  /** Hyper Backup tasks' next runs, when the NAS side is known (DSM's task id keeps the UID stable). */
  readonly hyperBackup?: readonly {
    readonly task: string;
    readonly taskId: number;
    readonly nextRunMs: number;
  }[];
  readonly timeZone: string;
  readonly nowMs: number;
  /** Past runs from here, scheduled ones up to `toMs`. */
  readonly fromMs: number;
  readonly toMs: number;
}

/** Length of a scheduled run's event: PVE does not say how long a run will take. */
export const SCHEDULED_RUN_MS = 30 * 60_000;
/** Occurrences of one schedule at most (an hourly job over two weeks is 336). */
const MAX_PER_SCHEDULE = 2000;

const stamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
const uidPart = (s: string) => s.replace(/[^A-Za-z0-9._:-]/g, "_");

function occurrences(schedule: string, fromMs: number, toMs: number, timeZone: string): number[] {
  const parsed = parseCalendarEvent(schedule);
  if (!parsed.ok) return [];
  const out: number[] = [];
  let at = nextOccurrence(parsed.event, fromMs - 1, timeZone);
  while (at !== undefined && at <= toMs && out.length < MAX_PER_SCHEDULE) {
    out.push(at);
    at = nextOccurrence(parsed.event, at, timeZone);
  }
  return out;
}

const OUTCOME_STATUS: Record<AttemptOutcome, IcsEvent["status"]> = {
  ok: "CONFIRMED",
  warnings: "CONFIRMED",
  failed: "CONFIRMED",
  running: "CONFIRMED",
  waiting: "TENTATIVE",
};
const SEVERITY: readonly AttemptOutcome[] = ["failed", "warnings", "running", "waiting", "ok"];

/** The calendar's events, sorted by start then UID. */
export function planCalendarEvents(input: CalendarInput): IcsEvent[] {
  const events: IcsEvent[] = [];
  const from = Math.max(input.nowMs, input.fromMs);
  for (const j of input.jobs) {
    if (!j.enabled || !j.schedule) continue;
    for (const at of occurrences(j.schedule, from, input.toMs, input.timeZone))
      events.push({
        uid: `pve-job-${uidPart(j.cluster)}-${uidPart(j.id)}-${stamp(at)}@pve-backup`,
        startMs: at,
        endMs: at + SCHEDULED_RUN_MS,
        summary: `Backup ${j.id}`,
        description: `Scheduled PVE backup job ${j.id} on cluster ${j.cluster} (${j.schedule})${
          j.storage ? ` to ${j.storage}` : ""
        }; guests ${j.guests.join(", ") || "none"}.`,
        status: "TENTATIVE",
        categories: ["scheduled", "pve"],
      });
  }
  if (input.haBackup) events.push(...haBackupRuns(input.haBackup, from, input.toMs, input.timeZone));
  for (const h of input.hyperBackup ?? []) {
    if (h.nextRunMs < from || h.nextRunMs > input.toMs) continue;
    events.push({
      uid: `hyper-backup-${h.taskId}-${stamp(h.nextRunMs)}@pve-backup`,
      startMs: h.nextRunMs,
      endMs: h.nextRunMs + SCHEDULED_RUN_MS,
      summary: `Hyper Backup: ${h.task}`,
      description: `Next run of the Hyper Backup task ${h.task} (${h.taskId}) on the NAS, as DSM plans it.`,
      status: "TENTATIVE",
      categories: ["scheduled", "hyper-backup"],
    });
  }
  events.push(...pastRuns(input));
  // UIDs are unique: never equal.
  return events.sort((a, b) => a.startMs - b.startMs || (a.uid < b.uid ? -1 : 1));
}

/** `YYYYMMDD` of instant `ms` in the zone (in UTC for a zone the runtime does not know). */
function localDate(ms: number, timeZone: string): string {
  const w = wallClockAt(ms, timeZone);
  if (!w) return stamp(ms).slice(0, 8);
  return `${w.year}${String(w.month).padStart(2, "0")}${String(w.day).padStart(2, "0")}`;
}

/**
 * Home Assistant's automatic backups: the planned days, where Home Assistant's own next run (it
 * adds up to an hour of jitter to its time) stands in for the planned one of its day. At most one
 * a day, so a run's UID is its local date: the same from one export to the next, whatever the jitter.
 */
function haBackupRuns(
  ha: NonNullable<CalendarInput["haBackup"]>,
  fromMs: number,
  toMs: number,
  timeZone: string,
): IcsEvent[] {
  const planned = ha.schedule === undefined ? [] : occurrences(ha.schedule, fromMs, toMs, timeZone);
  const next = ha.nextAutomaticMs;
  const known = next !== undefined && next >= fromMs && next <= toMs ? next : undefined;
  const day = known === undefined ? undefined : localDate(known, timeZone);
  const runs = [
    ...planned.filter((at) => localDate(at, timeZone) !== day).map((at) => ({ at, next: false })),
    ...(known === undefined ? [] : [{ at: known, next: true }]),
  ];
  return runs.map(({ at, next }) => ({
    uid: `ha-backup-${localDate(at, timeZone)}@pve-backup`,
    startMs: at,
    endMs: at + SCHEDULED_RUN_MS,
    summary: "Home Assistant automatic backup",
    description: next
      ? "Home Assistant's next automatic backup, as Home Assistant plans it."
      : `Home Assistant's automatic backup to the NAS, planned ${ha.schedule}.`,
    status: "TENTATIVE",
    categories: ["scheduled", "home-assistant"],
  }));
}

/** One event per backup task (UPID), from its first guest's start to its last guest's end. */
function pastRuns(input: CalendarInput): IcsEvent[] {
  const tasks = new Map<string, CalendarAttempt[]>();
  for (const a of input.attempts) {
    if (a.startMs < input.fromMs || a.startMs > input.nowMs) continue;
    const key = `${a.cluster}\n${a.upid}`;
    tasks.set(key, [...(tasks.get(key) ?? []), a]);
  }
  return [...tasks.values()].map((list) => {
    const first = list[0] as CalendarAttempt;
    const outcome = SEVERITY.find((o) => list.some((a) => a.outcome === o)) as AttemptOutcome;
    const startMs = Math.min(...list.map((a) => a.startMs));
    const endMs = Math.max(startMs + 60_000, ...list.map((a) => a.endMs ?? input.nowMs));
    const guests = [...list].sort((a, b) => a.vmid - b.vmid);
    const lines = guests.map((a) => `${a.vmid}: ${a.outcome}${a.error ? ` (${a.error})` : ""}`);
    return {
      uid: `pve-task-${uidPart(first.cluster)}-${uidPart(first.upid)}@pve-backup`,
      startMs,
      endMs,
      summary: `Backup ${outcome}: ${guests.map((a) => a.vmid).join(", ")}`,
      description: `PVE backup task on cluster ${first.cluster}, ${first.upid}\n${lines.join("\n")}`,
      status: OUTCOME_STATUS[outcome],
      categories: ["run", outcome],
    };
  });
}

/** TEXT value escaping (RFC 5545 §3.3.11): backslash, semicolon, comma, line breaks. */
export function escapeText(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/;/g, "\\;")
    .replace(/,/g, "\\,")
    .replace(/\r\n|\r|\n/g, "\\n");
}

const utf8 = new TextEncoder();

/**
 * One content line folded at 75 octets (RFC 5545 §3.1): CRLF and a space before each
 * continuation, never inside a UTF-8 character.
 */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  for (const ch of line) {
    const n = utf8.encode(ch).length;
    // A continuation line starts with the space, which counts.
    if (octets + n > 75) {
      parts.push(current);
      current = " ";
      octets = 1;
    }
    current += ch;
    octets += n;
  }
  parts.push(current);
  return parts.join("\r\n");
}

/** The zone's offset from UTC at instant `ms`, in minutes (0 for an unknown zone). */
export function offsetMinAt(ms: number, timeZone: string): number {
  const w = wallClockAt(ms, timeZone);
  if (!w) return 0;
  const wallMs = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((wallMs - Math.floor(ms / 1000) * 1000) / 60_000);
}

export interface ZoneTransition {
  /** First instant of the new offset. */
  readonly atMs: number;
  readonly fromMin: number;
  readonly toMin: number;
}

const HOUR_MS = 3_600_000;

/** Every change of the zone's offset within `[fromMs, toMs]`, to the second. */
export function zoneTransitions(timeZone: string, fromMs: number, toMs: number): ZoneTransition[] {
  const out: ZoneTransition[] = [];
  let before = offsetMinAt(fromMs, timeZone);
  for (let t = fromMs; t < toMs; t += HOUR_MS) {
    const end = Math.min(t + HOUR_MS, toMs);
    const after = offsetMinAt(end, timeZone);
    if (after === before) continue;
    let lo = t;
    let hi = end;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (offsetMinAt(mid, timeZone) === before) lo = mid;
      else hi = mid;
    }
    out.push({ atMs: hi, fromMin: before, toMin: after });
    before = after;
  }
  return out;
}

const offsetText = (min: number) => {
  const a = Math.abs(min);
  return `${min < 0 ? "-" : "+"}${String(Math.floor(a / 60)).padStart(2, "0")}${String(a % 60).padStart(2, "0")}`;
};

/** `YYYYMMDDTHHMMSS` of the wall-clock time `offsetMin` ahead of UTC at `ms`. */
function localStamp(ms: number, offsetMin: number): string {
  return stamp(ms + offsetMin * 60_000).replace(/Z$/, "");
}

/** The VTIMEZONE lines for the span: its offset at the start, then one part per change. */
function vtimezone(timeZone: string, fromMs: number, toMs: number): string[] {
  const changes = zoneTransitions(timeZone, fromMs, toMs);
  const first = offsetMinAt(fromMs, timeZone);
  const firstChange = changes[0];
  const part = (from: number, to: number, atMs: number, daylight: boolean) => [
    `BEGIN:${daylight ? "DAYLIGHT" : "STANDARD"}`,
    `DTSTART:${localStamp(atMs, from)}`,
    `TZOFFSETFROM:${offsetText(from)}`,
    `TZOFFSETTO:${offsetText(to)}`,
    `END:${daylight ? "DAYLIGHT" : "STANDARD"}`,
  ];
  return [
    "BEGIN:VTIMEZONE",
    `TZID:${timeZone}`,
    // Before the first change: summer time if the clocks then go back.
    ...part(first, first, fromMs, firstChange !== undefined && firstChange.toMin < first),
    ...changes.flatMap((c) => part(c.fromMin, c.toMin, c.atMs, c.toMin > c.fromMin)),
    "END:VTIMEZONE",
  ];
}

export interface IcsOptions {
  readonly timeZone: string;
  readonly calendarName: string;
  /** DTSTAMP of every event (RFC 5545 requires one): when the calendar was made. */
  readonly dtstampMs: number;
  /** The span the VTIMEZONE must cover (every event's start and end). */
  readonly fromMs: number;
  readonly toMs: number;
}

/** True when the zone has offsets of its own within the span (not UTC). */
function zoned(timeZone: string, fromMs: number, toMs: number): boolean {
  return offsetMinAt(fromMs, timeZone) !== 0 || zoneTransitions(timeZone, fromMs, toMs).length > 0;
}

/**
 * `DTSTART`/`DTEND` in the zone; in UTC for a wall time the zone has twice (the hour repeated when
 * clocks go back). RFC 5545 §3.3.5 reads such a TZID time as the first pass, but parsers differ
 * (ical.js takes the second), so neither pass is left to them.
 */
function dateTime(name: string, ms: number, timeZone: string, useZone: boolean): string {
  if (!useZone) return `${name}:${stamp(ms)}`;
  const offset = offsetMinAt(ms, timeZone);
  const wall = ms + offset * 60_000;
  const passes = [ms - 86_400_000, ms + 86_400_000].map((t) => wall - offsetMinAt(t, timeZone) * 60_000);
  const twice = passes.some((t) => t !== ms && t + offsetMinAt(t, timeZone) * 60_000 === wall);
  return twice ? `${name}:${stamp(ms)}` : `${name};TZID=${timeZone}:${localStamp(ms, offset)}`;
}

/** The events as an iCalendar object: CRLF line ends, folded, escaped. */
export function renderIcs(events: readonly IcsEvent[], opts: IcsOptions): string {
  const fromMs = Math.min(opts.fromMs, ...events.map((e) => e.startMs)) - 86_400_000;
  const toMs = Math.max(opts.toMs, ...events.map((e) => e.endMs)) + 86_400_000;
  const useZone = zoned(opts.timeZone, fromMs, toMs);
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//pve-backup//backup calendar//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    `X-WR-CALNAME:${escapeText(opts.calendarName)}`,
    `X-WR-TIMEZONE:${opts.timeZone}`,
    ...(useZone ? vtimezone(opts.timeZone, fromMs, toMs) : []),
  ];
  for (const e of events) {
    lines.push(
      "BEGIN:VEVENT",
      `UID:${e.uid}`,
      `DTSTAMP:${stamp(opts.dtstampMs)}`,
      dateTime("DTSTART", e.startMs, opts.timeZone, useZone),
      dateTime("DTEND", e.endMs, opts.timeZone, useZone),
      `SUMMARY:${escapeText(e.summary)}`,
    );
    if (e.description !== undefined) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
    if (e.status !== undefined) lines.push(`STATUS:${e.status}`);
    if (e.categories && e.categories.length > 0)
      lines.push(`CATEGORIES:${e.categories.map(escapeText).join(",")}`);
    lines.push("END:VEVENT");
  }
  lines.push("END:VCALENDAR");
  return `${lines.map(foldLine).join("\r\n")}\r\n`;
}
