import type { Attempt, BackupJob, ClusterFacts, Guest, NodeState, StorageView } from "../core/model.js";
import { NewestArchives } from "../core/newest.js";
import { hasPrivilege } from "../core/permissions.js";
import { isUnattributedFailure, scheduledRunGuests } from "../core/scheduled-run.js";
import {
  OK_TASK_HEAD_LINES,
  parseTaskLog,
  summarizeOkTaskHead,
  type TaskLogSummary,
} from "../core/task-log.js";
import { UpstreamError } from "../errors.js";
import type { Logger } from "../log.js";
import type { PveApi } from "./api.js";
import { describeFailure } from "./api.js";
import { toArchive, toAttempts, toGuests, toJob, toNodes, toStorageView } from "./mapper.js";
import {
  checkContentRow,
  Jobs,
  logLineText,
  NodeStorages,
  PermissionMap,
  type ResourceRow,
  Resources,
  type TaskRow,
  Tasks,
} from "./wire.js";

/** Reads one cluster's backup facts; the core judges them. */
export interface PveReader {
  readFacts(nowMs: number): Promise<ClusterFacts>;
}

export interface PveReaderDeps {
  readonly cluster: string;
  readonly api: PveApi;
  readonly log: Logger;
  /** How far back task history is read for backup attempts. */
  readonly taskWindowMs?: number;
  /**
   * The PVE nodes' IANA time zone, in which job schedules run: a task that failed before naming
   * its guests is matched to the job due at its start. Default `UTC`.
   */
  readonly timeZone?: string;
}

const DEFAULT_TASK_WINDOW_MS = 14 * 86_400_000;

/**
 * Largest task log read, in bytes of its JSON answer. A vzdump task runs on one node and writes
 * ~40 lines (~4 KB of answer) per guest: 8 MiB is ~2,000 guests in one run of one node. Unlike a
 * listing, a log's lines are kept until it is parsed, so its cap is its memory.
 */
export const TASK_LOG_MAX_BYTES = 8 * 1024 * 1024;

/**
 * One refresh costs a fixed number of requests, whatever the number of guests or archives:
 * round 1 `/cluster/resources` (nodes, storages and guests apart), `/cluster/backup`,
 * `/access/permissions`; round 2 per online node its backup storages and vzdump tasks, and per
 * backup storage its content (a shared storage once, through one node); round 3 only the logs of
 * tasks not seen finished before.
 */
