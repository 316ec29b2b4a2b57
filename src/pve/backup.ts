import { z } from "zod";
import type { VzdumpCall } from "../core/backup-now.js";
import { parseTaskLog, type TaskLogSummary } from "../core/task-log.js";
import { parseUpid } from "../core/upid.js";
import { UpstreamError } from "../errors.js";
import type { Logger } from "../log.js";
import type { PveApi } from "./api.js";
import { toGuests } from "./mapper.js";
import { OUTCOME_UNKNOWN_STATUS } from "./transport.js";
import { LogLines, Resources, Tasks } from "./wire.js";

/**
 * "Back up now" on PVE (reference §4): one POST per call, never repeated. PVE answers `"OK"`
 * and starts nothing when the guest is not on that node (it migrated since we looked): then the
 * guest's new node is asked, which is a first request there, not a repeat. A POST whose answer
 * was lost is resolved by finding the task it started.
 */

export interface StartedTask {
  readonly node: string;
  readonly upid: string;
  readonly vmids: readonly number[];
}

export interface StartResult {
  readonly started: readonly StartedTask[];
  /** Calls that started nothing, with the reason. */
  readonly failed: readonly {
    readonly node: string;
    readonly vmids: readonly number[];
    readonly error: string;
  }[];
}

export interface BackupDeps {
  readonly api: PveApi;
  readonly log: Logger;
  /** The token's user (`user@realm!name`): tasks it starts carry it. */
  readonly tokenId: string;
  readonly nowMs: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** How long to look for the task of a POST whose answer was lost. */
  readonly lookForMs?: number;
}

const UpidText = z.string().regex(/^UPID:/);

