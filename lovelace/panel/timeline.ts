import { formatClock, formatDate } from "./format.js";
import type { AttemptRow, GuestRow, Tier } from "./types.js";

/**
 * The backup window as a timeline: one night at a time (noon to noon in the PVE nodes' zone, so a
 * run at 23:50 and one at 00:10 share a night), one row per guest grouped by tier in the order
 * the options list the tiers, each attempt a bar from its task's start to its end (to now while
 * it runs). Overlaps and long runs show as overlapping and long bars.
 */

export interface Bar {
  readonly upid: string;
  readonly cluster: string;
  readonly vmid: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly outcome: AttemptRow["outcome"];
  readonly running: boolean;
  /** Left edge and width, percent of the axis. */
  readonly leftPct: number;
  readonly widthPct: number;
  readonly label: string;
}

export interface TimelineRow {
  readonly cluster: string;
  readonly vmid: number;
  readonly name: string;
  readonly tier: string | null;
  readonly bars: readonly Bar[];
}

export interface NightLayout {
  readonly night: string;
  readonly axisStartMs: number;
  readonly axisEndMs: number;
  /** Hour marks: position and label. */
  readonly ticks: readonly { leftPct: number; label: string }[];
  readonly groups: readonly { tier: string | null; rows: readonly TimelineRow[] }[];
}

const HOUR = 3_600_000;

/**
 * The guests' own spans inside one task that backed up several guests one after the other (from
 * its log, `GET /api/panel/task-guests`): a guest's bar is its part, not the whole task.
 */
export interface GuestSpans {
  readonly ended: boolean;
  /** The overview's clock they were read at (a running task's spans are read again later). */
  readonly forNow: string;
  readonly guests: ReadonlyMap<number, { readonly start: string; readonly end: string | null }>;
}

/** The night an instant belongs to, named by the date its morning falls on: `2026-02-11`. */
export function nightOf(ms: number, timeZone: string): string {
  return formatDate(ms + 12 * HOUR, timeZone);
}

/** Nights that have attempts, newest first. */
export function nightsOf(attempts: readonly AttemptRow[], timeZone: string): string[] {
  return [...new Set(attempts.map((a) => nightOf(Date.parse(a.start), timeZone)))].sort().reverse();
}

export function layoutNight(input: {
  readonly night: string;
  readonly attempts: readonly AttemptRow[];
  readonly guests: readonly GuestRow[];
  readonly tiers: readonly Tier[];
  readonly timeZone: string;
  readonly nowMs: number;
  /** By UPID; a task without them is drawn whole for each of its guests. */
  readonly spans?: ReadonlyMap<string, GuestSpans>;
}): NightLayout {
  const { timeZone, nowMs } = input;
  const mine = input.attempts.filter((a) => nightOf(Date.parse(a.start), timeZone) === input.night);
  // A guest of a running task whose log has not reached it yet waits: no bar until it starts.
  const waiting = (a: AttemptRow) => {
    const task = input.spans?.get(a.upid);
    return a.end === null && task !== undefined && task.guests.size > 0 && !task.guests.has(a.vmid);
  };
  const spans = mine
    .filter((a) => !waiting(a))
    .map((a) => {
      const own = input.spans?.get(a.upid)?.guests.get(a.vmid);
      const start = own?.start ?? a.start;
      const end = own ? (own.end ?? a.end) : a.end;
      const startMs = Date.parse(start);
      const running = end === null;
      const endMs = Math.max(startMs + 60_000, running ? nowMs : Date.parse(end as string));
      return { a, startMs, endMs, running };
    });
  const first = Math.min(...spans.map((s) => s.startMs));
  const last = Math.max(...spans.map((s) => s.endMs));
  const axisStartMs = spans.length ? Math.floor(first / HOUR) * HOUR : 0;
  const axisEndMs = spans.length ? Math.max(axisStartMs + HOUR, Math.ceil(last / HOUR) * HOUR) : HOUR;
  const span = axisEndMs - axisStartMs;
  const pct = (ms: number) => ((ms - axisStartMs) / span) * 100;

  const ticks: { leftPct: number; label: string }[] = [];
  const step = span > 8 * HOUR ? 2 * HOUR : HOUR;
  for (let t = axisStartMs; t <= axisEndMs; t += step)
    ticks.push({ leftPct: pct(t), label: formatClock(t, timeZone) });

  const key = (cluster: string, vmid: number) => `${cluster}/${vmid}`;
  const guestByKey = new Map(input.guests.map((g) => [key(g.cluster, g.vmid), g]));
  const barsByKey = new Map<string, Bar[]>();
  for (const { a, startMs, endMs, running } of spans) {
    const bars = barsByKey.get(key(a.cluster, a.vmid)) ?? [];
    bars.push({
      upid: a.upid,
      cluster: a.cluster,
      vmid: a.vmid,
      startMs,
      endMs,
      outcome: a.outcome,
      running,
      leftPct: pct(startMs),
      widthPct: Math.max(0.5, pct(endMs) - pct(startMs)),
      label: `${formatClock(startMs, timeZone)}–${running ? "now" : formatClock(endMs, timeZone)} ${a.outcome}${a.error ? `: ${a.error}` : ""}`,
    });
    barsByKey.set(key(a.cluster, a.vmid), bars);
  }

  const tierOf = (g: { tier: string | null }) => g.tier;
  const rowFor = (cluster: string, vmid: number): TimelineRow => {
    const g = guestByKey.get(key(cluster, vmid));
    return {
      cluster,
      vmid,
      name: g?.name ?? String(vmid),
      tier: g ? tierOf(g) : null,
      bars: barsByKey.get(key(cluster, vmid)) ?? [],
    };
  };
  // Every guest of a tier has a row (a missed run is an empty row); others only when they ran.
  const rows: TimelineRow[] = [];
  const seen = new Set<string>();
  for (const g of input.guests) {
    if (g.tier === null && !barsByKey.has(key(g.cluster, g.vmid))) continue;
    rows.push(rowFor(g.cluster, g.vmid));
    seen.add(key(g.cluster, g.vmid));
  }
  for (const k of barsByKey.keys())
    if (!seen.has(k)) {
      const [cluster, vmid] = [k.slice(0, k.lastIndexOf("/")), Number(k.slice(k.lastIndexOf("/") + 1))];
      rows.push(rowFor(cluster, vmid));
    }
  const order = input.tiers.map((t) => t.name);
  // The options' tiers in their order, then tiers the options no longer have, then no tier.
  const rank = (tier: string | null) => {
    if (tier === null) return order.length + 1;
    const i = order.indexOf(tier);
    return i === -1 ? order.length : i;
  };
  rows.sort(
    (a, b) =>
      rank(a.tier) - rank(b.tier) ||
      String(a.tier).localeCompare(String(b.tier)) ||
      a.vmid - b.vmid ||
      a.cluster.localeCompare(b.cluster),
  );
  const groups: { tier: string | null; rows: TimelineRow[] }[] = [];
  for (const r of rows) {
    const g = groups.at(-1);
    if (g && g.tier === r.tier) g.rows.push(r);
    else groups.push({ tier: r.tier, rows: [r] });
  }
  return { night: input.night, axisStartMs, axisEndMs, ticks, groups };
}
