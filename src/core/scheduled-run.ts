import { parseCalendarEvent, previousOccurrence } from "./calendar.js";
import type { BackupJob, Guest } from "./model.js";
import { jobSelects } from "./selection.js";
import { targetStorage } from "./status.js";
import type { TaskLogSummary } from "./task-log.js";

/** pvescheduler starts a due job within the minute of its occurrence. */
export const SCHEDULER_START_SLACK_MS = 60_000;

/**
 * A finished vzdump task that failed before it named any guest: no guest block, no `starting new
 * backup job` line (e.g. its storage could not be activated). Only the job that started it can
 * say which guests it was for.
 */
export function isUnattributedFailure(
  summary: Pick<TaskLogSummary, "jobOutcome" | "guests" | "requestedVmids">,
): boolean {
  return (
    summary.jobOutcome === "failed" && summary.guests.length === 0 && summary.requestedVmids.length === 0
  );
}

/** A multi-guest task (its UPID names no guest) and what its log says. */
export interface UnnamedRun {
  readonly node: string;
  readonly startMs: number;
  readonly summary: Pick<TaskLogSummary, "jobOutcome" | "guests" | "requestedVmids" | "jobError">;
}

/**
 * The guests an unattributed failed task was started for, by the scheduled jobs that were due
 * when it started: enabled, allowed on its node, with an occurrence of their schedule within the
 * minute before its start, and writing to the storage its error names (if it names one). The
 * guests are those on the task's node that such a job selects (several jobs due at once: all of
 * theirs), ascending.
 *
 * A run started by hand (`Run now` in the PVE web UI, `vzdump` on a shell) has no schedule
 * occurrence at its start and stays unattributed: nothing says which guests it was for.
 *
 * @param timeZone - The PVE nodes' IANA time zone, in which the schedules are read.
 * @returns Empty when the task is not an unattributed failure or no job matches.
 */
export function scheduledRunGuests(
  run: UnnamedRun,
  jobs: readonly BackupJob[],
  guests: readonly Pick<Guest, "vmid" | "node" | "pool">[],
  timeZone: string,
): number[] {
  if (!isUnattributedFailure(run.summary)) return [];
  const storage = /storage '([^']+)'/.exec(run.summary.jobError ?? "")?.[1];
  const vmids = new Set<number>();
  for (const job of jobs) {
    if (!job.enabled || (job.node !== undefined && job.node !== run.node)) continue;
    if (storage !== undefined && targetStorage(job) !== storage) continue;
    if (!dueAt(job, run.startMs, timeZone)) continue;
    for (const guest of guests) if (guest.node === run.node && jobSelects(job, guest)) vmids.add(guest.vmid);
  }
  return [...vmids].sort((a, b) => a - b);
}

/** Whether the job's schedule had an occurrence in the minute up to `startMs`. */
function dueAt(job: BackupJob, startMs: number, timeZone: string): boolean {
  const parsed = parseCalendarEvent(job.schedule ?? "");
  if (!parsed.ok) return false;
  const due = previousOccurrence(parsed.event, startMs, timeZone);
  return due !== undefined && due >= startMs - SCHEDULER_START_SLACK_MS;
}
