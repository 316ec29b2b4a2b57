import { nextRunMs, readCalendarEvent, type SimCalendarEvent } from "./calendar.js";
import { jobRunOptions } from "./jobs.js";
import { maxProtectedBackups, type SimJob } from "./state.js";
import type { TaskEngine } from "./task-engine.js";
import { planVzdump, type VzdumpDeps, vzdumpWorker } from "./vzdump.js";

/**
 * `pvescheduler` for the sim: every enabled job with a schedule runs when its calendar event comes
 * due, on every online node (or only its `node`), as `root@pam` with `job-id` — one vzdump task
 * per node that has selected guests (reference §3.5). Missed runs are not repeated.
 */
export interface Scheduler {
  /** The next time a job is due after the scheduler's cursor. */
  nextFireMs(): number | undefined;
  /** Runs every job due exactly at `atMs` and moves the cursor there. */
  fire(atMs: number): void;
  /** Moves the cursor: nothing due up to `ms` will run any more. */
  skipTo(ms: number): void;
}

export interface SchedulerDeps extends VzdumpDeps {
  readonly engine: TaskEngine;
}

export function createScheduler(deps: SchedulerDeps, startMs: number): Scheduler {
  let cursorMs = startMs;
  const events = new Map<string, SimCalendarEvent | undefined>();
  const eventOf = (schedule: string) => {
    if (!events.has(schedule)) {
      const read = readCalendarEvent(schedule);
      events.set(schedule, "event" in read ? read.event : undefined);
    }
    return events.get(schedule);
  };
  // Occurrences after the cursor, per schedule; dropped whenever the cursor moves.
  let nextAfterCursor = new Map<string, number | undefined>();
  const nextOf = (job: SimJob): number | undefined => {
    if (Number(job.enabled ?? 1) !== 1 || job.schedule === undefined) return undefined;
    const schedule = String(job.schedule);
    if (!nextAfterCursor.has(schedule)) {
      const event = eventOf(schedule);
      nextAfterCursor.set(schedule, event ? nextRunMs(event, cursorMs, deps.state.timezone) : undefined);
    }
    return nextAfterCursor.get(schedule);
  };
  const moveCursor = (ms: number) => {
    if (ms === cursorMs) return;
    cursorMs = ms;
    nextAfterCursor = new Map();
  };

  const runJob = (job: SimJob, atMs: number) => {
    const options = { ...jobRunOptions(job), quiet: 1, "job-id": job.id };
    for (const node of deps.state.nodes) {
      // A node that is down runs nothing; a pinned job runs only on its node.
      if (!node.online || (job.node !== undefined && job.node !== node.name)) continue;
      const plan = planVzdump(deps.state, {
        node: node.name,
        options,
        selectionNode: job.node === undefined ? undefined : String(job.node),
        mayBackup: () => true,
        // Scheduled runs are root's: only a configured `max-protected-backups` limits them.
        maxProtected: (storage) => maxProtectedBackups(storage, true),
      });
      if (!plan) continue;
      deps.engine.start(
        {
          node: node.name,
          user: "root@pam",
          type: "vzdump",
          id: plan.taskId,
          jobId: job.id,
          makeWorker: vzdumpWorker(plan.run, deps),
        },
        atMs,
      );
    }
  };

  return {
    nextFireMs() {
      let min: number | undefined;
      for (const job of deps.state.jobs) {
        const t = nextOf(job);
        if (t !== undefined && (min === undefined || t < min)) min = t;
      }
      return min;
    },
    fire(atMs) {
      const due = deps.state.jobs.filter((job) => nextOf(job) === atMs);
      moveCursor(atMs);
      for (const job of due) runJob(job, atMs);
    },
    skipTo(ms) {
      moveCursor(Math.max(cursorMs, ms));
    },
  };
}
