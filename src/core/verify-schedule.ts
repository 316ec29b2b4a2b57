/**
 * When the service verifies on its own (options `verify.schedule`), per cluster and entry:
 * - `after_run`: the tier's newest backup task ended OK (every guest of the tier in it ok or with
 *   warnings) and one of those guests has not been verified since the task ended;
 * - `every N days`: the oldest verification among the tier's guests with an archive is older than
 *   N days (for a full entry only full checks count), and no backup window is near: no vzdump
 *   task running on the cluster, no enabled job due within the hour.
 * A full check never starts while a vzdump task runs (it would compete for the NAS). An entry
 * tried less than `retryMs` ago waits, so an outage (the NAS down) is not hammered. Pure.
 */

import type { ClusterFacts } from "./model.js";
import type { LastTestRestore, LastVerified } from "./verify-run.js";

/** One line of `verify.schedule`. */
export interface VerifyScheduleEntry {
  readonly tier: string;
  /** After the tier's job ended OK. */
  readonly afterRun: boolean;
  /** Every N days (outside the backup windows); undefined for after-run entries. */
  readonly everyDays?: number;
  readonly full: boolean;
  /**
   * A test restore instead of a verification (`P0 test_restore every 30 days [guest 102]`): of
   * `guest`, or of the tier's guest whose last test restore is oldest. Always with `everyDays`.
   */
  readonly testRestore?: { readonly guest?: number };
}

/** What both schedules look at: the entries, the tiers, one cluster's facts and the tries. */
interface ScheduleBase {
  readonly entries: readonly VerifyScheduleEntry[];
  readonly tiers: readonly { readonly name: string; readonly guests: readonly number[] }[];
  readonly facts: ClusterFacts | undefined;
  readonly nowMs: number;
  /** Per entry (its index), when it was last started since the add-on started. */
  readonly triedMs: Readonly<Record<number, number>>;
  /** Least time between two tries of one entry. */
  readonly retryMs: number;
}

export interface ScheduleInput extends ScheduleBase {
  /** Keyed `<cluster>_<vmid>`. */
  readonly lastVerified: Readonly<Record<string, Pick<LastVerified, "time" | "depth">>>;
}

export interface DueVerification {
  readonly entry: number;
  readonly tier: string;
  readonly full: boolean;
  readonly reason: "after_run" | "periodic";
}

/** No periodic check starts within this time before a backup job's next run. */
export const BACKUP_WINDOW_MS = 3_600_000;
const DAY_MS = 86_400_000;

export function dueVerifications(input: ScheduleInput): DueVerification[] {
  const facts = input.facts;
  if (!facts?.reachable) return [];
  const backupRunning = facts.attempts.some((a) => a.outcome === "running" || a.outcome === "waiting");
  const windowNear = facts.jobs.some(
    (j) => j.enabled && j.nextRunMs !== undefined && j.nextRunMs - input.nowMs < BACKUP_WINDOW_MS,
  );
  const withArchive = new Set(facts.archives.map((a) => a.vmid));
  const out: DueVerification[] = [];
  input.entries.forEach((e, i) => {
    const tier = input.tiers.find((t) => t.name === e.tier);
    const tried = input.triedMs[i];
    if (e.testRestore || !tier || (tried !== undefined && input.nowMs - tried < input.retryMs)) return;
    if (e.full && backupRunning) return;
    const verifiedMs = (vmid: number, full: boolean): number | undefined => {
      const v = input.lastVerified[`${facts.cluster}_${vmid}`];
      return v === undefined || (full && v.depth !== "full") ? undefined : Date.parse(v.time);
    };
    if (e.afterRun) {
      const run = lastGoodRun(facts, tier.guests);
      const endMs = run?.endMs ?? Number.POSITIVE_INFINITY;
      if (run?.vmids.some((g) => withArchive.has(g) && !((verifiedMs(g, e.full) ?? -1) >= endMs))) {
        out.push({ entry: i, tier: e.tier, full: e.full, reason: "after_run" });
        return;
      }
    }
    if (e.everyDays !== undefined && !backupRunning && !windowNear) {
      const guests = tier.guests.filter((g) => withArchive.has(g));
      const stale = guests.some((g) => {
        const ms = verifiedMs(g, e.full);
        return ms === undefined || input.nowMs - ms >= (e.everyDays as number) * DAY_MS;
      });
      if (stale) out.push({ entry: i, tier: e.tier, full: e.full, reason: "periodic" });
    }
  });
  return out;
}