export async function startBackups(deps: BackupDeps, calls: readonly VzdumpCall[]): Promise<StartResult> {
  const started: StartedTask[] = [];
  const failed: { node: string; vmids: readonly number[]; error: string }[] = [];
  await Promise.all(
    calls.map(async (call) => {
      try {
        started.push(await startOne(deps, call, true));
      } catch (err) {
        failed.push({
          node: call.node,
          vmids: call.vmids,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }),
  );
  return { started, failed };
}

async function startOne(deps: BackupDeps, call: VzdumpCall, mayRelocate: boolean): Promise<StartedTask> {
  const postedAtMs = deps.nowMs();
  let answer: unknown;
  try {
    answer = await deps.api.post(`/nodes/${call.node}/vzdump`, call.params);
  } catch (err) {
    if (err instanceof UpstreamError && err.details.status === OUTCOME_UNKNOWN_STATUS) {
      deps.log.warn(
        `vzdump on ${call.node} for ${call.vmids.join(",")}: the answer was lost; looking for the task it started`,
      );
      const upid = await findStartedTask(deps, call, postedAtMs);
      if (upid) return { node: call.node, upid, vmids: call.vmids };
      throw new UpstreamError(
        `vzdump on ${call.node} for ${call.vmids.join(",")}: the answer was lost and no task appeared; check PVE's task list before trying again`,
        { retryable: false, cause: err },
      );
    }
    throw err;
  }
  if (answer === "OK") {
    // Nothing started: none of the guests is on that node any more (reference §4.1).
    if (!mayRelocate)
      throw new UpstreamError(`PVE started no backup for ${call.vmids.join(",")} on ${call.node}`, {
        retryable: false,
      });
    const guests = toGuests(Resources.parse(await deps.api.get("/cluster/resources", { type: "vm" })));
    const nodes = new Set(call.vmids.map((v) => guests.find((g) => g.vmid === v)?.node));
    const [node] = [...nodes];
    if (nodes.size !== 1 || node === undefined || node === call.node)
      throw new UpstreamError(
        `PVE started no backup for ${call.vmids.join(",")}: the guests are not on ${call.node} (they moved?); try again`,
        { retryable: true },
      );
    deps.log.info(`guests ${call.vmids.join(",")} moved to ${node}; backing up there`);
    return startOne(deps, { ...call, node }, false);
  }
  const upid = UpidText.safeParse(answer);
  if (!upid.success)
    throw new UpstreamError(`unexpected answer from PVE to vzdump: ${JSON.stringify(answer)}`, {
      retryable: false,
    });
  return { node: call.node, upid: upid.data, vmids: call.vmids };
}

/**
 * The task a lost POST started: a vzdump task of this token on that node that began no
 * earlier than a minute before the POST (clocks differ) and covers exactly these guests —
 * single-guest tasks name the vmid in the UPID, others on their log's first line.
 */
async function findStartedTask(
  deps: BackupDeps,
  call: VzdumpCall,
  postedAtMs: number,
): Promise<string | undefined> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const deadline = deps.nowMs() + (deps.lookForMs ?? 15_000);
  const user = deps.tokenId.split("!")[0] as string;
  const want = [...call.vmids].sort((a, b) => a - b).join(",");
  for (;;) {
    try {
      const tasks = Tasks.parse(
        await deps.api.get(`/nodes/${call.node}/tasks`, {
          typefilter: "vzdump",
          source: "all",
          userfilter: user,
          since: Math.floor(postedAtMs / 1000) - 60,
        }),
      );
      for (const t of tasks) {
        if (call.vmids.length === 1) {
          if (t.id === String(call.vmids[0])) return t.upid;
          continue;
        }
        if (t.id) continue;
        const log = LogLines.parse(
          await deps.api.get(`/nodes/${call.node}/tasks/${encodeURIComponent(t.upid)}/log`, { limit: 5 }),
        );
        const summary = parseTaskLog(log.map((l) => l.t));
        if ([...summary.requestedVmids].sort((a, b) => a - b).join(",") === want) return t.upid;
      }
    } catch (err) {
      deps.log.warn(
        `looking for the lost vzdump task on ${call.node}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (deps.nowMs() >= deadline) return undefined;
    await sleep(1000);
  }
}

/** A task as it runs: what it is doing now, and per guest the outcome at the end. */
export interface TaskProgress {
  readonly upid: string;
  readonly node: string;
  readonly running: boolean;
  /** PVE's exit status when finished: `OK`, `WARNINGS: N` or the error. */
  readonly exitStatus?: string;
  readonly summary: TaskLogSummary;
  readonly startMs: number;
}

/** `GET /nodes/{n}/tasks/{upid}/status` (reference §4.3): no end time, only the exit status. */
const TaskStatus = z.looseObject({
  status: z.string(),
  exitstatus: z.string().optional(),
  starttime: z.number(),
});

/** The follower's first and longest wait between polls of a task (it backs off while idle). */
const DEFAULT_INTERVAL_MS = 2_000;
const DEFAULT_MAX_INTERVAL_MS = 15_000;

/** How long a follower rides out a PVE that does not answer before it gives the task up. */
const DEFAULT_OUTAGE_MS = 10 * 60_000;

/**
 * Follow one task to its end: its status, and its log read incrementally (only new lines each
 * time; `start` is a line offset, reference §4.4). Calls `onUpdate` after every poll.
 *
 * Polls start `intervalMs` apart (default 2 s) and back off while nothing changes (no new log
 * line, same status), doubling up to `maxIntervalMs` (default 15 s); any change brings them back
 * to `intervalMs`. A log read asks only for the lines after those it has (`start`, `limit=0`).
 *
 * A backup runs for minutes or hours, and PVE (or the network to it) may not answer for a while
 * meanwhile: the task runs on regardless. Reads are safe to repeat, so a failure PVE calls
 * temporary (no answer, 5xx) is waited out, polling less often, for up to `outageMs`; any other
 * failure, or a longer outage, ends the follow with the error.
 */
export async function followTask(
  deps: Pick<BackupDeps, "api" | "log" | "sleep" | "nowMs">,
  upid: string,
  onUpdate: (p: TaskProgress) => void,
  opts: {
    readonly intervalMs?: number;
    readonly maxIntervalMs?: number;
    readonly signal?: AbortSignal;
    readonly outageMs?: number;
  } = {},
): Promise<TaskProgress> {
  const parsed = parseUpid(upid);
  if (!parsed) throw new UpstreamError(`not a task id: ${upid}`, { retryable: false });
  const node = parsed.node;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  const maxIntervalMs = Math.max(intervalMs, opts.maxIntervalMs ?? DEFAULT_MAX_INTERVAL_MS);
  const path = `/nodes/${node}/tasks/${encodeURIComponent(upid)}`;
  const lines: string[] = [];
  /** The wait before the next poll: grows while polls bring nothing new. */
  let waitMs = intervalMs;
  let previous: TaskProgress | undefined;
  /** Since when PVE has not answered, and how many polls it missed, while it does not. */
  let outageSinceMs: number | undefined;
  let missed = 0;
  for (;;) {
    let status: z.output<typeof TaskStatus>;
    let fresh: z.output<typeof LogLines>;
    try {
      status = TaskStatus.parse(await deps.api.get(`${path}/status`));
      fresh = LogLines.parse(await deps.api.get(`${path}/log`, { start: lines.length, limit: 0 }));
    } catch (err) {
      if (!(err instanceof UpstreamError && err.retryable) || opts.signal?.aborted) throw err;
      const nowMs = deps.nowMs();
      if (outageSinceMs === undefined) {
        outageSinceMs = nowMs;
        deps.log.warn(`following ${upid}: ${err.message}; trying again (the task runs on in PVE)`);
      }
      const outageMs = opts.outageMs ?? DEFAULT_OUTAGE_MS;
      if (nowMs - outageSinceMs >= outageMs)
        throw new UpstreamError(
          `gave up following ${upid} after PVE did not answer for ${Math.round(outageMs / 60_000)} min: ${err.message}`,
          { retryable: true, cause: err },
        );
      missed++;
      await sleep(Math.min(intervalMs * 2 ** Math.min(missed, 5), 30_000));
      continue;
    }
    if (outageSinceMs !== undefined) {
      deps.log.info(`following ${upid}: PVE answers again`);
      outageSinceMs = undefined;
      missed = 0;
    }
    // PVE answers an empty log with the single line "no content" (reference §4.4): not a line.
    const empty = lines.length === 0 && fresh.length === 1 && fresh[0]?.t === "no content";
    const known = lines.length;
    if (!empty) for (const l of fresh) if (l.n === lines.length + 1) lines.push(l.t);
    const running = status.status === "running";
    const changed = previous === undefined || lines.length > known || running !== previous.running;
    const progress: TaskProgress = {
      upid,
      node,
      running,
      exitStatus: running ? undefined : status.exitstatus,
      // A log that did not grow says what it said: its summary is the one already made.
      summary: previous !== undefined && !changed ? previous.summary : parseTaskLog(lines),
      startMs: status.starttime * 1000,
    };
    previous = progress;
    onUpdate(progress);
    if (!running || opts.signal?.aborted) return progress;
    waitMs = changed ? intervalMs : Math.min(waitMs * 2, maxIntervalMs);
    await sleep(waitMs);
  }
}
