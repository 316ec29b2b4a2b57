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
  checkContentRow,
  Jobs,
  logTexts,
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

  return {
    async readFacts(nowMs) {
      /** Tasks in this refresh's window: the cache keeps only their logs. */
      const seenUpids = new Set<string>();
      // Round 2 needs only the nodes and storages of `/cluster/resources`: those rows are checked
      // and round 2 is sent; the rest of round 1 (the guests are the bulk) is checked meanwhile.
      const [resourcesRes, jobsAnswer, permsAnswer] = await Promise.allSettled([
        api.get("/cluster/resources").then(checkNodesAndStorages),
        api.get("/cluster/backup"),
        api.get("/access/permissions"),
      ]);
      if (resourcesRes.status === "rejected") {
        return {
          cluster,
          reachable: false,
          error: describeFailure(resourcesRes.reason, "/cluster/resources"),
        };
      }
      const { resources, otherRows } = resourcesRes.value;
      const nodes: NodeState[] = toNodes(resources);
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
          .then((d) => readAttempts(Tasks.parse(d), seenUpids)),
      );
      const listings = backupStoragesToList(resources, online).map(({ key, storage, node }) =>
        listArchives(`/nodes/${node}/storage/${storage}/content`).then((archives) => ({ key, archives })),
      );
      let guests: Guest[];
      try {
        guests = toGuests(await checkInSlices(otherRows));
      } catch (err) {
        await Promise.allSettled([...storageRound, ...taskRound, ...listings]);
        return { cluster, reachable: false, error: describeFailure(err, "/cluster/resources") };
      }
      const problems: string[] = [];
      const permsRes = checked(permsAnswer, (d) => PermissionMap.parse(d));
      const permissions = permsRes.status === "fulfilled" ? permsRes.value : {};
      if (permsRes.status === "rejected") {
        problems.push(
          `cannot read the token's permissions: ${describeFailure(permsRes.reason, "/access/permissions")}`,
        );
      }
      const jobsRes = checked(jobsAnswer, (d) => Jobs.parse(d));
      const jobs: BackupJob[] = jobsRes.status === "fulfilled" ? jobsRes.value.map(toJob) : [];
      const jobsError =
        jobsRes.status === "rejected"
          ? `cannot read backup jobs: ${describeFailure(jobsRes.reason, "/cluster/backup")} (the token needs Sys.Audit on /)`
          : undefined;
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
      const lists: Archive[][] = [];
      for (const r of listingRes) {
        if (r.status === "rejected") {
          log.debug(`${cluster}: ${describeFailure(r.reason, "content")}`);
          continue;
        }
        listed.push(r.value.key);
        if (r.value.archives.length > 0) lists.push(r.value.archives);
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
        jobRows: jobsRes.status === "fulfilled" ? jobsRes.value : [],
        storages,
        listed,
        archives: mergeListings(lists),
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
   * A storage's backups. The listing can be tens of thousands of rows: they are checked and
   * mapped as the answer streams in (`getEach`), a piece at a time, never the whole answer's text
   * nor an array of all its raw rows; an archive keeps only its row's strings. A row PVE shaped
   * unexpectedly is skipped, not fatal.
   */
  async function listArchives(path: string): Promise<Archive[]> {
    const archives: Archive[] = [];
    let odd = 0;
    await api.getEach(path, { content: "backup" }, (raw) => {
      // The hand-written twin of `ContentRow.safeParse` (see wire.ts): no copy of each row.
      const row = checkContentRow(raw);
      const a = row ? toArchive(row) : undefined;
      if (a) archives.push(a);
      else if (!row) odd++;
    });
    if (odd > 0) log.warn(`${cluster}: skipped ${odd} storage content rows of unexpected shape`);
    return archives;
  }

  async function readAttempts(tasks: readonly TaskRow[], seen: Set<string>): Promise<Attempt[]> {
    for (const t of tasks) seen.add(t.upid);
    const logs = await Promise.all(
      tasks.map(async (t): Promise<TaskLogSummary | undefined> => {
        const cached = finishedLogs.get(t.upid);
        if (cached) return cached;
        try {
          // The node in the UPID is the one that has the log (reference §4.2); limit=0: all lines.
          const raw = await api.get(`/nodes/${t.node}/tasks/${encodeURIComponent(t.upid)}/log`, { limit: 0 });
          // The hand-written twin of `LogLines.safeParse` (see wire.ts), giving just the texts.
          const lines = logTexts(raw);
          if (!lines) throw new UpstreamError("unexpected answer from PVE for task log", { retryable: true });
          // A single-guest task names its guest in the UPID: that covers a job that failed in setup.
          const requestedVmids = t.id && /^\d+$/.test(t.id) ? [Number(t.id)] : [];
          const summary = parseTaskLog(lines, { requestedVmids });
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
 * `Resources.parse` of many rows, a slice at a time with the event loop turning in between: the
 * requests just sent are still opening connections (TLS handshakes) and writing, which one long
 * check would hold up.
 */
async function checkInSlices(rows: readonly unknown[]): Promise<ResourceRow[]> {
  const checked: ResourceRow[] = [];
  for (let i = 0; i < rows.length; i += RESOURCE_SLICE) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    checked.push(...Resources.parse(rows.slice(i, i + RESOURCE_SLICE)));
  }
  return checked;
}

const RESOURCE_SLICE = 100;

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
 * `/cluster/resources` with its node and storage rows checked (what the requests of round 2
 * need), the others (guests, pools, …) left to be checked by the caller.
 */
function checkNodesAndStorages(data: unknown): { resources: ResourceRow[]; otherRows: unknown[] } {
  if (!Array.isArray(data)) return { resources: Resources.parse(data), otherRows: [] }; // throws: no list
  const first: unknown[] = [];
  const otherRows: unknown[] = [];
  for (const row of data) {
    const type = typeof row === "object" && row !== null ? (row as { type?: unknown }).type : undefined;
    (type === "node" || type === "storage" ? first : otherRows).push(row);
  }
  return { resources: Resources.parse(first), otherRows };
}

/**
 * The archives of all listings, each volid once (the last listing's wins, at the place of its
 * first appearance): node-local storages of the same name list the same volids. A single
 * listing, the usual case, is taken as it is (PVE lists a volid once per storage).
 */
function mergeListings(lists: readonly Archive[][]): Archive[] {
  if (lists.length === 1) return lists[0] as Archive[];
  const byVolid = new Map<string, Archive>();
  for (const list of lists) for (const a of list) byVolid.set(a.volid, a);
  return [...byVolid.values()];
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