export function createPveReader(deps: PveReaderDeps): PveReader {
  const { api, cluster, log } = deps;
  const windowMs = deps.taskWindowMs ?? DEFAULT_TASK_WINDOW_MS;
  const timeZone = deps.timeZone ?? "UTC";
  /** Logs of finished tasks never change: read each once. */
  const finishedLogs = new Map<string, ReadLog>();

  return {
    async readFacts(nowMs) {
      /** Tasks in this refresh's window: the cache keeps only their logs. */
      const seenUpids = new Set<string>();
      // `/cluster/resources` is asked for three times, by type: the node and storage rows (a few
      // each) are all round 2 needs and come back in one round trip, while the guest rows (the
      // bulk: ~300 bytes a guest) are still being sent and checked.
      const nodesAnswer = settle(
        api.get("/cluster/resources", { type: "node" }).then((d) => Resources.parse(d)),
      );
      const storagesAnswer = settle(
        api.get("/cluster/resources", { type: "storage" }).then((d) => Resources.parse(d)),
      );
      const guestsAnswer = settle(api.get("/cluster/resources", { type: "vm" }));
      const jobsAnswer = settle(api.get("/cluster/backup"));
      const permsAnswer = settle(api.get("/access/permissions"));
      const round1 = [nodesAnswer, storagesAnswer, guestsAnswer, jobsAnswer, permsAnswer];
      const [nodesRes, storagesRes] = await Promise.all([nodesAnswer, storagesAnswer]);
      if (nodesRes.status === "rejected" || storagesRes.status === "rejected") {
        await Promise.all(round1);
        const reason =
          nodesRes.status === "rejected" ? nodesRes.reason : (storagesRes as PromiseRejectedResult).reason;
        return { cluster, reachable: false, error: describeFailure(reason, "/cluster/resources") };
      }
      const nodes: NodeState[] = toNodes(nodesRes.value);
      const online = nodes.filter((n) => n.online).map((n) => n.name);
      const sinceSec = Math.floor((nowMs - windowMs) / 1000);
      // The listings first: the largest answers, they end the refresh.
      // Every request's outcome is taken as it comes (`settle`): one that fails while this read
      // still waits for another is looked at later, never left as an unhandled rejection.
      const toList = backupStoragesToList(storagesRes.value, online);
      const listings = toList.map(({ key, storage, node }) =>
        settle(
          listArchives(`/nodes/${node}/storage/${storage}/content`).then((archives) => ({ key, archives })),
        ),
      );
      const storageRound = online.map((node) =>
        settle(
          api
            .get(`/nodes/${node}/storage`, { content: "backup" })
            .then((d) => NodeStorages.parse(d).map((r) => toStorageView(node, r))),
        ),
      );
      // Each node's task logs are read as soon as its task list is in, beside the listings.
      const taskRound = online.map((node) =>
        settle(
          api
            .get(`/nodes/${node}/tasks`, {
              typefilter: "vzdump",
              source: "all",
              since: sinceSec,
              limit: 1000,
            })
            .then((d) => readTaskLogs(Tasks.parse(d), seenUpids)),
        ),
      );
      let guests: Guest[];
      try {
        const guestsRes = await guestsAnswer;
        if (guestsRes.status === "rejected") throw guestsRes.reason;
        guests = toGuests(await checkInSlices(guestsRes.value));
      } catch (err) {
        await Promise.all([...round1, ...storageRound, ...taskRound, ...listings]);
        return { cluster, reachable: false, error: describeFailure(err, "/cluster/resources") };
      }
      const problems: string[] = [];
      const permsRes = checked(await permsAnswer, (d) => PermissionMap.parse(d));
      const permissions = permsRes.status === "fulfilled" ? permsRes.value : {};
      if (permsRes.status === "rejected") {
        problems.push(
          `cannot read the token's permissions: ${describeFailure(permsRes.reason, "/access/permissions")}`,
        );
      }
      const jobsRes = checked(await jobsAnswer, (d) => Jobs.parse(d));
      const jobs: BackupJob[] = jobsRes.status === "fulfilled" ? jobsRes.value.map(toJob) : [];
      const jobsError =
        jobsRes.status === "rejected"
          ? `cannot read backup jobs: ${describeFailure(jobsRes.reason, "/cluster/backup")} (the token needs Sys.Audit on /)`
          : undefined;
      const [storageRes, taskRes, listingRes] = await Promise.all([
        Promise.all(storageRound),
        Promise.all(taskRound),
        Promise.all(listings),
      ]);

      const storages: StorageView[] = [];
      storageRes.forEach((r, i) => {
        if (r.status === "fulfilled") storages.push(...r.value);
        else
          problems.push(`cannot read storages of node ${online[i]}: ${describeFailure(r.reason, "storage")}`);
      });

      const listed: string[] = [];
      const newest = new NewestArchives();
      listingRes.forEach((r, i) => {
        if (r.status === "rejected") {
          // Its guests' verdicts say the storage could not be listed; this says why.
          problems.push(
            `cannot list the backups on storage ${toList[i]?.key}: ${describeFailure(r.reason, "storage content")}`,
          );
          return;
        }
        listed.push(r.value.key);
        newest.merge(r.value.archives);
      });

      const attempts: Attempt[] = [];
      taskRes.forEach((r, i) => {
        const node = online[i] as string;
        if (r.status === "fulfilled") {
          for (const { task, log } of r.value.runs)
            attempts.push(...toAttempts(task, attributed(task, log, jobs, guests)));
          const [first] = r.value.unreadLogs;
          if (first)
            problems.push(
              `cannot read ${r.value.unreadLogs.length === 1 ? "the log of 1 backup task" : `the logs of ${r.value.unreadLogs.length} backup tasks`} on node ${node}, so the outcome of their guests may be missing (${first})`,
            );
        } else
          problems.push(`cannot read backup tasks of node ${node}: ${describeFailure(r.reason, "tasks")}`);
        // A token sees only its own tasks unless it has Sys.Audit on the node (reference §1.3):
        // scheduled runs (root@pam) would silently vanish.
        if (permsRes.status === "fulfilled" && !hasPrivilege(permissions, `/nodes/${node}`, "Sys.Audit"))
          problems.push(
            `the token cannot see scheduled backup tasks on node ${node}: grant Sys.Audit on /nodes/${node}`,
          );
      });
      forgetLogsNotIn(seenUpids);

      return {
        cluster,
        reachable: true,
        nodes,
        guests,
        jobs,
        jobRows: jobsRes.status === "fulfilled" ? jobsRes.value : [],
        storages,
        listed,
        archives: newest.values(),
        attempts,
        permissions,
        jobsError,
        problems,
      };
    },
  };

  /**
   * What a task's log says, its guests completed when it names none: a multi-guest task (no guest
   * in its UPID) that failed before its first guest (e.g. the NAS is down at 03:00) is matched to
   * the scheduled job due at its start (core/scheduled-run.ts). Done on every refresh, not kept:
   * guests move between nodes and jobs change. A `Run now` from the PVE web UI matches no
   * schedule and stays unattributed.
   */
  function attributed(
    task: TaskRow,
    log: ReadLog | undefined,
    jobs: readonly BackupJob[],
    guests: readonly Guest[],
  ): TaskLogSummary | undefined {
    if (!log?.lines || task.id) return log?.summary;
    const run = { node: task.node, startMs: task.starttime * 1000, summary: log.summary };
    const requestedVmids = scheduledRunGuests(run, jobs, guests, timeZone);
    return requestedVmids.length > 0 ? parseTaskLog(log.lines, { requestedVmids }) : log.summary;
  }

  /** Only tasks still in the window are worth remembering. */
  function forgetLogsNotIn(seen: ReadonlySet<string>): void {
    for (const upid of finishedLogs.keys()) if (!seen.has(upid)) finishedLogs.delete(upid);
  }

  /**
   * The newest archive of each guest on a storage. The listing can be tens of thousands of rows:
   * they are checked and mapped as the answer streams in (`getEach`), a piece at a time, and only
   * the newest archive of each vmid and type is kept, never the whole answer's text nor all its
   * rows. A row PVE shaped unexpectedly is skipped, not fatal.
   */
  async function listArchives(path: string): Promise<NewestArchives> {
    const newest = new NewestArchives();
    let odd = 0;
    await api.getEach(path, { content: "backup" }, (raw) => {
      // The hand-written twin of `ContentRow.safeParse` (see wire.ts): no copy of each row.
      const row = checkContentRow(raw);
      const a = row ? toArchive(row) : undefined;
      if (a) newest.offer(a);
      else if (!row) odd++;
    });
    if (odd > 0) log.warn(`${cluster}: skipped ${odd} storage content rows of unexpected shape`);
    return newest;
  }

  /**
   * A task's log lines from the first: `limit` of them, 0 for all. The node in the UPID is the one
   * that has the log (reference §4.2). Streamed (`getEach`): only the texts are kept, each line
   * checked as `LogLine` would (wire.ts).
   */
  async function readLog(t: TaskRow, { limit }: { limit: number }): Promise<string[]> {
    const lines: string[] = [];
    let odd = false;
    await api.getEach(
      `/nodes/${t.node}/tasks/${encodeURIComponent(t.upid)}/log`,
      { limit },
      (item) => {
        const text = logLineText(item);
        if (text === undefined) odd = true;
        else lines.push(text);
      },
      { maxBytes: TASK_LOG_MAX_BYTES },
    );
    if (odd) throw new UpstreamError("unexpected answer from PVE for task log", { retryable: true });
    return lines;
  }

  /** What the logs of these tasks say, and why the logs that could not be read were not. */
  async function readTaskLogs(
    tasks: readonly TaskRow[],
    seen: Set<string>,
  ): Promise<{ runs: { task: TaskRow; log: ReadLog | undefined }[]; unreadLogs: string[] }> {
    for (const t of tasks) seen.add(t.upid);
    const unreadLogs: string[] = [];
    const logs = await Promise.all(
      tasks.map(async (t): Promise<ReadLog | undefined> => {
        const cached = finishedLogs.get(t.upid);
        if (cached) return cached;
        try {
          const ok = t.endtime !== undefined && t.status === "OK";
          // A task that ended exactly OK had no warning and no error: its guests all succeeded,
          // and the head of its log names them (core/task-log.ts). The whole log of a nightly
          // job over many guests is thousands of lines. A job over `--all` or a pool names none
          // there: its whole log is read after all (once; finished logs are kept).
          if (ok) {
            // Its UPID names a single guest: nothing to read.
            if (t.id && /^\d+$/.test(t.id)) return undefined;
            const head = summarizeOkTaskHead(await readLog(t, { limit: OK_TASK_HEAD_LINES }));
            if (head) {
              finishedLogs.set(t.upid, { summary: head });
              return { summary: head };
            }
          }
          const lines = await readLog(t, { limit: 0 });
          // A single-guest task names its guest in the UPID: that covers a job that failed in setup.
          const requestedVmids = t.id && /^\d+$/.test(t.id) ? [Number(t.id)] : [];
          const summary = parseTaskLog(lines, { requestedVmids });
          // A failure that names no guest keeps its (few) lines: each refresh asks which job it was.
          const read: ReadLog = isUnattributedFailure(summary) ? { summary, lines } : { summary };
          if (t.endtime !== undefined && summary.jobOutcome !== "running") finishedLogs.set(t.upid, read);
          return read;
        } catch (err) {
          const reason = describeFailure(err, "task log");
          log.warn(`${cluster}: cannot read log of ${t.upid}: ${reason}`);
          unreadLogs.push(reason);
          return undefined;
        }
      }),
    );
    return { runs: tasks.map((task, i) => ({ task, log: logs[i] })), unreadLogs };
  }
}

