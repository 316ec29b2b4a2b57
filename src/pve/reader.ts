import type {
  Archive,
  Attempt,
  BackupJob,
  ClusterFacts,
  Guest,
  NodeState,
  StorageView,
} from "../core/model.js";
import { hasPrivilege } from "../core/permissions.js";
import { parseTaskLog, type TaskLogSummary } from "../core/task-log.js";
import { UpstreamError } from "../errors.js";
import type { Logger } from "../log.js";
import type { PveApi } from "./api.js";
import { describeFailure } from "./api.js";
import { toArchive, toAttempts, toGuests, toJob, toNodes, toStorageView } from "./mapper.js";
import {
  ContentRow,
  Jobs,
  LogLines,
  NodeStorages,
  PermissionMap,
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
}

const DEFAULT_TASK_WINDOW_MS = 14 * 86_400_000;

/**
 * One refresh costs a fixed number of requests, whatever the number of guests or archives:
 * round 1 `/cluster/resources`, `/cluster/backup`, `/access/permissions`; round 2 per online
 * node its backup storages and vzdump tasks, and per backup storage its content (a shared
 * storage once, through one node); round 3 only the logs of tasks not seen finished before.
 */
export function createPveReader(deps: PveReaderDeps): PveReader {
  const { api, cluster, log } = deps;
  const windowMs = deps.taskWindowMs ?? DEFAULT_TASK_WINDOW_MS;
  /** Logs of finished tasks never change: read each once. */
  const finishedLogs = new Map<string, TaskLogSummary>();
  let seenUpids = new Set<string>();

  return {
    async readFacts(nowMs) {
      seenUpids = new Set();
      const [resourcesRes, jobsRes, permsRes] = await Promise.allSettled([
        api.get("/cluster/resources").then((d) => Resources.parse(d)),
        api.get("/cluster/backup").then((d) => Jobs.parse(d)),
        api.get("/access/permissions").then((d) => PermissionMap.parse(d)),
      ]);
      if (resourcesRes.status === "rejected") {
        return {
          cluster,
          reachable: false,
          error: describeFailure(resourcesRes.reason, "/cluster/resources"),
        };
      }
      const problems: string[] = [];
      const resources = resourcesRes.value;
      const nodes: NodeState[] = toNodes(resources);
      const guests: Guest[] = toGuests(resources);
      const permissions = permsRes.status === "fulfilled" ? permsRes.value : {};
      if (permsRes.status === "rejected") {
        problems.push(
          `cannot read the token's permissions: ${describeFailure(permsRes.reason, "/access/permissions")}`,
        );
      }
      const jobs: BackupJob[] = jobsRes.status === "fulfilled" ? jobsRes.value.map(toJob) : [];
      const jobsError =
        jobsRes.status === "rejected"
          ? `cannot read backup jobs: ${describeFailure(jobsRes.reason, "/cluster/backup")} (the token needs Sys.Audit on /)`
          : undefined;

      const online = nodes.filter((n) => n.online).map((n) => n.name);
      const sinceSec = Math.floor((nowMs - windowMs) / 1000);
      const storageRound = online.map((node) =>
        api
          .get(`/nodes/${node}/storage`, { content: "backup" })
          .then((d) => NodeStorages.parse(d).map((r) => toStorageView(node, r))),
      );
      // Each node's task logs are read as soon as its task list is in, beside the listings.
      const taskRound = online.map((node) =>
        api
          .get(`/nodes/${node}/tasks`, { typefilter: "vzdump", source: "all", since: sinceSec, limit: 1000 })
          .then((d) => readAttempts(Tasks.parse(d))),
      );
      const listings = backupStoragesToList(resources, online).map(({ key, storage, node }) =>
        api
          .get(`/nodes/${node}/storage/${storage}/content`, { content: "backup" })
          .then((d) => ({ key, archives: toArchives(d) })),
      );
      const [storageRes, taskRes, listingRes] = await Promise.all([
        Promise.allSettled(storageRound),
        Promise.allSettled(taskRound),
        Promise.allSettled(listings),
      ]);

      const storages: StorageView[] = [];
      storageRes.forEach((r, i) => {
        if (r.status === "fulfilled") storages.push(...r.value);
        else
          problems.push(`cannot read storages of node ${online[i]}: ${describeFailure(r.reason, "storage")}`);
      });

      const listed: string[] = [];
      const byVolid = new Map<string, Archive>();
      for (const r of listingRes) {
        if (r.status === "rejected") {
          log.debug(`${cluster}: ${describeFailure(r.reason, "content")}`);
          continue;
        }
        listed.push(r.value.key);
        for (const a of r.value.archives) byVolid.set(a.volid, a);
      }

      const attempts: Attempt[] = [];
      taskRes.forEach((r, i) => {
        const node = online[i] as string;
        if (r.status === "fulfilled") attempts.push(...r.value);
        else problems.push(`cannot read backup tasks of node ${node}: ${describeFailure(r.reason, "tasks")}`);
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
        storages,
        listed,
        archives: [...byVolid.values()],
        attempts,
        permissions,
        jobsError,
        problems,
      };
    },
  };

  /** Only tasks still in the window are worth remembering. */
  function forgetLogsNotIn(seen: ReadonlySet<string>): void {
    for (const upid of finishedLogs.keys()) if (!seen.has(upid)) finishedLogs.delete(upid);
  }

  /**
   * Content rows are checked and mapped one at a time: a listing of tens of thousands of
   * archives never exists twice in memory. A row PVE shaped unexpectedly is skipped, not fatal.
   */
  function toArchives(data: unknown): Archive[] {
    if (!Array.isArray(data))
      throw new UpstreamError("unexpected answer from PVE for storage content", { retryable: true });
    const archives: Archive[] = [];
    let odd = 0;
    for (const raw of data) {
      const row = ContentRow.safeParse(raw);
      const a = row.success ? toArchive(row.data) : undefined;
      if (a) archives.push(a);
      else if (!row.success) odd++;
    }
    if (odd > 0) log.warn(`${cluster}: skipped ${odd} storage content rows of unexpected shape`);
    return archives;
  }

  async function readAttempts(tasks: readonly TaskRow[]): Promise<Attempt[]> {
    for (const t of tasks) seenUpids.add(t.upid);
    const logs = await Promise.all(
      tasks.map(async (t): Promise<TaskLogSummary | undefined> => {
        const cached = finishedLogs.get(t.upid);
        if (cached) return cached;
        try {
          // The node in the UPID is the one that has the log (reference §4.2); limit=0: all lines.
          const lines = LogLines.parse(
            await api.get(`/nodes/${t.node}/tasks/${encodeURIComponent(t.upid)}/log`, { limit: 0 }),
          );
          // A single-guest task names its guest in the UPID: that covers a job that failed in setup.
          const requestedVmids = t.id && /^\d+$/.test(t.id) ? [Number(t.id)] : [];
          const summary = parseTaskLog(
            lines.map((l) => l.t),
            { requestedVmids },
          );
          if (t.endtime !== undefined && summary.jobOutcome !== "running") finishedLogs.set(t.upid, summary);
          return summary;
        } catch (err) {
          log.warn(`${cluster}: cannot read log of ${t.upid}: ${describeFailure(err, "task log")}`);
          return undefined;
        }
      }),
    );
    return tasks.flatMap((t, i) => toAttempts(t, logs[i]));
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
