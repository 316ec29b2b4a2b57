import type { Archive } from "./model.js";

/**
 * The share holding the archives: how much is free, how fast the backups grow, and when the
 * share fills at the current policy. Pure; sizes in bytes, times in epoch ms.
 */

const WEEK_MS = 7 * 86_400_000;
const DAY_MS = 86_400_000;

export interface CapacityInput {
  readonly freeBytes: number;
  readonly totalBytes: number;
  /** Every archive on the share (all guests, all kept copies). */
  readonly archives: readonly Archive[];
  /** How many archives the policy keeps of a guest; undefined for a guest in no tier (kept as is). */
  keepOf(vmid: number): number | undefined;
  readonly nowMs: number;
  /** A problem below this many free bytes. */
  readonly minFreeBytes: number;
  /** A problem when the share is forecast to fill within this many days. */
  readonly warnDays: number;
}

export interface Capacity {
  readonly freeBytes: number;
  readonly totalBytes: number;
  /** Bytes the archives on the share take now. */
  readonly backupBytes: number;
  /** Bytes they will take once every guest has as many archives as the policy keeps, at today's sizes. */
  readonly steadyBytes: number;
  /** How fast the kept archives grow, bytes per week (negative when they shrink). */
  readonly growthBytesPerWeek: number;
  /** When the share is forecast to be full; null when it is not filling. */
  readonly fillMs: number | null;
  readonly problems: readonly string[];
}

/**
 * Growth per guest is the least-squares slope of its archive sizes over time (at least two
 * archives a day apart), times the copies kept; the share first takes the archives retention has
 * not yet reached (`steadyBytes − backupBytes`), then grows by the slope. The fill date is when
 * the free space is used up that way.
 */
export function assessCapacity(input: CapacityInput): Capacity {
  const byGuest = new Map<number, Archive[]>();
  for (const a of input.archives) byGuest.set(a.vmid, [...(byGuest.get(a.vmid) ?? []), a]);
  let backupBytes = 0;
  let steadyBytes = 0;
  let growth = 0;
  for (const [vmid, list] of byGuest) {
    list.sort((a, b) => a.timeMs - b.timeMs);
    const keep = input.keepOf(vmid) ?? list.length;
    backupBytes += list.reduce((sum, a) => sum + a.sizeBytes, 0);
    steadyBytes += keep * (list[list.length - 1] as Archive).sizeBytes;
    growth += keep * slopePerWeek(list);
  }
  const pending = Math.max(0, steadyBytes - backupBytes);
  const room = input.freeBytes - pending;
  const fillMs =
    room <= 0 ? input.nowMs : growth > 0 ? input.nowMs + Math.round((room / growth) * WEEK_MS) : null;
  const problems: string[] = [];
  if (input.freeBytes < input.minFreeBytes)
    problems.push(
      `the NAS share has ${formatGb(input.freeBytes)} free, under the ${formatGb(input.minFreeBytes)} set in nas.min_free_gb: free space or lower keep_last`,
    );
  if (fillMs !== null && fillMs - input.nowMs <= input.warnDays * DAY_MS)
    problems.push(
      `at the current policy the NAS share fills within ${Math.max(0, Math.ceil((fillMs - input.nowMs) / DAY_MS))} days (nas.fill_warn_days is ${input.warnDays}): free space, lower keep_last or move guests to a weekly tier`,
    );
  return {
    freeBytes: input.freeBytes,
    totalBytes: input.totalBytes,
    backupBytes,
    steadyBytes,
    growthBytesPerWeek: Math.round(growth),
    fillMs,
    problems,
  };
}

/** Least-squares slope of size over time, bytes per week; 0 with fewer than two points a day apart. */
function slopePerWeek(list: readonly Archive[]): number {
  const first = list[0] as Archive;
  const last = list[list.length - 1] as Archive;
  if (last.timeMs - first.timeMs < DAY_MS) return 0;
  const n = list.length;
  const mx = list.reduce((s, a) => s + a.timeMs, 0) / n;
  const my = list.reduce((s, a) => s + a.sizeBytes, 0) / n;
  let num = 0;
  let den = 0;
  for (const a of list) {
    num += (a.timeMs - mx) * (a.sizeBytes - my);
    den += (a.timeMs - mx) ** 2;
  }
  return (num / den) * WEEK_MS;
}

const formatGb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;