/** A task log read: its summary, and its lines when a refresh may read it again. */
interface ReadLog {
  readonly summary: TaskLogSummary;
  readonly lines?: readonly string[];
}

/**
 * `Resources.parse` of many rows, a slice at a time with the event loop turning in between: the
 * requests just sent are still opening connections (TLS handshakes) and writing, which one long
 * check would hold up.
 */
async function checkInSlices(data: unknown): Promise<ResourceRow[]> {
  if (!Array.isArray(data)) return Resources.parse(data); // throws: not a list
  const rows: readonly unknown[] = data;
  const checked: ResourceRow[] = [];
  for (let i = 0; i < rows.length; i += RESOURCE_SLICE) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    checked.push(...Resources.parse(rows.slice(i, i + RESOURCE_SLICE)));
  }
  return checked;
}

const RESOURCE_SLICE = 100;

/** A promise that never rejects: its outcome, to be looked at later (or never). */
function settle<T>(p: Promise<T>): Promise<PromiseSettledResult<T>> {
  return p.then(
    (value) => ({ status: "fulfilled", value }),
    (reason: unknown) => ({ status: "rejected", reason }),
  );
}

/** A settled answer with its data checked: a check that throws rejects it. */
function checked<T>(
  answer: PromiseSettledResult<unknown>,
  check: (data: unknown) => T,
): PromiseSettledResult<T> {
  if (answer.status === "rejected") return answer;
  try {
    return { status: "fulfilled", value: check(answer.value) };
  } catch (reason) {
    return { status: "rejected", reason };
  }
}

/**
 * Which backup storages to list, and through which node: a shared storage once, through the
 * first online node that reports it available; a node-local one on every online node that has it.
 */
export function backupStoragesToList(
  resources: readonly {
    type: string;
    storage?: string;
    node?: string;
    shared?: boolean;
    content?: string;
    status?: string;
  }[],
  online: readonly string[],
): { key: string; storage: string; node: string }[] {
  const out: { key: string; storage: string; node: string }[] = [];
  const sharedDone = new Set<string>();
  for (const r of resources) {
    if (r.type !== "storage" || !r.storage || !r.node || !online.includes(r.node)) continue;
    if (!(r.content ?? "").split(",").includes("backup") || r.status !== "available") continue;
    if (r.shared) {
      if (sharedDone.has(r.storage)) continue;
      sharedDone.add(r.storage);
      out.push({ key: r.storage, storage: r.storage, node: r.node });
    } else {
      out.push({ key: `${r.storage}@${r.node}`, storage: r.storage, node: r.node });
    }
  }
  return out;
}
