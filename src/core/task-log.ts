/**
 * Reading a vzdump task log (`GET /nodes/{node}/tasks/{upid}/log`, line texts in order) into
 * per-guest results and the job's outcome.
 */

import type { GuestType } from "./model.js";
import { parseHumanSize } from "./size.js";

/** One guest's part in a vzdump task, as its log tells it. */
export interface GuestTaskResult {
  vmid: number;
  /** Absent when the guest failed before its block started (e.g. `unable to find VM`). */
  type?: GuestType;
  outcome: "running" | "ok" | "failed";
  /** Text after `failed - `, or the job's error for a guest the job never reached. */
  error?: string;
  /** Archive path (file storage) or PBS snapshot name (`vm/103/2026-03-11T08:51:30Z`). */
  archivePath?: string;
  sizeBytes?: number;
  durationSec?: number;
  /** `WARN:` lines inside this guest's block. */
  warnings: number;
}

/** What a vzdump task log says about the job and its guests. */
export interface TaskLogSummary {
  /** In log order: one per `Starting Backup of VM` block, then guests that failed without one. */
  guests: GuestTaskResult[];
  /** The vmids on the `starting new backup job: vzdump …` line; empty if unknown (`--all`, `--pool`). */
  requestedVmids: number[];
  /** From `skip external VMs: 101, 102` (guests on other nodes). */
  skippedExternal: number[];
  /** The task waits for the node's global vzdump lock (another backup runs). */
  waitingForLock: boolean;
  /** Last progress line of the guest being backed up, while it runs. */
  progress?: { vmid: number; percent: number; rateText?: string };
  /** From the final `TASK …` line; `running` while there is none. */
  jobOutcome: "running" | "ok" | "warnings" | "failed";
  /** Text after `TASK ERROR: `, e.g. `job errors`. */
  jobError?: string;
  /** `N` of `TASK WARNINGS: N`, else the number of `WARN:` lines. */
  warnings: number;
}

/** Facts known outside the log. */
export interface TaskLogContext {
  /**
   * Vmids the task was asked to back up, used when the log has no `starting new backup job`
   * line (a job that failed during setup, e.g. storage offline, logs only its `TASK ERROR`).
   */
  requestedVmids?: readonly number[];
}

interface Block {
  result: GuestTaskResult;
  progress?: { percent: number; rateText?: string };
}

// The per-guest `.log` copies carry a timestamp; task logs do not.
const PREFIXED_RE = /^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d )?(INFO|WARN|ERROR): ?(.*)$/;
const TASK_OK_RE = /^TASK OK$/;
const TASK_WARNINGS_RE = /^TASK WARNINGS: (\d+)$/;
const TASK_ERROR_RE = /^TASK ERROR: ?(.*)$/;

const JOB_START_RE = /^starting new backup job: vzdump(?:\s+(.*))?$/;
const SKIP_EXTERNAL_RE = /^skip external VMs: (.*)$/;
const LOCK_WAIT_RE = /^trying to get global lock - waiting\.\.\.$/;
const LOCK_GOT_RE = /^got global lock$/;
const START_RE = /^Starting Backup of VM (\d+) \((qemu|lxc)\)$/;
const FINISHED_RE = /^Finished Backup of VM (\d+) \((\d+):(\d\d):(\d\d)\)$/;
const FAILED_RE = /^Backup of VM (\d+) failed - (.*)$/;
const ARCHIVE_RE = /^creating (?:vzdump|Proxmox Backup Server) archive '(.*)'$/;
const SIZE_RE = /^archive file size: (\S+)$/;
/**
 * qemu-server's backup status line: `  45% (1.2 GiB of 32.0 GiB) in 1m 24s, read: …, write: …`.
 * The duration is pve-common `render_duration`: `w d h m s` units, zero ones left out (`0s`, `2m`,
 * `1h 5s`, `1w 2d 3h 4m 5s`); PBS and older versions leave out the rates.
 */
const PROGRESS_RE =
  /^\s*(\d{1,3})% \([^)]*\) in \d+[wdhms](?: \d+[wdhms])*(?:, read: [^,]+)?(?:, write: ([^,]+))?(?:,.*)?$/;