/**
 * The newest task that backed up guests of the tier (its end, and those guests), when it is over
 * and each of them ended ok (or with warnings); undefined while it runs, after a failure, or
 * without one.
 */
function lastGoodRun(
  facts: Extract<ClusterFacts, { reachable: true }>,
  guests: readonly number[],
): { endMs: number; vmids: number[] } | undefined {
  const mine = facts.attempts.filter((a) => guests.includes(a.vmid));
  const newest = mine.reduce<(typeof mine)[number] | undefined>(
    (best, a) => (best === undefined || a.startMs > best.startMs ? a : best),
    undefined,
  );
  if (!newest) return undefined;
  const task = mine.filter((a) => a.upid === newest.upid);
  if (!task.every((a) => a.outcome === "ok" || a.outcome === "warnings")) return undefined;
  return { endMs: Math.max(...task.map((a) => a.endMs ?? a.startMs)), vmids: task.map((a) => a.vmid) };
}

/** `retryMs` is also counted from the tier's newest result. */
export interface TestRestoreScheduleInput extends ScheduleBase {
  /** Keyed `<cluster>_<vmid>`. */
  readonly lastTestRestore: Readonly<Record<string, Pick<LastTestRestore, "time" | "result">>>;
}

export interface DueTestRestore {
  readonly entry: number;
  readonly tier: string;
  readonly vmid: number;
}

/**
 * Which test restores are due: per `test_restore` entry at most one guest per run, and a run
 * every N days, counted from the tier's newest test restore that ended ok (none: due now). The
 * guest is the entry's `guest`, or the tier's guest with an archive whose last test restore (any
 * result) is oldest, never restored first, lowest vmid on a tie, so a tier is gone through in
 * turn. Never while a vzdump task runs on the cluster or within BACKUP_WINDOW_MS of an enabled
 * job's next run (a restore competes for the storage and the copy could land in a backup); an
 * entry waits `retryMs` after its last try and after the tier's newest result (ok or failed, read
 * from the ledger, so a restart does not try a failing restore again at once). Whether the spare
 * VMID is free is checked by the caller right before it starts. Pure.
 */
export function dueTestRestores(input: TestRestoreScheduleInput): DueTestRestore[] {
  const facts = input.facts;
  if (!facts?.reachable) return [];
  const backupRunning = facts.attempts.some((a) => a.outcome === "running" || a.outcome === "waiting");
  const windowNear = facts.jobs.some(
    (j) => j.enabled && j.nextRunMs !== undefined && j.nextRunMs - input.nowMs < BACKUP_WINDOW_MS,
  );
  if (backupRunning || windowNear) return [];
  const withArchive = new Set(facts.archives.map((a) => a.vmid));
  const out: DueTestRestore[] = [];
  input.entries.forEach((e, i) => {
    const tier = input.tiers.find((t) => t.name === e.tier);
    if (!e.testRestore || e.everyDays === undefined || !tier) return;
    const fixed = e.testRestore.guest;
    const candidates = tier.guests.filter((g) => withArchive.has(g) && (fixed === undefined || g === fixed));
    if (candidates.length === 0) return;
    const last = (vmid: number) => input.lastTestRestore[`${facts.cluster}_${vmid}`];
    const timeOf = (vmid: number) => {
      const r = last(vmid);
      return r === undefined ? Number.NEGATIVE_INFINITY : Date.parse(r.time);
    };
    const newestOk = Math.max(
      ...candidates.map((g) => (last(g)?.result === "ok" ? timeOf(g) : Number.NEGATIVE_INFINITY)),
    );
    if (input.nowMs - newestOk < e.everyDays * DAY_MS) return;
    const newestTry = Math.max(input.triedMs[i] ?? Number.NEGATIVE_INFINITY, ...candidates.map(timeOf));
    if (input.nowMs - newestTry < input.retryMs) return;
    const pick = [...candidates].sort((a, b) => timeOf(a) - timeOf(b) || a - b)[0] as number;
    out.push({ entry: i, tier: e.tier, vmid: pick });
  });
  return out;
}
