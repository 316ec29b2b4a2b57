import type { SimState, SimTask } from "./state.js";
import { encodeUpid } from "./upid.js";

/**
 * Runs simulated worker tasks on the sim clock, the way pve-common `RESTEnvironment::fork_worker`
 * runs them on a node: a worker writes its log line by line, sleeps through simulated work, may
 * wait for the node's global vzdump lock, and ends with `TASK OK`, `TASK WARNINGS: N` or
 * `TASK ERROR: <message>` as its last line (from which PVE derives the exit status, §4.3).
 *
 * Workers are generators: they yield what they wait for, and the engine resumes them when the
 * clock gets there. Nothing here reads a clock; callers pass the times.
 */

/** What a worker waits for. */
export type Wait =
  | { readonly kind: "sleep"; readonly untilMs: number }
  /** The node's global vzdump lock; resumed with `true` when acquired, `false` at the deadline. */
  | { readonly kind: "lock"; readonly deadlineMs: number };

/**
 * How a worker ended: `ok` (the engine writes `TASK OK`/`TASK WARNINGS`), or `exit` — it left
 * without a final status line, like vzdump's `exit(-1)` after a lock timeout, which PVE then
 * reports as `unexpected status`. Throwing {@link TaskFailure} writes `TASK ERROR: <message>`.
 */
export type WorkerEnd = "ok" | "exit";

export type Worker = Generator<Wait, WorkerEnd, boolean | undefined>;

/** A worker's `die`: becomes `TASK ERROR: <message>` (newlines turned into spaces, as fork_worker does). */
export class TaskFailure extends Error {
  override readonly name = "TaskFailure";
}

/** What a worker can do to its task and node. */
export interface WorkerIo {
  readonly task: SimTask;
  /** The time the worker is running at. */
  now(): number;
  log(line: string): void;
  /** Takes the node's global vzdump lock if it is free. */
  tryLock(): boolean;
  /** Sets `lock: backup` on a guest until unlocked or the task ends. */
  lockGuest(vmid: number): void;
  unlockGuest(vmid: number): void;
}

export interface TaskSpec {
  readonly node: string;
  /** As recorded in the UPID: `user@realm` or `user@realm!token`. */
  readonly user: string;
  readonly type: string;
  readonly id: string;
  readonly jobId?: string;
  readonly makeWorker: (io: WorkerIo) => Worker;
}

export interface TaskEngine {
  /** Creates a task started at `atMs` and runs its worker from there as the clock advances. */
  start(spec: TaskSpec, atMs: number): SimTask;
  /**
   * Writes a task that already ended, in one go and outside the node's lock: for task history
   * given by a scenario. Its end time is `endMs` whatever the worker's own timeline says.
   */
  materialize(spec: TaskSpec, startMs: number, endMs: number): SimTask;
  /** The earliest time a running worker wants to be resumed. */
  nextWakeMs(): number | undefined;
  /** Resumes the one worker due earliest (ties: oldest task first), if any is due by `atMs`. */
  runNext(atMs: number): boolean;
  /** Whether a task is still running (not ended). */
  isRunning(upid: string): boolean;
}

interface Active {
  readonly task: SimTask;
  readonly seq: number;
  readonly makeWorker: (io: WorkerIo) => Worker;
  worker?: Worker;
  /** The time the worker runs at while resumed. */
  nowMs: number;
  wakeAtMs?: number;
  lockDeadlineMs?: number;
  /** What to resume the worker with next (the lock result). */
  resumeWith?: boolean;
  /** Guests this task has locked (`lock: backup`). */
  readonly guestLocks: Set<number>;
}

export interface TaskEngineDeps {
  readonly state: SimState;
  /** When each node booted, epoch ms: UPID `pstart` counts 100 Hz clock ticks from there. */
  readonly bootMsOf: (node: string) => number;
  /** Called when a started task ends (not for materialized history), after its final log line. */
  readonly onTaskFinished?: (task: SimTask) => void;
}