/**
 * First characters of the messages below (the progress line's are blanks and digits): any other
 * message is none of them.
 */
const MESSAGE_STARTS = "SstgFca";

function vmidList(text: string): number[] {
  return text
    .split(/[\s,]+/)
    .filter((word) => /^\d+$/.test(word))
    .map(Number);
}

/** The numeric arguments before the first `--option` of a vzdump command line. */
function requestedFromCommandLine(args: string): number[] {
  const words = args.split(/\s+/);
  const firstOption = words.findIndex((word) => word.startsWith("--"));
  return vmidList((firstOption < 0 ? words : words.slice(0, firstOption)).join(" "));
}

/**
 * Summarises a vzdump task log: one result per guest (ok / failed / running, with archive, size,
 * duration and warnings), the requested and skipped vmids, lock wait, progress and job outcome.
 *
 * Unknown and unprefixed lines (tool output) are ignored. Guest blocks the log leaves open are
 * `running` while the task runs, else `failed`. When the job failed, requested local vmids without
 * a result of their own are reported failed with the job's error.
 */
export function parseTaskLog(lines: readonly string[], context: TaskLogContext = {}): TaskLogSummary {
  const blocks: Block[] = [];
  let current: Block | undefined;
  let requestedVmids: number[] | undefined;
  let skippedExternal: number[] = [];
  let lockWait = false;
  let jobOutcome: TaskLogSummary["jobOutcome"] = "running";
  let jobError: string | undefined;
  let taskWarnings: number | undefined;
  let warnLines = 0;

  for (const raw of lines) {
    const line = raw.trimEnd();

    // Most lines are `INFO: …` tool chatter: each test below is tried only on lines that can match.
    if (line.startsWith("TASK ")) {
      if (TASK_OK_RE.test(line)) {
        jobOutcome = "ok";
        continue;
      }
      const taskWarn = TASK_WARNINGS_RE.exec(line);
      if (taskWarn) {
        jobOutcome = "warnings";
        taskWarnings = Number(taskWarn[1]);
        continue;
      }
      const taskError = TASK_ERROR_RE.exec(line);
      if (taskError) {
        jobOutcome = "failed";
        jobError = taskError[1] as string;
        continue;
      }
    }

    let level: string | undefined;
    let msg: string;
    if (line.startsWith("INFO: ")) {
      level = "INFO";
      msg = line.slice(6);
    } else {
      const prefixed = PREFIXED_RE.exec(line);
      if (!prefixed) continue;
      level = prefixed[1];
      msg = prefixed[2] as string;
    }

    if (level === "WARN") {
      warnLines += 1;
      if (current) current.result.warnings += 1;
      continue;
    }

    if (level === "ERROR") {
      const failed = FAILED_RE.exec(msg);
      if (!failed) continue;
      const vmid = Number(failed[1]);
      const error = failed[2] as string;
      if (current && current.result.vmid === vmid) {
        current.result.outcome = "failed";
        current.result.error = error;
        current = undefined;
      } else {
        // Failed before its block started: unknown guest, retention limit, …
        blocks.push({ result: { vmid, outcome: "failed", error, warnings: 0 } });
      }
      continue;
    }

    const first = msg.charAt(0);
    if (!MESSAGE_STARTS.includes(first) && !/[\s\d]/.test(first)) continue;

    const start = START_RE.exec(msg);
    if (start) {
      current = {
        result: { vmid: Number(start[1]), type: start[2] as GuestType, outcome: "running", warnings: 0 },
      };
      blocks.push(current);
      lockWait = false;
      continue;
    }

    const jobStart = JOB_START_RE.exec(msg);
    if (jobStart) {
      requestedVmids = requestedFromCommandLine(jobStart[1] ?? "");
      continue;
    }
    const skip = SKIP_EXTERNAL_RE.exec(msg);
    if (skip) {
      skippedExternal = vmidList(skip[1] as string);
      continue;
    }
    if (LOCK_WAIT_RE.test(msg)) {
      lockWait = true;
      continue;
    }
    if (LOCK_GOT_RE.test(msg)) {
      lockWait = false;
      continue;
    }

    if (!current) continue;
    const result = current.result;

    const finished = FINISHED_RE.exec(msg);
    if (finished) {
      if (Number(finished[1]) === result.vmid) {
        result.outcome = "ok";
        result.durationSec = Number(finished[2]) * 3600 + Number(finished[3]) * 60 + Number(finished[4]);
        current = undefined;
      }
      continue;
    }
    const archive = ARCHIVE_RE.exec(msg);
    if (archive) {
      result.archivePath = archive[1] as string;
      continue;
    }
    const size = SIZE_RE.exec(msg);
    if (size) {
      const sizeBytes = parseHumanSize(size[1] as string);
      if (sizeBytes !== undefined) result.sizeBytes = sizeBytes;
      continue;
    }
    const progress = PROGRESS_RE.exec(msg);
    if (progress) {
      current.progress = { percent: Number(progress[1]) };
      if (progress[2] !== undefined) current.progress.rateText = progress[2];
    }
  }

  // Only the block still open at the end of a running task can be running.
  for (const block of blocks) {
    if (block.result.outcome !== "running") continue;
    if (block === current && jobOutcome === "running") continue;
    block.result.outcome = "failed";
    block.result.error = jobError ?? "backup did not finish";
  }

  const requested = requestedVmids ?? [...(context.requestedVmids ?? [])];
  const guests = blocks.map((block) => block.result);
  if (jobOutcome === "failed") {
    const reported = new Set(guests.map((guest) => guest.vmid));
    for (const vmid of requested) {
      if (reported.has(vmid) || skippedExternal.includes(vmid)) continue;
      reported.add(vmid);
      guests.push({ vmid, outcome: "failed", error: jobError as string, warnings: 0 });
    }
  }

  const summary: TaskLogSummary = {
    guests,
    requestedVmids: requested,
    skippedExternal,
    waitingForLock: lockWait && jobOutcome === "running",
    jobOutcome,
    warnings: taskWarnings ?? warnLines,
  };
  if (current?.progress && current.result.outcome === "running") {
    summary.progress = { vmid: current.result.vmid, ...current.progress };
  }
  if (jobError !== undefined) summary.jobError = jobError;
  return summary;
}

