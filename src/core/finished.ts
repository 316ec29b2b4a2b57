import type { Attempt, ClusterFacts } from "./model.js";
import { parseUpid } from "./upid.js";

/**
 * Which guest backup results are new since the last look: the source of the
 * `pve_backup_backup_finished` / `pve_backup_backup_failed` events for every run, PVE's own
 * scheduled jobs included, not only the ones the service started and followed.
 *
 * Two records decide what has been told already:
 * - `marks`, per guest (vmid), the start time of the newest attempt whose result was told or
 *   taken as the baseline. Small (one number a guest) and kept across restarts: a result that
 *   finished while the service was down is told once after it starts again. The start time, not
 *   the end: a guest's result is final as soon as its block of the task log ends, while the task
 *   goes on with other guests and has no end time yet; the start (from the task, unique per
 *   guest and task since a guest is backed up by one task at a time) is known throughout.
 * - `seen`, keys (`resultKey`) of results told by another path (the follower of a "back up now"
 *   task) that no refresh has shown final yet. Once one has, its mark covers it and the key is
 *   dropped.
 */

/** One guest's result, as the events carry it. */
export interface FinishedResult {
  readonly cluster: string;
  readonly vmid: number;
  readonly name: string;
  readonly status: "ok" | "warnings" | "failed";
  readonly sizeBytes: number | null;
  readonly durationSec: number | null;
  readonly error: string | null;
  readonly upid: string;
}

/** Per vmid: start time (ms) of the newest attempt told or taken as the baseline. */
export type FinishedMarks = Readonly<Record<string, number>>;

export interface FinishedInput {
  readonly facts: Extract<ClusterFacts, { reachable: true }>;
  /**
   * The cluster's marks; undefined before its first look (no state kept from an earlier run): that
   * look only sets them, from every final attempt, and tells nothing historical.
   */
  readonly marks: FinishedMarks | undefined;
  /** Keys of results told elsewhere (`resultKey`). */
  readonly seen: ReadonlySet<string>;
}

export interface FinishedOutput {
  /** The results to tell, oldest attempt first. */
  readonly results: readonly FinishedResult[];
  readonly marks: FinishedMarks;
  /** `seen` less the keys these facts show final (the marks cover them now). */
  readonly seen: ReadonlySet<string>;
}

/** The identity of one guest's result: the same whichever path tells it. */
export function resultKey(r: { cluster: string; upid: string; vmid: number }): string {
  return `${r.cluster} ${r.upid} ${r.vmid}`;
}

/**
 * Whether a result another path is about to tell was told already: by that path (`seen`) or by
 * a look at the facts (the guest's mark covers the start of its task, from the UPID).
 */
export function isTold(
  r: { cluster: string; upid: string; vmid: number },
  marks: FinishedMarks | undefined,
  seen: ReadonlySet<string>,
): boolean {
  if (seen.has(resultKey(r))) return true;
  const startMs = parseUpid(r.upid)?.startMs;
  const mark = marks?.[r.vmid];
  return startMs !== undefined && mark !== undefined && startMs <= mark;
}

const isFinal = (a: Attempt) => a.outcome === "ok" || a.outcome === "warnings" || a.outcome === "failed";

/**
 * The results of attempts that are final in `facts` and neither covered by the guest's mark nor
 * in `seen`. An ok result without a size of its own (an `OK` task is known from the head of its
 * log) takes the size of the guest's newest archive when that was made during the attempt; one
 * without a duration takes its task's when the task was for that guest alone (its UPID names it).
 */
export function findFinished(input: FinishedInput): FinishedOutput {
  const { facts, seen } = input;
  const baseline = input.marks === undefined;
  const marks: Record<string, number> = { ...input.marks };
  const nextSeen = new Set(seen);
  const names = new Map(facts.guests.map((g) => [g.vmid, g.name]));
  const final = facts.attempts.filter(isFinal).sort((a, b) => a.startMs - b.startMs || a.vmid - b.vmid);
  const results: FinishedResult[] = [];
  for (const a of final) {
    const key = resultKey({ cluster: facts.cluster, upid: a.upid, vmid: a.vmid });
    const mark = input.marks?.[a.vmid];
    const told = baseline || seen.has(key) || (mark !== undefined && a.startMs <= mark);
    nextSeen.delete(key);
    marks[a.vmid] = Math.max(marks[a.vmid] ?? a.startMs, a.startMs);
    if (told) continue;
    results.push({
      cluster: facts.cluster,
      vmid: a.vmid,
      name: names.get(a.vmid) || String(a.vmid),
      status: a.outcome as FinishedResult["status"],
      sizeBytes: a.sizeBytes ?? (a.outcome === "failed" ? null : archiveSize(facts, a)),
      durationSec:
        a.durationSec ??
        (a.endMs !== undefined && parseUpid(a.upid)?.id === String(a.vmid)
          ? Math.round((a.endMs - a.startMs) / 1000)
          : null),
      error: a.error ?? null,
      upid: a.upid,
    });
  }
  return { results, marks, seen: nextSeen };
}

/** The size of the guest's newest archive when it was made between the attempt's start and end. */
function archiveSize(facts: FinishedInput["facts"], a: Attempt): number | null {
  const endMs = a.endMs ?? Number.POSITIVE_INFINITY;
  const archive = facts.archives.find((x) => x.vmid === a.vmid && x.timeMs >= a.startMs && x.timeMs <= endMs);
  return archive ? archive.sizeBytes : null;
}