export function createTaskEngine(deps: TaskEngineDeps): TaskEngine {
  const active: Active[] = [];
  const lockHolder = new Map<string, Active>();
  const lockQueue = new Map<string, Active[]>();
  const lastPid = new Map<string, number>();
  let seq = 0;

  /** Plausible, deterministic pids: each node's counter moves on by a few per task. */
  const nextPid = (node: string): number => {
    const seed = [...node].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 90_000, 7);
    const last = lastPid.get(node) ?? 4000 + seed;
    const pid = last + 3 + ((last * 7) % 29);
    lastPid.set(node, pid);
    return pid;
  };

  const createTask = (spec: TaskSpec, startMs: number): SimTask => {
    const startSec = Math.floor(startMs / 1000);
    const pid = nextPid(spec.node);
    const pstart = Math.max(1, Math.floor((startSec * 1000 - deps.bootMsOf(spec.node)) / 10));
    const fields = { node: spec.node, pid, pstart, startMs: startSec * 1000, type: spec.type, id: spec.id };
    const task: SimTask = {
      upid: encodeUpid({ ...fields, starttime: startSec, user: spec.user }),
      ...fields,
      user: spec.user,
      jobId: spec.jobId,
      log: [],
    };
    deps.state.tasks.push(task);
    return task;
  };

  const finalLine = (task: SimTask, outcome: WorkerEnd | TaskFailure): string | undefined => {
    if (outcome instanceof TaskFailure) {
      return `TASK ERROR: ${outcome.message.replace(/\n+$/, "").replace(/\n/g, " ")}`;
    }
    if (outcome === "exit") return undefined;
    const warnings = task.log.filter((l) => l.startsWith("WARN: ")).length;
    return warnings ? `TASK WARNINGS: ${warnings}` : "TASK OK";
  };

  /** Drives a worker one step. */
  const step = (
    worker: Worker,
    input: boolean | undefined,
  ): IteratorResult<Wait, WorkerEnd> | TaskFailure => {
    try {
      return worker.next(input);
    } catch (err) {
      if (err instanceof TaskFailure) return err;
      // A bug in a worker must not pass for a PVE answer: say so in the task log.
      return new TaskFailure(`simulator bug: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const guestLock = (locks: Set<number> | undefined) => ({
    lockGuest: (vmid: number) => {
      if (!locks) return;
      const guest = deps.state.guests.find((g) => g.vmid === vmid);
      if (guest) guest.lock = "backup";
      locks.add(vmid);
    },
    unlockGuest: (vmid: number) => {
      if (!locks?.delete(vmid)) return;
      const guest = deps.state.guests.find((g) => g.vmid === vmid);
      if (guest?.lock === "backup") guest.lock = undefined;
    },
  });

  const release = (a: Active, atMs: number) => {
    if (lockHolder.get(a.task.node) !== a) return;
    lockHolder.delete(a.task.node);
    const next = lockQueue.get(a.task.node)?.shift();
    if (!next) return;
    lockHolder.set(next.task.node, next);
    next.lockDeadlineMs = undefined;
    next.wakeAtMs = atMs;
    next.resumeWith = true;
  };

  const end = (a: Active, outcome: WorkerEnd | TaskFailure) => {
    const line = finalLine(a.task, outcome);
    if (line) a.task.log.push(line);
    a.task.endMs = a.nowMs;
    active.splice(active.indexOf(a), 1);
    const { unlockGuest } = guestLock(a.guestLocks);
    for (const vmid of [...a.guestLocks]) unlockGuest(vmid);
    release(a, a.nowMs);
    deps.onTaskFinished?.(a.task);
  };

  const resume = (a: Active, atMs: number) => {
    a.nowMs = atMs;
    const input = a.resumeWith;
    a.resumeWith = undefined;
    a.wakeAtMs = undefined;
    a.lockDeadlineMs = undefined;
    a.worker ??= a.makeWorker({
      task: a.task,
      now: () => a.nowMs,
      log: (line) => a.task.log.push(line),
      tryLock: () => {
        const holder = lockHolder.get(a.task.node);
        if (holder && holder !== a) return false;
        lockHolder.set(a.task.node, a);
        return true;
      },
      ...guestLock(a.guestLocks),
    });
    const r = step(a.worker, input);
    if (r instanceof TaskFailure) return end(a, r);
    if (r.done) return end(a, r.value);
    const wait = r.value;
    if (wait.kind === "sleep") {
      a.wakeAtMs = Math.max(wait.untilMs, atMs);
    } else {
      a.lockDeadlineMs = wait.deadlineMs;
      lockQueue.set(a.task.node, [...(lockQueue.get(a.task.node) ?? []), a]);
    }
  };

  const dueAt = (a: Active) => a.wakeAtMs ?? a.lockDeadlineMs;

  return {
    start(spec, atMs) {
      const task = createTask(spec, atMs);
      active.push({
        task,
        seq: seq++,
        makeWorker: spec.makeWorker,
        nowMs: atMs,
        wakeAtMs: atMs,
        guestLocks: new Set(),
      });
      return task;
    },

    materialize(spec, startMs, endMs) {
      const task = createTask(spec, startMs);
      let nowMs = task.startMs;
      const worker = spec.makeWorker({
        task,
        now: () => nowMs,
        log: (line) => task.log.push(line),
        tryLock: () => true,
        ...guestLock(undefined),
      });
      let input: boolean | undefined;
      for (;;) {
        const r = step(worker, input);
        if (r instanceof TaskFailure || r.done) {
          const line = finalLine(task, r instanceof TaskFailure ? r : r.value);
          if (line) task.log.push(line);
          break;
        }
        if (r.value.kind === "sleep") nowMs = Math.max(nowMs, r.value.untilMs);
        input = true;
      }
      task.endMs = Math.max(task.startMs, Math.floor(endMs / 1000) * 1000);
      return task;
    },

    nextWakeMs() {
      let min: number | undefined;
      for (const a of active) {
        const t = dueAt(a);
        if (t !== undefined && (min === undefined || t < min)) min = t;
      }
      return min;
    },

    runNext(atMs) {
      let next: Active | undefined;
      let nextAt = Number.POSITIVE_INFINITY;
      for (const a of active) {
        const t = dueAt(a);
        if (t === undefined || t > atMs) continue;
        if (t < nextAt || (t === nextAt && next && a.seq < next.seq)) {
          next = a;
          nextAt = t;
        }
      }
      if (!next) return false;
      if (next.wakeAtMs === undefined) {
        // Waited for the lock until the deadline: give up (vzdump's `got timeout`).
        const queue = lockQueue.get(next.task.node) ?? [];
        queue.splice(queue.indexOf(next), 1);
        next.resumeWith = false;
      }
      resume(next, nextAt);
      return true;
    },

    isRunning(upid) {
      return active.some((a) => a.task.upid === upid);
    },
  };
}