/** How many lines of a successful task's log `summarizeOkTaskHead` needs at most. */
export const OK_TASK_HEAD_LINES = 20;

/**
 * What a task PVE reports as exactly `OK` did, from the head of its log alone. Such a task ended
 * without a warning or an error (any would have made it `WARNINGS: N` or `job errors`,
 * reference §4.3), so every local guest it was asked for was backed up: the guests are the
 * vmids of its `starting new backup job` line less its `skip external VMs`, both written before
 * the first guest's block. Undefined when the head does not show that much: no job line, a job
 * over `--all` or `--pool` (no vmids), or no guest block begun yet within the lines given; the
 * caller then reads the whole log.
 */
export function summarizeOkTaskHead(head: readonly string[]): TaskLogSummary | undefined {
  let requested: number[] | undefined;
  let skipped: number[] = [];
  for (const raw of head) {
    const line = raw.trimEnd();
    const prefixed = PREFIXED_RE.exec(line);
    if (prefixed?.[1] !== "INFO") continue;
    const msg = prefixed[2] as string;
    const jobStart = JOB_START_RE.exec(msg);
    if (jobStart) requested = requestedFromCommandLine(jobStart[1] ?? "");
    const skip = SKIP_EXTERNAL_RE.exec(msg);
    if (skip) skipped = vmidList(skip[1] as string);
    if (!START_RE.test(msg)) continue;
    if (!requested || requested.length === 0) return undefined;
    return {
      guests: requested
        .filter((vmid) => !skipped.includes(vmid))
        .map((vmid) => ({ vmid, outcome: "ok", warnings: 0 })),
      requestedVmids: requested,
      skippedExternal: skipped,
      waitingForLock: false,
      jobOutcome: "ok",
      warnings: 0,
    };
  }
  return undefined;
}
